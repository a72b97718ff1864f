"""Maps domain errors and validation errors to JSON HTTP answers, in one place."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from loom.core.errors import AuthenticationError, LoomError


def _body(
    detail: str, code: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {"detail": detail, "code": code, "details": details or {}}


async def _loom_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LoomError)
    headers = (
        {"WWW-Authenticate": "Bearer"} if isinstance(exc, AuthenticationError) else None
    )
    return JSONResponse(
        _body(exc.message, exc.code, exc.details),
        status_code=exc.status_code,
        headers=headers,
    )


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    detail = f"{_location(tuple(first.get('loc', ())))}: {first.get('msg')}"
    clean = [{"loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in errors]
    return JSONResponse(
        _body(detail, "invalid_input", {"errors": clean}), status_code=422
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(LoomError, _loom_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
