"""FastAPI dependencies: the session per request, the caller, the server state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from loom.api.state import LoomState
from loom.auth import service as auth_service
from loom.auth.schemas import Principal
from loom.core.errors import AuthenticationError, PermissionDeniedError


def get_state(request: Request) -> LoomState:
    """The server's state object."""
    state: LoomState = request.app.state.loom
    return state


def get_session(request: Request) -> Iterator[Session]:
    """A database session in one transaction, committed when the handler returns."""
    with get_state(request).db.session() as session:
        yield session


def bearer_token(request: Request) -> str:
    """The token from ``Authorization: Bearer …``, or 401."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError(
            "missing bearer token: send 'Authorization: Bearer <token>'"
        )
    return token.strip()


def authenticate_request(request: Request) -> Principal:
    """Resolve the caller's token (cached for a few seconds), or 401."""
    state = get_state(request)
    token = bearer_token(request)
    principal = state.principals.get(token)
    if principal is None:
        with state.db.session() as session:
            principal = auth_service.authenticate(session, token)
        state.principals.put(token, principal)
    return principal


def require_workspace_principal(
    principal: Annotated[Principal, Depends(authenticate_request)],
) -> Principal:
    """A caller allowed to use the control plane (not an endpoint-only token)."""
    if principal.scope == "endpoint":
        raise PermissionDeniedError("this endpoint token can only call predict")
    return principal


def require_admin(
    principal: Annotated[Principal, Depends(require_workspace_principal)],
) -> Principal:
    """A caller with the admin scope."""
    if principal.scope != "admin":
        raise PermissionDeniedError("this call needs an admin token")
    return principal


StateDep = Annotated[LoomState, Depends(get_state)]
# scope="function": commit before the response is sent. With the default
# ("request") the commit would run after the client already has its answer, so
# an immediate follow-up call could read stale data, or a failed commit would
# follow a 2xx.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
CurrentPrincipal = Annotated[Principal, Depends(require_workspace_principal)]
AnyPrincipal = Annotated[Principal, Depends(authenticate_request)]
AdminPrincipal = Annotated[Principal, Depends(require_admin)]
