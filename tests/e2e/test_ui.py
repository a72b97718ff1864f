"""The web UI driven in headless Chromium: log in, import, train, register, deploy, predict."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from playwright.sync_api import Page, expect
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine

from loom import Client
from tests.e2e.conftest import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.slow]

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
JOB_TIMEOUT_MS = 90_000
FINAL = re.compile("succeeded|failed|cancelled")


class Shots:
    """Saves full-page screenshots to tmp_path and, when set, to $LOOM_SCREENSHOTS."""

    def __init__(self, page: Page, tmp_path: Path) -> None:
        self.page = page
        self.dirs = [tmp_path / "screenshots"]
        if os.environ.get("LOOM_SCREENSHOTS"):
            self.dirs.append(Path(os.environ["LOOM_SCREENSHOTS"]))
        for folder in self.dirs:
            folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def __call__(self, name: str) -> None:
        self.count += 1
        first = self.dirs[0] / f"{self.count:02d}-{name}.png"
        self.page.screenshot(path=str(first), full_page=True)
        for folder in self.dirs[1:]:
            shutil.copy(first, folder / first.name)


def login(page: Page, server: LiveServer, shot: Shots | None = None) -> None:
    page.goto(server.url + "/#/datasets")
    if shot:
        shot("login")
    page.get_by_test_id("token-input").fill(server.token)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("workspace-name")).to_have_text("default")


def write_iris(path: Path, rows: int | None = None) -> None:
    frame = load_iris(as_frame=True).frame
    frame.columns = [*FEATURES, "target"]
    names = load_iris().target_names
    frame["species"] = [str(names[i]) for i in frame.pop("target")]
    (frame if rows is None else frame.head(rows)).to_csv(path, index=False)


def import_dataset(
    page: Page, name: str, *, path: Path | None, upload: Path | None
) -> None:
    page.get_by_test_id("nav-datasets").click()
    page.get_by_test_id("import-mode-upload" if upload else "import-mode-path").click()
    page.get_by_test_id("import-name").fill(name)
    if upload:
        page.get_by_test_id("import-file").set_input_files(str(upload))
    else:
        page.get_by_test_id("import-path").fill(str(path))
    page.get_by_test_id("import-submit").click()
    wait_final(page, "import-job")


def fill_training_form(page: Page, *, n_estimators: str) -> None:
    page.get_by_test_id("train-target").select_option("species")
    page.get_by_test_id("train-algorithm").select_option("random_forest_classifier")
    page.get_by_test_id("param-n_estimators").fill(n_estimators)
    page.get_by_test_id("mode-cv").check()
    page.get_by_test_id("train-cv-folds").fill("3")
    page.get_by_test_id("train-seed").fill("7")


def wait_final(page: Page, test_id: str) -> None:
    """Wait until a state badge leaves queued/running, then require success."""
    badge = page.get_by_test_id(test_id)
    expect(badge).to_have_attribute("data-state", FINAL, timeout=JOB_TIMEOUT_MS)
    state = badge.get_attribute("data-state")
    shown = page.locator("[data-testid$=error]").all_inner_texts()
    assert state == "succeeded", f"{test_id} ended {state}: {shown}"


def import_datasets(
    page: Page, server: LiveServer, tmp_path: Path, shot: Shots
) -> None:
    csv = server.data_dir / "ui_iris.csv"
    write_iris(csv)
    small = tmp_path / "iris_small.csv"
    write_iris(small, rows=12)
    import_dataset(page, "ui-iris", path=csv, upload=None)
    shot("datasets-import-path")
    import_dataset(page, "ui-upload", path=None, upload=small)
    rows_cell = page.get_by_test_id("dataset-row-ui-upload").locator("td").nth(2)
    expect(rows_cell).to_have_text("12")
    shot("datasets-list")

    page.get_by_test_id("dataset-link-ui-iris").click()
    expect(page.get_by_test_id("dataset-rows")).to_have_text("150")
    expect(page.get_by_test_id("dataset-columns")).to_have_text("5")
    for column in [*FEATURES, "species"]:
        expect(page.get_by_test_id(f"schema-row-{column}")).to_be_visible()
    expect(page.get_by_test_id("preview-table")).to_be_visible()
    shot("dataset-detail")


def train_from_dataset_page(page: Page, shot: Shots) -> str:
    """Submit a bad parameter (422 shown inline), fix it, and wait for the run."""
    page.get_by_test_id("train-on-dataset").click()
    expect(page.get_by_test_id("train-dataset")).to_have_value("ui-iris")
    fill_training_form(page, n_estimators="0")
    page.get_by_test_id("train-submit").click()
    field_error = page.get_by_test_id("field-error-param-n_estimators")
    expect(field_error).to_contain_text("n_estimators")
    shot("train-validation-error")
    page.get_by_test_id("param-n_estimators").fill("50")
    page.get_by_test_id("train-submit").click()
    page.wait_for_url(re.compile(r"#/runs/run_"))
    wait_final(page, "run-state")
    expect(page.get_by_test_id("cv-table")).to_be_visible()
    expect(page.get_by_test_id("confusion-matrix")).to_be_visible()
    page.locator(".plot img").first.wait_for()
    shot("run-detail")
    return page.url.rsplit("/", 1)[-1]


def register_and_deploy(
    page: Page, run_id: str, model: str, endpoint: str, shot: Shots
) -> None:
    """From a succeeded run's page: register, alias production, deploy, open it."""
    page.get_by_test_id("register-name").fill(model)
    page.get_by_test_id("register-submit").click()
    page.get_by_test_id("registered-model-link").click()
    expect(page.get_by_test_id("model-version-1")).to_be_visible()
    expect(page.get_by_test_id("lineage-run-1")).to_have_text(run_id)
    page.get_by_test_id("alias-submit").click()
    expect(page.get_by_test_id("alias-production")).to_have_text("v1")
    shot("model-detail")
    page.get_by_test_id("deploy-name").fill(endpoint)
    page.get_by_test_id("deploy-submit").click()
    page.get_by_test_id("deployed-endpoint-link").click()
    expect(page.get_by_test_id("endpoint-state")).to_have_text("ready")


