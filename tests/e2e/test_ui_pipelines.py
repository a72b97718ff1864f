"""The pipeline editor in headless Chromium: build, validate, save, quick-run, run and train on penguins."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.slow]

JOB_TIMEOUT_MS = 120_000
FINAL = re.compile("succeeded|failed|cancelled")
NUMERIC = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
CATEGORICAL = ["species", "island", "sex"]
FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm"]
# Canvas drop points (relative to the canvas): two rows, read left to right.
LAYOUT = {
    "source": (115, 90),
    "impute": (345, 90),
    "encode": (575, 90),
    "scale": (230, 300),
    "split": (460, 300),
}


def shoot(page: Page, tmp_path: Path, name: str) -> None:
    """Full-page screenshot to tmp_path and, when set, to $LOOM_SCREENSHOTS."""
    first = tmp_path / f"pipelines-{name}.png"
    page.screenshot(path=str(first), full_page=True)
    if os.environ.get("LOOM_SCREENSHOTS"):
        target = Path(os.environ["LOOM_SCREENSHOTS"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(first, target / first.name)


def import_penguins(server: LiveServer) -> int:
    """palmerpenguins as CSV in the data root, imported over REST; returns its rows."""
    palmerpenguins = pytest.importorskip("palmerpenguins")
    frame = palmerpenguins.load_penguins()
    server.data_dir.mkdir(parents=True, exist_ok=True)
    path = server.data_dir / "penguins.csv"
    frame.to_csv(path, index=False)
    api = httpx.Client(
        base_url=f"{server.url}/api/v1",
        headers={"Authorization": f"Bearer {server.token}"},
        timeout=30,
    )
    job = api.post(
        "/datasets/imports",
        json={"name": "penguins", "source": {"kind": "file", "path": str(path)}},
    )
    assert job.status_code == 202, job.text
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = api.get(f"/jobs/{job.json()['id']}").json()
        if state["state"] in ("succeeded", "failed"):
            break
        time.sleep(0.2)
    assert state["state"] == "succeeded", state
    return len(frame)


def login(page: Page, server: LiveServer) -> None:
    page.goto(server.url + "/#/pipelines")
    page.get_by_test_id("token-input").fill(server.token)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("workspace-name")).to_have_text("default")


def connect(page: Page, source: Locator, target: Locator) -> None:
    """Drag from an output handle to an input handle, as a user does."""
    a = source.bounding_box()
    b = target.bounding_box()
    assert a and b
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=12)
    page.mouse.up()


def build_pipeline(page: Page) -> None:
    """Drop the five operators from the palette and wire their ports."""
    canvas = page.get_by_test_id("canvas")
    for op, (x, y) in LAYOUT.items():
        page.get_by_test_id(f"palette-{op}").drag_to(
            canvas, target_position={"x": x, "y": y}
        )
        expect(page.get_by_test_id(f"node-{op}")).to_be_visible()
    wires = [
        ("source", "output", "impute", "input"),
        ("impute", "output", "encode", "input"),
        ("encode", "output", "scale", "input"),
        ("scale", "output", "split", "input"),
    ]
    for src, out, dst, inp in wires:
        connect(
            page,
            page.get_by_test_id(f"port-{src}-out-{out}"),
            page.get_by_test_id(f"port-{dst}-in-{inp}"),
        )
    expect(page.locator(".react-flow__edge")).to_have_count(len(wires))


def select_node(page: Page, node: str) -> None:
    page.get_by_test_id(f"node-{node}").locator(".pl-node-head").click()
    expect(page.get_by_test_id("node-id-input")).to_have_value(node)


def set_params(page: Page) -> None:
    """Fill each node's form in the side panel; column pickers come from validation."""
    select_node(page, "source")
    page.get_by_test_id("param-dataset").select_option("penguins")
    select_node(page, "impute")
    page.get_by_test_id("param-strategy").select_option("median")
    select_node(page, "encode")
    page.get_by_test_id("param-method").select_option("one_hot")
    for column in CATEGORICAL[1:]:
        page.get_by_test_id(f"param-columns-{column}").check()
    # species is categorical too; it stays a feature here (the target is body_mass_g).
    page.get_by_test_id("param-columns-species").check()
    select_node(page, "scale")
    page.get_by_test_id("param-method").select_option("standard")
    for column in FEATURES:
        page.get_by_test_id(f"param-columns-{column}").check()
    select_node(page, "split")
    page.get_by_test_id("param-test_size").fill("0.25")
    page.get_by_test_id("param-seed").fill("7")


def quick_run(page: Page, tmp_path: Path) -> None:
    """Every node succeeds on a sample; the impute preview has no nulls left."""
    page.get_by_test_id("tab-quick").click()
    page.get_by_test_id("quick-rows").fill("200")
    page.get_by_test_id("quick-run").click()
    expect(page.get_by_test_id("quick-status")).to_have_text(
        "succeeded", timeout=JOB_TIMEOUT_MS
    )
    for node in LAYOUT:
        expect(page.get_by_test_id(f"node-status-{node}")).to_have_text("succeeded")
        select_node_in_run(page, node)
        expect(page.get_by_test_id(f"node-result-{node}")).to_be_visible()
    select_node_in_run(page, "source")
    source = page.get_by_test_id("preview-source-output")
    assert "null" in source.locator("td").all_inner_texts(), (
        "penguins has missing values"
    )
    select_node_in_run(page, "impute")
    preview = page.get_by_test_id("preview-impute-output")
    expect(preview).to_be_visible()
    rows = preview.locator("tbody tr").count()
    assert rows > 0
    for column in NUMERIC:
        cells = [
            page.get_by_test_id(f"preview-cell-{i}-{column}").inner_text()
            for i in range(rows)
        ]
        assert "null" not in cells, f"{column} still has nulls after impute"
        assert all(float(c.replace(",", "")) > 0 for c in cells)
    expect(page.get_by_test_id("node-log")).not_to_be_empty()
    shoot(page, tmp_path, "quick-run")


