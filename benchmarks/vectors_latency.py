"""Single-query latency: raw faiss in process vs one JSON search over HTTP to Loom.

Starts a ``loom server`` on loopback (its own LOOM_HOME), fills one collection
from the synthetic clustered 128-d set through the SDK, then times, one query
after another, ``--queries`` single searches (default 2,000) three ways:

* raw faiss ``index.search`` on an index of the same spec built in this process;
* ``POST /api/v1/collections/{name}/search`` with a JSON body through one
  keep-alive ``httpx.Client`` (what a web service calling Loom does);
* the SDK's ``client.vectors.search`` (JSON), as ``benchmarks/vectors.py`` times it;
* ``GET /api/v1/health`` through the same client: the floor of one HTTP call.

Prints p50 / p90 / p99 in ms and Loom's p50 minus faiss's (the issue's target:
at most 1 ms). Nothing is asserted: the figures go into NOTES.md.

Run: ``.venv/bin/python benchmarks/vectors_latency.py [--factory HNSW32
--param 64 --rows 100000]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import vectors_peers as vp
from vectors_data import load


def percentiles(fn: Callable[[int], Any], n: int) -> dict[str, float]:
    """p50/p90/p99 milliseconds of ``fn(i)`` for i in range(n), after a warm-up."""
    for i in range(min(50, n)):
        fn(i)
    out = np.empty(n)
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        out[i] = time.perf_counter() - t
    p50, p90, p99 = np.percentile(out * 1000, [50, 90, 99])
    return {"p50": float(p50), "p90": float(p90), "p99": float(p99)}


def loom_rows(
    ds: Any, args: argparse.Namespace, bodies: list[bytes], env: dict[str, str]
) -> dict[str, dict[str, float]]:
    qs, param = ds.queries, args.param
    """JSON search and /health percentiles against one fresh server."""
    import httpx

    key = "ef_search" if "HNSW" in args.factory else "nprobe"
    with tempfile.TemporaryDirectory(prefix="loom-vec-lat-") as tmp:
        server = vp.LoomServer(Path(tmp), args.threads, env)
        try:
            lo = vp.LoomPeer(server, ds, args.factory, "lat")
            transport = server.client._transport
            headers = {
                "authorization": transport.http.headers["authorization"],
                "content-type": "application/json",
            }
            url = f"/api/v1/collections/{lo.coll}/search"
            took: list[float] = []
            with httpx.Client(base_url=str(transport.http.base_url)) as http:

                def post(i: int) -> float:
                    r = http.post(url, content=bodies[i % 1000], headers=headers)
                    r.raise_for_status()
                    return float(r.headers["x-loom-took-ms"])

                rows = {
                    f"Loom JSON search over HTTP ({key})": percentiles(
                        lambda i: took.append(post(i)), args.queries
                    ),
                    f"Loom SDK search, JSON ({key})": percentiles(
                        lambda i: lo.vectors.search(
                            lo.coll, qs[i % 1000], k=10, binary=False, **{key: param}
                        ),
                        args.queries,
                    ),
                    "GET /health (HTTP floor)": percentiles(
                        lambda i: http.get("/api/v1/health"), args.queries
                    ),
                }
            rows["  of which the server's search (X-Loom-Took-Ms)"] = dict(
                zip(
                    ("p50", "p90", "p99"),
                    np.percentile(took, [50, 90, 99]),
                    strict=True,
                )
            )
            lo.close()
        finally:
            server.close()
    return rows


def main(argv: list[str] | None = None) -> None:
    """Print one table per server (baseline first when given)."""
    import faiss

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--factory", default="IVF256,Flat")
    p.add_argument("--param", type=int, default=16)
    p.add_argument("--queries", type=int, default=2000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument(
        "--baseline-src",
        help="a copy of an older src/ tree: its server is measured first",
    )
    args = p.parse_args(argv)
    faiss.omp_set_num_threads(args.threads)
    ds = load("synthetic-128", 1000, args.rows)
    fa = vp.FaissPeer(ds, args.factory)
    params = fa._params(args.param)
    qs = ds.queries
    key = "ef_search" if "HNSW" in args.factory else "nprobe"
    bodies = [
        orjson.dumps({"vectors": [q.tolist()], "k": 10, key: args.param}) for q in qs
    ]
    variants: dict[str, dict[str, str]] = {"current": {}}
    if args.baseline_src:
        variants = {"baseline": {"PYTHONPATH": args.baseline_src}, **variants}
    print(
        f"synthetic 128-d {ds.n:,} rows, {args.factory} {key} {args.param}, "
        f"{args.queries:,} single queries, faiss threads {args.threads}"
    )
    for name, env in variants.items():
        rows = {
            "faiss index.search": percentiles(
                lambda i: fa.index.search(qs[i % 1000][None], 10, params=params),
                args.queries,
            ),
            **loom_rows(ds, args, bodies, env),
        }
        print(f"\n{name}:\n\n| path | p50 ms | p90 ms | p99 ms |\n|---|---:|---:|---:|")
        for label, r in rows.items():
            print(f"| {label} | {r['p50']:.3f} | {r['p90']:.3f} | {r['p99']:.3f} |")
        loom = next(r for label, r in rows.items() if label.startswith("Loom"))
        gap = loom["p50"] - rows["faiss index.search"]["p50"]
        print(f"\nLoom p50 - faiss p50: {gap:+.3f} ms", flush=True)


if __name__ == "__main__":
    main()
