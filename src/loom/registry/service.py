"""Registered models: register run models as versions, aliases, lookups."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from loom.core.errors import ConflictError, InvalidInputError, NotFoundError
from loom.core.ids import new_id
from loom.core.pages import Page
from loom.jobs.orm import SqlJob
from loom.registry.orm import SqlModelAlias, SqlModelVersion, SqlRegisteredModel
from loom.registry.schemas import ModelPublic, ModelRegister, ModelVersionPublic
from loom.storage.queries import find_by_ref, next_number
from loom.tracking.service import get_run_row


def find_model(
    session: Session, *, workspace_id: str, ref: str
) -> SqlRegisteredModel | None:
    """A model row by id or name, or None."""
    return find_by_ref(session, SqlRegisteredModel, workspace_id=workspace_id, ref=ref)


def require_model(
    session: Session, *, workspace_id: str, ref: str
) -> SqlRegisteredModel:
    """A model row by id or name, or ``NotFoundError``."""
    row = find_model(session, workspace_id=workspace_id, ref=ref)
    if row is None:
        raise NotFoundError(f"model not found: {ref}")
    return row


def _aliases(session: Session, model_id: str) -> dict[str, int]:
    rows = session.scalars(
        select(SqlModelAlias).where(SqlModelAlias.model_id == model_id)
    )
    return {r.alias: r.version for r in rows}


def _version_public(
    model: SqlRegisteredModel, row: SqlModelVersion, aliases: dict[str, int]
) -> ModelVersionPublic:
    return ModelVersionPublic(
        model_name=model.name,
        version=row.version,
        run_id=row.run_id,
        algorithm=row.algorithm,
        task=row.task,
        dataset_id=row.dataset_id,
        dataset_version=row.dataset_version,
        input_schema=row.input_schema,
        metrics=row.metrics,
        created_at=row.created_at,
        aliases=sorted(a for a, v in aliases.items() if v == row.version),
    )


def _versions(session: Session, model_id: str) -> list[SqlModelVersion]:
    return list(
        session.scalars(
            select(SqlModelVersion)
            .where(SqlModelVersion.model_id == model_id)
            .order_by(SqlModelVersion.version.desc())
        )
    )


def _model_public(session: Session, model: SqlRegisteredModel) -> ModelPublic:
    aliases = _aliases(session, model.id)
    versions = _versions(session, model.id)
    return ModelPublic(
        id=model.id,
        name=model.name,
        description=model.description,
        created_at=model.created_at,
        latest_version=versions[0].version if versions else None,
        aliases=aliases,
        versions=[_version_public(model, v, aliases) for v in versions],
    )


def register_model(
    session: Session, *, workspace_id: str, request: ModelRegister
) -> ModelVersionPublic:
    """Add the model of a succeeded run as the next version of ``request.name``."""
    run = get_run_row(session, workspace_id=workspace_id, run_id=request.run_id)
    job = session.get(SqlJob, run.job_id)
    if job is None or job.state != "succeeded" or run.artifact_key is None:
        state = job.state if job else "unknown"
        raise ConflictError(
            f"run {run.id} is {state}; only a succeeded run's model can be registered"
        )
    model = find_model(session, workspace_id=workspace_id, ref=request.name)
    if model is None:
        model = SqlRegisteredModel(
            id=new_id("mdl"),
            workspace_id=workspace_id,
            name=request.name,
            description=request.description,
        )
        session.add(model)
        session.flush()
    number = next_number(
        session, SqlModelVersion.version, SqlModelVersion.model_id == model.id
    )
    row = SqlModelVersion(
        id=new_id("mv"),
        workspace_id=workspace_id,
        model_id=model.id,
        version=number,
        run_id=run.id,
        algorithm=run.algorithm,
        task=run.task,
        dataset_id=run.dataset_id,
        dataset_version=run.dataset_version,
        input_schema=run.input_schema,
        metrics=run.metrics,
        artifact_key=run.artifact_key,
    )
    session.add(row)
    session.flush()
    return _version_public(model, row, _aliases(session, model.id))


def get_model(session: Session, *, workspace_id: str, ref: str) -> ModelPublic:
    """A model with its versions and aliases."""
    return _model_public(
        session, require_model(session, workspace_id=workspace_id, ref=ref)
    )


def list_models(session: Session, *, workspace_id: str) -> Page[ModelPublic]:
    """The workspace's models, by name."""
    rows = session.scalars(
        select(SqlRegisteredModel)
        .where(SqlRegisteredModel.workspace_id == workspace_id)
        .order_by(SqlRegisteredModel.name)
    ).all()
    items = [_model_public(session, r) for r in rows]
    return Page[ModelPublic](items=items, total=len(items))


def resolve_version_row(
    session: Session,
    *,
    workspace_id: str,
    ref: str,
    version: int | None = None,
    alias: str | None = None,
) -> tuple[SqlRegisteredModel, SqlModelVersion]:
    """A version by number, by alias, or the latest when neither is given."""
    if version is not None and alias is not None:
        raise InvalidInputError("give either a version or an alias, not both")
    model = require_model(session, workspace_id=workspace_id, ref=ref)
    if alias is not None:
        aliases = _aliases(session, model.id)
        if alias not in aliases:
            known = ", ".join(sorted(aliases)) or "none"
            raise NotFoundError(
                f"model '{model.name}' has no alias '{alias}' (aliases: {known})"
            )
        version = aliases[alias]
    query = select(SqlModelVersion).where(SqlModelVersion.model_id == model.id)
    if version is None:
        query = query.order_by(SqlModelVersion.version.desc()).limit(1)
    else:
        query = query.where(SqlModelVersion.version == version)
    row = session.scalar(query)
    if row is None:
        which = "no versions" if version is None else f"no version {version}"
        raise NotFoundError(f"model '{model.name}' has {which}")
    return model, row


def get_version(
    session: Session, *, workspace_id: str, ref: str, version: int
) -> ModelVersionPublic:
    """One version of a model."""
    model, row = resolve_version_row(
        session, workspace_id=workspace_id, ref=ref, version=version
    )
    return _version_public(model, row, _aliases(session, model.id))


def set_alias(
    session: Session, *, workspace_id: str, ref: str, alias: str, version: int
) -> ModelPublic:
    """Point ``alias`` at ``version`` (moving it if it pointed elsewhere)."""
    model, row = resolve_version_row(
        session, workspace_id=workspace_id, ref=ref, version=version
    )
    existing = session.get(SqlModelAlias, (model.id, alias))
    if existing is None:
        session.add(SqlModelAlias(model_id=model.id, alias=alias, version=row.version))
    else:
        existing.version = row.version
    session.flush()
    return _model_public(session, model)


def delete_alias(
    session: Session, *, workspace_id: str, ref: str, alias: str
) -> ModelPublic:
    """Remove an alias."""
    model = require_model(session, workspace_id=workspace_id, ref=ref)
    existing = session.get(SqlModelAlias, (model.id, alias))
    if existing is None:
        raise NotFoundError(f"model '{model.name}' has no alias '{alias}'")
    session.delete(existing)
    session.flush()
    return _model_public(session, model)