def select_node_in_run(page: Page, node: str) -> None:
    page.get_by_test_id(f"node-{node}").locator(".pl-node-head").click()
    expect(page.get_by_test_id(f"node-result-{node}")).to_be_visible()


def full_run(page: Page, tmp_path: Path) -> None:
    """Write the split's train port to penguins_train and wait for the job."""
    page.get_by_test_id("tab-run").click()
    page.get_by_test_id("output-port-0").select_option("split.train")
    page.get_by_test_id("output-dataset-0").fill("penguins_train")
    page.get_by_test_id("run-start").click()
    badge = page.get_by_test_id("run-state")
    expect(badge).to_have_attribute("data-state", FINAL, timeout=JOB_TIMEOUT_MS)
    errors = page.locator("[data-testid$=error]").all_inner_texts()
    assert badge.get_attribute("data-state") == "succeeded", errors
    for node in LAYOUT:
        expect(page.get_by_test_id(f"run-node-status-{node}")).to_have_attribute(
            "data-state", re.compile("succeeded|cached")
        )
    expect(page.get_by_test_id("run-output-penguins_train")).to_be_visible()
    expect(page.get_by_test_id("run-history").locator("tbody tr")).to_have_count(1)
    shoot(page, tmp_path, "run-view")


def train_on_output(page: Page) -> None:
    """The train form sees the new dataset and body_mass_g (kept, not encoded)."""
    page.get_by_test_id("nav-train").click()
    page.get_by_test_id("train-dataset").select_option("penguins_train")
    page.get_by_test_id("train-target").select_option("body_mass_g")
    page.get_by_test_id("train-algorithm").select_option("random_forest_regressor")
    page.get_by_test_id("mode-holdout").check()
    page.get_by_test_id("train-submit").click()
    page.wait_for_url(re.compile(r"#/runs/run_"))
    badge = page.get_by_test_id("run-state")
    expect(badge).to_have_attribute("data-state", FINAL, timeout=JOB_TIMEOUT_MS)
    errors = page.locator("[data-testid$=error]").all_inner_texts()
    assert badge.get_attribute("data-state") == "succeeded", errors
    r2 = float(page.get_by_test_id("metric-r2").inner_text())
    assert r2 > 0.7


def test_ui_pipeline_editor_builds_runs_and_feeds_training(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    rows = import_penguins(live_server)
    login(page, live_server)
    page.get_by_test_id("nav-pipelines").click()
    page.get_by_test_id("pipeline-new").click()
    page.get_by_test_id("pipeline-name-input").fill("penguins_prep")
    build_pipeline(page)
    # Before any parameter is set, validation marks the nodes it names.
    page.get_by_test_id("validate").click()
    expect(page.get_by_test_id("validation-summary")).to_have_attribute(
        "data-valid", "false"
    )
    expect(page.get_by_test_id("issues")).to_be_visible()
    expect(page.get_by_test_id("node-source")).not_to_have_attribute("data-issues", "0")
    expect(page.get_by_test_id("node-issue-source")).to_contain_text("dataset")
    set_params(page)

    page.get_by_test_id("validate").click()
    expect(page.get_by_test_id("validation-summary")).to_have_attribute(
        "data-valid", "true"
    )
    expect(page.get_by_test_id("issues-none")).to_be_visible()
    for node in LAYOUT:
        expect(page.get_by_test_id(f"node-{node}")).to_have_attribute(
            "data-issues", "0"
        )
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("editor-notice")).to_have_text("Saved penguins_prep v1.")
    select_node(page, "encode")
    page.get_by_test_id("palette").evaluate("el => { el.scrollTop = 0; }")
    shoot(page, tmp_path, "editor")
    page.get_by_test_id("tab-yaml").click()
    yaml_view = page.get_by_test_id("yaml-view")
    expect(yaml_view).to_contain_text("op: impute")
    expect(yaml_view).to_contain_text("strategy: median")
    expect(yaml_view).to_contain_text("input: scale.output")

    quick_run(page, tmp_path)
    full_run(page, tmp_path)

    headers = {"Authorization": f"Bearer {live_server.token}"}
    dataset = httpx.get(
        f"{live_server.url}/api/v1/datasets/penguins_train", headers=headers
    )
    assert dataset.status_code == 200, dataset.text
    latest = dataset.json()["latest_version"]
    assert 0.6 * rows < latest["row_count"] < 0.9 * rows
    columns = {c["name"] for c in latest["columns"]}
    assert "body_mass_g" in columns
    assert "species" not in columns and "species_Adelie" in columns

    page.get_by_test_id("nav-pipelines").click()
    row = page.get_by_test_id("pipeline-row-penguins_prep")
    expect(row.get_by_test_id("pipeline-last-penguins_prep")).to_have_text("succeeded")
    train_on_output(page)
