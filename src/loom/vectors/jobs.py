"""The ``vectors.fill`` job: a dataset's vectors into a collection, in two halves.

Why two halves: workers are subprocesses, but an open collection belongs to
the server process (the engine holds a per-directory ``flock`` and the only
copy of the in-memory index), so a worker cannot write to it. The worker
therefore does the slow, fallible part — read the dataset version, pick the
id / vector / field columns, check types, dimension and finiteness — and
leaves Arrow IPC batches plus a ``request.json`` in
``$LOOM_HOME/vector-spool/<job_id>/``. A server thread (``FillIngester``)
notices the request, writes the batches through the ordinary
``insert``/``upsert`` path (WAL first, so acknowledged rows survive a crash)
and answers with ``done.json``; the worker, which has been waiting and
honouring cancellation meanwhile, turns that answer into the job's result or
error. The job's state, logs, cancel and retry are those of every other job,
and no part of this needs Ray.

Parameters (``JobPublic.params``): ``collection``, ``dim``, ``metric``,
``dataset``, ``dataset_version``, ``id_column``, ``vector_column`` or
``vector_columns`` or ``text_column``, ``field_columns``, ``mode`` and
``embedder``. ``embedder`` is null when the dataset holds the vectors; else it
is the embedding model (``loom.vectors.embedder``, checked by the route: task
and dimension) that the worker loads once and runs on ``text_column`` batch by
batch before the same spool hand-off. A successful ingest records it on the
collection, so searches may then send text.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from loom.core.errors import ConflictError, InvalidInputError, LoomError
from loom.jobs.context import JobContext
from loom.vectors.binary import read_arrow_rows, vectors_from_column, write_arrow_rows
from loom.vectors.embedder import embed_texts

if TYPE_CHECKING:
    from loom.vectors.service import VectorService

logger = logging.getLogger(__name__)
BATCH_ROWS = 50_000
EMBED_BATCH_ROWS = 2_000  # texts per model call: bounded memory, frequent logs
REQUEST, DONE = "request.json", "done.json"


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Atomically (the other side polls for the file's existence)."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def spool_dir(home: Path) -> Path:
    """Where fill workers leave Arrow batches for the server (``$LOOM_HOME``-based,
    so the worker finds it from its own settings)."""
    return home / "vector-spool"


# --------------------------------------------------------------- worker half
def run_fill(ctx: JobContext) -> dict[str, Any]:
    """Read the dataset into spooled Arrow batches, then wait for the server."""
    p = ctx.params
    spool = spool_dir(ctx.settings.home) / ctx.job_id
    shutil.rmtree(spool, ignore_errors=True)
    spool.mkdir(parents=True)
    try:
        batches, rows = _spool_dataset(ctx, spool)
        _write_json(
            spool / REQUEST,
            {
                "workspace_id": ctx.workspace_id,
                "collection": p["collection"],
                "mode": p["mode"],
                "batches": batches,
                "embedder": p.get("embedder"),
            },
        )
        ctx.log(f"spooled {rows} rows in {len(batches)} batches; waiting for ingest")
        answer = _wait_for_answer(ctx, spool / DONE)
    finally:
        shutil.rmtree(spool, ignore_errors=True)
    if "error" in answer:
        raise InvalidInputError(str(answer["error"]))
    ctx.log(f"ingested {answer['written']} rows; collection has {answer['count']}")
    return {"collection": p["collection"], **answer}


def _spool_dataset(ctx: JobContext, spool: Path) -> tuple[list[str], int]:
    import pyarrow.parquet as pq

    from loom.data import service as data_service

    p = ctx.params
    with ctx.db.session() as session:
        key = data_service.get_version_row(
            session,
            workspace_id=ctx.workspace_id,
            ref=p["dataset"],
            version=p.get("dataset_version"),
        ).artifact_key
    if p.get("text_column"):
        vector_cols = [p["text_column"]]
    elif p.get("vector_column"):
        vector_cols = [p["vector_column"]]
    else:
        vector_cols = p["vector_columns"]
    needed = [p["id_column"], *vector_cols, *p.get("field_columns", [])]
    batches: list[str] = []
    rows = 0
    bundle = _load_embedder(ctx)
    size = BATCH_ROWS if bundle is None else EMBED_BATCH_ROWS
    with ctx.artifacts.local_path(key) as path:
        source = pq.ParquetFile(path)
        present = source.schema_arrow.names
        for column in needed:
            if column not in present:
                raise InvalidInputError(
                    f"dataset {p['dataset']!r} has no column {column!r}; "
                    f"columns are {present}"
                )
        for batch in source.iter_batches(batch_size=size, columns=needed):
            ids, vectors, fields = _columns(batch, p, rows, bundle)
            name = f"batch-{len(batches):05d}.arrow"
            (spool / name).write_bytes(write_arrow_rows(ids, vectors, fields))
            batches.append(name)
            rows += len(ids)
            ctx.log(f"read {rows} rows")
            ctx.check_cancelled()
    return batches, rows


def _load_embedder(ctx: JobContext) -> Any:
    """The embedding model's bundle (None: the dataset holds the vectors)."""
    embedder = ctx.params.get("embedder")
    if embedder is None:
        return None
    from loom.training.bundle import ModelBundle

    with ctx.artifacts.local_path(embedder["artifact_key"]) as path:
        bundle = ModelBundle.load(path)
    ctx.log(f"embedding {ctx.params['text_column']!r} with {bundle.algorithm}")
    return bundle