def predict_one_row(page: Page, shot: Shots) -> None:
    for column, value in zip(FEATURES, ["5.1", "3.5", "1.4", "0.2"], strict=True):
        page.get_by_test_id(f"tryit-input-{column}").fill(value)
    page.get_by_test_id("predict-submit").click()
    expect(page.get_by_test_id("prediction-0")).to_have_text("setosa")
    page.get_by_test_id("issue-token").click()
    expect(page.get_by_test_id("issued-token")).not_to_be_empty()
    shot("endpoint-detail")


def compare_and_tour(page: Page, run_ids: list[str], shot: Shots) -> None:
    """Compare two runs side by side, then visit each list page and a job page."""
    page.get_by_test_id("nav-runs").click()
    for run_id in run_ids:
        row = page.get_by_test_id(f"run-row-{run_id}")
        expect(row.get_by_test_id("state")).to_have_attribute(
            "data-state", "succeeded", timeout=JOB_TIMEOUT_MS
        )
        row.get_by_test_id(f"run-select-{run_id}").check()
    shot("runs-list")
    page.get_by_test_id("compare-button").click()
    expect(page.locator("[data-testid=compare-table] td.best")).not_to_have_count(0)
    shot("runs-compare")
    for section in ("models", "endpoints", "jobs"):
        page.get_by_test_id(f"nav-{section}").click()
        expect(page.get_by_test_id(f"{section}-table")).to_be_visible()
        shot(f"{section}-list")
    page.locator("[data-testid^=job-link-]").first.click()
    wait_final(page, "job-state")
    expect(page.get_by_test_id("job-logs")).to_be_visible()
    shot("job-detail")


