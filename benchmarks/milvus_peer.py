"""The milvus-lite contender of ``vectors.py``, run inside ``benchmarks/.venv-milvus``.

milvus-lite and pymilvus live in their own venv (as MLflow does for the
serving benchmark) so their grpcio/protobuf pins never touch Loom's. The
driver writes the base and query vectors as ``.npy`` files and a JSON job;
this script inserts the rows once through ``MilvusClient``, then for each
index builds it (``create_index`` + ``load_collection``) and runs the sweep
(batch search, then single queries one by one), grading recall@10 against the
ground truth the driver passed, until recall reaches the target or the time
budget is spent; it writes a JSON answer.

Run by the driver: ``.venv-milvus/bin/python milvus_peer.py JOB.json``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

COLLECTION = "bench"
# Rows per insert call: ~8 MB of float32, well under gRPC's message limit
# (10,000 x 784 floats, 31 MB, never came back on Fashion-MNIST).
INSERT_FLOATS = 2_000_000


def _client(path: Path) -> Any:
    from pymilvus import DataType, MilvusClient

    client = MilvusClient(str(path))
    return client, DataType


def insert_rows(client: Any, data_type: Any, base: np.ndarray) -> float:
    """Create the collection (no index yet) and insert every row; seconds taken.

    Each index gets a fresh collection: milvus-lite 3.2 kept answering "index
    already exists" after ``drop_index`` (waited on, retried for 20 s), so
    swapping the index of one collection did not work.
    """
    if client.has_collection(COLLECTION):
        client.drop_collection(COLLECTION)
    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", data_type.INT64, is_primary=True)
    schema.add_field("vector", data_type.FLOAT_VECTOR, dim=int(base.shape[1]))
    client.create_collection(COLLECTION, schema=schema)
    batch = max(1000, INSERT_FLOATS // int(base.shape[1]))
    t = time.perf_counter()
    for start in range(0, len(base), batch):
        chunk = base[start : start + batch]
        rows = [{"id": start + i, "vector": v} for i, v in enumerate(chunk.tolist())]
        client.insert(COLLECTION, rows)
    client.flush(COLLECTION)
    return time.perf_counter() - t


def build_index(client: Any, index: dict[str, Any], metric: str) -> float:
    """Create this index on the fresh collection and load it; seconds taken."""
    params = client.prepare_index_params()
    params.add_index(
        field_name="vector",
        index_type=index["type"],
        metric_type=metric,
        params=index.get("params", {}),
    )
    t = time.perf_counter()
    client.create_index(COLLECTION, params)
    client.load_collection(COLLECTION)
    return time.perf_counter() - t


def _search(client: Any, queries: np.ndarray, metric: str, sp: dict[str, Any]) -> Any:
    return client.search(
        COLLECTION,
        data=queries.tolist(),
        limit=10,
        search_params={"metric_type": metric, "params": sp},
        output_fields=["id"],  # [] would return every field, vector included
    )


def sweep_point(
    client: Any, job: dict[str, Any], queries: np.ndarray, sp: dict[str, Any]
) -> tuple[dict[str, Any], np.ndarray]:
    """Batch QPS over ``queries`` (chunks of ``batch``) and single-query latency."""
    metric, batch = job["metric"], int(job.get("index_batch") or job["batch"])
    ids = np.full((len(queries), 10), -1, dtype=np.int64)
    t = time.perf_counter()
    for start in range(0, len(queries), batch):
        hits = _search(client, queries[start : start + batch], metric, sp)
        for q, row in enumerate(hits):
            found = [int(h["id"]) for h in row][:10]
            ids[start + q, : len(found)] = found
    seconds = time.perf_counter() - t
    lat = []
    for q in queries[: int(job["single"])]:
        t1 = time.perf_counter()
        _search(client, q[None, :], metric, sp)
        lat.append(time.perf_counter() - t1)
    point = {
        "params": sp,
        "qps": len(queries) / seconds,
        "p50_ms": float(np.percentile(lat, 50) * 1000) if lat else None,
        "p99_ms": float(np.percentile(lat, 99) * 1000) if lat else None,
    }
    return point, ids


def recall_at_10(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of the exact top 10 among the returned top 10."""
    hits = sum(len(np.intersect1d(g, w)) for g, w in zip(found, truth, strict=True))
    return hits / truth.size


def main(job_path: str) -> None:
    """Run the job described in ``job_path`` and write ``answer.json``."""
    job = json.loads(Path(job_path).read_text())
    out = Path(job["out"])
    base = np.load(job["base"])
    queries = np.load(job["queries"])
    truth = np.load(job["truth"])[:, :10]
    client, data_type = _client(out / "milvus.db")
    import pymilvus

    answer: dict[str, Any] = {"version": pymilvus.__version__, "indexes": {}}
    deadline = time.monotonic() + float(job["budget_s"])
    for key, index in job["indexes"].items():
        if time.monotonic() > deadline:
            answer["indexes"][key] = {
                "skipped": f"time budget {job['budget_s']} s spent"
            }
            continue
        entry: dict[str, Any] = {"insert_s": insert_rows(client, data_type, base)}
        entry["build_s"] = build_index(client, index, job["metric"])
        entry["described"] = str(client.describe_index(COLLECTION, "vector"))[:300]
        entry["points"] = []
        entry["batch"] = min(int(index.get("batch") or job["batch"]), len(queries))
        for sp in index["sweep"]:
            point, ids = sweep_point(
                client, {**job, "index_batch": index.get("batch")}, queries, sp
            )
            point["recall"] = recall_at_10(ids, truth)
            entry["points"].append(point)
            print(f"milvus {key} {sp} {point['qps']:.1f} QPS", flush=True)
            if time.monotonic() > deadline or point["recall"] >= job["target"]:
                break
        answer["indexes"][key] = entry
        (out / "answer.json").write_text(json.dumps(answer))
    client.close()


if __name__ == "__main__":
    main(sys.argv[1])