def _columns(
    batch: Any, p: dict[str, Any], offset: int, bundle: Any = None
) -> tuple[np.ndarray, np.ndarray, dict[str, list[Any]]]:
    """Ids, (n, dim) vectors and field lists of one record batch, checked.

    With a ``bundle`` the vectors are the model's embeddings of the text
    column; under cosine, rows it embeds as all zeros (no known word) are
    dropped, since they have no direction to compare.
    """
    import pyarrow as pa

    id_col = batch.column(p["id_column"])
    if not pa.types.is_integer(id_col.type) or id_col.null_count:
        raise InvalidInputError(
            f"id column {p['id_column']!r} must be non-null integers; got {id_col.type}"
        )
    if bundle is not None:
        vectors = embed_texts(bundle, batch.column(p["text_column"]).to_pylist())
    elif p.get("vector_column"):
        vectors = vectors_from_column(
            batch.column(p["vector_column"]), p["vector_column"]
        )
    else:
        parts = []
        for name in p["vector_columns"]:
            col = batch.column(name)
            if not (pa.types.is_floating(col.type) or pa.types.is_integer(col.type)):
                raise InvalidInputError(
                    f"vector column {name!r} must be numeric; got {col.type}"
                )
            parts.append(col.to_numpy(zero_copy_only=False).astype(np.float32))
        vectors = np.column_stack(parts)
    if vectors.shape[1] != p["dim"]:
        raise InvalidInputError(
            f"the dataset's vectors have dimension {vectors.shape[1]}, "
            f"collection {p['collection']!r} expects {p['dim']}"
        )
    finite = np.isfinite(vectors).all(axis=1)
    if not finite.all():
        row = offset + int(np.flatnonzero(~finite)[0])
        raise InvalidInputError(f"dataset row {row} has a NaN or missing vector value")
    fields = {
        name: batch.column(name).to_pylist() for name in p.get("field_columns", [])
    }
    ids = id_col.to_numpy().astype(np.int64)
    if bundle is not None and p.get("metric") == "cosine":
        keep = np.flatnonzero(np.abs(vectors).sum(axis=1) > 0)
        if len(keep) < len(ids):
            ids, vectors = ids[keep], vectors[keep]
            fields = {n: [v[i] for i in keep.tolist()] for n, v in fields.items()}
    return ids, vectors, fields


def _wait_for_answer(ctx: JobContext, done: Path) -> dict[str, Any]:
    last_check = time.monotonic()
    while not done.exists():
        time.sleep(0.05)
        if time.monotonic() - last_check > 1.0:
            ctx.check_cancelled()
            last_check = time.monotonic()
    answer: dict[str, Any] = json.loads(done.read_text())
    return answer


# --------------------------------------------------------------- server half
class FillIngester:
    """A server thread that writes spooled fill batches into their collections."""

    def __init__(
        self, service: VectorService, spool: Path, interval_s: float = 0.1
    ) -> None:
        self.service = service
        self.spool = spool
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, name="loom-vector-fill", daemon=True
        )

    def start(self) -> None:
        self.spool.mkdir(parents=True, exist_ok=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.tick()
            except Exception:  # the loop must outlive one bad request
                logger.exception("vector fill ingest failed")

    def tick(self) -> None:
        """Answer every pending request; remove spools of jobs no longer running."""
        for job_dir in sorted(self.spool.iterdir()):
            if not (job_dir / REQUEST).exists() or (job_dir / DONE).exists():
                continue
            if not self._running(job_dir.name):
                shutil.rmtree(job_dir, ignore_errors=True)
                continue
            try:
                answer = self.ingest(
                    job_dir, json.loads((job_dir / REQUEST).read_text())
                )
            except LoomError as exc:
                answer = {"error": exc.message}
            except Exception as exc:  # reported to the job, not lost in a log
                logger.exception("fill %s failed", job_dir.name)
                answer = {"error": f"{type(exc).__name__}: {exc}"}
            _write_json(job_dir / DONE, answer)

    def _running(self, job_id: str) -> bool:
        from loom.jobs.orm import SqlJob

        with self.service.db.session() as session:
            row = session.get(SqlJob, job_id)
            return row is not None and row.state == "running"

    def ingest(self, job_dir: Path, request: dict[str, Any]) -> dict[str, Any]:
        """Write every batch; in insert mode, refuse before writing if any id exists."""
        with self.service.db.session() as session:
            collection = self.service.open(
                session, request["workspace_id"], request["collection"]
            )
        names = request["batches"]
        if request["mode"] == "insert":
            _check_new_ids(collection, [job_dir / n for n in names])
        write = collection.insert if request["mode"] == "insert" else collection.upsert
        written = 0
        for name in names:
            ids, vectors, fields = read_arrow_rows((job_dir / name).read_bytes())
            written += write(ids, vectors, fields or None)
        if request.get("embedder"):
            self.service.record_embedder(collection, request["embedder"])
        return {"written": written, "count": collection.count()}


def _check_new_ids(collection: Any, paths: list[Path]) -> None:
    """All-or-nothing insert across batches: no repeats, none already stored."""
    import pyarrow as pa

    chunks = []
    for path in paths:
        table = pa.ipc.open_stream(pa.py_buffer(path.read_bytes())).read_all()
        chunks.append(table.column("id").to_numpy())
    ids = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
    uniq, counts = np.unique(ids, return_counts=True)
    if (counts > 1).any():
        raise InvalidInputError(f"id {int(uniq[counts > 1][0])} appears more than once")
    found = collection.get(uniq, [], include_vectors=False)
    if len(found.ids):
        raise ConflictError(
            f"id {int(found.ids[0])} already exists; use mode 'upsert' to replace it"
        )
