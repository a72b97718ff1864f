"""The vector search REST API on real data (scikit-learn's 8x8 digits, 64-d)."""

from __future__ import annotations

import io
import re
import threading
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from loom.auth import service as auth_service
from loom.storage.db import Database
from loom.vectors.binary import ARROW_STREAM, NPY, write_arrow_rows, write_npy
from tests.fixtures.api import Api

ROUND = {0, 6, 8, 9}


@pytest.fixture(scope="module")
def digits() -> dict[str, Any]:
    """Digits as float32 vectors with an int label, a parity string and tags."""
    from sklearn.datasets import load_digits

    data = load_digits()
    labels = data.target.astype(int)
    return {
        "ids": np.arange(len(labels), dtype=np.int64) + 1000,
        "vectors": data.data.astype(np.float32),
        "fields": {
            "label": labels.tolist(),
            "parity": ["even" if t % 2 == 0 else "odd" for t in labels],
            "tags": [["round"] if t in ROUND else ["straight"] for t in labels],
        },
    }


def _create(api: Api, name: str = "digits", **extra: Any) -> dict[str, Any]:
    body = {
        "name": name,
        "dim": 64,
        "metric": "l2",
        "fields": [
            {"name": "label", "type": "int"},
            {"name": "parity", "type": "string"},
            {"name": "tags", "type": "tags"},
        ],
        "index": "Flat",
        **extra,
    }
    return api.ok("POST", "/collections", json=body)  # type: ignore[no-any-return]


def _load(api: Api, digits: dict[str, Any], name: str = "digits") -> None:
    """First 200 rows as JSON, the rest as an Arrow IPC stream."""
    ids, vecs, fields = digits["ids"], digits["vectors"], digits["fields"]
    first = api.ok(
        "POST",
        f"/collections/{name}/insert",
        json={
            "ids": ids[:200].tolist(),
            "vectors": vecs[:200].tolist(),
            "fields": {k: v[:200] for k, v in fields.items()},
        },
    )
    assert first == {"written": 200, "count": 200}
    body = write_arrow_rows(
        ids[200:], vecs[200:], {k: v[200:] for k, v in fields.items()}
    )
    rest = _raw(api, f"/collections/{name}/insert", body, ARROW_STREAM).json()
    assert rest == {"written": len(ids) - 200, "count": len(ids)}


def _raw(
    api: Api, path: str, body: bytes, content_type: str, accept: str | None = None
) -> Any:
    """POST a binary (or hand-written) body with the admin token."""
    headers = {"Authorization": f"Bearer {api.token}", "Content-Type": content_type}
    if accept:
        headers["Accept"] = accept
    return api.client.post(f"/api/v1{path}", content=body, headers=headers)


def _count(api: Api, name: str = "digits") -> int:
    return int(api.ok("GET", f"/collections/{name}")["stats"]["count"])


