"""The three contenders of ``vectors.py``: raw faiss, Loom over HTTP, milvus-lite.

Each contender builds one index from a data set and answers a *sweep point*
(an ``nprobe`` / ``efSearch`` value, or none for Flat): a timed batch search
of every query in batches of ``batch`` (median of ``repeats``), graded against
the ground truth, and, at the chosen point only, single queries one at a time
for p50/p99. Faiss and Loom share one interface so the driver can alternate
them point by point (the machine is shared; back-to-back measurements see the
same load). milvus-lite runs in its own venv through ``milvus_peer.py``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
import peers
from numpy.typing import NDArray
from vectors_data import DataSet, recall_at

MILVUS_PY = peers.BENCH_DIR / ".venv-milvus" / "bin" / "python"
INSERT_CHUNK = 50_000
Point = dict[str, Any]


def _median_qps(
    run: Any, queries: NDArray[np.float32], batch: int, repeats: int
) -> tuple[float, NDArray[np.int64]]:
    """Median QPS over ``repeats`` passes of batched ``run``, and the ids found."""
    seconds, ids = [], None
    for _ in range(repeats):
        parts = []
        t = time.perf_counter()
        for start in range(0, len(queries), batch):
            parts.append(run(queries[start : start + batch]))
        seconds.append(time.perf_counter() - t)
        ids = np.concatenate(parts)
    assert ids is not None
    return len(queries) / statistics.median(seconds), ids


def _latency(run: Any, queries: NDArray[np.float32]) -> dict[str, float]:
    """p50/p99 ms of single queries sent one after another (one warm-up first)."""
    run(queries[:1])
    lat = []
    for q in queries:
        t = time.perf_counter()
        run(q[None, :])
        lat.append(time.perf_counter() - t)
    ms = np.asarray(lat) * 1000
    return {
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
    }


class FaissPeer:
    """faiss in this process: ``index_factory`` + train + add, as a user writes it."""

    name = "faiss"

    def __init__(self, ds: DataSet, factory: str) -> None:
        import faiss

        self.faiss, self.ds, self.factory = faiss, ds, factory
        kind = faiss.METRIC_L2 if ds.metric == "l2" else faiss.METRIC_INNER_PRODUCT
        t = time.perf_counter()
        index = faiss.index_factory(ds.dim, factory, kind)
        if not index.is_trained:
            # faiss's k-means samples 256 rows per centroid itself, as Loom does.
            index.train(ds.base)
        index.add(ds.base)
        self.build_s = time.perf_counter() - t
        self.index = index
        self.memory_bytes = len(faiss.serialize_index(index))

    def _params(self, param: int | None) -> Any:
        if param is None:
            return None
        if "HNSW" in self.factory:
            return self.faiss.SearchParametersHNSW(efSearch=param)
        return self.faiss.SearchParametersIVF(nprobe=param)

    def _runner(self, param: int | None) -> Any:
        params = self._params(param)

        def run(q: NDArray[np.float32]) -> NDArray[np.int64]:
            return self.index.search(q, 10, params=params)[1]

        return run

    def point(self, param: int | None, batch: int, repeats: int) -> Point:
        qps, ids = _median_qps(self._runner(param), self.ds.queries, batch, repeats)
        return {"param": param, "qps": qps, "recall": recall_at(ids, self.ds.truth)}

    def latency(self, param: int | None, n: int) -> dict[str, float]:
        return _latency(self._runner(param), self.ds.queries[:n])

    def close(self) -> None:
        del self.index


class LoomServer:
    """``loom server`` on loopback with its own LOOM_HOME and faiss thread count."""

    def __init__(
        self, tmp: Path, threads: int, extra_env: dict[str, str] | None = None
    ) -> None:
        from loom import Client

        home = tmp / "home"
        home.mkdir(parents=True)
        port = peers.free_port()
        self.server = peers.loom_server(home, port, tmp)
        self.server.env["OMP_NUM_THREADS"] = str(threads)
        self.server.env.update(extra_env or {})
        self.server.start()
        token = json.loads((home / "credentials").read_text())["token"]
        self.client = Client(f"http://127.0.0.1:{port}", token, timeout_s=3600)

    def close(self) -> None:
        self.client.close()
        self.server.stop()


class LoomPeer:
    """A Loom collection loaded through the SDK's binary insert (Arrow IPC)."""

    name = "loom"

    def __init__(self, server: LoomServer, ds: DataSet, factory: str, key: str) -> None:
        self.vectors, self.ds, self.factory = server.client.vectors, ds, factory
        self.coll = f"{ds.name.replace('-', '_')}_{key}".lower()
        self.vectors.create(self.coll, ds.dim, ds.metric, index=factory)
        ids = np.arange(ds.n, dtype=np.int64)
        t = time.perf_counter()
        for start in range(0, ds.n, INSERT_CHUNK):
            end = start + INSERT_CHUNK
            self.vectors.insert(self.coll, ids[start:end], ds.base[start:end])
        self.insert_s = time.perf_counter() - t
        info = self.vectors.get(self.coll)
        # A large HNSW collection rebuilds in the background once appends have
        # doubled it (Collection._maybe_compact): its build ends with that.
        while info.stats.rebuilding:
            time.sleep(0.2)
            info = self.vectors.get(self.coll)
        if not info.stats.is_trained:
            info = self.vectors.train(self.coll)
        self.build_s = time.perf_counter() - t
        self.memory = dict(info.stats.memory_bytes)
        self.memory_bytes = int(self.memory.get("total", 0))

    def _options(self, param: int | None) -> dict[str, int]:
        if param is None:
            return {}
        return {"ef_search" if "HNSW" in self.factory else "nprobe": param}

    def _runner(self, param: int | None, binary: bool) -> Any:
        options = self._options(param)

        def run(q: NDArray[np.float32]) -> NDArray[np.int64]:
            found = self.vectors.search(self.coll, q, k=10, binary=binary, **options)
            return found.ids[:, :10]

        return run

    def point(self, param: int | None, batch: int, repeats: int) -> Point:
        run = self._runner(param, binary=True)
        qps, ids = _median_qps(run, self.ds.queries, batch, repeats)
        return {"param": param, "qps": qps, "recall": recall_at(ids, self.ds.truth)}

    def latency(self, param: int | None, n: int) -> dict[str, float]:
        return _latency(self._runner(param, binary=False), self.ds.queries[:n])

    def close(self) -> None:
        self.vectors.drop(self.coll)


