"""Datasets: import (from a source or an upload), list, show, versions, preview."""

from __future__ import annotations

import re
import shutil
import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile, status

from loom.api.deps import CurrentPrincipal, SessionDep, StateDep
from loom.core.errors import InvalidInputError
from loom.core.pages import Page
from loom.data import service
from loom.data.dataset_schemas import (
    DatasetImport,
    DatasetPreview,
    DatasetPublic,
    DatasetVersionPublic,
)
from loom.data.schemas import FileSource
from loom.jobs.schemas import JobPublic

router = APIRouter(prefix="/datasets", tags=["datasets"])
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


@router.post("/imports", status_code=status.HTTP_202_ACCEPTED)
def import_dataset(
    body: DatasetImport,
    principal: CurrentPrincipal,
    session: SessionDep,
    state: StateDep,
) -> JobPublic:
    """Start an import job; poll the job, then read the dataset."""
    job = service.start_import(
        session,
        workspace_id=principal.workspace_id,
        request=body,
        data_roots=state.settings.resolved_data_roots,
    )
    if state.dispatcher is not None:
        state.dispatcher.wake()
    return job


@router.post("/uploads", status_code=status.HTTP_202_ACCEPTED)
def upload_dataset(
    name: Annotated[str, Form()],
    file: Annotated[UploadFile, File()],
    principal: CurrentPrincipal,
    session: SessionDep,
    state: StateDep,
) -> JobPublic:
    """Upload a CSV, Parquet or JSON-lines file and import it as a dataset."""
    filename = (
        _SAFE_NAME.sub("_", file.filename or "upload.csv").strip("._") or "upload.csv"
    )
    target_dir = state.settings.uploads_dir / principal.workspace_id / uuid.uuid4().hex
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / filename
    with target.open("wb") as out:
        shutil.copyfileobj(file.file, out, length=1 << 20)
    try:
        request = DatasetImport(name=name, source=FileSource(path=str(target)))
    except ValueError as exc:
        shutil.rmtree(target_dir, ignore_errors=True)
        raise InvalidInputError(f"invalid dataset name {name!r}: {exc}") from None
    return import_dataset(request, principal, session, state)


@router.get("")
def list_datasets(
    principal: CurrentPrincipal, session: SessionDep
) -> Page[DatasetPublic]:
    """The workspace's datasets."""
    return service.list_datasets(session, workspace_id=principal.workspace_id)


@router.get("/{dataset}")
def get_dataset(
    dataset: str, principal: CurrentPrincipal, session: SessionDep
) -> DatasetPublic:
    """A dataset (by id or name) and its latest version's schema."""
    return service.get_dataset(
        session, workspace_id=principal.workspace_id, ref=dataset
    )


@router.get("/{dataset}/versions")
def list_versions(
    dataset: str, principal: CurrentPrincipal, session: SessionDep
) -> Page[DatasetVersionPublic]:
    """All versions of a dataset, newest first."""
    return service.list_versions(
        session, workspace_id=principal.workspace_id, ref=dataset
    )


@router.get("/{dataset}/versions/{version}")
def get_version(
    dataset: str, version: int, principal: CurrentPrincipal, session: SessionDep
) -> DatasetVersionPublic:
    """One version of a dataset."""
    return service.get_version(
        session, workspace_id=principal.workspace_id, ref=dataset, version=version
    )


@router.get("/{dataset}/preview")
def preview(
    dataset: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    version: int | None = None,
) -> DatasetPreview:
    """Sampled rows of a version (the latest by default)."""
    return service.get_preview(
        session, workspace_id=principal.workspace_id, ref=dataset, version=version
    )
