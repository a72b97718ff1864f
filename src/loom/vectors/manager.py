"""Collections of every workspace under one root, opened once and snapshotted.

Layout: ``root/<workspace_id>/<collection name>/``, holding either one
``Collection`` (``manifest.json``) or, for ``shards > 1``, a
``ShardedCollection`` (``sharded.json`` plus ``shard-NNN/`` directories).
The REST layer passes the caller's workspace id on every call, so one
workspace can never name another
workspace's directory; both path parts are checked against strict patterns
before touching the filesystem.
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
from pathlib import Path

from loom.core.errors import ConflictError, InvalidInputError, NotFoundError
from loom.vectors.collection import Collection
from loom.vectors.schema import NAME_PATTERN, CollectionSchema
from loom.vectors.sharding import SHARDS_FILE, AnyCollection, ShardedCollection

logger = logging.getLogger(__name__)
_WORKSPACE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_NAME = re.compile(NAME_PATTERN)


class VectorManager:
    """Create, open, list and drop collections; snapshot dirty ones in the background.

    Args:
        root: directory holding every workspace's collections.
        snapshot_interval_s: how often dirty collections are snapshotted
            (which also truncates their WAL); 0 disables the thread.
    """

    def __init__(self, root: Path, *, snapshot_interval_s: float = 60.0) -> None:
        self.root = root
        self._open: dict[tuple[str, str], AnyCollection] = {}
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if snapshot_interval_s > 0:
            self._thread = threading.Thread(
                target=self._snapshot_loop,
                args=(snapshot_interval_s,),
                name="loom-vector-snapshots",
                daemon=True,
            )
            self._thread.start()

    def _dir(self, workspace_id: str, name: str) -> Path:
        if not _WORKSPACE.match(workspace_id):
            raise InvalidInputError(f"invalid workspace id {workspace_id!r}")
        if not _NAME.match(name):
            raise InvalidInputError(
                f"invalid collection name {name!r}; use lowercase letters, digits "
                "and '_' starting with a letter (at most 63)"
            )
        return self.root / workspace_id / name

    def create(self, workspace_id: str, schema: CollectionSchema) -> AnyCollection:
        """Create a collection in the workspace (sharded over Ray when shards > 1).

        Raises:
            ConflictError: the workspace already has a collection of that name.
        """
        directory = self._dir(workspace_id, schema.name)
        with self._lock:
            if directory.exists():
                raise ConflictError(
                    f"collection {schema.name!r} already exists in this workspace"
                )
            collection: AnyCollection
            if schema.shards > 1:
                collection = ShardedCollection.create(directory, schema)
            else:
                collection = Collection.create(directory, schema)
            self._open[(workspace_id, schema.name)] = collection
            return collection

    def get(self, workspace_id: str, name: str) -> AnyCollection:
        """The open collection, opening (and replaying its WAL) on first use.

        Raises:
            NotFoundError: no such collection in the workspace.
        """
        key = (workspace_id, name)
        # Search calls this per request: an open collection's key was checked
        # when it was opened, so skip the path checks and the lock (a dict
        # read is atomic) rather than spend ~5 us of a ~50 us search on them.
        opened = self._open.get(key)
        if opened is not None:
            return opened
        directory = self._dir(workspace_id, name)
        with self._lock:
            if key not in self._open:
                if (directory / SHARDS_FILE).exists():
                    self._open[key] = ShardedCollection.open(directory)
                elif (directory / "manifest.json").exists():
                    self._open[key] = Collection.open(directory)
                else:
                    raise NotFoundError(f"no collection {name!r} in this workspace")
            return self._open[key]

    def list(self, workspace_id: str) -> list[str]:
        """Names of the workspace's collections, sorted."""
        base = self._dir(workspace_id, "x").parent
        if not base.exists():
            return []
        return sorted(
            p.name
            for p in base.iterdir()
            if (p / "manifest.json").exists() or (p / SHARDS_FILE).exists()
        )

    def drop(self, workspace_id: str, name: str) -> None:
        """Close the collection and delete its directory."""
        directory = self._dir(workspace_id, name)
        with self._lock:
            collection = self._open.pop((workspace_id, name), None)
            if collection is None and not directory.exists():
                raise NotFoundError(f"no collection {name!r} in this workspace")
            if collection is not None:
                collection.close()
            shutil.rmtree(directory)

    def snapshot_dirty(self) -> int:
        """Snapshot every open collection with unsnapshotted writes."""
        with self._lock:
            dirty = [c for c in self._open.values() if c.is_dirty]
        for collection in dirty:
            try:
                collection.snapshot()
            except Exception:  # one failing collection must not stop the others
                logger.exception("snapshot of %s failed", collection.directory)
        return len(dirty)

    def _snapshot_loop(self, interval_s: float) -> None:
        while not self._stop.wait(interval_s):
            self.snapshot_dirty()

    def close_all(self) -> None:
        """Stop the snapshot thread and close (snapshotting) every collection."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            for collection in self._open.values():
                collection.close()
            self._open.clear()
