"""Endpoints: deploy, redeploy, delete, list; endpoint tokens; predict; batch jobs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loom.auth import service as auth_service
from loom.auth.schemas import Principal, TokenPublic
from loom.core.clock import utcnow
from loom.core.errors import ConflictError, InvalidInputError, NotFoundError
from loom.core.ids import new_id
from loom.core.pages import Page
from loom.data import service as data_service
from loom.jobs import queue
from loom.jobs.schemas import JobPublic
from loom.registry import service as registry_service
from loom.registry.orm import SqlRegisteredModel
from loom.serving.orm import SqlEndpoint
from loom.serving.runtime import EndpointRuntime
from loom.serving.schemas import (
    BatchPredictionCreate,
    EndpointCreate,
    EndpointPublic,
    EndpointUpdate,
    PredictResponse,
)
from loom.storage.queries import find_by_ref

BATCH_JOB = "batch.predict"
MAX_RECORDS = 10_000


def find_endpoint(
    session: Session, *, workspace_id: str, ref: str
) -> SqlEndpoint | None:
    """An endpoint row by id or name, or None."""
    return find_by_ref(session, SqlEndpoint, workspace_id=workspace_id, ref=ref)


def _require(session: Session, workspace_id: str, ref: str) -> SqlEndpoint:
    row = find_endpoint(session, workspace_id=workspace_id, ref=ref)
    if row is None:
        raise NotFoundError(f"endpoint not found: {ref}")
    return row


def _public(session: Session, row: SqlEndpoint) -> EndpointPublic:
    model = session.get(SqlRegisteredModel, row.model_id)
    assert model is not None
    _, version = registry_service.resolve_version_row(
        session,
        workspace_id=row.workspace_id,
        ref=model.id,
        version=row.model_version if row.alias is None else None,
        alias=row.alias,
    )
    return EndpointPublic(
        id=row.id,
        name=row.name,
        model_name=model.name,
        model_version=version.version,
        alias=row.alias,
        state="ready",
        task=version.task,
        input_schema=version.input_schema,
        url=f"/api/v1/endpoints/{row.name}/predict",
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def create_endpoint(
    session: Session, *, workspace_id: str, request: EndpointCreate
) -> EndpointPublic:
    """Deploy a version (pinned) or an alias (follows the alias when it moves)."""
    if find_endpoint(session, workspace_id=workspace_id, ref=request.name):
        raise ConflictError(f"endpoint '{request.name}' already exists")
    model, version = registry_service.resolve_version_row(
        session,
        workspace_id=workspace_id,
        ref=request.model,
        version=request.version,
        alias=request.alias,
    )
    row = SqlEndpoint(
        id=new_id("ep"),
        workspace_id=workspace_id,
        name=request.name,
        model_id=model.id,
        model_version=None if request.alias else version.version,
        alias=request.alias,
    )
    session.add(row)
    session.flush()
    return _public(session, row)


def update_endpoint(
    session: Session, *, workspace_id: str, ref: str, request: EndpointUpdate
) -> EndpointPublic:
    """Point an endpoint at another version, alias or model."""
    row = _require(session, workspace_id, ref)
    model_ref = request.model or row.model_id
    model, version = registry_service.resolve_version_row(
        session,
        workspace_id=workspace_id,
        ref=model_ref,
        version=request.version,
        alias=request.alias,
    )
    row.model_id = model.id
    row.alias = request.alias
    row.model_version = None if request.alias else version.version
    row.updated_at = utcnow()
    session.flush()
    return _public(session, row)


def delete_endpoint(session: Session, *, workspace_id: str, ref: str) -> None:
    """Remove an endpoint (its tokens stop working with it)."""
    session.delete(_require(session, workspace_id, ref))


def get_endpoint(session: Session, *, workspace_id: str, ref: str) -> EndpointPublic:
    """An endpoint and the version it serves."""
    return _public(session, _require(session, workspace_id, ref))


def list_endpoints(session: Session, *, workspace_id: str) -> Page[EndpointPublic]:
    """The workspace's endpoints."""
    rows = session.scalars(
        select(SqlEndpoint)
        .where(SqlEndpoint.workspace_id == workspace_id)
        .order_by(SqlEndpoint.name)
    ).all()
    items = [_public(session, r) for r in rows]
    return Page[EndpointPublic](items=items, total=len(items))


def issue_endpoint_token(
    session: Session, *, workspace_id: str, ref: str, name: str
) -> TokenPublic:
    """A token that can call predict on this endpoint and nothing else."""
    row = _require(session, workspace_id, ref)
    return auth_service.issue_token(
        session,
        workspace_id=workspace_id,
        name=name,
        scope="endpoint",
        endpoint_id=row.id,
    )


def resolve_endpoint_target(
    session: Session, *, workspace_id: str, ref: str
) -> dict[str, Any]:
    """What an endpoint serves right now: model name, version and artifact key."""
    row = _require(session, workspace_id, ref)
    model, version = registry_service.resolve_version_row(
        session,
        workspace_id=workspace_id,
        ref=row.model_id,
        version=row.model_version if row.alias is None else None,
        alias=row.alias,
    )
    return {
        "endpoint_id": row.id,
        "model_name": model.name,
        "model_version": version.version,
        "artifact_key": version.artifact_key,
    }


def predict(
    runtime: EndpointRuntime, principal: Principal, ref: str, payload: Any
) -> PredictResponse:
    """Score records on an endpoint; the hot path of online serving.

    Raises:
        NotFoundError: unknown endpoint, or an endpoint token for another endpoint
            (it must not learn that other endpoints exist).
        InvalidInputError: a payload that is not ``{"records": [...]}`` or a record
            with a missing, unknown or mistyped column.
    """
    if principal.scope == "endpoint" and principal.endpoint_id != runtime.endpoint_id:
        raise NotFoundError(f"endpoint not found: {ref}")
    records = payload.get("records") if isinstance(payload, dict) else None
    if not isinstance(records, list) or not records:
        raise InvalidInputError(
            'the body must be {"records": [{column: value, ...}, ...]}'
        )
    if len(records) > MAX_RECORDS:
        raise InvalidInputError(
            f"at most {MAX_RECORDS} records per call; got {len(records)}"
        )
    out = runtime.bundle.predict_records(records)
    return PredictResponse(
        predictions=out["predictions"],
        probabilities=out.get("probabilities"),
        model_name=runtime.model_name,
        model_version=runtime.model_version,
    )


def start_batch_prediction(
    session: Session, *, workspace_id: str, request: BatchPredictionCreate
) -> JobPublic:
    """Check the model and dataset exist, then queue a ``batch.predict`` job."""
    model, version = registry_service.resolve_version_row(
        session,
        workspace_id=workspace_id,
        ref=request.model,
        version=request.version,
        alias=request.alias,
    )
    dataset = data_service.get_version_row(
        session,
        workspace_id=workspace_id,
        ref=request.dataset,
        version=request.dataset_version,
    )
    return queue.enqueue(
        session,
        workspace_id=workspace_id,
        job_type=BATCH_JOB,
        params={
            "model_id": model.id,
            "model_version": version.version,
            "dataset_id": dataset.dataset_id,
            "dataset_version": dataset.version,
            "output_name": request.output_name,
        },
        retry_safe=True,
        max_attempts=2,
    )
