"""Index advice for small, large and memory-tight collections."""

from __future__ import annotations

import pytest

from loom.core.errors import InvalidInputError
from loom.vectors.advisor import suggest_index, suggest_nlist
from loom.vectors.index import check_index_spec


def test_suggest_index_picks_flat_for_10k() -> None:
    advice = suggest_index(10_000, 128)
    assert advice.index.factory == "Flat"
    assert "exact" in advice.reason and advice.estimated_index_bytes == 10_000 * 512


def test_suggest_index_picks_hnsw_for_1m_when_memory_allows() -> None:
    advice = suggest_index(1_000_000, 128)
    assert advice.index.factory == "HNSW32"
    assert advice.ef_search == 64 and "latency" in advice.reason


def test_suggest_index_picks_ivf_flat_between_hnsw_and_raw_size() -> None:
    advice = suggest_index(1_000_000, 128, memory_budget_bytes=600 * 2**20)
    assert advice.index.factory == "IVF4096,Flat"
    assert advice.nprobe and "nprobe" in advice.reason


def test_suggest_index_compresses_with_pq_when_memory_is_tight() -> None:
    advice = suggest_index(1_000_000, 128, memory_budget_bytes=64 * 2**20)
    assert advice.index.factory == "IVF4096,PQ32"  # 48 does not divide 128
    assert advice.index.refine
    assert advice.estimated_index_bytes <= 64 * 2**20
    assert "PQ32 stores each vector in 32 bytes instead of 512" in advice.reason


def test_suggest_index_adds_pca_for_wide_vectors_on_a_tight_budget() -> None:
    advice = suggest_index(500_000, 768, memory_budget_bytes=32 * 2**20)
    assert advice.index.factory.startswith("PCA128,IVF")
    check_index_spec(768, "l2", advice.index.factory)


def test_suggest_index_rejects_impossible_budget() -> None:
    with pytest.raises(InvalidInputError, match="no index fits"):
        suggest_index(1_000_000, 128, memory_budget_bytes=1_000_000)


def test_suggest_nlist_is_about_four_root_n() -> None:
    assert suggest_nlist(1_000_000) == 4096
    assert suggest_nlist(200_000) == 2048
    assert suggest_nlist(1_000) == 25  # capped so each cell has ~39 points
