"""Fill a collection from a text column through a trained embedding model, then
search it by text: each document finds itself first."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.api import Api

pytestmark = pytest.mark.slow  # a training job and a fill job on real workers

N_DOCS, DIM = 150, 256


def _lee_frame() -> Any:
    """Gensim's Lee news corpus: one document per line, with an integer id."""
    import pandas as pd
    from gensim.test.utils import datapath

    with open(datapath("lee_background.cor"), encoding="utf-8") as handle:
        docs = [line.strip() for line in handle if line.strip()][:N_DOCS]
    return pd.DataFrame({"doc_id": range(len(docs)), "text": docs})


def _fill(api: Api, collection: str, **body: Any) -> Any:
    return api.call(
        "POST",
        f"/collections/{collection}/fill",
        json={"dataset": "lee", "id_column": "doc_id", "text_column": "text", **body},
    )


def test_fill_from_embedding_model_then_search_by_text(api: Api) -> None:
    frame = _lee_frame()
    api.import_csv("lee", frame)
    run = api.train(
        dataset="lee",
        target=None,
        features=["text"],
        algorithm="tfidf_vectors",
        params={"max_features": DIM},
    )
    version = api.ok("POST", "/models", json={"name": "lee-tfidf", "run_id": run["id"]})
    collection = {"name": "news", "dim": DIM, "metric": "cosine", "index": "Flat"}
    api.ok("POST", "/collections", json=collection)

    too_small = {**collection, "name": "small", "dim": 64}
    api.ok("POST", "/collections", json=too_small)
    refused = _fill(api, "small", model="lee-tfidf")
    assert refused.status_code == 422, refused.text
    detail = refused.json()["detail"]
    assert f"{DIM} dimensions" in detail and "dimension 64" in detail
    assert api.ok("GET", "/jobs")["total"] == 2  # import + training, no fill job

    job = _fill(api, "news", model="lee-tfidf", model_version=version["version"])
    assert job.status_code == 202, job.text
    done = api.wait_job(job.json()["id"])
    assert done["state"] == "succeeded", done
    shown = api.ok("GET", "/collections/news")
    assert shown["stats"]["count"] == len(frame)
    assert shown["embedder"]["model"] == "lee-tfidf"
    assert shown["embedder"]["text_field"] == "text"

    probes = [3, 42, 120]
    found = api.ok(
        "POST",
        "/collections/news/search",
        json={"text": [frame["text"][i] for i in probes], "k": 3},
    )
    for doc, hits in zip(probes, found["results"], strict=True):
        assert hits[0]["id"] == doc
        assert hits[0]["distance"] == pytest.approx(1.0, abs=1e-4)
    no_model = api.call(
        "POST", "/collections/small/search", json={"text": ["rain in sydney"]}
    )
    assert no_model.status_code == 422 and "no embedding model" in no_model.text


def test_fill_from_text_refuses_a_model_of_another_task(
    api: Api, iris_frame: Any
) -> None:
    api.import_csv("iris", iris_frame)
    run = api.train(dataset="iris", target="species", algorithm="logistic_regression")
    api.import_csv("lee", _lee_frame().head(20))
    api.ok("POST", "/collections", json={"name": "docs", "dim": 8})
    refused = _fill(api, "docs", run_id=run["id"])
    assert refused.status_code == 422, refused.text
    assert "classification model" in refused.json()["detail"]
    both = _fill(api, "docs", run_id=run["id"], model="x")
    assert both.status_code == 422
