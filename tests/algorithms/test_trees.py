"""ID3, C4.5 and CART trees: textbook trees, accuracy floors, missing values, reports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.model_selection import (
    KFold,
    StratifiedKFold,
    cross_val_score,
    train_test_split,
)

from loom.algorithms.registry import get_algorithm, validate_params
from loom.training.bundle import ModelBundle
from loom.training.encoding import TabularEncoder
from loom.training.fitting import TrainingSpec, train

PLAY_TENNIS = """\
sunny hot high weak no
sunny hot high strong no
overcast hot high weak yes
rain mild high weak yes
rain cool normal weak yes
rain cool normal strong no
overcast cool normal strong yes
sunny mild high weak no
sunny cool normal weak yes
rain mild normal weak yes
sunny mild normal strong yes
overcast mild high strong yes
overcast hot normal weak yes
rain mild high strong no"""
ATTRIBUTES = ["outlook", "temperature", "humidity", "wind"]


def _play_tennis() -> pd.DataFrame:
    rows = [line.split() for line in PLAY_TENNIS.splitlines()]
    return pd.DataFrame(rows, columns=[*ATTRIBUTES, "play"])


def _estimator(name: str, **params: Any) -> Any:
    return get_algorithm(name).build(validate_params(name, params), 42)


def _fit_frame(name: str, frame: pd.DataFrame, **params: Any) -> tuple[Any, Any]:
    """Encode like a Loom run does (one-hot strings), bind names, fit."""
    algorithm = get_algorithm(name)
    encoder = TabularEncoder(impute=not algorithm.handles_missing)
    encoder.fit(frame, ATTRIBUTES)
    estimator = _estimator(name, **params)
    algorithm.bind_features(estimator, encoder.feature_names_out)
    y = (frame["play"] == "yes").to_numpy(dtype=np.int64)
    return estimator.fit(encoder.transform_frame(frame), y), encoder


def _child(estimator: Any, node: dict[str, Any], value: str) -> dict[str, Any]:
    attribute = estimator.attributes_[node["attr"]]
    child: dict[str, Any] = node["children"][attribute["values"].index(value)]
    return child


def _attribute(estimator: Any, node: dict[str, Any]) -> str:
    name: str = estimator.attributes_[node["attr"]]["name"]
    return name


@pytest.mark.parametrize("name", ["id3", "c45"])
def test_quinlan_tree_learns_the_textbook_play_tennis_tree(name: str) -> None:
    estimator, _ = _fit_frame(name, _play_tennis(), min_samples_leaf=1)
    root = estimator.tree_
    assert _attribute(estimator, root) == "outlook"
    assert _attribute(estimator, _child(estimator, root, "sunny")) == "humidity"
    assert _attribute(estimator, _child(estimator, root, "rain")) == "wind"
    overcast = _child(estimator, root, "overcast")
    assert "children" not in overcast
    assert overcast["dist"] == [0.0, 4.0]  # four "yes", no "no"
    sunny = _child(estimator, root, "sunny")
    assert _child(estimator, sunny, "high")["dist"] == [3.0, 0.0]
    assert estimator.to_text().splitlines()[0] == "outlook = overcast: 1 (4)"


def test_c45_splits_a_missing_value_over_branches_by_their_weights() -> None:
    estimator, encoder = _fit_frame("c45", _play_tennis(), min_samples_leaf=1)
    row = pd.DataFrame(
        [{"outlook": None, "temperature": "mild", "humidity": "high", "wind": "weak"}]
    )
    proba = estimator.predict_proba(encoder.transform_frame(row))
    # sunny (5/14) → humidity high → no; overcast (4/14) → yes; rain (5/14) → weak → yes
    np.testing.assert_allclose(proba, [[5 / 14, 9 / 14]])


def test_c45_fits_with_fractional_weights_on_rows_with_missing_values() -> None:
    frame = _play_tennis()
    frame.loc[0, "humidity"] = None  # a sunny, hot, weak-wind "no" row
    estimator, _ = _fit_frame("c45", frame, min_samples_leaf=1, pruning=False)
    root = estimator.tree_
    assert _attribute(estimator, root) == "outlook"
    sunny = _child(estimator, root, "sunny")
    assert _attribute(estimator, sunny) == "humidity"
    # 4 sunny rows know their humidity (2 high, 2 normal): the unknown row goes
    # half down each branch, both when counting and in the leaves.
    np.testing.assert_allclose(sunny["weights"], [0.5, 0.5])
    np.testing.assert_allclose(_child(estimator, sunny, "high")["dist"], [2.5, 0.0])
    np.testing.assert_allclose(_child(estimator, sunny, "normal")["dist"], [0.5, 2.0])
    assert sum(sunny["dist"]) == pytest.approx(5.0)


def test_c45_reaches_floor_on_iris_with_numeric_thresholds() -> None:
    X, y = load_iris(return_X_y=True)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    assert cross_val_score(_estimator("c45"), X, y, cv=cv).mean() >= 0.9


def test_c45_keeps_accuracy_with_a_fifth_of_iris_values_missing() -> None:
    X, y = load_iris(return_X_y=True)
    X = X.copy()
    X[np.random.default_rng(0).random(X.shape) < 0.2] = np.nan
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    assert cross_val_score(_estimator("c45"), X, y, cv=cv).mean() >= 0.85


def test_c45_pessimistic_pruning_shrinks_the_tree_on_breast_cancer() -> None:
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    grown = _estimator("c45", pruning=False).fit(X_train, y_train)
    pruned = _estimator("c45").fit(X_train, y_train)
    report = get_algorithm("c45").report
    n_grown = report(grown, X, y, [])[0]["n_leaves"]
    n_pruned = report(pruned, X, y, [])[0]["n_leaves"]
    assert n_pruned < n_grown
    assert (pruned.predict(X_test) == y_test).mean() >= 0.9


def test_c45_saves_the_tree_as_json_and_reloads_it(tmp_path: Path) -> None:
    estimator, encoder = _fit_frame("c45", _play_tennis(), min_samples_leaf=1)
    algorithm = get_algorithm("c45")
    algorithm.save_estimator(estimator, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["tree.json"]
    loaded = algorithm.load_estimator(tmp_path)
    X = encoder.transform_frame(_play_tennis())
    np.testing.assert_array_equal(loaded.predict_proba(X), estimator.predict_proba(X))


def test_id3_run_reports_the_tree_as_text_and_png() -> None:
    spec = TrainingSpec(algorithm="id3", params={}, target="play", seed=42, cv_folds=3)
    outcome = train(_play_tennis(), spec)
    report = outcome.details["report"]
    assert report["tree_text"].startswith("outlook = ")
    # Leaves name the user's labels, not Loom's class codes.
    assert ": yes (" in report["tree_text"] and ": no (" in report["tree_text"]
    assert ": 1 (" not in report["tree_text"]
    assert report["attributes"] == ATTRIBUTES
    assert outcome.plots["tree.png"].startswith(b"\x89PNG")


def test_cart_run_tree_text_names_the_classes(tmp_path: Path) -> None:
    data = load_iris(as_frame=True)
    frame = data.frame.assign(species=np.asarray(data.target_names)[data.target]).drop(
        columns="target"
    )
    spec = TrainingSpec("cart_classifier", {"max_depth": 3}, "species")
    outcome = train(frame, spec)
    assert "class: setosa" in outcome.details["report"]["tree_text"]
    outcome.bundle.save(tmp_path)
    assert (
        "class: virginica"
        in get_algorithm("cart_classifier").report(
            ModelBundle.load(tmp_path).estimator,
            frame.drop(columns="species").to_numpy(),
            np.unique(frame["species"], return_inverse=True)[1],
            list(frame.columns[:4]),
        )[0]["tree_text"]
    )


def test_cart_classifier_reports_tree_importances_and_pruning_path() -> None:
    X, y = load_breast_cancer(return_X_y=True)
    names = [f"f{i}" for i in range(X.shape[1])]
    algorithm = get_algorithm("cart_classifier")
    estimator = _estimator("cart_classifier", max_depth=4).fit(X, y)
    report, plots = algorithm.report(estimator, X, y, names)
    assert report["tree_text"].startswith("|--- f")
    assert plots["tree.png"].startswith(b"\x89PNG")
    importances = [f["importance"] for f in report["feature_importances"]]
    assert importances == sorted(importances, reverse=True)
    assert sum(importances) == pytest.approx(1.0)
    path = report["pruning_path"]
    assert path["ccp_alphas"] == sorted(path["ccp_alphas"])
    assert path["impurities"] == sorted(path["impurities"])


def test_cart_ccp_alpha_prunes_and_keeps_accuracy_floor() -> None:
    X, y = load_breast_cancer(return_X_y=True)
    full = _estimator("cart_classifier").fit(X, y)
    pruned = _estimator("cart_classifier", ccp_alpha=0.01).fit(X, y)
    assert pruned.get_n_leaves() < full.get_n_leaves()
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    score = cross_val_score(_estimator("cart_classifier", ccp_alpha=0.01), X, y, cv=cv)
    assert score.mean() >= 0.9


@pytest.mark.parametrize("criterion", ["squared_error", "absolute_error"])
def test_cart_regressor_beats_the_mean_on_diabetes(criterion: str) -> None:
    X, y = load_diabetes(return_X_y=True)
    model = _estimator("cart_regressor", criterion=criterion, max_depth=3)
    cv = KFold(5, shuffle=True, random_state=0)
    assert cross_val_score(model, X, y, cv=cv, scoring="r2").mean() >= 0.2
