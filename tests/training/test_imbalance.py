"""Class counts, balanced weights, resampling and threshold tuning on real data."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.ensemble import BaggingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from loom.algorithms.registry import get_algorithm, validate_params
from loom.core.errors import InvalidInputError
from loom.training.imbalance import (
    apply_threshold,
    balanced_sample_weight,
    choose_threshold,
    class_counts,
    metrics_at_threshold,
    resample,
    sample_weight_fit_params,
    supports_sample_weight,
)


@pytest.fixture(scope="module")
def imbalanced_cancer() -> tuple[np.ndarray, np.ndarray]:
    """Breast cancer with only the first 30 malignant tumours; 1 = malignant."""
    data = load_breast_cancer()
    malignant = np.flatnonzero(data.target == 0)[:30]
    rows = np.concatenate([malignant, np.flatnonzero(data.target == 1)])
    return data.data[rows], (data.target[rows] == 0).astype(np.int64)


@pytest.fixture(scope="module")
def oof_probabilities(
    imbalanced_cancer: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold P(malignant) of a (strongly regularised) logistic model."""
    X, y = imbalanced_cancer
    model = Pipeline(
        [("scale", StandardScaler()), ("model", LogisticRegression(C=0.01))]
    )
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    proba = cross_val_predict(model, X, y, cv=folds, method="predict_proba")
    return y, proba[:, 1]


# -- counts and weights -----------------------------------------------------------


def test_class_counts_keys_labels_as_strings_and_counts_absent_classes() -> None:
    y = load_iris().target
    counts = class_counts(y, ["setosa", "versicolor", "virginica", 7])
    assert counts == {"setosa": 50, "versicolor": 50, "virginica": 50, "7": 0}


def test_balanced_sample_weight_gives_every_class_the_same_total(
    imbalanced_cancer: tuple[np.ndarray, np.ndarray],
) -> None:
    _, y = imbalanced_cancer
    weights = balanced_sample_weight(y)
    totals = [weights[y == c].sum() for c in (0, 1)]
    assert totals == pytest.approx([len(y) / 2, len(y) / 2])
    assert weights[y == 1][0] > weights[y == 0][0]


def test_supports_sample_weight_reads_fit_signatures() -> None:
    assert supports_sample_weight(LogisticRegression())
    assert not supports_sample_weight(KNeighborsClassifier())
    assert supports_sample_weight(BaggingClassifier(DecisionTreeClassifier()))
    assert not supports_sample_weight(BaggingClassifier(KNeighborsClassifier()))
    # Pipeline.fit takes only "step__param" keys, so plain sample_weight fails.
    assert not supports_sample_weight(Pipeline([("model", LogisticRegression())]))


def test_supports_sample_weight_follows_kwargs_forwarding_to_parent() -> None:
    """Loom's XGBoost wrapper overrides fit(X, y, **kwargs) and forwards them."""
    algorithm = get_algorithm("xgboost_classifier")
    estimator = algorithm.build(validate_params("xgboost_classifier", {}), 0)
    assert supports_sample_weight(estimator)
    knn = get_algorithm("knn_classifier")
    assert not supports_sample_weight(
        knn.build(validate_params("knn_classifier", {}), 0)
    )


