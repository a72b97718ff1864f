"""A collection split across Ray actors: rows routed by id hash, top-k merged.

Each shard is an ordinary ``Collection`` (its own directory ``shard-NNN/``
under the collection's, its own WAL and snapshots) living in one Ray actor.
Writes and gets go to the shard a stable hash of the user id picks; searches
fan out to every shard at once and the per-shard top-k are merged in the
metric's direction. Ray is imported only here, and only when a sharded
collection is created or opened: the local path never loads it.

Where Ray comes from: ``LOOM_RAY_ADDRESS`` set (``ray://host:10001`` or
``auto``) joins that cluster; unset, the first sharded collection starts a
local Ray (``LOOM_RAY_NUM_CPUS`` CPUs, default all, no dashboard, worker logs
kept out of the server's). On a multi-node cluster the collection directory
must be a path every node mounts (the shard actors write to it).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

from loom.core.errors import ConflictError, NotFoundError
from loom.vectors.collection import Collection, FieldsArg
from loom.vectors.fields import coerce_fields
from loom.vectors.filters import compile_filter
from loom.vectors.index import check_index_spec
from loom.vectors.inputs import (
    check_field_names,
    check_ids,
    check_query,
    check_range_args,
    check_search_args,
    check_vectors,
)
from loom.vectors.locks import acquire_dir_lock
from loom.vectors.results import GetResult, RangeResult, RebuildTask, SearchResult
from loom.vectors.schema import CollectionSchema, CollectionStats, IndexSpec
from loom.vectors.shard_actor import ShardWorker, ensure_ray, ray_get
from loom.vectors.shard_merge import gather_rows, merge_range, merge_top_k, shard_of
from loom.vectors.snapshot import write_atomic

SHARDS_FILE = "sharded.json"
# Threads per shard actor: searches keep answering while a rebuild waits.
ACTOR_CONCURRENCY = 8


class ShardedCollection:
    """A collection of ``schema.shards`` Ray actors, with ``Collection``'s API.

    Use ``ShardedCollection.create`` or ``.open``. Not atomic across shards:
    an insert checks every id first (so a conflict fails the whole call), but
    a crash between shards can leave one shard's part of a call written.
    """

    def __init__(self, directory: Path, schema: CollectionSchema, create: bool):
        ray = ensure_ray()
        self.directory = directory
        self._lock_fh = acquire_dir_lock(directory)
        self._schema = schema
        shard_schema = schema.model_copy(update={"shards": 1})
        actor = ray.remote(ShardWorker).options(
            num_cpus=0, max_concurrency=ACTOR_CONCURRENCY, scheduling_strategy="SPREAD"
        )
        self._actors = [
            actor.remote(
                str(directory / f"shard-{i:03d}"), shard_schema if create else None
            )
            for i in range(schema.shards)
        ]
        self._mutex = threading.Lock()
        self._rebuild: RebuildTask | None = None
        self._closed = False
        try:
            self._all("count")  # surfaces a failed actor start here
        except BaseException:
            self._kill()
            raise

    # -------------------------------------------------------------- lifecycle
    @classmethod
    def create(cls, directory: Path, schema: CollectionSchema) -> ShardedCollection:
        """Create an empty sharded collection (``directory`` new or empty)."""
        check_index_spec(schema.dim, schema.metric, schema.index.factory)
        if directory.exists() and any(directory.iterdir()):
            raise ConflictError(f"collection directory {directory} is not empty")
        directory.mkdir(parents=True, exist_ok=True)
        collection = cls(directory, schema, create=True)
        collection._write_schema()  # last: the collection exists once this does
        return collection

    @classmethod
    def open(cls, directory: Path) -> ShardedCollection:
        """Reopen every shard (each replays its own WAL)."""
        path = directory / SHARDS_FILE
        if not path.exists():
            raise NotFoundError(f"no sharded collection in {directory}")
        schema = CollectionSchema.model_validate(json.loads(path.read_text()))
        return cls(directory, schema, create=False)

    def _write_schema(self) -> None:
        data = self._schema.model_dump_json().encode()

        def write(fh: IO[bytes]) -> None:
            fh.write(data)

        write_atomic(self.directory / SHARDS_FILE, write)

    def close(self) -> None:
        """Finish a rebuild, close (snapshot) every shard, stop the actors."""
        if self._closed:
            return
        if self._rebuild is not None:
            self._rebuild.thread.join()
        try:
            ray_get([a.close.remote() for a in self._actors])
        finally:
            self._closed = True
            self._kill()
            self._lock_fh.close()

    def _kill(self) -> None:
        import ray

        for a in self._actors:
            ray.kill(a)

    @property
    def schema(self) -> CollectionSchema:
        return self._schema

    @property
    def is_dirty(self) -> bool:
        """Whether any shard has writes since its last snapshot."""
        return any(ray_get([a.is_dirty.remote() for a in self._actors]))

    def _check_open(self) -> None:
        if self._closed:
            raise ConflictError(f"collection {self._schema.name!r} is closed")

    def _all(self, method: str, *args: Any, **kwargs: Any) -> list[Any]:
        """The same call on every shard, in parallel."""
        self._check_open()
        return ray_get([a.call.remote(method, *args, **kwargs) for a in self._actors])

    def _split(self, ids: NDArray[np.int64]) -> list[NDArray[np.int64]]:
        """Positions in ``ids`` of each shard's rows, in the order given."""
        owner = shard_of(ids, len(self._actors))
        return [np.flatnonzero(owner == s) for s in range(len(self._actors))]

    # ----------------------------------------------------------------- writes
    def insert(self, ids: Any, vectors: Any, fields: FieldsArg = None) -> int:
        """Add new rows; any id that already exists (on any shard) fails the call."""
        return self._upsert(ids, vectors, fields, replace=False)

    def upsert(self, ids: Any, vectors: Any, fields: FieldsArg = None) -> int:
        """Add rows or replace existing ones, each on its own shard."""
        return self._upsert(ids, vectors, fields, replace=True)

    def _upsert(
        self, ids: Any, vectors: Any, fields: FieldsArg, *, replace: bool
    ) -> int:
        id_arr = check_ids(ids)
        if len(id_arr) == 0:
            return 0
        vecs = check_vectors(self._schema, vectors, len(id_arr))
        columns = coerce_fields(self._schema.field_types(), fields, len(id_arr))
        if not replace:
            found = self.get(id_arr, [], include_vectors=False)
            if len(found.ids):
                raise ConflictError(
                    f"id {int(found.ids[0])} already exists; use upsert to replace it"
                )
        method = "upsert" if replace else "insert"
        refs = []
        for actor, pos in zip(self._actors, self._split(id_arr), strict=True):
            if len(pos):
                part = {n: [v[i] for i in pos.tolist()] for n, v in columns.items()}
                refs.append(
                    actor.call.remote(method, id_arr[pos], vecs[pos], part or None)
                )
        self._check_open()
        return sum(ray_get(refs))

    def delete(self, ids: Any) -> int:
        """Delete rows by id on their shards; returns how many died."""
        id_arr = check_ids(ids, allow_repeats=True)
        self._check_open()
        refs = [
            actor.call.remote("delete", id_arr[pos])
            for actor, pos in zip(self._actors, self._split(id_arr), strict=True)
            if len(pos)
        ]
        return sum(ray_get(refs))

    def delete_where(self, expr: str) -> int:
        """Delete every row the filter matches, on every shard."""
        compile_filter(expr, self._schema.field_types())  # 422 before fan-out
        return sum(self._all("delete_where", expr))

    # ----------------------------------------------------------------- reads
    def count(self) -> int:
        return sum(self._all("count"))

    def live_ids(self) -> NDArray[np.int64]:
        """Ids of every live row, shard by shard."""
        parts = self._all("live_ids")
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

    def get(
        self,
        ids: Any,
        fields: Sequence[str] | None = None,
        *,
        include_vectors: bool = True,
    ) -> GetResult:
        """Rows by id from their shards, in the order asked."""
        id_arr = check_ids(ids, allow_repeats=True)
        names = list(self._schema.field_types()) if fields is None else list(fields)
        check_field_names(self._schema, names)
        self._check_open()
        owner = shard_of(id_arr, len(self._actors))
        parts: list[GetResult] = ray_get(
            [
                a.call.remote(
                    "get", id_arr[owner == s], names, include_vectors=include_vectors
                )
                for s, a in enumerate(self._actors)
            ]
        )
        return gather_rows(id_arr, owner, parts, names, self._schema.dim)

    def search(
        self,
        queries: Any,
        k: int = 10,
        *,
        filter: str | None = None,
        nprobe: int | None = None,
        ef_search: int | None = None,
        rerank: int | None = None,
        fields: Sequence[str] = (),
        exact: bool = False,
    ) -> SearchResult:
        """Top-k of every shard at once, merged into the overall top-k.

        Arguments as ``Collection.search``; each shard returns its own k best
        (filter applied there), so the merged k are the collection's k best.
        """
        check_search_args(k, nprobe, ef_search, rerank)
        q, names, _ = check_query(self._schema, queries, fields, filter)
        options = {
            "filter": filter,
            "nprobe": nprobe,
            "ef_search": ef_search,
            "rerank": rerank,
            "fields": names,
            "exact": exact,
        }
        parts: list[SearchResult] = self._all("search", q, k, **options)
        return merge_top_k(parts, k, higher_is_closer=self._schema.higher_is_closer)

    def range_search(
        self,
        queries: Any,
        radius: float,
        *,
        filter: str | None = None,
        nprobe: int | None = None,
        ef_search: int | None = None,
        fields: Sequence[str] = (),
    ) -> list[RangeResult]:
        """Every shard's rows within ``radius``, concatenated, best first."""
        check_range_args(radius, nprobe, ef_search)
        q, names, _ = check_query(self._schema, queries, fields, filter)
        parts: list[list[RangeResult]] = self._all(
            "range_search",
            q,
            radius,
            filter=filter,
            nprobe=nprobe,
            ef_search=ef_search,
            fields=names,
        )
        return [
            merge_range([p[n] for p in parts], self._schema.higher_is_closer)
            for n in range(len(q))
        ]

    # ------------------------------------------------------ index maintenance
    def train(self) -> None:
        """Train every shard's index on a sample of its rows (waited on)."""
        self.rebuild().wait()

    def rebuild(self, index: IndexSpec | str | None = None) -> RebuildTask:
        """Rebuild every shard in the background (each as ``Collection.rebuild``).

        Raises:
            InvalidInputError: the new spec does not build.
            ConflictError: a rebuild is already running.
        """
        spec = IndexSpec(factory=index) if isinstance(index, str) else index
        schema = self._schema.with_index(spec) if spec else self._schema
        check_index_spec(schema.dim, schema.metric, schema.index.factory)
        with self._mutex:
            self._check_open()
            if self._rebuild is not None and not self._rebuild.done:
                raise ConflictError(f"collection {schema.name!r} is already rebuilding")
            refs = [a.rebuild_wait.remote(spec) for a in self._actors]
            thread = threading.Thread(
                target=self._finish_rebuild,
                args=(refs, schema),
                name=f"loom-rebuild-{schema.name}",
                daemon=True,
            )
            self._rebuild = task = RebuildTask(thread)
        thread.start()
        return task

    def _finish_rebuild(self, refs: list[Any], schema: CollectionSchema) -> None:
        task = self._rebuild
        assert task is not None
        try:
            ray_get(refs)
            self._schema = schema
            self._write_schema()
        except BaseException as exc:  # surfaced through RebuildTask.wait()
            task.error = exc

    def snapshot(self) -> int:
        """Snapshot every shard; returns the sum of their WAL sequences."""
        return sum(self._all("snapshot"))

    # ----------------------------------------------------------------- stats
    def memory_bytes(self) -> int:
        return sum(self._all("memory_bytes"))

    def stats(self) -> CollectionStats:
        """The shards' stats added up (memory per part, counts, WAL bytes)."""
        parts: list[CollectionStats] = self._all("stats")
        memory: dict[str, int] = {}
        for p in parts:
            for key, value in p.memory_bytes.items():
                memory[key] = memory.get(key, 0) + value
        rebuilding = any(p.rebuilding for p in parts) or (
            self._rebuild is not None and not self._rebuild.done
        )
        return CollectionStats(
            name=self._schema.name,
            dim=self._schema.dim,
            metric=self._schema.metric,
            index=self._schema.index,
            count=sum(p.count for p in parts),
            slots=sum(p.slots for p in parts),
            tombstones=sum(p.tombstones for p in parts),
            is_trained=all(p.is_trained for p in parts),
            indexed=sum(p.indexed for p in parts),
            nlist=parts[0].nlist,
            memory_bytes=memory,
            wal_bytes=sum(p.wal_bytes for p in parts),
            wal_seq=sum(p.wal_seq for p in parts),
            snapshot_seq=sum(p.snapshot_seq for p in parts),
            rebuilding=rebuilding,
            shards=len(parts),
        )


AnyCollection = Collection | ShardedCollection
