"""Wire schemas for workspaces, tokens and the calling principal."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Scope = Literal["admin", "workspace", "endpoint"]
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"


class Principal(BaseModel):
    """The authenticated caller: a token scoped to one workspace."""

    model_config = ConfigDict(frozen=True)

    workspace_id: str
    workspace_name: str
    token_id: str
    token_name: str
    scope: Scope
    endpoint_id: str | None = None


class WorkspaceCreate(BaseModel):
    """Create a workspace."""

    name: str = Field(pattern=NAME_PATTERN)


class WorkspacePublic(BaseModel):
    """A workspace as shown to callers."""

    id: str
    name: str
    created_at: datetime


class TokenCreate(BaseModel):
    """Issue a token for a workspace (default: the caller's)."""

    name: str = Field(min_length=1, max_length=200)
    workspace: str | None = None
    scope: Literal["admin", "workspace"] = "workspace"


class TokenPublic(BaseModel):
    """A token's metadata; ``token`` (the secret) is filled only when it is issued."""

    id: str
    name: str
    scope: Scope
    workspace_id: str
    endpoint_id: str | None = None
    prefix: str
    created_at: datetime
    token: str | None = None


class WhoAmI(BaseModel):
    """The caller's workspace and token."""

    workspace: WorkspacePublic
    token: TokenPublic
