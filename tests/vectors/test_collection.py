"""Collection semantics: upsert/delete/get, bad input, rebuilds, reopen."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import numpy as np
import pytest

from loom.core.errors import ConflictError, InvalidInputError, NotFoundError
from loom.vectors.collection import Collection
from loom.vectors.schema import CollectionSchema, IndexSpec
from tests.vectors.conftest import Rows, make_rows, make_schema


@pytest.fixture
def collection(tmp_path: Path, rows: Rows) -> Collection:
    c = Collection.create(tmp_path / "items", make_schema("Flat"))
    c.insert(rows.ids, rows.vectors, rows.fields)
    return c


def _fingerprint(directory: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.iterdir())
        if p.is_file()
    }


def test_upsert_replaces_vector_and_fields(collection: Collection, rows: Rows) -> None:
    new_vector = rows.vectors[1] * 3
    collection.upsert([0], [new_vector], [{"price": 1.5}])
    got = collection.get([0])
    assert np.allclose(got.vectors[0], new_vector)
    assert got.fields["price"] == [1.5]
    assert got.fields["cat"] == [None]  # omitted fields become null, not stale
    assert collection.count() == len(rows.ids)
    hit = collection.search(new_vector, 1, fields=["price"])
    assert hit.ids[0, 0] == 0
    assert hit.fields["price"][0][0] == 1.5


def test_deleted_ids_never_come_back(collection: Collection, rows: Rows) -> None:
    assert collection.delete([0, 1, 2, 99_999]) == 3
    result = collection.search(rows.vectors[:3], 5)
    assert not np.isin([0, 1, 2], result.ids).any()
    got = collection.get([0, 5])
    assert got.ids.tolist() == [5]
    assert got.missing == [0]
    assert collection.count() == len(rows.ids) - 3


def test_delete_where_removes_exactly_the_matching_rows(
    collection: Collection, rows: Rows
) -> None:
    expected = {
        i
        for i, r in zip(rows.ids.tolist(), rows.fields, strict=True)
        if r["cat"] == "shoes" and r["tags"] is not None and "sale" in r["tags"]
    }
    assert collection.delete_where('cat == "shoes" and "sale" in tags') == len(expected)
    assert collection.count() == len(rows.ids) - len(expected)
    assert (
        collection.search(
            rows.vectors[:5], 10, filter="cat == 'shoes' and 'sale' in tags"
        ).ids.max()
        == -1
    )
    assert set(collection.get(sorted(expected)).missing) == expected


def test_insert_of_existing_id_is_rejected_and_writes_nothing(
    collection: Collection, rows: Rows
) -> None:
    before = collection.stats()
    with pytest.raises(ConflictError, match="id 5 already exists"):
        collection.insert([10_000, 5], rows.vectors[:2])
    assert collection.stats().wal_bytes == before.wal_bytes
    assert collection.get([10_000]).missing == [10_000]


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda c, v: c.insert([1], np.ones((1, 8))), "dimension 8"),
        (lambda c, v: c.insert([1, 2], v[:2] * np.nan), "row 0 contains NaN"),
        (lambda c, v: c.insert([1, 2], np.vstack([v[0], v[1] * np.inf])), "row 1"),
        (lambda c, v: c.insert([1.5], v[:1]), "ids must be int64"),
        (lambda c, v: c.insert([7, 7], v[:2]), "id 7 appears more than once"),
        (
            lambda c, v: c.insert([1], v[:1], [{"colour": "red"}]),
            "unknown field 'colour'",
        ),
        (
            lambda c, v: c.insert([1, 2], v[:2], [{}, {"qty": "x"}]),
            "row 1, field 'qty'",
        ),
        (lambda c, v: c.upsert([1], v[:1], {"price": [float("nan")]}), "field 'price'"),
        (lambda c, v: c.delete_where("colour == 1"), "unknown field 'colour'"),
        (lambda c, v: c.delete_where("price <"), "expected a value"),
        (lambda c, v: c.search(v[:1, :4], 3), "dimension 4"),
        (lambda c, v: c.search(v[:1], 0), "k must be a positive integer"),
        (lambda c, v: c.search(v[:1], 3, filter="price < 'x'"), "type mismatch"),
        (lambda c, v: c.search(v[:1], 3, fields=["nope"]), "unknown field 'nope'"),
        (lambda c, v: c.range_search(v[:1], float("nan")), "radius must be a finite"),
        (lambda c, v: c.range_search(v[:1], 1.0, ef_search=0), "ef_search must be"),
        (lambda c, v: c.range_search(v[:1], 1.0, filter="colour > 1"), "'colour'"),
    ],
)
def test_bad_input_is_rejected_and_leaves_the_collection_unchanged(
    tmp_path: Path,
    call,
    fragment: str,  # type: ignore[no-untyped-def]
) -> None:
    rows = make_rows(300, 16, 3)
    directory = tmp_path / "items"
    c = Collection.create(directory, make_schema("HNSW16"))
    c.insert(rows.ids[:100], rows.vectors[:100], rows.fields[:100])
    before_stats, before_files = c.stats(), _fingerprint(directory)
    with pytest.raises(InvalidInputError) as info:
        call(c, rows.vectors[100:])
    assert fragment in info.value.message
    assert c.count() == before_stats.count
    assert c.stats().wal_bytes == before_stats.wal_bytes
    assert _fingerprint(directory) == before_files


def test_create_rejects_index_spec_that_does_not_build(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="index spec 'IVF,Bogus'"):
        Collection.create(tmp_path / "x", make_schema("IVF,Bogus"))
    assert not (tmp_path / "x").exists()


def test_open_missing_directory_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        Collection.open(tmp_path / "nothing")


def test_second_open_of_the_same_directory_conflicts(collection: Collection) -> None:
    with pytest.raises(ConflictError, match="open in another process"):
        Collection.open(collection.directory)


def test_reopen_after_close_restores_rows_fields_and_index(
    tmp_path: Path, rows: Rows
) -> None:
    c = Collection.create(
        tmp_path / "items", make_schema("IVF16,Flat", metric="cosine")
    )
    c.insert(rows.ids, rows.vectors, rows.fields)
    c.train()
    c.delete([3])
    c.upsert([4], rows.vectors[:1], [{"tags": ["vip"], "on_sale": True}])
    before = c.search(rows.vectors[:5], 5, nprobe=4, fields=["tags", "cat"])
    c.close()
    again = Collection.open(tmp_path / "items")
    after = again.search(rows.vectors[:5], 5, nprobe=4, fields=["tags", "cat"])
    assert (after.ids == before.ids).all()
    assert after.fields == before.fields
    assert again.stats().is_trained
    assert again.get([4]).fields["tags"] == [["vip"]]
    assert again.count() == len(rows.ids) - 1


def test_untrained_ivf_answers_exactly_until_trained(
    tmp_path: Path, rows: Rows
) -> None:
    c = Collection.create(tmp_path / "items", make_schema("IVF16,Flat"))
    c.insert(rows.ids, rows.vectors, rows.fields)
    assert not c.stats().is_trained
    result = c.search(rows.vectors[:2], 3)
    assert result.strategy == "exact"
    assert result.ids[:, 0].tolist() == [0, 1]
    c.train()
    stats = c.stats()
    assert stats.is_trained and stats.indexed == len(rows.ids)
    assert c.search(rows.vectors[:2], 3, nprobe=16).strategy == "index"


def test_train_with_too_few_rows_names_the_spec(tmp_path: Path, rows: Rows) -> None:
    c = Collection.create(tmp_path / "items", make_schema("IVF256,Flat"))
    c.insert(rows.ids[:50], rows.vectors[:50])
    with pytest.raises(InvalidInputError, match="'IVF256,Flat' could not train on 50"):
        c.train()
    assert c.count() == 50


@pytest.mark.parametrize("index", ["Flat", "HNSW16", "IVF16,Flat"])
def test_range_search_returns_rows_within_radius(
    tmp_path: Path, rows: Rows, index: str
) -> None:
    collection = Collection.create(tmp_path / "items", make_schema(index))
    collection.insert(rows.ids, rows.vectors, rows.fields)
    collection.train()
    query = rows.vectors[7]
    d2 = ((rows.vectors - query) ** 2).sum(axis=1)
    radius = float(np.sort(d2)[20])
    (result,) = collection.range_search(query, radius, fields=["qty"], nprobe=16)
    expected = set(rows.ids[d2 < radius].tolist())
    if index == "Flat":
        assert set(result.ids.tolist()) == expected
    else:  # approximate: a subset, nearly complete
        assert set(result.ids.tolist()) <= expected
        assert len(result.ids) >= 0.8 * len(expected)
    assert (np.diff(result.distances) >= 0).all()
    assert len(result.fields["qty"]) == len(result.ids)


def test_rerank_and_refine_return_exact_distances(tmp_path: Path, rows: Rows) -> None:
    c = Collection.create(tmp_path / "items", make_schema("IVF16,PQ4"))
    c.insert(rows.ids, rows.vectors)
    c.train()
    query = rows.vectors[11:12]
    reranked = c.search(query, 5, nprobe=16, rerank=50)
    d2 = ((rows.vectors - query) ** 2).sum(axis=1)
    assert np.allclose(reranked.distances[0], d2[reranked.ids[0]], rtol=1e-4)
    assert reranked.ids[0, 0] == 11
    refined = Collection.create(
        tmp_path / "refined",
        make_schema().model_copy(
            update={"index": IndexSpec(factory="IVF16,PQ4", refine=True)}
        ),
    )
    refined.insert(rows.ids, rows.vectors)
    refined.train()
    hit = refined.search(query, 5, nprobe=16)
    assert np.allclose(hit.distances[0], d2[hit.ids[0]], rtol=1e-4)


def test_searches_never_fail_during_a_rebuild(tmp_path: Path, rows: Rows) -> None:
    c = Collection.create(tmp_path / "items", make_schema("Flat"))
    c.insert(rows.ids, rows.vectors, rows.fields)
    errors: list[BaseException] = []
    stop = threading.Event()
    counts = [0] * 3

    def searcher(slot: int) -> None:
        while not stop.is_set():
            try:
                res = c.search(rows.vectors[slot : slot + 4], 5, filter="qty >= 0")
                assert (res.ids[:, 0] >= 0).all()
                counts[slot] += 1
            except BaseException as exc:
                errors.append(exc)
                return

    threads = [threading.Thread(target=searcher, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    task = c.rebuild("HNSW32")
    extra = make_rows(20, 16, 99, start=50_000)
    c.insert(extra.ids, extra.vectors, extra.fields)  # lands during the build
    c.delete([0])
    task.wait()
    stop.set()
    for t in threads:
        t.join()
    assert not errors
    assert min(counts) > 0
    stats = c.stats()
    assert stats.index.factory == "HNSW32" and stats.indexed == len(rows.ids) + 20
    assert c.search(extra.vectors[:1], 1).ids[0, 0] == 50_000
    assert 0 not in c.search(rows.vectors[:1], 5).ids
    after = c.search(rows.vectors[1:21], 10, ef_search=64)
    truth = c.search(rows.vectors[1:21], 10, exact=True)
    assert after.strategy == "index"  # answered by the new HNSW graph
    overlap = np.mean(
        [len(set(a) & set(b)) for a, b in zip(after.ids, truth.ids, strict=True)]
    )
    assert overlap >= 9
    c.close()
    assert Collection.open(tmp_path / "items").stats().index.factory == "HNSW32"


def test_hnsw_rebuilds_in_the_background_each_time_appends_double_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Appended HNSW graphs search worse than bulk-built ones at scale, so a
    collection past COMPACT_MIN_ROWS rebuilds once appends have doubled it."""
    from loom.vectors import collection as collection_module

    monkeypatch.setattr(collection_module, "COMPACT_MIN_ROWS", 400)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(1000, 8)).astype(np.float32)
    schema = CollectionSchema(name="g", dim=8, metric="l2", index="HNSW16")
    c = Collection.create(tmp_path / "g", schema)
    bulk: list[int] = []
    for start in range(0, 1000, 100):
        c.insert(np.arange(start, start + 100), x[start : start + 100])
        if c._rebuild is not None:
            c._rebuild.wait()
        bulk.append(c._segment.bulk_rows)
    # no rebuild below 400 rows; then at 400 (0 bulk) and at 800 (2 x 400)
    assert bulk == [0, 0, 0, 400, 400, 400, 400, 800, 800, 800]
    assert c.count() == 1000
    np.testing.assert_array_equal(c.search(x[:5], 1).ids[:, 0], np.arange(5))
    flat = Collection.create(
        tmp_path / "f", CollectionSchema(name="f", dim=8, metric="l2", index="Flat")
    )
    flat.insert(np.arange(1000), x)
    assert flat._rebuild is None  # only graph indexes are compacted
    assert collection_module.is_graph_index("PCA4,HNSW16")
    assert not collection_module.is_graph_index("IVF64_HNSW32,Flat")
    for col in (c, flat):
        col.close()