def test_sample_weight_fit_params_routes_weights_to_pipeline_final_step(
    imbalanced_cancer: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = imbalanced_cancer
    weights = balanced_sample_weight(y)
    pipeline = Pipeline([("scale", StandardScaler()), ("model", LogisticRegression())])
    fit_params = sample_weight_fit_params(pipeline, weights)
    assert list(fit_params) == ["model__sample_weight"]
    weighted = pipeline.fit(X, y, **fit_params).predict_proba(X)[:, 1]
    plain = Pipeline([("scale", StandardScaler()), ("model", LogisticRegression())])
    unweighted = plain.fit(X, y).predict_proba(X)[:, 1]
    # Balanced weights up-weight the rare malignant class: its probabilities rise.
    assert weighted[y == 1].mean() > unweighted[y == 1].mean()
    assert sample_weight_fit_params(KNeighborsClassifier(), weights) == {}
    assert list(sample_weight_fit_params(LogisticRegression(), weights)) == [
        "sample_weight"
    ]


# -- resampling ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "per_class"), [("random_over", 357), ("random_under", 30)]
)
def test_resample_random_methods_balance_classes_deterministically(
    imbalanced_cancer: tuple[np.ndarray, np.ndarray], method: str, per_class: int
) -> None:
    X, y = imbalanced_cancer
    X_out, y_out = resample(X, y, method, seed=3)
    assert np.bincount(y_out).tolist() == [per_class, per_class]
    again_X, again_y = resample(X, y, method, seed=3)
    assert np.array_equal(X_out, again_X) and np.array_equal(y_out, again_y)
    # Random samplers only copy or drop rows: every output row is an input row.
    originals = {tuple(row) for row in X}
    assert all(tuple(row) in originals for row in X_out)


