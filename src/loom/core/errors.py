"""Domain errors; the API layer maps each to an HTTP status in one place."""

from __future__ import annotations

from typing import Any


class LoomError(Exception):
    """Base class for errors a user can act on.

    Args:
        message: one clear line saying what is wrong (name the column/parameter/line).
        details: optional machine-readable context (valid choices, offending value).
    """

    status_code: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class InvalidInputError(LoomError):
    """The request or its data is malformed (unknown column, bad parameter…)."""

    status_code = 422
    code = "invalid_input"


class NotFoundError(LoomError):
    """No such object in the caller's workspace (other workspaces look absent)."""

    status_code = 404
    code = "not_found"


class ConflictError(LoomError):
    """The request clashes with the current state (duplicate, bad transition)."""

    status_code = 409
    code = "conflict"


class AuthenticationError(LoomError):
    """No token, or a token that is unknown, revoked or expired."""

    status_code = 401
    code = "unauthenticated"


class PermissionDeniedError(LoomError):
    """The token is valid but its scope does not allow this call."""

    status_code = 403
    code = "forbidden"


class AccessOutsideRootsError(PermissionDeniedError):
    """A file path lies outside the configured data roots."""

    code = "path_outside_roots"
