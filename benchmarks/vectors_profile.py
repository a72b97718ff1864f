"""Where Loom's search time goes, step by step, next to raw faiss on the same index.

For one data set and index (default: the synthetic 128-d set, 200,000 rows,
IVF with nprobe 16) this times, per 1,000-query batch and per single query
(median of ``--repeats``):

* raw faiss ``index.search`` in this thread, and from a worker thread (the
  server runs every search in Starlette's thread pool; OpenMP keeps one
  thread team per calling thread);
* the engine: ``Collection.search`` on a collection in a temporary directory
  (argument checks, read lock, ``FaissIndex`` parameters, slot -> id mapping);
* the payloads: ``write_npy`` + ``read_npy`` of the queries and
  ``search_results_to_arrow`` + ``arrow_to_search_results`` of the answer;
* the whole SDK call against a real ``loom server``, next to the server's own
  ``X-Loom-Took-Ms`` (its ``service.search``), and a ``GET /health`` round trip
  as the floor of one HTTP call on loopback.

Run: ``.venv/bin/python benchmarks/vectors_profile.py [--factory HNSW32 --param 16]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import vectors_peers as vp
from vectors_data import load


def timed(fn: Callable[[], Any], repeats: int) -> float:
    """Median milliseconds of ``fn()`` over ``repeats`` calls (one warm-up)."""
    fn()
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out) * 1000


def engine_steps(ds: Any, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """faiss, Collection.search and the payload helpers, in this process."""
    import faiss

    from loom.vectors.binary import (
        arrow_to_search_results,
        read_npy,
        search_results_to_arrow,
        write_npy,
    )
    from loom.vectors.collection import Collection
    from loom.vectors.schema import CollectionSchema

    fa = vp.FaissPeer(ds, args.factory)
    key = "efSearch" if "HNSW" in args.factory else "nprobe"
    params = fa._params(args.param)
    coll = Collection.create(
        tmp / "c",
        CollectionSchema(name="p", dim=ds.dim, metric=ds.metric, index=args.factory),
    )
    coll.insert(np.arange(ds.n), ds.base)
    if not coll.stats().is_trained:
        coll.train()
    option = {"ef_search" if key == "efSearch" else "nprobe": args.param}
    batch, one = ds.queries[:1000], ds.queries[:1]
    pool = ThreadPoolExecutor(max_workers=40)
    found = coll.search(batch, 10, **option)
    body = write_npy(batch)
    arrow = search_results_to_arrow(found.ids, found.distances, {})
    r = args.repeats
    steps = {
        "faiss search, this thread": (
            timed(lambda: fa.index.search(batch, 10, params=params), r),
            timed(lambda: fa.index.search(one, 10, params=params), r * 10),
        ),
        "faiss search, from a pool thread": (
            timed(
                lambda: pool.submit(fa.index.search, batch, 10, params=params).result(),
                r,
            ),
            timed(
                lambda: pool.submit(fa.index.search, one, 10, params=params).result(),
                r * 10,
            ),
        ),
        "Collection.search (engine)": (
            timed(lambda: coll.search(batch, 10, **option), r),
            timed(lambda: coll.search(one, 10, **option), r * 10),
        ),
        "write_npy + read_npy (queries)": (
            timed(lambda: read_npy(write_npy(batch)), r),
            timed(lambda: read_npy(write_npy(one)), r * 10),
        ),
        "results -> Arrow -> arrays": (
            timed(
                lambda: arrow_to_search_results(
                    search_results_to_arrow(found.ids, found.distances, {}), 1000, 10
                ),
                r,
            ),
            None,
        ),
    }
    pool.shutdown()
    coll.close()
    faiss_info = f"{args.factory} {key} {args.param}"
    return {
        "steps": steps,
        "bytes": (len(body), len(arrow)),
        "index": faiss_info,
        "threads": faiss.omp_get_max_threads(),
    }


def http_steps(ds: Any, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """The SDK against a real server: total, server-side time, HTTP floor."""
    server = vp.LoomServer(tmp / "srv", args.threads)
    try:
        lo = vp.LoomPeer(server, ds, args.factory, "p")
        option = lo._options(args.param)
        vec, http = lo.vectors, server.client._transport.http
        batch, one = ds.queries[:1000], ds.queries[:1]
        took: dict[str, list[float]] = {"batch": [], "single": []}

        def call(q: np.ndarray, binary: bool, kind: str) -> None:
            res = vec.search(lo.coll, q, k=10, binary=binary, **option)
            took[kind].append(res.took_ms)

        r = args.repeats
        out = {
            "SDK search, binary (total)": (
                timed(lambda: call(batch, True, "batch"), r),
                timed(lambda: call(one, True, "single"), r * 10),
            ),
        }
        out["  of which the server's service.search"] = (
            statistics.median(took["batch"]),
            statistics.median(took["single"]),
        )
        took["single"].clear()
        out["SDK search, JSON (total)"] = (
            timed(lambda: call(batch, False, "batch"), max(1, r // 2)),
            timed(lambda: call(one, False, "single"), r * 10),
        )
        out["  of which the server's service.search (JSON)"] = (
            None,
            statistics.median(took["single"]),
        )
        out["GET /api/v1/health (HTTP floor)"] = (
            None,
            timed(lambda: http.get("/api/v1/health"), r * 10),
        )
        lo.close()
    finally:
        server.close()
    return out


def main(argv: list[str] | None = None) -> None:
    """Print the breakdown as a markdown table."""
    import faiss

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", default="synthetic-128")
    p.add_argument("--rows", type=int, default=200_000)
    p.add_argument("--factory", default="IVF1024,Flat")
    p.add_argument("--param", type=int, default=16)
    p.add_argument("--repeats", type=int, default=9)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    faiss.omp_set_num_threads(args.threads)
    ds = load(args.dataset, 1000, args.rows)
    with tempfile.TemporaryDirectory(prefix="loom-vec-profile-") as tmp:
        eng = engine_steps(ds, args, Path(tmp))
        http = http_steps(ds, args, Path(tmp))
    print(
        f"{ds.title} {ds.n:,} x {ds.dim}, {eng['index']}, faiss threads "
        f"{eng['threads']}; .npy body {eng['bytes'][0]:,} B, Arrow answer "
        f"{eng['bytes'][1]:,} B\n"
    )
    print("| step | ms per 1,000-query batch | ms per single query |")
    print("|---|---:|---:|")
    for name, (b, s) in {**eng["steps"], **http}.items():
        fb = "-" if b is None else f"{b:.3f}"
        fs = "-" if s is None else f"{s:.3f}"
        print(f"| {name} | {fb} | {fs} |")


if __name__ == "__main__":
    main()