def test_resample_smote_adds_rows_only_between_minority_neighbours(
    imbalanced_cancer: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = imbalanced_cancer
    X_out, y_out = resample(X, y, "smote", seed=0)
    assert np.bincount(y_out).tolist() == [357, 357]
    assert np.array_equal(X_out[: len(X)], X) and np.array_equal(y_out[: len(y)], y)
    new = X_out[len(X) :]
    assert np.all(y_out[len(X) :] == 1)
    minority = X[y == 1]
    assert np.all(new >= minority.min(axis=0)) and np.all(new <= minority.max(axis=0))
    # Each new row is x_i + lam * (x_j - x_i) for two minority rows, 0 <= lam <= 1.
    scale = minority.std(axis=0)
    z_new, z_min = new / scale, minority / scale
    start = z_min[:, None, :]
    step = z_min[None, :, :] - start
    norm = np.maximum((step**2).sum(axis=2), 1e-300)
    for row in z_new:
        lam = np.clip(((row - start) * step).sum(axis=2) / norm, 0.0, 1.0)
        gap = np.linalg.norm(start + lam[..., None] * step - row, axis=2)
        assert gap.min() < 1e-8
    again, _ = resample(X, y, "smote", seed=0)
    other, _ = resample(X, y, "smote", seed=1)
    assert np.array_equal(X_out, again) and not np.array_equal(X_out, other)


def test_resample_smote_rejects_missing_values_naming_the_column() -> None:
    data = load_iris()
    X = data.data.copy()
    X[4, 2] = np.nan
    with pytest.raises(InvalidInputError, match="column 'petal length \\(cm\\)' has"):
        resample(X, data.target, "smote", seed=0, feature_names=data.feature_names)
    # The random samplers copy rows as they are, gaps included.
    _, y_out = resample(X, data.target, "random_over", seed=0)
    assert len(y_out) == 150


def test_resample_smote_rejects_a_single_row_class_naming_it() -> None:
    data = load_iris()
    rows = np.r_[0:50, 50:100, 100]
    with pytest.raises(InvalidInputError, match="class 'virginica' has 1"):
        resample(
            data.data[rows],
            data.target[rows],
            "smote",
            seed=0,
            labels=list(data.target_names),
        )


def test_resample_rejects_unknown_method_and_regression_targets() -> None:
    data = load_diabetes()
    with pytest.raises(InvalidInputError, match=r"one of random_over.*got 'adasyn'"):
        resample(data.data, (data.target > 140).astype(int), "adasyn", seed=0)
    bmi = data.data[:, 2]
    with pytest.raises(InvalidInputError, match=r"class labels.*continuous"):
        resample(data.data, bmi, "random_over", seed=0)


# -- decision threshold ----------------------------------------------------------------


def test_choose_threshold_f1_improves_minority_f1_over_half(
    oof_probabilities: tuple[np.ndarray, np.ndarray],
) -> None:
    y, p = oof_probabilities
    choice = choose_threshold(y, p, "f1")
    default = metrics_at_threshold(y, p, 0.5)
    tuned = metrics_at_threshold(y, p, choice.value)
    assert tuned["f1"] == pytest.approx(choice.score)
    assert choice.score >= default["f1"]
    assert choice.score > 0.9 > default["f1"]  # a real gain on this model
    assert choice.value < 0.5


def test_choose_threshold_higher_miss_cost_lowers_the_threshold(
    oof_probabilities: tuple[np.ndarray, np.ndarray],
) -> None:
    y, p = oof_probabilities
    even = choose_threshold(y, p, "cost", cost_ratio=1.0)
    costly_misses = choose_threshold(y, p, "cost", cost_ratio=10.0)
    assert costly_misses.value < even.value
    # score is the mean cost per row at the chosen threshold, the curve's minimum.
    assert costly_misses.score == pytest.approx(
        metrics_at_threshold(y, p, costly_misses.value, 10.0)["mean_cost"]
    )
    assert costly_misses.score == pytest.approx(min(costly_misses.curve["scores"]))


def test_choose_threshold_curve_is_short_sorted_and_holds_the_choice(
    oof_probabilities: tuple[np.ndarray, np.ndarray],
) -> None:
    y, p = oof_probabilities
    choice = choose_threshold(y, p, "f1")
    thresholds = choice.curve["thresholds"]
    assert len(thresholds) <= 200 and len(choice.curve["scores"]) == len(thresholds)
    assert thresholds == sorted(thresholds)
    assert choice.value in thresholds
    details = choice.to_details(metrics_at_threshold(y, p, 0.5))
    assert set(details) == {
        "objective",
        "cost_ratio",
        "value",
        "default_metrics",
        "curve",
    }
    assert details["objective"] == "f1" and details["cost_ratio"] == 1.0


def test_choose_threshold_keeps_ties_together_and_picks_the_plateau_middle() -> None:
    y = np.array([0, 0, 0, 1, 0, 1, 1, 1])
    p = np.array([0.1, 0.2, 0.4, 0.4, 0.5, 0.5, 0.7, 0.9])
    choice = choose_threshold(y, p, "cost", cost_ratio=1.0)
    # Candidates .05 .15 .3 .45 .6 .8 .95 cost 4 3 2 2 2 3 4 (FN + FP): passing
    # a tied 0/1 pair leaves the cost unchanged, so the best run is .3-.6.
    assert choice.curve["thresholds"] == pytest.approx(
        [0.05, 0.15, 0.3, 0.45, 0.6, 0.8, 0.95]
    )
    assert choice.curve["scores"] == pytest.approx(
        [c / 8 for c in (4, 3, 2, 2, 2, 3, 4)]
    )
    assert choice.value == pytest.approx(0.45)
    assert choice.score == pytest.approx(2 / 8)
    predicted = apply_threshold(p, choice.value)
    assert predicted[2] == predicted[3] and predicted[4] == predicted[5]


def test_apply_threshold_predicts_positive_at_or_above_the_value() -> None:
    codes = apply_threshold(np.array([0.2, 0.5, 0.7]), 0.5)
    assert codes.tolist() == [0, 1, 1] and codes.dtype == np.int64


def test_choose_threshold_errors_name_the_problem() -> None:
    p = np.array([0.2, 0.4, 0.9])
    with pytest.raises(InvalidInputError, match=r"both classes.*only class 1"):
        choose_threshold(np.array([1, 1, 1]), p, "f1")
    with pytest.raises(InvalidInputError, match=r"binary targets.*\[0, 1, 2\]"):
        choose_threshold(np.array([0, 1, 2]), p, "f1")
    with pytest.raises(InvalidInputError, match="one of f1, cost; got 'auc'"):
        choose_threshold(np.array([0, 1, 1]), p, "auc")
    with pytest.raises(InvalidInputError, match="cost_ratio must be a number > 0"):
        choose_threshold(np.array([0, 1, 1]), p, "cost", cost_ratio=0.0)
    with pytest.raises(InvalidInputError, match="probabilities in \\[0, 1\\]"):
        choose_threshold(np.array([0, 1, 1]), np.array([0.2, 1.4, 0.9]), "f1")
