"""Node output caching for full runs: content-addressed keys and a file store.

A node's key hashes everything its output depends on: the operator and its
version, the canonical parameters, the keys of the nodes feeding it (so a change
upstream changes every key downstream), the content of source files and the
values of the variables it uses. A matching entry is reused instead of rerun.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any

CHUNK = 1 << 20


def node_key(
    op: str,
    version: str,
    params: dict[str, Any],
    inputs: dict[str, str],
    source_hash: str | None,
    variables: dict[str, Any],
) -> str:
    """The cache key of one node (hex sha256)."""
    payload = {
        "op": op,
        "version": version,
        "params": params,
        "inputs": inputs,
        "source": source_hash,
        "variables": variables,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def file_hash(path: Path) -> str:
    """sha256 of a file's bytes, memoised on (path, size, mtime)."""
    stat = path.stat()
    return _hash(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=256)
def _hash(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def link_or_copy(src: Path, dst: Path) -> None:
    """Hard-link ``src`` to ``dst`` (same filesystem), else copy; atomic at ``dst``."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{dst.name}.{uuid.uuid4().hex}.tmp")
    try:
        os.link(src, tmp)
    except OSError:
        shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


class NodeCache:
    """Entries under ``root/<key>/``: one Parquet file per port plus ``meta.json``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def load(self, key: str) -> dict[str, Any] | None:
        """The entry's metadata (ports, rows, schemas, state), or None on a miss."""
        meta = self.root / key / "meta.json"
        if not meta.is_file():
            return None
        data: dict[str, Any] = json.loads(meta.read_text())
        if not all(
            (self.root / key / f"{port}.parquet").is_file() for port in data["ports"]
        ):
            return None
        return data

    def file(self, key: str, port: str) -> Path:
        """The cached Parquet file of ``port``."""
        return self.root / key / f"{port}.parquet"

    def store(self, key: str, files: dict[str, Path], meta: dict[str, Any]) -> None:
        """Add an entry via a temp directory and a rename: readers never see half."""
        final = self.root / key
        if final.exists():
            return
        tmp = self.root / f".{key}.{uuid.uuid4().hex}.tmp"
        tmp.mkdir(parents=True)
        for port, path in files.items():
            link_or_copy(path, tmp / f"{port}.parquet")
        (tmp / "meta.json").write_text(
            json.dumps({**meta, "ports": list(files)}, default=str)
        )
        try:
            os.rename(tmp, final)
        except OSError:  # another run stored the same key first
            shutil.rmtree(tmp, ignore_errors=True)
