"""Workspaces and tokens: issue, hash, authenticate, revoke, bootstrap."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
import time
from functools import partial
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from loom.auth.orm import SqlApiToken, SqlWorkspace
from loom.auth.schemas import Principal, Scope, TokenPublic, WorkspacePublic
from loom.core.background import SingleFlight
from loom.core.clock import utcnow
from loom.core.errors import AuthenticationError, ConflictError, NotFoundError
from loom.core.ids import new_id
from loom.storage.db import Database

DEFAULT_WORKSPACE = "default"
TOKEN_PREFIX = "loom_"


def hash_token(token: str) -> str:
    """SHA-256 of a token.

    Tokens carry 256 random bits, so a fast hash is enough: there is nothing to
    brute-force, unlike a password. A slow KDF would only slow every request.
    """
    return hashlib.sha256(token.encode()).hexdigest()


def _workspace_public(row: SqlWorkspace) -> WorkspacePublic:
    return WorkspacePublic(id=row.id, name=row.name, created_at=row.created_at)


def _token_public(row: SqlApiToken, secret: str | None = None) -> TokenPublic:
    return TokenPublic(
        id=row.id,
        name=row.name,
        scope=row.scope,  # type: ignore[arg-type]
        workspace_id=row.workspace_id,
        endpoint_id=row.endpoint_id,
        prefix=row.prefix,
        created_at=row.created_at,
        token=secret,
    )


def create_workspace(session: Session, *, name: str) -> WorkspacePublic:
    """Create a workspace; names are unique."""
    if session.scalar(select(SqlWorkspace).where(SqlWorkspace.name == name)):
        raise ConflictError(f"workspace '{name}' already exists")
    row = SqlWorkspace(id=new_id("ws"), name=name)
    session.add(row)
    session.flush()
    return _workspace_public(row)


def list_workspaces(session: Session) -> list[WorkspacePublic]:
    """All workspaces (admin only)."""
    rows = session.scalars(select(SqlWorkspace).order_by(SqlWorkspace.created_at))
    return [_workspace_public(r) for r in rows]


def get_workspace(session: Session, *, workspace_id: str) -> WorkspacePublic:
    """A workspace by id."""
    row = session.get(SqlWorkspace, workspace_id)
    if row is None:
        raise NotFoundError(f"workspace not found: {workspace_id}")
    return _workspace_public(row)


def find_workspace_by_name(session: Session, *, name: str) -> WorkspacePublic | None:
    """A workspace by name, or None."""
    row = session.scalar(select(SqlWorkspace).where(SqlWorkspace.name == name))
    return _workspace_public(row) if row else None


def issue_token(
    session: Session,
    *,
    workspace_id: str,
    name: str,
    scope: Scope,
    endpoint_id: str | None = None,
) -> TokenPublic:
    """Create a token and return it with its secret, which is never stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = SqlApiToken(
        id=new_id("tok"),
        workspace_id=workspace_id,
        name=name,
        scope=scope,
        endpoint_id=endpoint_id,
        token_hash=hash_token(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 4],
    )
    session.add(row)
    session.flush()
    return _token_public(row, secret)


def get_token(session: Session, *, workspace_id: str, token_id: str) -> TokenPublic:
    """A token's metadata (never its secret)."""
    row = session.get(SqlApiToken, token_id)
    if row is None or row.workspace_id != workspace_id:
        raise NotFoundError(f"token not found: {token_id}")
    return _token_public(row)


def revoke_token(session: Session, *, workspace_id: str, token_id: str) -> None:
    """Revoke a token; it stops working once caches expire (seconds)."""
    row = session.get(SqlApiToken, token_id)
    if row is None or row.workspace_id != workspace_id:
        raise NotFoundError(f"token not found: {token_id}")
    row.revoked_at = utcnow()


def authenticate(session: Session, token: str) -> Principal:
    """Resolve a bearer token to its principal, or raise ``AuthenticationError``."""
    row = session.scalar(
        select(SqlApiToken).where(SqlApiToken.token_hash == hash_token(token))
    )
    if row is None or row.revoked_at is not None:
        raise AuthenticationError("invalid or revoked API token")
    workspace = session.get(SqlWorkspace, row.workspace_id)
    assert workspace is not None
    return Principal(
        workspace_id=row.workspace_id,
        workspace_name=workspace.name,
        token_id=row.id,
        token_name=row.name,
        scope=row.scope,  # type: ignore[arg-type]
        endpoint_id=row.endpoint_id,
    )


class PrincipalCache:
    """Caches token → principal for a few seconds.

    Authentication runs on every call, predict included; the cache keeps it off the
    database on the hot path. Revocations made through this server clear it at
    once; others take effect within ``ttl_s`` for ``get`` and within
    ``max_stale_s`` for the predict path, which serves a stale entry while a
    background thread re-checks it (so no request waits on the database).
    """

    def __init__(self, ttl_s: float, max_stale_s: float = 30.0) -> None:
        self.ttl_s = ttl_s
        self.max_stale_s = max(max_stale_s, ttl_s)
        self._entries: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()
        self._refresher = SingleFlight("loom-auth-refresh")

    def peek(self, token: str) -> tuple[Principal, bool] | None:
        """``(principal, is_fresh)`` if cached and not older than ``max_stale_s``."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        expires, principal = entry
        now = time.monotonic()
        if now > expires - self.ttl_s + self.max_stale_s:
            return None
        return principal, now < expires

    def refresh_in_background(self, token: str, db: Database) -> None:
        """Re-authenticate ``token`` in a thread; a revoked token is evicted."""
        self._refresher.start(token, partial(self._refresh, token, db))

    def _refresh(self, token: str, db: Database) -> None:
        try:
            with db.session() as session:
                self.put(token, authenticate(session, token))
        except AuthenticationError:
            with self._lock:
                self._entries.pop(token, None)

    def get(self, token: str) -> Principal | None:
        """The cached principal for ``token`` if still fresh."""
        entry = self._entries.get(token)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, token: str, principal: Principal) -> None:
        """Remember a successful authentication."""
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[token] = (time.monotonic() + self.ttl_s, principal)

    def clear(self) -> None:
        """Forget everything (after a revocation)."""
        with self._lock:
            self._entries.clear()


def bootstrap(
    session: Session, *, credentials_path: Path, server_url: str
) -> str | None:
    """On first start: create the ``default`` workspace and an admin token.

    The token is written to ``credentials_path`` (mode 0600) for the CLI and
    returned so the server can print it once. Later starts return None.
    """
    if session.scalar(select(SqlWorkspace).limit(1)) is not None:
        return None
    workspace = create_workspace(session, name=DEFAULT_WORKSPACE)
    token = issue_token(session, workspace_id=workspace.id, name="admin", scope="admin")
    assert token.token is not None
    write_credentials(credentials_path, url=server_url, token=token.token)
    return token.token


def write_credentials(path: Path, *, url: str, token: str) -> None:
    """Write the CLI credentials file readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps({"url": url, "token": token}, indent=2).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(payload)
    os.chmod(path, 0o600)
