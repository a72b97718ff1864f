"""Single-query fast path: which searches may run inline, one OpenMP thread."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer

from loom.vectors import segment as segment_module
from loom.vectors.collection import Collection
from loom.vectors.index import one_omp_thread
from loom.vectors.schema import CollectionSchema


def _filled(tmp_path: Path, index: str) -> tuple[Collection, np.ndarray]:
    x = load_breast_cancer().data.astype(np.float32)
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    schema = CollectionSchema(
        name="c",
        dim=30,
        metric="l2",
        index=index,
        fields=[{"name": "n", "type": "int"}],
    )
    c = Collection.create(tmp_path / index.replace(",", "_"), schema)
    c.insert(np.arange(len(x)), x, [{"n": i % 7} for i in range(len(x))])
    if not c.stats().is_trained:
        c.train()
    return c, x


def test_is_quick_search_keeps_full_scans_off_the_event_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(segment_module, "QUICK_SEARCH_WORK", 569 * 30 - 1)
    flat, _ = _filled(tmp_path, "Flat")
    hnsw, _ = _filled(tmp_path, "HNSW16")
    ivf, _ = _filled(tmp_path, "IVF8,Flat")

    assert not flat.is_quick_search(1)  # a full scan of every row
    assert hnsw.is_quick_search(1, ef_search=16)
    assert not hnsw.is_quick_search(1, ef_search=4096)
    assert not hnsw.is_quick_search(1, filter="n == 3")  # the mask reads every row
    assert not hnsw.is_quick_search(1, exact=True)
    assert ivf.is_quick_search(1, nprobe=2)
    assert not ivf.is_quick_search(1, nprobe=8)
    assert not ivf.is_quick_search(2, nprobe=2, rerank=300)
    for c in (flat, hnsw, ivf):
        c.close()
    assert not flat.is_quick_search(1)  # closed: let the pool raise the error


def test_single_query_matches_its_row_of_a_batch(tmp_path: Path) -> None:
    c, x = _filled(tmp_path, "HNSW16")
    faiss.omp_set_num_threads(2)
    batch = c.search(x[:20], 5, ef_search=32)
    for q in range(20):
        one = c.search(x[q], 5, ef_search=32)
        assert one.ids[0].tolist() == batch.ids[q].tolist()
    assert faiss.omp_get_max_threads() == 2  # restored after each single query
    c.close()


def _fail_inside_one_thread() -> None:
    with one_omp_thread():
        assert faiss.omp_get_max_threads() == 1
        raise RuntimeError("boom")


def test_one_omp_thread_restores_the_setting_after_an_error() -> None:
    faiss.omp_set_num_threads(2)
    with pytest.raises(RuntimeError, match="boom"):
        _fail_inside_one_thread()
    assert faiss.omp_get_max_threads() == 2


def test_search_now_answers_none_instead_of_waiting_for_a_writer(
    tmp_path: Path,
) -> None:
    """The event loop's search never blocks: with a write holding or awaiting
    the lock it returns None at once, and answers normally after."""
    import threading
    import time

    c, x = _filled(tmp_path, "HNSW16")
    expected = c.search(x[:1], 5)
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        with c._rw.write():
            holding.set()
            release.wait(5)

    thread = threading.Thread(target=writer)
    thread.start()
    assert holding.wait(5)
    started = time.perf_counter()
    assert c.search_now(x[:1], 5) is None
    assert time.perf_counter() - started < 0.5
    release.set()
    thread.join(5)
    now = c.search_now(x[:1], 5)
    assert now is not None
    np.testing.assert_array_equal(now.ids, expected.ids)
    with c._rw.try_read() as held:  # nothing waits now: the read side is free
        assert held
    c.close()
