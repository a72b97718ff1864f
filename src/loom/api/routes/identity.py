"""Health, the caller's identity, workspaces and tokens."""

from __future__ import annotations

from fastapi import APIRouter, status

from loom import __version__
from loom.api.deps import AdminPrincipal, CurrentPrincipal, SessionDep, StateDep
from loom.auth import service
from loom.auth.schemas import (
    TokenCreate,
    TokenPublic,
    WhoAmI,
    WorkspaceCreate,
    WorkspacePublic,
)
from loom.core.errors import NotFoundError

router = APIRouter(tags=["identity"])
public_router = APIRouter(tags=["health"])


@public_router.get("/health")
def health() -> dict[str, str]:
    """Liveness probe; the only call that needs no token."""
    return {"status": "ok", "version": __version__}


@router.get("/whoami")
def whoami(principal: CurrentPrincipal, session: SessionDep) -> WhoAmI:
    """The workspace and token behind the caller's credentials."""
    workspace = service.get_workspace(session, workspace_id=principal.workspace_id)
    token = service.get_token(
        session, workspace_id=principal.workspace_id, token_id=principal.token_id
    )
    return WhoAmI(workspace=workspace, token=token)


@router.post("/workspaces", status_code=status.HTTP_201_CREATED)
def create_workspace(
    body: WorkspaceCreate, _admin: AdminPrincipal, session: SessionDep
) -> WorkspacePublic:
    """Create a workspace (admin tokens only)."""
    return service.create_workspace(session, name=body.name)


@router.get("/workspaces")
def list_workspaces(
    _admin: AdminPrincipal, session: SessionDep
) -> list[WorkspacePublic]:
    """All workspaces (admin tokens only)."""
    return service.list_workspaces(session)


@router.post("/tokens", status_code=status.HTTP_201_CREATED)
def create_token(
    body: TokenCreate, principal: CurrentPrincipal, session: SessionDep
) -> TokenPublic:
    """Issue a token. Workspace tokens may issue workspace tokens for their own
    workspace; only admin tokens may name another workspace or the admin scope.
    The secret is in the answer once and never again."""
    workspace_id = principal.workspace_id
    if body.workspace is not None or body.scope == "admin":
        if principal.scope != "admin":
            from loom.core.errors import PermissionDeniedError

            raise PermissionDeniedError(
                "only admin tokens may issue admin or cross-workspace tokens"
            )
        if body.workspace is not None:
            found = service.find_workspace_by_name(session, name=body.workspace)
            if found is None:
                raise NotFoundError(f"workspace not found: {body.workspace}")
            workspace_id = found.id
    return service.issue_token(
        session, workspace_id=workspace_id, name=body.name, scope=body.scope
    )


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(
    token_id: str, principal: CurrentPrincipal, session: SessionDep, state: StateDep
) -> None:
    """Revoke a token of the caller's workspace."""
    service.revoke_token(
        session, workspace_id=principal.workspace_id, token_id=token_id
    )
    state.principals.clear()
