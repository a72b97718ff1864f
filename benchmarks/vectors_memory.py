"""Memory of one Loom collection: engine accounting next to the RSS growth.

Builds a collection in a temporary directory from the synthetic clustered
128-d set (default 1,000,000 rows, inserted in 10,000-row calls as the SDK
does), for each index spec asked, and prints per spec the engine's own
accounting (index, raw vectors, fields, id map) and how much the resident set
grew while the collection was built (the base array is loaded before the
first measurement, so it is not counted). Nothing is asserted: the figures go
into ``src/loom/vectors/NOTES.md``.

Run: ``.venv/bin/python benchmarks/vectors_memory.py [--rows 1000000]
[--factories Flat IVF1024,Flat HNSW32]``.
"""

from __future__ import annotations

import argparse
import gc
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from vectors_data import synthetic

MIB = 2**20
CHUNK = 10_000


def rss_bytes() -> int:
    """Current resident set size of this process (Linux ``/proc``)."""
    fields = Path("/proc/self/statm").read_text().split()
    return int(fields[1]) * os.sysconf("SC_PAGE_SIZE")


def measure(base: np.ndarray, factory: str, tmp: Path) -> dict[str, float]:
    """Build one collection and return its memory figures in MiB."""
    from loom.vectors.collection import Collection
    from loom.vectors.schema import CollectionSchema

    gc.collect()
    before = rss_bytes()
    t = time.perf_counter()
    schema = CollectionSchema(name="m", dim=base.shape[1], metric="l2", index=factory)
    coll = Collection.create(tmp / factory.replace(",", "_"), schema)
    ids = np.arange(len(base), dtype=np.int64)
    for start in range(0, len(base), CHUNK):
        coll.insert(ids[start : start + CHUNK], base[start : start + CHUNK])
    if not coll.stats().is_trained:
        coll.train()
    gc.collect()
    grown = rss_bytes() - before
    parts = dict(coll.stats().memory_bytes)
    coll.close()
    out = {k: v / MIB for k, v in parts.items()}
    out["rss_growth"] = grown / MIB
    out["build_s"] = time.perf_counter() - t
    return out


def main(argv: list[str] | None = None) -> None:
    """Print one markdown row per index spec."""
    import faiss

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--factories", nargs="+", default=["Flat", "IVF1024,Flat"])
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    faiss.omp_set_num_threads(args.threads)
    base, _ = synthetic(args.rows, 1)
    print(f"synthetic clustered 128-d, {args.rows:,} rows; MiB\n")
    print("| index | index | vectors | fields | ids | total | RSS growth | build s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="loom-vec-mem-") as tmp:
        for factory in args.factories:
            m = measure(base, factory, Path(tmp))
            cells = " | ".join(
                f"{m[k]:,.1f}"
                for k in ("index", "vectors", "fields", "ids", "total", "rss_growth")
            )
            print(f"| {factory} | {cells} | {m['build_s']:.1f} |", flush=True)


if __name__ == "__main__":
    main()
