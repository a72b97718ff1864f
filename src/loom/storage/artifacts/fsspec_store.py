"""Artifacts in any fsspec filesystem (``s3://``, ``gs://``, ``memory://``)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from loom.core.errors import NotFoundError
from loom.storage.artifacts.base import ArtifactStore, check_key


class FsspecArtifactStore(ArtifactStore):
    """Stores artifacts under an fsspec URL prefix.

    Object stores make a single PUT atomic, so files are uploaded whole. A directory
    is uploaded file by file and then marked complete with a ``_COMPLETE`` object
    written last; readers treat a directory without the marker as absent.

    Args:
        url: the root URL, e.g. ``s3://bucket/loom``.
        storage_options: passed to ``fsspec.filesystem``.
    """

    _MARKER = "_COMPLETE"

    def __init__(self, url: str, storage_options: dict[str, Any] | None = None) -> None:
        import fsspec

        protocol, _, path = url.partition("://")
        self.uri = url.rstrip("/")
        self.fs = fsspec.filesystem(protocol, **(storage_options or {}))
        self._root = path.rstrip("/")

    def _url(self, key: str) -> str:
        return f"{self._root}/{check_key(key)}"

    def put_file(self, local_path: Path, key: str) -> None:
        self.fs.put_file(str(local_path), self._url(key))

    def put_bytes(self, data: bytes, key: str) -> None:
        self.fs.pipe_file(self._url(key), data)

    def put_dir(self, local_dir: Path, key: str) -> None:
        for file in sorted(p for p in local_dir.rglob("*") if p.is_file()):
            self.put_file(file, f"{key}/{file.relative_to(local_dir).as_posix()}")
        self.put_bytes(b"", f"{key}/{self._MARKER}")

    def open(self, key: str) -> AbstractContextManager[BinaryIO]:
        url = self._url(key)
        if not self.fs.isfile(url):
            raise NotFoundError(f"artifact not found: {key}")
        return self.fs.open(url, "rb")  # type: ignore[no-any-return]

    @contextmanager
    def _download(self, key: str) -> Iterator[Path]:
        url = self._url(key)
        tmp = Path(tempfile.mkdtemp(prefix="loom-artifact-"))
        try:
            if self.fs.isdir(url):
                if not self.fs.exists(f"{url}/{self._MARKER}"):
                    raise NotFoundError(f"artifact not found: {key}")
                target = tmp / Path(key).name
                self.fs.get(url, str(target), recursive=True)
            elif self.fs.isfile(url):
                target = tmp / Path(key).name
                self.fs.get_file(url, str(target))
            else:
                raise NotFoundError(f"artifact not found: {key}")
            yield target
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def local_path(self, key: str) -> AbstractContextManager[Path]:
        return self._download(key)

    def list(self, prefix: str = "") -> Iterator[str]:
        base = self._url(prefix) if prefix else self._root
        if not self.fs.exists(base):
            return iter(())
        found = self.fs.find(base)
        root = self._root.lstrip("/")
        keys = sorted(
            p.lstrip("/")[len(root) :].lstrip("/")
            for p in found
            if not p.endswith(f"/{self._MARKER}")
        )
        return iter(keys)

    def exists(self, key: str) -> bool:
        url = self._url(key)
        if self.fs.isdir(url):
            return bool(self.fs.exists(f"{url}/{self._MARKER}"))
        return bool(self.fs.exists(url))

    def delete(self, key: str) -> None:
        url = self._url(key)
        if self.fs.exists(url):
            self.fs.rm(url, recursive=True)
