"""Identifiers: short, sortable-enough, URL-safe."""

from __future__ import annotations

import secrets
import time


def new_id(prefix: str) -> str:
    """Return an id such as ``ds_01jb3k…``: a type prefix, time-ordered, then random.

    The time part keeps ids roughly sortable by creation, which makes listings and
    logs easier to read; the random part avoids collisions across processes.
    """
    millis = int(time.time() * 1000)
    return f"{prefix}_{millis:012x}{secrets.token_hex(5)}"
