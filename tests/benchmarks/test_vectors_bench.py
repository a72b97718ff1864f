"""Smoke run of ``benchmarks/vectors.py`` on a tiny subset: faiss and Loom run, the page is written.

Timings are not asserted (they depend on the machine); the point is that the
script keeps working, and keeps grading the same neighbours, as the vector
engine and the SDK change. milvus-lite lives in its own venv and is left to
the full run (``make bench``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest


def test_vectors_bench_main_writes_results_table(
    tmp_path: Path, bench: Callable[[str], ModuleType]
) -> None:
    vectors = bench("vectors")
    argv = ["--quick", "--datasets", "synthetic-128", "--rows", "3000"]
    argv += ["--queries", "50", "--single", "5", "--no-milvus"]
    path = vectors.main([*argv, "--output", str(tmp_path), "--cache", str(tmp_path)])

    text = path.read_text()
    assert path == tmp_path / "vectors.md"
    assert "## synthetic clustered 128-d: 3,000 x 128, l2, 50 queries" in text
    for row in ("| Flat | faiss |", "| Flat | loom |", "| HNSW32 | loom |"):
        assert row in text
    assert "| IVF219,Flat | loom |" in text
    assert "Loom/faiss QPS (>= 0.8)" in text
    assert "milvus-lite: skipped" in text
    doc = json.loads((tmp_path / "vectors.json").read_text())
    flat = doc["datasets"]["synthetic-128"]["indexes"]["flat"]
    # Exact search must find the exact neighbours through either path.
    assert flat["chosen"]["faiss"]["recall"] == 1.0
    assert flat["chosen"]["loom"]["recall"] == 1.0
    assert flat["memory"]["loom"] > flat["memory"]["faiss"] > 0


def test_vectors_bench_synthetic_set_is_deterministic(
    bench: Callable[[str], ModuleType],
) -> None:
    data = bench("vectors_data")
    base1, queries1 = data.synthetic(2000, 10)
    base2, queries2 = data.synthetic(2000, 10)

    assert base1.shape == (2000, 128) and base1.dtype == np.float32
    assert np.array_equal(base1, base2) and np.array_equal(queries1, queries2)
    assert not np.array_equal(base1[:10], queries1)


def test_vectors_bench_recall_counts_shared_neighbours(
    bench: Callable[[str], ModuleType],
) -> None:
    data = bench("vectors_data")
    truth = np.arange(20, dtype=np.int64).reshape(2, 10)
    found = truth.copy()
    found[0, :5] = -1  # half of query 0's neighbours missed

    assert data.recall_at(truth, truth) == 1.0
    assert data.recall_at(found, truth) == pytest.approx(0.75)


def test_vectors_bench_choose_takes_first_point_reaching_target(
    bench: Callable[[str], ModuleType],
) -> None:
    vectors = bench("vectors")
    points = [
        {"param": 8, "recall": 0.90, "qps": 9000.0},
        {"param": 16, "recall": 0.96, "qps": 5000.0},
        {"param": 32, "recall": 0.99, "qps": 3000.0},
    ]

    assert vectors.choose(points, 0.95)["param"] == 16
    assert vectors.choose(points[:1], 0.95)["param"] == 8
