"""fsspec URL sources: access checks and a streamed download into the workdir.

The file is copied to the workdir before DuckDB reads it, rather than read
through DuckDB's fsspec bridge: CSV/JSONL sniffing and error diagnosis each
read the file more than once, and a local copy makes those passes cheap, lets
line numbers in errors come from the same code path as local files, and needs
no DuckDB extension (this host has no network to download one).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from loom.core.errors import AccessOutsideRootsError, InvalidInputError
from loom.data._duck import first_line
from loom.data.schemas import UrlSource, redact_url

# Protocols that wrap other filesystems (or local archives) could be used to
# reach local files past the data-roots check, so they are refused outright.
_REFUSED_PROTOCOLS = frozenset(
    {
        "zip",
        "tar",
        "reference",
        "dir",
        "simplecache",
        "filecache",
        "blockcache",
        "cached",
        "libarchive",
        "jupyter",
        "jlab",
        "dask",
        "sftp",
        "ssh",
    }
)
_LOCAL_PROTOCOLS = frozenset({"file", "local"})


def open_url(
    source: UrlSource, resolve: Callable[[str | Path], Path]
) -> tuple[Any, str]:
    """The fsspec filesystem and path for ``source``, after the safety checks.

    Raises:
        InvalidInputError: a chained or refused protocol, or an unknown one.
        AccessOutsideRootsError: a ``file://`` URL outside the data roots.
    """
    import fsspec
    from fsspec.utils import get_protocol

    shown = redact_url(source.url)
    if "::" in source.url:
        raise InvalidInputError(f"chained fsspec URLs are not supported: '{shown}'")
    protocol = get_protocol(source.url)
    if protocol in _REFUSED_PROTOCOLS:
        raise InvalidInputError(
            f"URL protocol '{protocol}' is not allowed for imports: '{shown}'",
            details={"value": protocol},
        )
    try:
        fs, path = fsspec.core.url_to_fs(source.url, **source.storage_options)
    except (ValueError, ImportError, TypeError) as exc:
        raise InvalidInputError(
            f"cannot open URL '{shown}': {first_line(str(exc))}", details={"url": shown}
        ) from exc
    if protocol in _LOCAL_PROTOCOLS or "file" in _protocols(fs):
        path = str(resolve(Path(path)))
    return fs, path


def _protocols(fs: Any) -> set[str]:
    protocol = fs.protocol
    return set(protocol) if isinstance(protocol, tuple | list) else {protocol}


def check_url(source: UrlSource, resolve: Callable[[str | Path], Path]) -> None:
    """Raise unless the URL names an existing file the credentials can read."""
    fs, path = open_url(source, resolve)
    shown = redact_url(source.url)
    try:
        exists = fs.exists(path)
    except (AccessOutsideRootsError, InvalidInputError):
        raise
    except Exception as exc:  # auth, network, bucket errors: one line to the user
        raise InvalidInputError(
            f"cannot reach '{shown}': {first_line(str(exc)) or type(exc).__name__}",
            details={"url": shown},
        ) from exc
    if not exists:
        raise InvalidInputError(f"file not found: '{shown}'", details={"url": shown})
    if fs.isdir(path):
        raise InvalidInputError(f"'{shown}' is a directory; name one file")


def download(
    source: UrlSource, resolve: Callable[[str | Path], Path], target: Path
) -> int:
    """Copy the URL's bytes to ``target`` in 1 MiB blocks; returns the size."""
    fs, path = open_url(source, resolve)
    shown = redact_url(source.url)
    tmp = target.with_name(target.name + ".partial")
    try:
        with fs.open(path, "rb") as src, tmp.open("wb") as dst:
            shutil.copyfileobj(src, dst, length=1 << 20)
        tmp.replace(target)
    except FileNotFoundError as exc:
        raise InvalidInputError(f"file not found: '{shown}'") from exc
    except OSError as exc:
        raise InvalidInputError(
            f"cannot read '{shown}': {first_line(str(exc)) or type(exc).__name__}"
        ) from exc
    finally:
        tmp.unlink(missing_ok=True)
    return target.stat().st_size