def _exit_reason(code: int, output: str) -> str:
    """One line on how the milvus peer ended: its last output line, or the signal."""
    if code == 0:
        return "finished"
    if code == -9:
        return (
            "was killed (SIGKILL; on 2026-11-21 the kernel's OOM killer, the "
            "pymilvus process at 20 GB RSS on Fashion-MNIST)"
        )
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    return f"exited {code}: {lines[-1] if lines else 'no output'}"


def milvus_available() -> bool:
    """Whether ``benchmarks/.venv-milvus`` holds pymilvus + milvus-lite."""
    return MILVUS_PY.exists()


def run_milvus(ds: DataSet, job: dict[str, Any], tmp: Path) -> dict[str, Any]:
    """Run ``milvus_peer.py`` on ``ds`` in the milvus venv; its JSON answer.

    Args:
        job: ``indexes`` ({key: {type, params, sweep}}), ``n_queries``,
            ``batch``, ``single``, ``target``, ``budget_s``.
    """
    out = tmp / f"milvus-{ds.name}"
    out.mkdir(parents=True)
    nq = int(job.pop("n_queries"))
    for name, array in (
        ("base", ds.base),
        ("queries", ds.queries[:nq]),
        ("truth", ds.truth[:nq]),
    ):
        np.save(out / f"{name}.npy", array)
        job[name] = str(out / f"{name}.npy")
    job |= {"out": str(out), "metric": "L2" if ds.metric == "l2" else "COSINE"}
    (out / "job.json").write_text(json.dumps(job))
    env = {**os.environ, "OMP_NUM_THREADS": str(job["threads"])}
    proc = subprocess.run(
        [
            str(MILVUS_PY),
            str(peers.BENCH_DIR / "milvus_peer.py"),
            str(out / "job.json"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=float(job["budget_s"]) + 600,
        check=False,
    )
    answer_path = out / "answer.json"
    why = _exit_reason(proc.returncode, proc.stdout + proc.stderr)
    if not answer_path.exists():
        return {"error": f"milvus_peer {why}"}
    answer = json.loads(answer_path.read_text())
    answer["n_queries"] = nq
    if proc.returncode != 0:
        answer["error"] = f"milvus_peer {why} (figures before it kept)"
    return answer
