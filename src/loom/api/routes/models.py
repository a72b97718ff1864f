"""The model registry: register, list, show, versions, aliases."""

from __future__ import annotations

from fastapi import APIRouter, Path, status

from loom.api.deps import CurrentPrincipal, SessionDep, StateDep
from loom.core.pages import Page
from loom.registry import service
from loom.registry.schemas import (
    ALIAS_PATTERN,
    AliasSet,
    ModelPublic,
    ModelRegister,
    ModelVersionPublic,
)

router = APIRouter(prefix="/models", tags=["models"])


@router.post("", status_code=status.HTTP_201_CREATED)
def register_model(
    body: ModelRegister, principal: CurrentPrincipal, session: SessionDep
) -> ModelVersionPublic:
    """Register a succeeded run's model as the next version of a named model."""
    return service.register_model(
        session, workspace_id=principal.workspace_id, request=body
    )


@router.get("")
def list_models(principal: CurrentPrincipal, session: SessionDep) -> Page[ModelPublic]:
    """The workspace's registered models."""
    return service.list_models(session, workspace_id=principal.workspace_id)


@router.get("/{model}")
def get_model(
    model: str, principal: CurrentPrincipal, session: SessionDep
) -> ModelPublic:
    """A model with every version and alias."""
    return service.get_model(session, workspace_id=principal.workspace_id, ref=model)


@router.get("/{model}/versions/{version}")
def get_version(
    model: str, version: int, principal: CurrentPrincipal, session: SessionDep
) -> ModelVersionPublic:
    """One version with its lineage and input schema."""
    return service.get_version(
        session, workspace_id=principal.workspace_id, ref=model, version=version
    )


@router.put("/{model}/aliases/{alias}")
def set_alias(
    model: str,
    body: AliasSet,
    principal: CurrentPrincipal,
    session: SessionDep,
    state: StateDep,
    alias: str = Path(pattern=ALIAS_PATTERN),
) -> ModelPublic:
    """Point an alias (``production``, ``staging``…) at a version; endpoints that
    follow the alias switch to it."""
    result = service.set_alias(
        session,
        workspace_id=principal.workspace_id,
        ref=model,
        alias=alias,
        version=body.version,
    )
    state.runtimes.invalidate(principal.workspace_id)
    return result


@router.delete("/{model}/aliases/{alias}")
def delete_alias(
    model: str,
    alias: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    state: StateDep,
) -> ModelPublic:
    """Remove an alias."""
    result = service.delete_alias(
        session, workspace_id=principal.workspace_id, ref=model, alias=alias
    )
    state.runtimes.invalidate(principal.workspace_id)
    return result
