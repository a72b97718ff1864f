"""Sharded collections over a local Ray of 2 CPUs agree with one local collection."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from loom.core.errors import ConflictError, InvalidInputError
from loom.vectors.collection import Collection
from loom.vectors.manager import VectorManager
from loom.vectors.shard_merge import shard_of
from loom.vectors.sharding import ShardedCollection
from tests.fixtures.api import Api
from tests.vectors.conftest import make_rows, make_schema

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.slow  # one local Ray start per module

N_ROWS, DIM, SHARDS = 1500, 16, 3


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    """One local Ray for the module: its start-up is paid once."""
    if not ray.is_initialized():
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def pair(
    local_ray: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Collection, ShardedCollection]]:
    """The same rows in one local collection and in a 3-shard one."""
    root = tmp_path_factory.mktemp("shards")
    rows = make_rows(N_ROWS, DIM, seed=7)
    local = Collection.create(root / "local", make_schema())
    sharded = ShardedCollection.create(
        root / "sharded", make_schema().model_copy(update={"shards": SHARDS})
    )
    for target in (local, sharded):
        target.insert(rows.ids, rows.vectors, rows.fields)
    yield local, sharded
    local.close()
    sharded.close()


@pytest.mark.parametrize(
    "expr", [None, 'cat == "shoes" and price < 100', '"sale" in tags or qty > 15']
)
def test_sharded_search_matches_unsharded(
    pair: tuple[Collection, ShardedCollection], expr: str | None
) -> None:
    local, sharded = pair
    queries = make_rows(25, DIM, seed=99).vectors
    want = local.search(queries, 10, filter=expr, fields=["cat", "price"])
    got = sharded.search(queries, 10, filter=expr, fields=["cat", "price"])
    np.testing.assert_array_equal(got.ids, want.ids)
    np.testing.assert_allclose(got.distances, want.distances, rtol=1e-5, atol=1e-4)
    assert got.fields == want.fields


def test_sharded_search_ip_merges_descending(local_ray: None, tmp_path: Path) -> None:
    rows = make_rows(400, 8, seed=3)
    schema = make_schema(dim=8, metric="ip")
    local = Collection.create(tmp_path / "a", schema)
    sharded = ShardedCollection.create(
        tmp_path / "b", schema.model_copy(update={"shards": 2})
    )
    try:
        for target in (local, sharded):
            target.upsert(rows.ids, rows.vectors, rows.fields)
        queries = make_rows(5, 8, seed=4).vectors
        got, want = sharded.search(queries, 7), local.search(queries, 7)
        np.testing.assert_array_equal(got.ids, want.ids)
        assert (np.diff(got.distances, axis=1) <= 0).all()
        got_r = sharded.range_search(queries, 2.0)
        want_r = local.range_search(queries, 2.0)
        for g, w in zip(got_r, want_r, strict=True):
            assert sorted(g.ids.tolist()) == sorted(w.ids.tolist())
            assert (np.diff(g.distances) <= 0).all()
    finally:
        local.close()
        sharded.close()


def test_sharded_count_stats_and_get_aggregate(
    pair: tuple[Collection, ShardedCollection],
) -> None:
    local, sharded = pair
    assert sharded.count() == local.count() == N_ROWS
    stats = sharded.stats()
    assert stats.shards == SHARDS and stats.count == N_ROWS
    assert stats.memory_bytes["total"] > 0
    ids = [1400, 3, 77, 999_999, 3]
    got, want = sharded.get(ids), local.get(ids)
    np.testing.assert_array_equal(got.ids, want.ids)
    np.testing.assert_allclose(got.vectors, want.vectors)
    assert got.fields == want.fields and got.missing == [999_999]
    assert sorted(sharded.live_ids().tolist()) == list(range(N_ROWS))


def test_sharded_writes_route_and_survive_a_restart(
    local_ray: None, tmp_path: Path
) -> None:
    manager = VectorManager(tmp_path, snapshot_interval_s=0)
    sharded = manager.create("ws1", make_schema().model_copy(update={"shards": 2}))
    assert isinstance(sharded, ShardedCollection)
    rows = make_rows(300, DIM, seed=5)
    sharded.insert(rows.ids, rows.vectors, rows.fields)
    owner = shard_of(rows.ids, 2)
    for s, actor in enumerate(sharded._actors):
        stored = set(ray.get(actor.call.remote("live_ids")).tolist())
        assert stored == set(rows.ids[owner == s].tolist())
    with pytest.raises(ConflictError, match="id 5 already exists"):
        sharded.insert([1000, 5], rows.vectors[:2])
    assert sharded.count() == 300  # the conflicting call wrote nothing
    new_vec = np.full((1, DIM), 3.0, np.float32)
    sharded.upsert([5], new_vec, [{"cat": "hats"}])
    found = sharded.get([5])
    np.testing.assert_allclose(found.vectors, new_vec)
    assert found.fields["cat"] == ["hats"]
    assert sharded.delete([5, 6, 123_456]) == 2
    assert sharded.delete_where('cat == "shoes"') > 0
    assert sharded.get([5, 6]).missing == [5, 6]
    with pytest.raises(InvalidInputError, match="expects 16"):
        sharded.upsert([1], np.zeros((1, 3)))
    sharded.rebuild("IVF4,Flat").wait()
    assert sharded.stats().is_trained and sharded.schema.index.factory == "IVF4,Flat"
    sharded.upsert([9_999], rows.vectors[:1])  # only in the WAL at close
    live = set(sharded.live_ids().tolist())
    manager.close_all()
    again = VectorManager(tmp_path, snapshot_interval_s=0)
    try:
        assert again.list("ws1") == ["items"]
        reopened = again.get("ws1", "items")
        assert isinstance(reopened, ShardedCollection)
        assert set(reopened.live_ids().tolist()) == live
        assert reopened.schema.index.factory == "IVF4,Flat"
        np.testing.assert_allclose(reopened.get([7]).vectors, rows.vectors[7:8])
        hit = reopened.search(rows.vectors[42], 1, nprobe=4)
        assert hit.ids[0, 0] == 42
    finally:
        again.close_all()


def test_sharded_collection_over_rest_reports_shards_and_searches(
    local_ray: None, api_no_jobs: Api
) -> None:
    api = api_no_jobs
    body = {"name": "spread", "dim": 4, "index": "Flat", "shards": 2}
    created = api.ok("POST", "/collections", json=body)
    assert created["shards"] == 2 and created["stats"]["shards"] == 2
    vectors = np.eye(4).tolist() * 2
    written = api.ok(
        "POST",
        "/collections/spread/insert",
        json={
            "ids": list(range(8)),
            "vectors": [
                [v * (1 + i // 4) for v in row] for i, row in enumerate(vectors)
            ],
        },
    )
    assert written == {"written": 8, "count": 8}
    found = api.ok(
        "POST", "/collections/spread/search", json={"vectors": [[0, 0, 2, 0]], "k": 2}
    )
    assert [h["id"] for h in found["results"][0]] == [6, 2]
    bad = api.call("POST", "/collections/spread/search", json={"vectors": [[1, 2]]})
    assert bad.status_code == 422 and "expects 4" in bad.text
    too_many = api.call("POST", "/collections", json={**body, "shards": 65})
    assert too_many.status_code == 422


def test_local_path_does_not_import_ray(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        import numpy as np
        from loom.vectors.manager import VectorManager
        from loom.vectors.schema import CollectionSchema
        from loom.vectors.service import VectorService
        m = VectorManager(Path({str(tmp_path)!r}), snapshot_interval_s=0)
        c = m.create("ws", CollectionSchema(name="plain", dim=4))
        c.insert([1, 2], np.eye(2, 4))
        assert c.search(np.eye(1, 4), 1).ids[0, 0] == 1
        m.close_all()
        assert "ray" not in sys.modules, "the local path imported ray"
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
