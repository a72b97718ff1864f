"""Artifacts in a local directory; atomic through write-to-temp then ``os.replace``."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import BinaryIO

from loom.core.errors import NotFoundError
from loom.storage.artifacts.base import ArtifactStore, check_key


class LocalArtifactStore(ArtifactStore):
    """Stores artifacts as files below ``root``.

    Args:
        root: the directory; created if missing.
    """

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.uri = str(self.root)
        self._staging = self.root / ".staging"
        self._staging.mkdir(exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put_file(self, local_path: Path, key: str) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self._staging)
        os.close(fd)
        try:
            shutil.copyfile(local_path, tmp)
            _fsync_file(Path(tmp))
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def put_bytes(self, data: bytes, key: str) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self._staging)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def put_dir(self, local_dir: Path, key: str) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=self._staging))
        try:
            shutil.copytree(local_dir, tmp, dirs_exist_ok=True)
            if target.exists():
                # Keys are immutable in Loom, but a retried job may rewrite the same
                # content; swap the old tree out first so the rename stays atomic.
                shutil.rmtree(target)
            os.replace(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def open(self, key: str) -> AbstractContextManager[BinaryIO]:
        path = self._path(key)
        if not path.is_file():
            raise NotFoundError(f"artifact not found: {key}")
        return path.open("rb")

    def local_path(self, key: str) -> AbstractContextManager[Path]:
        path = self._path(key)
        if not path.exists():
            raise NotFoundError(f"artifact not found: {key}")
        return nullcontext(path)

    def list(self, prefix: str = "") -> Iterator[str]:
        base = self._path(prefix) if prefix else self.root
        if not base.exists():
            return iter(())
        files = base.rglob("*") if base.is_dir() else [base]
        keys = sorted(
            p.relative_to(self.root).as_posix()
            for p in files
            if p.is_file() and ".staging" not in p.relative_to(self.root).parts
        )
        return iter(keys)

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def delete(self, key: str) -> None:
        path = self._path(key)
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def _fsync_file(path: Path) -> None:
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())
