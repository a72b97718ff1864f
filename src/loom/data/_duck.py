"""DuckDB plumbing for imports: bounded-memory connections and SQL literals."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

DEFAULT_MEMORY_LIMIT = "1GB"
_MEMORY_LIMIT_PATTERN = re.compile(r"^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$")


def connect(
    temp_dir: Path, memory_limit: str = DEFAULT_MEMORY_LIMIT
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that spills to ``temp_dir`` instead of exceeding its limit.

    Extension auto-install is off: the import must never reach the network on
    its own, and a missing extension should fail fast rather than hang.
    """
    import duckdb

    if not _MEMORY_LIMIT_PATTERN.match(memory_limit):
        raise ValueError(f"memory_limit must look like '1GB', got {memory_limit!r}")
    temp_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        ":memory:",
        config={
            "memory_limit": memory_limit,
            "temp_directory": str(temp_dir),
            "preserve_insertion_order": True,
            "autoinstall_known_extensions": False,
        },
    )
    # Timestamps with a zone come back in UTC whatever the host's zone is, so
    # statistics and previews do not depend on where the job ran.
    con.execute("SET TimeZone = 'UTC'")
    return con


_UNITS = {
    "B": 1,
    "KB": 1000,
    "MB": 1000**2,
    "GB": 1000**3,
    "TB": 1000**4,
    "KIB": 1024,
    "MIB": 1024**2,
    "GIB": 1024**3,
    "TIB": 1024**4,
}


def csv_buffer_size(memory_limit: str) -> int:
    """The CSV read buffer for a memory limit.

    DuckDB's default buffer (32 MiB per thread) alone exceeds a small limit, so
    it is scaled to an eighth of the limit, but never below the 2 MiB DuckDB
    needs to hold its longest allowed line.
    """
    match = _MEMORY_LIMIT_PATTERN.match(memory_limit)
    assert match is not None
    number = float(memory_limit[: match.start(2)].strip())
    limit = int(number * _UNITS[match.group(2).upper()])
    return max(2 * 1024 * 1024, min(32 * 1024 * 1024, limit // 8))


def literal(value: str) -> str:
    """A SQL string literal (DuckDB table functions take no bound parameters)."""
    return "'" + value.replace("'", "''") + "'"


def ident(name: str) -> str:
    """A quoted SQL identifier, safe for any column name."""
    return '"' + name.replace('"', '""') + '"'


def first_line(message: str) -> str:
    """The first non-empty line of an error message, without DuckDB's prefix."""
    for line in message.splitlines():
        if line.strip():
            return re.sub(r"^[A-Za-z ]+Error: ", "", line.strip())
    return message.strip()
