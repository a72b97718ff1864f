"""Masking secrets (URL passwords, credential options) before anything is shown."""

from __future__ import annotations

import re
from typing import Any

_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*):[^@/\s]+@")
_SECRET_KEYS = frozenset(
    {
        "password",
        "secret",
        "token",
        "key",
        "storage_options",
        "credentials",
        "aws_secret_access_key",
    }
)


def redact_text(text: str) -> str:
    """Replace the password of any ``scheme://user:password@host`` in ``text``."""
    return _URL_PASSWORD.sub(r"\g<head>:***@", text)


def redact(value: Any) -> Any:
    """A copy of a JSON-like value with URL passwords and secret-looking keys masked."""
    if isinstance(value, dict):
        return {
            k: (_mask(v) if k.lower() in _SECRET_KEYS else redact(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def _mask(value: Any) -> Any:
    if isinstance(value, dict):
        return dict.fromkeys(value, "***")
    return "***" if value not in (None, "", {}) else value
