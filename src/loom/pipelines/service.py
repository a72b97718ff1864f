"""Stored pipelines: validate against workspace datasets, create, version, quick-run.

Source nodes name datasets; this module resolves them to the workspace's
dataset versions (schema for validation, Parquet artifact for runs). A dataset
of another workspace resolves to nothing, so validation reports it missing,
exactly like a dataset that does not exist.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import json
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from loom.core.clock import utcnow
from loom.core.errors import ConflictError, InvalidInputError, NotFoundError
from loom.core.ids import new_id
from loom.core.pages import Page
from loom.data.orm import SqlDataset, SqlDatasetVersion
from loom.data.service import get_version_row
from loom.jobs.orm import SqlJob
from loom.pipelines.orm import SqlPipeline, SqlPipelineRun, SqlPipelineVersion
from loom.pipelines.results import PipelineResult
from loom.pipelines.schema import Schema
from loom.pipelines.schemas import (
    PipelineCreate,
    PipelinePublic,
    PipelineUpdate,
    PipelineValidate,
    QuickRequest,
    SchedulePublic,
    SpecInput,
    ValidationReport,
)
from loom.pipelines.spec import PipelineSpec, load_spec, loads_spec
from loom.storage.artifacts import ArtifactStore
from loom.storage.queries import find_by_ref, next_number

QUICK_TIMEOUT_S = 120.0
# Dataset profiles speak in logical types; pipelines in their seven portable ones.
_LOGICAL_TO_PORTABLE = {
    "integer": "integer",
    "float": "number",
    "boolean": "boolean",
    "string": "string",
    "datetime": "timestamp",
    "date": "date",
}


def parse_spec(body: SpecInput, *, name: str | None = None) -> PipelineSpec:
    """The spec of a request given as ``spec`` (JSON object) or ``yaml`` (text).

    A JSON spec without ``name`` takes the resource's; a stored pipeline's spec
    always carries the resource name, so the two never disagree.

    Raises:
        InvalidInputError: neither or both forms given, or an unparseable spec.
    """
    if (body.spec is None) == (body.yaml is None):
        raise InvalidInputError("give the pipeline as exactly one of 'spec' or 'yaml'")
    if body.spec is not None:
        data = dict(body.spec)
        data.setdefault("name", name or "pipeline")
        spec = load_spec(data)
    else:
        spec = loads_spec(body.yaml or "")
    if name is not None and spec.name != name:
        spec = spec.model_copy(update={"name": name})
    return spec


def column_schema(columns: list[dict[str, Any]]) -> Schema:
    """A dataset version's stored columns as a pipeline schema."""
    pairs = []
    for column in columns:
        kind = _LOGICAL_TO_PORTABLE.get(column.get("logical_type", ""))
        if kind is None:
            physical = str(column.get("physical_type", "")).lower()
            kind = "list" if physical.startswith(("list", "large_list")) else "string"
        pairs.append((column["name"], kind))
    return Schema.of(pairs)


def resolve_sources(
    session: Session, *, workspace_id: str, spec: PipelineSpec
) -> dict[str, SqlDatasetVersion]:
    """Source key (``name`` or ``name@version``) → the workspace's dataset version.

    Keys that do not resolve are left out; validation names them.
    """
    from loom.pipelines.validate import source_refs

    found: dict[str, SqlDatasetVersion] = {}
    for key in source_refs(spec):
        name, _, version = key.partition("@")
        with contextlib.suppress(NotFoundError):
            found[key] = get_version_row(
                session,
                workspace_id=workspace_id,
                ref=name,
                version=int(version) if version else None,
            )
    return found


def source_record(
    session: Session, rows: dict[str, SqlDatasetVersion]
) -> dict[str, Any]:
    """What a run stores about its sources: dataset, version and artifact."""
    record = {}
    for key, row in rows.items():
        dataset = session.get(SqlDataset, row.dataset_id)
        record[key] = {
            "dataset": dataset.name if dataset else key,
            "dataset_id": row.dataset_id,
            "version": row.version,
            "artifact_key": row.artifact_key,
        }
    return record


def check_spec(
    session: Session,
    *,
    workspace_id: str,
    spec: PipelineSpec,
    variables: dict[str, Any] | None = None,
) -> None:
    """Raise the first validation error (all issues in ``details``) or return."""
    from loom.pipelines.validate import raise_if_invalid

    rows = resolve_sources(session, workspace_id=workspace_id, spec=spec)
    schemas = {k: column_schema(r.columns) for k, r in rows.items()}
    raise_if_invalid(spec, schemas, variables)