@pytest.mark.timeout(300)
def test_ui_flow_imports_trains_registers_deploys_and_predicts(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    shot = Shots(page, tmp_path)
    login(page, live_server, shot)
    import_datasets(page, live_server, tmp_path, shot)
    run_id = train_from_dataset_page(page, shot)

    accuracy = live_server.api("GET", f"/runs/{run_id}")["metrics"]["accuracy"]
    cell = page.get_by_test_id("metric-accuracy")
    assert float(cell.inner_text()) >= 0.9
    assert float(cell.inner_text()) == pytest.approx(accuracy, abs=5e-5)
    assert float(cell.get_attribute("data-value") or "nan") == accuracy
    second = httpx.post(
        f"{live_server.url}/api/v1/runs",
        headers={"Authorization": f"Bearer {live_server.token}"},
        json={
            "dataset": "ui-iris",
            "target": "species",
            "test_size": 0.3,
            "algorithm": "logistic_regression",
        },
    )
    assert second.status_code == 202, second.text

    register_and_deploy(page, run_id, "ui-iris-rf", "ui-iris-ep", shot)
    predict_one_row(page, shot)
    compare_and_tour(page, [run_id, second.json()["id"]], shot)


def test_ui_login_rejects_unknown_token_and_401_returns_to_login(
    live_server: LiveServer, page: Page
) -> None:
    page.goto(live_server.url + "/")
    page.get_by_test_id("token-input").fill("loom_not_a_real_token")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_be_visible()

    login(page, live_server)
    page.evaluate("localStorage.setItem('loom.token', 'loom_revoked')")
    page.get_by_test_id("nav-jobs").click()
    expect(page.get_by_test_id("login-message")).to_contain_text("Signed out")
    expect(page.get_by_test_id("token-input")).to_be_visible()


def import_by_rest(server: LiveServer, frames: dict[str, pd.DataFrame]) -> None:
    """Queue every import at once (the upload and path forms are covered above)."""
    with Client(server.url, server.token) as client:
        jobs = []
        for name, frame in frames.items():
            csv = server.data_dir / f"ui_{name}.csv"
            frame.to_csv(csv, index=False)
            jobs.append(client.datasets.import_file(f"ui-{name}", csv, wait=False))
        for job in jobs:  # raises unless the import succeeded
            client.jobs.wait(job.id, timeout_s=JOB_TIMEOUT_MS / 1000)


def submit_via_form(
    page: Page,
    dataset: str,
    algorithm: str,
    shot: Shots,
    threshold: str = "",
    unchecked: tuple[str, ...] = (),
) -> str:
    """Fill the train form (holdout; boolean params switched off; threshold tuning).

    Submits and returns the new run's id without waiting for it to finish.
    """
    page.get_by_test_id("nav-train").click()
    page.get_by_test_id("train-dataset").select_option(dataset)
    page.get_by_test_id("train-target").select_option("target")
    page.get_by_test_id("train-algorithm").select_option(algorithm)
    for param in unchecked:
        page.get_by_test_id(f"param-{param}").uncheck()
    page.get_by_test_id("mode-holdout").check()
    expect(page.get_by_test_id("opt-standardize")).not_to_be_checked()
    if threshold:
        page.get_by_test_id("opt-threshold").select_option(threshold)
        shot("train-form-options")
    page.get_by_test_id("train-submit").click()
    page.wait_for_url(re.compile(r"#/runs/run_"))
    return page.url.rsplit("/", 1)[-1]


def open_run(page: Page, server: LiveServer, run_id: str) -> dict[str, Any]:
    """Show a run's page, wait for success; return the run as the REST API has it."""
    page.goto(f"{server.url}/#/runs/{run_id}")
    wait_final(page, "run-state")
    headers = {"Authorization": f"Bearer {server.token}"}
    answer = httpx.get(f"{server.url}/api/v1/runs/{run_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def expect_findings(page: Page, run: dict[str, Any]) -> None:
    """The page shows exactly the findings the server wrote, in the advice section."""
    findings = run["details"].get("advice") or []
    cards = page.locator("[data-testid=advice] [data-testid^=finding-]")
    expect(cards).to_have_count(len(findings))
    if findings:
        expect(page.get_by_test_id("advice")).to_be_visible()
    for finding in findings:
        card = page.get_by_test_id(f"finding-{finding['code']}")
        expect(card).to_have_attribute("data-severity", finding["severity"])


def check_ols_report(page: Page, run: dict[str, Any]) -> None:
    report = run["details"]["report"]
    bmi = next(row for row in report["coefficients"] if row["term"] == "bmi")
    b_cell = page.get_by_test_id("coef-b-bmi")
    expect(b_cell).to_have_text(f"{bmi['b']:.4f}")
    assert float(b_cell.get_attribute("data-value") or "nan") == bmi["b"]
    expect(page.get_by_test_id("ols-r2")).to_have_text(f"{report['model']['r2']:.4f}")
    expect(page.get_by_test_id("ols-diagnostics")).to_contain_text("Durbin-Watson")
    expect(page.get_by_test_id("chart-residuals")).to_be_visible()
    expect_findings(page, run)


def check_threshold(page: Page, run: dict[str, Any]) -> None:
    threshold = run["details"]["threshold"]
    value = page.get_by_test_id("threshold-value")
    expect(value).to_have_text(f"{threshold['value']:.4f}")
    assert float(value.get_attribute("data-value") or "nan") == threshold["value"]
    expect(page.get_by_test_id("threshold-metrics")).to_be_visible()
    expect(page.get_by_test_id("chart-threshold")).to_be_visible()
    expect(page.get_by_test_id("chart-pr")).to_be_visible()


@pytest.mark.timeout(240)
def test_ui_run_page_shows_report_advice_and_threshold(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    shot = Shots(page, tmp_path)
    login(page, live_server)
    import_by_rest(
        live_server,
        {
            "diabetes": load_diabetes(as_frame=True).frame,
            "wine": load_wine(as_frame=True).frame,
            "cancer": load_breast_cancer(as_frame=True).frame,
        },
    )
    # Three runs queued back to back through the form, so they train side by side.
    ols = submit_via_form(page, "ui-diabetes", "linear_regression", shot)
    # The SVM standardises inside its pipeline unless its `scale` param is off.
    svm = submit_via_form(page, "ui-wine", "svm_classifier", shot, unchecked=("scale",))
    tuned = submit_via_form(page, "ui-cancer", "logistic_regression", shot, "f1")

    check_ols_report(page, open_run(page, live_server, ols))
    shot("run-ols-report")

    svm_run = open_run(page, live_server, svm)
    expect(page.get_by_test_id("finding-unscaled_features")).to_be_visible()
    expect(page.get_by_test_id("chart-roc")).to_be_visible()
    expect_findings(page, svm_run)
    shot("run-svm-advice")

    check_threshold(page, open_run(page, live_server, tuned))
    shot("run-threshold")