def test_collection_insert_search_filter_delete_get(
    api_no_jobs: Api, digits: dict[str, Any]
) -> None:
    api = api_no_jobs
    created = _create(api)
    assert created["index"]["factory"] == "Flat" and created["stats"]["count"] == 0
    _load(api, digits)
    queries = digits["vectors"][:80]
    found = api.ok(
        "POST",
        "/collections/digits/search",
        json={"vectors": queries.tolist(), "k": 5, "fields": ["label"]},
    )
    assert found["strategy"] == "index"  # a trained Flat index, no filter
    first = [[h["id"] for h in q] for q in found["results"]]
    assert [row[0] for row in first] == digits["ids"][:80].tolist()  # itself first
    # The same queries as .npy, answered as an Arrow stream.
    binary = _raw(
        api,
        "/collections/digits/search?k=5&fields=label",
        write_npy(queries),
        NPY,
        ARROW_STREAM,
    )
    assert binary.status_code == 200
    assert binary.headers["x-loom-strategy"] == "index"
    table = pa.ipc.open_stream(pa.py_buffer(binary.content)).read_all()
    assert table.column_names == ["query", "rank", "id", "distance", "label"]
    grid = np.asarray(table.column("id")).reshape(80, 5)
    assert grid.tolist() == first
    # A filter keeps only matching rows, and k of them when k exist.
    odd = api.ok(
        "POST",
        "/collections/digits/search",
        json={
            "vectors": queries[:10].tolist(),
            "k": 7,
            "filter": 'parity == "odd" and "round" in tags',
            "fields": ["label"],
        },
    )
    for hits in odd["results"]:
        assert len(hits) == 7
        assert all(h["fields"]["label"] == 9 for h in hits)
    by_id = api.ok("POST", "/collections/digits/search", json={"ids": [1000], "k": 3})
    assert by_id["results"][0][0]["id"] == 1000
    deleted = api.ok(
        "POST", "/collections/digits/delete", json={"filter": "label == 9"}
    )
    nines = digits["fields"]["label"].count(9)
    assert deleted == {"deleted": nines, "count": len(digits["ids"]) - nines}
    gone = api.ok("POST", "/collections/digits/delete", json={"ids": [1000, 1000, 5]})
    assert gone["deleted"] == 1
    got = api.ok(
        "POST",
        "/collections/digits/get",
        json={"ids": [1001, 1000], "include_vectors": True},
    )
    assert got["missing"] == [1000]
    assert got["items"][0]["id"] == 1001
    assert got["items"][0]["fields"]["label"] == digits["fields"]["label"][1]
    np.testing.assert_allclose(got["items"][0]["vector"], digits["vectors"][1])
    listed = api.ok("GET", "/collections")
    assert listed["total"] == 1 and listed["items"][0]["name"] == "digits"
    assert api.call("DELETE", "/collections/digits").status_code == 204
    assert api.call("GET", "/collections/digits").status_code == 404


def test_index_advice_and_chosen_index_say_why(api_no_jobs: Api) -> None:
    advice = api_no_jobs.ok(
        "GET", "/vector-index-advice?rows=1000000&dim=128&memory_budget_mb=200"
    )
    assert "PQ" in advice["index"]["factory"] and advice["reason"]
    assert advice["estimated_index_bytes"] <= 200 * 2**20
    created = _create(api_no_jobs, "chosen", index=None, expected_rows=200_000)
    assert created["advice"]["index"] == created["index"]
    assert created["index"]["factory"].startswith("HNSW")
    bad = api_no_jobs.call("GET", "/vector-index-advice?rows=0&dim=8")
    assert bad.status_code == 422 and "rows" in bad.json()["detail"]