def validate_spec(
    session: Session, *, workspace_id: str, request: PipelineValidate
) -> ValidationReport:
    """Every issue of a spec, with inferred schemas; nothing is stored."""
    from loom.pipelines.validate import check

    try:
        spec = parse_spec(request)
    except InvalidInputError as exc:
        issue = {"code": "invalid_spec", "severity": "error", "message": exc.message}
        return ValidationReport(
            valid=False, issues=[{**issue, "details": exc.details}], schemas={}
        )
    rows = resolve_sources(session, workspace_id=workspace_id, spec=spec)
    schemas = {k: column_schema(r.columns) for k, r in rows.items()}
    checked = check(spec, schemas, request.variables)
    return ValidationReport(
        valid=not checked.errors,
        issues=[i.model_dump() for i in checked.issues],
        schemas={
            node: {port: s.as_records() for port, s in ports.items()}
            for node, ports in checked.schemas.items()
        },
        canonical_json=spec.canonical_json(),
    )


def find_pipeline(session: Session, *, workspace_id: str, ref: str) -> SqlPipeline:
    """A pipeline by id or name in the workspace, or ``NotFoundError``."""
    row = find_by_ref(session, SqlPipeline, workspace_id=workspace_id, ref=ref)
    if row is None:
        raise NotFoundError(f"pipeline not found: {ref}")
    return row


def version_row(
    session: Session, pipeline: SqlPipeline, version: int | None = None
) -> SqlPipelineVersion:
    """One version of a pipeline (the latest when ``version`` is None)."""
    query = select(SqlPipelineVersion).where(
        SqlPipelineVersion.pipeline_id == pipeline.id
    )
    if version is not None:
        query = query.where(SqlPipelineVersion.version == version)
    row = session.scalar(query.order_by(SqlPipelineVersion.version.desc()).limit(1))
    if row is None:
        raise NotFoundError(f"pipeline '{pipeline.name}' has no version {version}")
    return row


def _add_version(session: Session, pipeline: SqlPipeline, spec: PipelineSpec) -> int:
    text = spec.canonical_json()
    number = next_number(
        session,
        SqlPipelineVersion.version,
        SqlPipelineVersion.pipeline_id == pipeline.id,
    )
    session.add(
        SqlPipelineVersion(
            id=new_id("plv"),
            pipeline_id=pipeline.id,
            version=number,
            spec=json.loads(text),
            spec_hash=hashlib.sha256(text.encode()).hexdigest(),
        )
    )
    session.flush()
    return number


def to_public(
    session: Session, pipeline: SqlPipeline, version: int | None = None
) -> PipelinePublic:
    """A pipeline at ``version`` (latest by default) with schedule and last run."""
    from loom.pipelines.jobs import run_public

    row = version_row(session, pipeline, version)
    latest = row if version is None else version_row(session, pipeline)
    last = session.execute(
        select(SqlPipelineRun, SqlJob)
        .join(SqlJob, SqlJob.id == SqlPipelineRun.job_id)
        .where(SqlPipelineRun.pipeline_id == pipeline.id)
        .order_by(SqlPipelineRun.created_at.desc())
        .limit(1)
    ).first()
    schedule = None
    if pipeline.schedule is not None:
        schedule = SchedulePublic(**pipeline.schedule, next_run_at=pipeline.next_run_at)
    return PipelinePublic(
        id=pipeline.id,
        name=pipeline.name,
        description=pipeline.description,
        version=row.version,
        latest_version=latest.version,
        spec=row.spec,
        spec_hash=row.spec_hash,
        created_at=pipeline.created_at,
        updated_at=pipeline.updated_at,
        schedule=schedule,
        last_run=run_public(pipeline.name, *last) if last else None,
    )


def create_pipeline(
    session: Session, *, workspace_id: str, request: PipelineCreate
) -> PipelinePublic:
    """Validate and store a new pipeline as version 1."""
    spec = parse_spec(request, name=request.name)
    if find_by_ref(session, SqlPipeline, workspace_id=workspace_id, ref=request.name):
        raise ConflictError(f"pipeline '{request.name}' already exists; update it")
    check_spec(session, workspace_id=workspace_id, spec=spec)
    pipeline = SqlPipeline(
        id=new_id("pl"),
        workspace_id=workspace_id,
        name=request.name,
        description=request.description,
    )
    session.add(pipeline)
    session.flush()
    _add_version(session, pipeline, spec)
    return to_public(session, pipeline)


