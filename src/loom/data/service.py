"""Datasets: start imports, register versions, list, show and preview."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loom.core.clock import utcnow
from loom.core.errors import InvalidInputError, NotFoundError
from loom.core.ids import new_id
from loom.core.pages import Page
from loom.data.dataset_schemas import (
    DatasetImport,
    DatasetPreview,
    DatasetPublic,
    DatasetVersionPublic,
)
from loom.data.orm import SqlDataset, SqlDatasetVersion
from loom.data.schemas import ColumnSchema, FileSource, ImageFolderSource
from loom.jobs import queue
from loom.jobs.schemas import JobPublic
from loom.storage.queries import find_by_ref, next_number

IMPORT_JOB = "dataset.import"


def _version_public(row: SqlDatasetVersion) -> DatasetVersionPublic:
    return DatasetVersionPublic(
        version=row.version,
        content_hash=row.content_hash,
        row_count=row.row_count,
        size_bytes=row.size_bytes,
        columns=[ColumnSchema.model_validate(c) for c in row.columns],
        source=row.source,
        created_at=row.created_at,
        job_id=row.job_id,
    )


def _latest(session: Session, dataset_id: str) -> SqlDatasetVersion | None:
    return session.scalar(
        select(SqlDatasetVersion)
        .where(SqlDatasetVersion.dataset_id == dataset_id)
        .order_by(SqlDatasetVersion.version.desc())
        .limit(1)
    )


def _dataset_public(session: Session, row: SqlDataset) -> DatasetPublic:
    latest = _latest(session, row.id)
    return DatasetPublic(
        id=row.id,
        name=row.name,
        description=row.description,
        created_at=row.created_at,
        updated_at=row.updated_at,
        latest_version=_version_public(latest) if latest else None,
    )


def start_import(
    session: Session,
    *,
    workspace_id: str,
    request: DatasetImport,
    data_roots: list[Path],
) -> JobPublic:
    """Queue an import job after the checks that need no I/O beyond a stat.

    A file or image folder outside the data roots is refused here, before any
    job exists; a relative path is read against the first data root.
    """
    if isinstance(request.source, FileSource | ImageFolderSource):
        from functools import partial

        from loom.data.images import resolve_folder
        from loom.data.importing import resolve_in_roots

        path = Path(request.source.path)
        if not path.is_absolute() and data_roots:
            path = data_roots[0] / path
        if isinstance(request.source, ImageFolderSource):
            resolved = resolve_folder(path, partial(resolve_in_roots, roots=data_roots))
        else:
            resolved = resolve_in_roots(path, data_roots)
        request = request.model_copy(
            update={"source": request.source.model_copy(update={"path": str(resolved)})}
        )
    return queue.enqueue(
        session,
        workspace_id=workspace_id,
        job_type=IMPORT_JOB,
        params=request.model_dump(mode="json"),
        retry_safe=True,
        max_attempts=2,
    )


def find_dataset(session: Session, *, workspace_id: str, ref: str) -> SqlDataset | None:
    """A dataset row by id or name within the workspace."""
    return find_by_ref(session, SqlDataset, workspace_id=workspace_id, ref=ref)


def _require(session: Session, workspace_id: str, ref: str) -> SqlDataset:
    row = find_dataset(session, workspace_id=workspace_id, ref=ref)
    if row is None:
        raise NotFoundError(f"dataset not found: {ref}")
    return row


def get_dataset(session: Session, *, workspace_id: str, ref: str) -> DatasetPublic:
    """A dataset by id or name, with its latest version."""
    return _dataset_public(session, _require(session, workspace_id, ref))


def list_datasets(session: Session, *, workspace_id: str) -> Page[DatasetPublic]:
    """The workspace's datasets, most recently updated first."""
    rows = session.scalars(
        select(SqlDataset)
        .where(SqlDataset.workspace_id == workspace_id)
        .order_by(SqlDataset.updated_at.desc())
    ).all()
    items = [_dataset_public(session, r) for r in rows]
    return Page[DatasetPublic](items=items, total=len(items))


