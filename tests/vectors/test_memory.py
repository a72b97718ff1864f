"""Memory layout: NumPy id map, vectors read back from Flat/HNSW storage, growth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer

from loom.vectors import idmap as idmap_module
from loom.vectors.collection import Collection
from loom.vectors.fields import Growable, Matrix
from loom.vectors.idmap import IdMap
from loom.vectors.schema import CollectionSchema


def _cancer() -> np.ndarray:
    """569 x 30 real feature vectors, standardised so L2 neighbours mean something."""
    x = load_breast_cancer().data.astype(np.float32)
    return (x - x.mean(axis=0)) / x.std(axis=0)


def _collection(tmp_path: Path, index: str, metric: str = "l2") -> Collection:
    schema = CollectionSchema(name="cancer", dim=30, metric=metric, index=index)
    return Collection.create(tmp_path / index.replace(",", "_"), schema)


def test_idmap_matches_a_dict_through_inserts_deletes_and_merges(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(idmap_module, "_MIN_RECENT", 8)  # merge often
    rng = np.random.default_rng(0)
    ref: dict[int, int] = {}
    ids_map = IdMap()
    next_slot = 0
    for step in range(300):
        size = int(rng.choice([1, 3, 40]))
        if step % 3 == 2 and ref:
            gone = rng.choice(list(ref), size=min(size, len(ref)), replace=False)
            ids_map.remove(gone.astype(np.int64))
            for i in gone.tolist():
                del ref[i]
            continue
        fresh = np.setdiff1d(rng.integers(-500, 5000, size=size), list(ref))
        fresh = rng.permutation(fresh).astype(np.int64)
        slots = np.arange(next_slot, next_slot + len(fresh), dtype=np.int64)
        next_slot += len(fresh)
        ids_map.assign(fresh, slots)
        ref.update(zip(fresh.tolist(), slots.tolist(), strict=True))
        probe = np.arange(-510, 5010, 7, dtype=np.int64)
        expected = [ref.get(i, -1) for i in probe.tolist()]
        assert ids_map.lookup(probe).tolist() == expected
        assert ids_map.lookup(probe[:2]).tolist() == expected[:2]
        assert len(ids_map) == len(ref)


def test_idmap_costs_16_bytes_a_row_after_a_bulk_load() -> None:
    ids = np.random.default_rng(1).permutation(100_000).astype(np.int64)
    ids_map = IdMap()
    ids_map.assign(ids, np.arange(len(ids), dtype=np.int64))

    assert ids_map.nbytes == 16 * len(ids)
    assert ids_map.lookup(ids[:5]).tolist() == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    ("index", "metric"), [("Flat", "l2"), ("HNSW16", "cosine"), ("HNSW16,Flat", "l2")]
)
def test_flat_and_hnsw_collections_read_vectors_from_the_index(
    tmp_path: Path, index: str, metric: str
) -> None:
    x = _cancer()
    ids = np.arange(len(x), dtype=np.int64) * 3
    c = _collection(tmp_path, index, metric)
    c.insert(ids, x)
    c.delete(ids[:50])
    c.upsert(ids[60:70], x[:10])  # HNSW: tombstones; Flat: compacted positions
    stats = c.stats()
    stored = x / np.linalg.norm(x, axis=1, keepdims=True) if metric == "cosine" else x
    expected = stored.copy()
    expected[60:70] = stored[:10]

    assert stats.memory_bytes["vectors"] == 0
    got = c.get(ids[50:], [])
    assert np.allclose(got.vectors, expected[50:], atol=1e-6)
    # Exact search over the index's own buffer agrees with NumPy brute force.
    res = c.search(x[100:105], 5, exact=True)
    if metric == "l2":
        d = ((expected[50:, None, :] - x[None, 100:105, :]) ** 2).sum(axis=2).T
        truth = ids[50:][np.argsort(d, axis=1)[:, :5]]
        assert (res.ids == truth).all()
    c.close()
    again = Collection.open(c.directory)
    assert not list(again.directory.glob("vectors-*.npy"))
    assert np.allclose(again.get(ids[50:], []).vectors, expected[50:], atol=1e-6)
    assert again.search(x[200:201], 1).ids[0, 0] == ids[200]
    again.close()


def test_rerank_and_range_search_read_flat_storage(tmp_path: Path) -> None:
    x = _cancer()
    c = _collection(tmp_path, "HNSW16")
    c.insert(np.arange(len(x)), x)
    c.delete([0, 1, 2])
    plain = c.search(x[10:20], 5, ef_search=64)
    reranked = c.search(x[10:20], 5, ef_search=64, rerank=40)
    truth = c.search(x[10:20], 5, exact=True)

    assert (reranked.ids[:, 0] == np.arange(10, 20)).all()
    assert np.allclose(reranked.distances, truth.distances, atol=1e-3)
    assert (plain.ids >= 3).all()
    inside = c.range_search(x[5:6], 10.0, filter=None)[0]
    d = ((x[3:] - x[5]) ** 2).sum(axis=1)
    assert sorted(inside.ids.tolist()) == (np.flatnonzero(d < 10.0) + 3).tolist()
    c.close()


def test_rebuild_from_flat_to_ivf_keeps_every_vector(tmp_path: Path) -> None:
    x = _cancer()
    c = _collection(tmp_path, "Flat")
    c.insert(np.arange(len(x)), x)
    c.delete(np.arange(0, 569, 5))
    c.rebuild("IVF8,Flat").wait()
    kept = np.setdiff1d(np.arange(len(x)), np.arange(0, 569, 5))

    assert c.stats().memory_bytes["vectors"] > 0  # IVF keeps Loom's copy
    assert np.array_equal(c.get(kept, []).vectors, x[kept])
    assert c.search(x[kept[:20]], 1, nprobe=8).ids[:, 0].tolist() == kept[:20].tolist()
    c.close()


def test_growth_leaves_at_most_a_quarter_unused() -> None:
    matrix, column = Matrix(4), Growable(np.int64, -1)
    for n in range(1, 3000, 37):
        matrix.extend(np.ones((n, 4), np.float32))
        column.extend(np.ones(n, np.int64))
        assert matrix.nbytes <= 1.25 * matrix.size * 16 + 16 * 16
        assert column.nbytes <= 1.25 * column.size * 8 + 16 * 8
    assert matrix.view.shape == (matrix.size, 4) and (matrix.view == 1).all()