def update_pipeline(
    session: Session, *, workspace_id: str, ref: str, request: PipelineUpdate
) -> PipelinePublic:
    """A new version when the canonical spec changed; the same one otherwise."""
    pipeline = find_pipeline(session, workspace_id=workspace_id, ref=ref)
    if request.spec is not None or request.yaml is not None:
        spec = parse_spec(request, name=pipeline.name)
        check_spec(session, workspace_id=workspace_id, spec=spec)
        digest = hashlib.sha256(spec.canonical_json().encode()).hexdigest()
        if digest != version_row(session, pipeline).spec_hash:
            _add_version(session, pipeline, spec)
            pipeline.updated_at = utcnow()
    if request.description is not None:
        pipeline.description = request.description
        pipeline.updated_at = utcnow()
    return to_public(session, pipeline)


def get_pipeline(
    session: Session, *, workspace_id: str, ref: str, version: int | None = None
) -> PipelinePublic:
    """A pipeline at one version (latest by default)."""
    pipeline = find_pipeline(session, workspace_id=workspace_id, ref=ref)
    return to_public(session, pipeline, version)


def list_pipelines(session: Session, *, workspace_id: str) -> Page[PipelinePublic]:
    """The workspace's pipelines, most recently updated first."""
    rows = session.scalars(
        select(SqlPipeline)
        .where(SqlPipeline.workspace_id == workspace_id)
        .order_by(SqlPipeline.updated_at.desc())
    ).all()
    items = [to_public(session, r) for r in rows]
    return Page[PipelinePublic](items=items, total=len(items))


def delete_pipeline(session: Session, *, workspace_id: str, ref: str) -> None:
    """Delete a pipeline, its versions, schedule and run history.

    Datasets its runs registered stay: they are data in their own right.

    Raises:
        ConflictError: a run of it is still queued or running.
    """
    pipeline = find_pipeline(session, workspace_id=workspace_id, ref=ref)
    active = session.scalar(
        select(SqlPipelineRun.id)
        .join(SqlJob, SqlJob.id == SqlPipelineRun.job_id)
        .where(
            SqlPipelineRun.pipeline_id == pipeline.id,
            SqlJob.state.in_(["queued", "running"]),
        )
        .limit(1)
    )
    if active is not None:
        raise ConflictError(
            f"pipeline '{pipeline.name}' has run {active} in progress; cancel it first"
        )
    session.execute(
        delete(SqlPipelineRun).where(SqlPipelineRun.pipeline_id == pipeline.id)
    )
    session.execute(
        delete(SqlPipelineVersion).where(SqlPipelineVersion.pipeline_id == pipeline.id)
    )
    session.delete(pipeline)


def quick_run(
    session: Session,
    artifacts: ArtifactStore,
    *,
    workspace_id: str,
    ref: str,
    request: QuickRequest,
    scratch: Path,
) -> PipelineResult:
    """Run the latest version on a sample of every source, in a thread, ≤ 120 s.

    Raises:
        InvalidInputError: the spec does not validate, or the run took too long.
    """
    from loom.pipelines.engine import Sample, run_pipeline

    pipeline = find_pipeline(session, workspace_id=workspace_id, ref=ref)
    spec = load_spec(version_row(session, pipeline).spec)
    rows = resolve_sources(session, workspace_id=workspace_id, spec=spec)
    check_spec(
        session, workspace_id=workspace_id, spec=spec, variables=request.variables
    )
    sample = Sample(**request.sample.model_dump()) if request.sample else Sample()
    scratch.mkdir(parents=True, exist_ok=True)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=scratch)))
        paths = {
            key: stack.enter_context(artifacts.local_path(row.artifact_key))
            for key, row in rows.items()
        }
        future = pool.submit(
            run_pipeline,
            spec,
            sources=paths,
            workdir=workdir,
            variables=request.variables,
            sample=sample,
            memory_limit="1GB",
        )
        try:
            return future.result(timeout=QUICK_TIMEOUT_S)
        except concurrent.futures.TimeoutError:
            raise InvalidInputError(
                f"quick run of '{pipeline.name}' took over {QUICK_TIMEOUT_S:.0f} s; "
                "sample fewer rows"
            ) from None
        finally:
            pool.shutdown(wait=False)