def test_bad_input_is_refused_naming_the_problem_and_changes_nothing(
    api_no_jobs: Api, digits: dict[str, Any]
) -> None:
    api = api_no_jobs
    _create(api)
    _load(api, digits)
    n = _count(api)
    row = digits["vectors"][0].tolist()
    cases: list[tuple[str, dict[str, Any], int, str]] = [
        ("insert", {"ids": [1], "vectors": [row[:10]]}, 422, "dimension 10"),
        ("insert", {"ids": [1000], "vectors": [row]}, 409, "id 1000 already exists"),
        ("insert", {"ids": [1, 1], "vectors": [row, row]}, 422, "more than once"),
        ("insert", {"ids": [1], "vectors": [row], "fields": {"x": [1]}}, 422, "'x'"),
        (
            "upsert",
            {"ids": [1], "vectors": [row], "fields": {"label": ["a"]}},
            422,
            "label",
        ),
        ("search", {"vectors": [row], "filter": "colour == 1"}, 422, "colour"),
        ("search", {"vectors": [row], "filter": "label >"}, 422, "position"),
        ("search", {"vectors": [row[:3]]}, 422, "dimension 3"),
        ("search", {"ids": [7]}, 422, "id 7"),
        ("delete", {"filter": "label ==== 1"}, 422, "filter"),
        ("delete", {"ids": [1], "filter": "label == 1"}, 422, "exactly one"),
        ("search", {"vectors": [row], "k": 0}, 422, "k"),
    ]
    for op, body, status, words in cases:
        response = api.call("POST", f"/collections/digits/{op}", json=body)
        assert response.status_code == status, (op, body, response.text)
        assert words in response.json()["detail"], (words, response.text)
    # NaN written as a JSON literal (what numpy's tolist → json.dumps sends).
    nan = _raw(
        api,
        "/collections/digits/upsert",
        b'{"ids": [1], "vectors": [[NaN' + b", 0" * 63 + b"]]}",
        "application/json",
    )
    assert nan.status_code == 422 and "NaN" in nan.json()["detail"]
    pickled = io.BytesIO()
    np.save(pickled, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    refused = _raw(api, "/collections/digits/search", pickled.getvalue(), NPY)
    assert refused.status_code == 422
    queries = io.BytesIO()
    np.save(queries, np.asarray([row], dtype=np.float32))
    bad_k = _raw(api, "/collections/digits/search?k=0", queries.getvalue(), NPY)
    assert bad_k.status_code == 422, bad_k.text
    assert bad_k.json()["detail"].startswith("k: ")
    assert bad_k.json()["details"]["errors"][0]["loc"] == ["query", "k"]
    duplicate = api.call("POST", "/collections", json={"name": "digits", "dim": 3})
    assert (
        duplicate.status_code == 409 and "already exists" in duplicate.json()["detail"]
    )
    bad_index = api.call(
        "POST", "/collections", json={"name": "x", "dim": 3, "index": "IVF"}
    )
    assert bad_index.status_code == 422
    assert api.call("GET", "/collections/x").status_code == 404
    assert _count(api) == n


def test_other_workspaces_see_404_and_endpoint_tokens_403(
    api_no_jobs: Api, digits: dict[str, Any]
) -> None:
    api = api_no_jobs
    _create(api)
    _load(api, digits)
    other = api.new_workspace_token("elsewhere")
    paths = api.client.get("/openapi.json").json()["paths"]
    routes = [
        (method.upper(), path.removeprefix("/api/v1"))
        for path, operations in paths.items()
        if "/collections/{name}" in path
        for method in operations
    ]
    assert len(routes) == 12
    for method, path in routes:
        url = path.replace("{name}", "digits")
        body = None if method in ("GET", "DELETE") else {"name": "x"}
        response = api.call(method, url, token=other, json=body)
        assert response.status_code == 404, (method, path, response.text)
    # The same name in the other workspace is an independent collection.
    created = api.call(
        "POST", "/collections", token=other, json={"name": "digits", "dim": 2}
    )
    assert created.status_code == 201
    assert api.call("GET", "/collections", token=other).json()["total"] == 1
    assert _count(api) == len(digits["ids"])
    workspace_id = api.ok("GET", "/whoami")["workspace"]["id"]
    with Database(api.settings.resolved_database_url).session() as session:
        endpoint_token = auth_service.issue_token(
            session, workspace_id=workspace_id, name="ep", scope="endpoint"
        ).token
    for method, path in [*routes, ("GET", "/collections"), ("POST", "/collections")]:
        url = re.sub(r"\{name\}", "digits", path)
        response = api.call(method, url, token=endpoint_token, json={})
        assert response.status_code == 403, (method, path, response.text)


def test_rebuild_while_searching_in_threads_never_fails(
    api_no_jobs: Api, digits: dict[str, Any]
) -> None:
    api = api_no_jobs
    _create(api)
    _load(api, digits)
    queries = digits["vectors"][:20].tolist()
    failures: list[str] = []
    stop = threading.Event()

    def search() -> None:
        while not stop.is_set():
            response = api.call(
                "POST", "/collections/digits/search", json={"vectors": queries, "k": 5}
            )
            if response.status_code != 200 or len(response.json()["results"]) != 20:
                failures.append(response.text)

    threads = [threading.Thread(target=search) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for spec in ("HNSW16", "IVF16,Flat", "Flat"):
            accepted = api.call(
                "POST", "/collections/digits/rebuild", json={"index": spec}
            )
            assert accepted.status_code == 202 and accepted.json() == {
                "rebuilding": True
            }
            while api.ok("GET", "/collections/digits")["stats"]["rebuilding"]:
                threading.Event().wait(0.02)
            assert api.ok("GET", "/collections/digits")["index"]["factory"] == spec
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert failures == []
    assert api.call("POST", "/collections/digits/train").status_code == 202
    report = api.ok("POST", "/collections/digits/evaluate", json={"sample": 50, "k": 5})
    assert report["recall_at_k"] == 1.0 and report["n_queries"] == 50
    shown = api.ok("GET", "/collections/digits")
    assert shown["last_evaluation"]["recall_at_k"] == 1.0


@pytest.mark.slow
def test_fill_job_loads_a_dataset_with_vector_columns(api: Api) -> None:
    from sklearn.datasets import load_digits

    frame = load_digits(as_frame=True).frame
    frame.insert(0, "row_id", range(len(frame)))
    api.import_csv("digits", frame)
    api.ok(
        "POST",
        "/collections",
        json={
            "name": "filled",
            "dim": 64,
            "fields": [{"name": "target", "type": "int"}],
        },
    )
    pixels = [c for c in frame.columns if c.startswith("pixel_")]
    job = api.ok(
        "POST",
        "/collections/filled/fill",
        json={
            "dataset": "digits",
            "id_column": "row_id",
            "vector_columns": pixels,
            "field_columns": ["target"],
            "mode": "insert",
        },
    )
    assert job["type"] == "vectors.fill" and job["params"]["embedder"] is None
    done = api.wait_job(job["id"])
    assert done["state"] == "succeeded", done
    assert done["result"]["written"] == len(frame) == _count(api, "filled")
    got = api.ok("POST", "/collections/filled/get", json={"ids": [5]})
    assert got["items"][0]["fields"]["target"] == int(frame["target"][5])
    again = api.ok(
        "POST",
        "/collections/filled/fill",
        json={
            "dataset": "digits",
            "id_column": "row_id",
            "vector_columns": pixels,
            "mode": "insert",
        },
    )
    failed = api.wait_job(again["id"])
    assert failed["state"] == "failed" and "already exists" in failed["error"]
    wrong = api.ok(
        "POST",
        "/collections/filled/fill",
        json={"dataset": "digits", "id_column": "row_id", "vector_columns": pixels[:3]},
    )
    failed = api.wait_job(wrong["id"])
    assert failed["state"] == "failed" and "dimension 3" in failed["error"]
    assert _count(api, "filled") == len(frame)


def test_arrow_writes_accept_list_columns_and_name_bad_rows(
    api_no_jobs: Api, digits: dict[str, Any]
) -> None:
    api = api_no_jobs
    _create(api)
    rows = digits["vectors"][:3].astype(np.float64).tolist()
    table = pa.table(
        {
            "id": pa.array([1, 2, 3], pa.int32()),
            "vector": pa.array(rows, pa.list_(pa.float64())),
            "parity": ["even", None, "odd"],
        }
    )
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    answer = _raw(
        api, "/collections/digits/upsert", sink.getvalue().to_pybytes(), ARROW_STREAM
    )
    assert answer.json() == {"written": 3, "count": 3}
    ragged = table.set_column(
        1, "vector", pa.array([rows[0], rows[1][:5], rows[2]], pa.list_(pa.float64()))
    )
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, ragged.schema) as writer:
        writer.write_table(ragged)
    refused = _raw(
        api, "/collections/digits/upsert", sink.getvalue().to_pybytes(), ARROW_STREAM
    )
    assert refused.status_code == 422 and "row 1" in refused.json()["detail"]
    assert _count(api) == 3
