"""Similarity queries over REST and the SDK against trained embedding runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loom.client import Client
from loom.client.base import LoomAPIError
from tests.algorithms.test_embeddings import lee_documents
from tests.fixtures.api import Api

pytestmark = pytest.mark.slow


def _run(api: Api, algorithm: str, **params: object) -> str:
    run = api.train(dataset="lee", algorithm=algorithm, params=params)
    return str(run["id"])


def test_embedding_queries_answer_neighbours_pairs_and_vectors(
    api: Api, sdk: Client
) -> None:
    api.import_csv("lee", pd.DataFrame({"text": list(lee_documents())}))
    run_id = _run(api, "word2vec")
    base = f"/runs/{run_id}/embeddings"
    items = api.ok("POST", f"{base}/similar", json={"positive": ["minister"]})["items"]
    assert len(items) == 10
    assert {"prime", "foreign", "affairs", "downer"} & {i["word"] for i in items}
    analogy = api.ok(
        "POST",
        f"{base}/similar",
        json={
            "positive": ["minister", "israeli"],
            "negative": ["australia"],
            "topn": 3,
        },
    )["items"]
    assert len(analogy) == 3
    pair = api.ok("POST", f"{base}/similarity", json={"a": "prime", "b": "minister"})
    assert -1 <= pair["similarity"] <= 1
    words = api.ok("POST", f"{base}/vectors", json={"texts": ["prime", "minister"]})
    prime, minister = np.asarray(words["vectors"])
    cosine = prime @ minister / (np.linalg.norm(prime) * np.linalg.norm(minister))
    assert pair["similarity"] == pytest.approx(cosine, rel=1e-4)
    vectors = api.ok("POST", f"{base}/vectors", json={"texts": ["prime minister", ""]})
    assert vectors["dimension"] == 100 and len(vectors["vectors"]) == 2
    assert not any(vectors["vectors"][1])  # no known token: the zero vector

    unknown = api.call("POST", f"{base}/similar", json={"positive": ["qwertyuiop"]})
    assert unknown.status_code == 422 and "'qwertyuiop'" in unknown.text

    other = api.new_workspace_token("elsewhere")
    hidden = api.call("POST", f"{base}/similar", token=other, json={"positive": ["x"]})
    assert hidden.status_code == 404

    found = sdk.embeddings.similar(run_id, "minister", topn=5)
    assert [w for w, _ in found] == [i["word"] for i in items[:5]]
    assert sdk.embeddings.vectors(run_id, ["minister"]).shape == (1, 100)
    assert sdk.embeddings.similarity(run_id, "prime", "minister") == pytest.approx(
        pair["similarity"]
    )

    documents = _run(api, "tfidf_vectors", max_features=300)
    refused = api.call(
        "POST", f"/runs/{documents}/embeddings/similar", json={"positive": ["minister"]}
    )
    assert refused.status_code == 422 and "document embedding" in refused.text
    texts = sdk.embeddings.similarity(documents, "prime minister", "the minister")
    assert texts > 0


def test_run_without_a_model_answers_409(api: Api, sdk: Client) -> None:
    api.import_csv("lee", pd.DataFrame({"text": list(lee_documents()[:20])}))
    run = api.ok(
        "POST",
        "/runs",
        json={"dataset": "lee", "algorithm": "word2vec", "params": {"min_count": 5000}},
    )
    assert api.wait_job(run["job_id"])["state"] == "failed"
    response = api.call(
        "POST", f"/runs/{run['id']}/embeddings/similar", json={"positive": ["x"]}
    )
    assert response.status_code == 409
    with pytest.raises(LoomAPIError):
        sdk.embeddings.similar(run["id"], "x")