def list_versions(
    session: Session, *, workspace_id: str, ref: str
) -> Page[DatasetVersionPublic]:
    """Every version of a dataset, newest first."""
    dataset = _require(session, workspace_id, ref)
    rows = session.scalars(
        select(SqlDatasetVersion)
        .where(SqlDatasetVersion.dataset_id == dataset.id)
        .order_by(SqlDatasetVersion.version.desc())
    ).all()
    return Page[DatasetVersionPublic](
        items=[_version_public(r) for r in rows], total=len(rows)
    )


def get_version_row(
    session: Session, *, workspace_id: str, ref: str, version: int | None = None
) -> SqlDatasetVersion:
    """The row of a dataset version (latest when ``version`` is None)."""
    dataset = _require(session, workspace_id, ref)
    if version is None:
        row = _latest(session, dataset.id)
    else:
        row = session.scalar(
            select(SqlDatasetVersion).where(
                SqlDatasetVersion.dataset_id == dataset.id,
                SqlDatasetVersion.version == version,
            )
        )
    if row is None:
        which = "any version" if version is None else f"version {version}"
        raise NotFoundError(f"dataset '{dataset.name}' has no {which}")
    return row


def get_version(
    session: Session, *, workspace_id: str, ref: str, version: int | None = None
) -> DatasetVersionPublic:
    """A dataset version as shown to callers."""
    return _version_public(
        get_version_row(session, workspace_id=workspace_id, ref=ref, version=version)
    )


def get_preview(
    session: Session, *, workspace_id: str, ref: str, version: int | None = None
) -> DatasetPreview:
    """The stored sample rows of a version."""
    row = get_version_row(session, workspace_id=workspace_id, ref=ref, version=version)
    return DatasetPreview(
        dataset_id=row.dataset_id,
        version=row.version,
        columns=[c["name"] for c in row.columns],
        rows=row.preview,
    )


def register_version(
    session: Session,
    *,
    workspace_id: str,
    name: str,
    description: str,
    dataset_id: str,
    content_hash: str,
    row_count: int,
    size_bytes: int,
    columns: list[dict[str, Any]],
    preview: list[dict[str, Any]],
    source: dict[str, Any],
    artifact_key: str,
    job_id: str | None,
) -> tuple[str, int]:
    """Record a new version whose Parquet is already in the artifact store.

    Importing data identical to the latest version returns that version instead of
    adding a duplicate. Returns ``(dataset_id, version)``.
    """
    dataset = find_dataset(session, workspace_id=workspace_id, ref=name)
    if dataset is None:
        dataset = SqlDataset(
            id=dataset_id, workspace_id=workspace_id, name=name, description=description
        )
        session.add(dataset)
        session.flush()
    latest = _latest(session, dataset.id)
    if latest is not None and latest.content_hash == content_hash:
        return dataset.id, latest.version
    number = next_number(
        session, SqlDatasetVersion.version, SqlDatasetVersion.dataset_id == dataset.id
    )
    session.add(
        SqlDatasetVersion(
            id=new_id("dsv"),
            workspace_id=workspace_id,
            dataset_id=dataset.id,
            version=number,
            content_hash=content_hash,
            row_count=row_count,
            size_bytes=size_bytes,
            columns=columns,
            preview=preview,
            source=source,
            artifact_key=artifact_key,
            job_id=job_id,
        )
    )
    dataset.updated_at = utcnow()
    if description:
        dataset.description = description
    return dataset.id, number


def dataset_artifact_key(workspace_id: str, dataset_id: str, content_hash: str) -> str:
    """Where a version's Parquet lives: content-addressed, so re-imports are no-ops."""
    return (
        f"workspaces/{workspace_id}/datasets/{dataset_id}/{content_hash}/data.parquet"
    )


def check_columns_exist(
    version: SqlDatasetVersion, names: list[str], *, role: str
) -> None:
    """Raise an error naming the first column missing from a version's schema."""
    known = [c["name"] for c in version.columns]
    for name in names:
        if name not in known:
            raise InvalidInputError(
                f"{role} column '{name}' does not exist in the dataset; "
                f"columns are: {', '.join(known)}",
                details={"column": name, "columns": known},
            )
