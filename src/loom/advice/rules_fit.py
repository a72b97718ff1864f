"""Rules about how the model fitted: class balance, over/underfitting, fold spread."""

from __future__ import annotations

from typing import Any

import numpy as np

from loom.advice._columns import effective_params, option, pct
from loom.advice.findings import INFO, WARNING, AdviceInput, Finding

# The minority class is "rare" below 20% of the majority or 10% of all rows:
# past that, accuracy mostly measures the majority class (notes: class imbalance).
MINORITY_TO_MAJORITY = 0.20
MINORITY_SHARE = 0.10
# Training score far above the evaluation score = high variance (overfitting).
OVERFIT_ACCURACY_GAP = 0.10
OVERFIT_TRAIN_F1 = 0.99
OVERFIT_TEST_F1 = 0.90
OVERFIT_R2_GAP = 0.15
# Training score no better than a constant guess = high bias (underfitting).
UNDERFIT_ACCURACY_MARGIN = 0.02
UNDERFIT_R2 = 0.10
# Fold-to-fold spread of the headline score past which one split's number is luck.
FOLD_STD = 0.05

# Parameter -> (change against overfitting, change against underfitting). Only
# parameters the run's algorithm actually has are named in a remedy.
REGULARISERS: dict[str, tuple[str, str]] = {
    "max_depth": ("a smaller max_depth", "a larger max_depth"),
    "min_samples_leaf": ("a larger min_samples_leaf", "a smaller min_samples_leaf"),
    "min_child_samples": (
        "a larger min_child_samples",
        "a smaller min_child_samples",
    ),
    "min_child_weight": ("a larger min_child_weight", "a smaller min_child_weight"),
    "num_leaves": ("fewer num_leaves", "more num_leaves"),
    "ccp_alpha": ("a positive ccp_alpha (pruning)", "ccp_alpha=0"),
    "C": ("a smaller C (a stronger penalty)", "a larger C (a weaker penalty)"),
    "n_neighbors": ("a larger n_neighbors (k)", "a smaller n_neighbors (k)"),
    "alpha": ("a larger alpha", "a smaller alpha"),
    "reg_lambda": ("a larger reg_lambda", "a smaller reg_lambda"),
    "subsample": ("subsample below 1.0", "subsample=1.0"),
}
MAX_HINTS = 3
FLEXIBLE_MODELS = {
    "classification": ("random_forest_classifier", "lightgbm_classifier"),
    "regression": ("random_forest_regressor", "lightgbm_regressor"),
}


def _scores(data: AdviceInput, name: str) -> tuple[float, float] | None:
    train, test = data.train_metrics.get(name), data.metrics.get(name)
    if train is None or test is None:
        return None
    return float(train), float(test)


def _evaluated(data: AdviceInput) -> str:
    return "cross-validated" if data.cv_metrics else "held-out"


def _hints(data: AdviceInput, against_overfitting: bool) -> list[str]:
    params = effective_params(data)
    unpenalised = params.get("penalty") == "none"
    hints = [
        pair[0 if against_overfitting else 1]
        for name, pair in REGULARISERS.items()
        # alpha sets the penalty's strength: meaningless while penalty='none'.
        if name in params and not (name == "alpha" and unpenalised)
    ]
    if unpenalised and against_overfitting:
        hints.insert(0, "a penalty instead of penalty='none'")
    return hints[:MAX_HINTS]


def _class_counts(data: AdviceInput) -> np.ndarray | None:
    if data.task != "classification" or data.y is None or len(data.y) == 0:
        return None
    size = len(data.labels) if data.labels else 0
    return np.bincount(np.asarray(data.y, dtype=np.int64), minlength=size)


def _label(data: AdviceInput, code: int) -> Any:
    return data.labels[code] if data.labels and code < len(data.labels) else code


def imbalanced_classes(data: AdviceInput) -> list[Finding]:
    """A rare class: accuracy flatters the model unless the run corrects for it."""
    counts = _class_counts(data)
    if counts is None or np.count_nonzero(counts) < 2:
        return []
    present = np.flatnonzero(counts)
    minority = int(present[np.argmin(counts[present])])
    majority = int(np.argmax(counts))
    n = int(counts.sum())
    ratio = counts[minority] / counts[majority]
    # 10% of rows for two classes; with K classes even a balanced one holds 1/K,
    # so the floor shrinks to keep 12 equal classes from reading as imbalanced.
    share_floor = MINORITY_SHARE * 2 / len(present)
    if ratio >= MINORITY_TO_MAJORITY and counts[minority] / n >= share_floor:
        return []
    listed = ", ".join(f"{_label(data, int(k))!s}: {int(counts[k])}" for k in present)
    evidence = (
        f"Class counts {listed}; the smallest class, {_label(data, minority)!s}, "
        f"has {pct(ratio)} as many rows as the largest and {pct(counts[minority] / n)} "
        "of all rows."
    )
    handled = _imbalance_handling(data)
    if handled:
        return [
            Finding(
                code="imbalanced_classes",
                severity=INFO,
                title="Classes are imbalanced (this run corrects for it)",
                evidence=f"{evidence} This run uses {', '.join(handled)}.",
                remedy="Judge the model by F1, recall and average precision of the "
                "rare class rather than by accuracy.",
                columns=[],
            )
        ]
    return [
        Finding(
            code="imbalanced_classes",
            severity=WARNING,
            title="Classes are imbalanced; accuracy is a misleading headline",
            evidence=f"{evidence} {_imbalance_scores(data, counts[majority] / n)}",
            remedy=_imbalance_remedy(len(present)),
            columns=[],
        )
    ]


def _imbalance_handling(data: AdviceInput) -> list[str]:
    handled = []
    if option(data, "class_weight"):
        handled.append(f"class_weight={option(data, 'class_weight')}")
    elif effective_params(data).get("class_weight") == "balanced":
        handled.append("the algorithm's class_weight=balanced")
    if option(data, "resampling"):
        handled.append(f"resampling={option(data, 'resampling')}")
    if option(data, "threshold"):
        handled.append(f"threshold={option(data, 'threshold')}")
    return handled


def _imbalance_scores(data: AdviceInput, majority_rate: float) -> str:
    text = (
        f"Always predicting the largest class would already score accuracy "
        f"{majority_rate:.3f}"
    )
    if "accuracy" in data.metrics:
        accuracy = data.metrics["accuracy"]
        text += f"; this run's {_evaluated(data)} accuracy is {accuracy:.3f}"
    shown = [
        f"{label} {data.metrics[name]:.3f}"
        for name, label in (
            ("f1", "F1"),
            ("recall", "recall"),
            ("roc_auc", "ROC-AUC"),
            ("average_precision", "average precision"),
        )
        if name in data.metrics
    ]
    if shown:
        text += ". Look at " + ", ".join(shown) + " instead"
    return text + "."


def _imbalance_remedy(n_classes: int) -> str:
    remedy = (
        "Retrain with class_weight=balanced (CLI --class-weight balanced) so "
        "rare-class errors cost more, or resampling=smote (--resample smote; "
        "also random_over / random_under) to even out the training rows"
    )
    if n_classes == 2:
        remedy += ", or threshold=f1 (--threshold f1) to move the decision threshold"
    return remedy + "; then compare runs by F1, recall or average precision."


def overfitting(data: AdviceInput) -> list[Finding]:
    """Training scores far above the evaluation scores (high variance)."""
    if data.task == "classification":
        accuracy, f1 = _scores(data, "accuracy"), _scores(data, "f1")
        gap = accuracy is not None and accuracy[0] - accuracy[1] >= OVERFIT_ACCURACY_GAP
        memorised = (
            f1 is not None and f1[0] >= OVERFIT_TRAIN_F1 and f1[1] < OVERFIT_TEST_F1
        )
        if not (gap or memorised):
            return []
        name, pair = ("accuracy", accuracy) if gap else ("f1", f1)
    elif data.task == "regression":
        pair = _scores(data, "r2")
        if pair is None or pair[0] - pair[1] < OVERFIT_R2_GAP:
            return []
        name = "r2"
    else:
        return []
    assert pair is not None
    hints = _hints(data, against_overfitting=True)
    tuned = f"try {', '.join(hints)}; " if hints else ""
    return [
        Finding(
            code="overfitting",
            severity=WARNING,
            title="The model fits its training rows much better than new rows",
            evidence=(
                f"Training {name} {pair[0]:.3f} against {_evaluated(data)} {name} "
                f"{pair[1]:.3f} (a gap of {pair[0] - pair[1]:.3f}): the model "
                "learned details of its training rows that do not carry over."
            ),
            remedy=(
                f"Constrain {data.algorithm}: {tuned}train on more rows, or fit "
                "fewer features (the features list, or feature_selection: CLI "
                "--select). A learning curve (--learning-curve) shows whether "
                "more rows would help."
            ),
            columns=[],
        )
    ]


def underfitting(data: AdviceInput) -> list[Finding]:
    """Training scores barely above a constant guess (high bias)."""
    if data.task == "classification":
        counts = _class_counts(data)
        pair = _scores(data, "accuracy")
        if counts is None or pair is None or counts.sum() == 0:
            return []
        baseline = float(counts.max() / counts.sum())
        if pair[0] > baseline + UNDERFIT_ACCURACY_MARGIN:
            return []
        evidence = (
            f"Training accuracy {pair[0]:.3f} and {_evaluated(data)} accuracy "
            f"{pair[1]:.3f}, while always predicting the largest class scores "
            f"{baseline:.3f}: the model has barely learned anything."
        )
    elif data.task == "regression":
        pair = _scores(data, "r2")
        if pair is None or pair[0] >= UNDERFIT_R2:
            return []
        evidence = (
            f"Training r2 {pair[0]:.3f} and {_evaluated(data)} r2 {pair[1]:.3f}: the "
            "model explains almost none of the target's variation even on the rows "
            "it was fitted on."
        )
    else:
        return []
    hints = _hints(data, against_overfitting=False)
    others = [m for m in FLEXIBLE_MODELS[data.task] if m != data.algorithm]
    remedy = (
        f"Try a more flexible model ({' or '.join(others)}), add features that "
        "carry information about the target"
    )
    remedy += f", or loosen {data.algorithm}: {', '.join(hints)}." if hints else "."
    return [
        Finding(
            code="underfitting",
            severity=WARNING,
            title="The model underfits: training scores are poor too",
            evidence=evidence,
            remedy=remedy,
            columns=[],
        )
    ]


def high_variance_folds(data: AdviceInput) -> list[Finding]:
    """Cross-validation folds disagree: the mean hides a wide range."""
    name = {"classification": "accuracy", "regression": "r2"}.get(data.task)
    values = (data.cv_metrics or {}).get(name or "")
    if not values or len(values) < 2:
        return []
    scores = np.asarray(values, dtype=np.float64)
    spread = float(np.std(scores))
    if not spread >= FOLD_STD:
        return []
    return [
        Finding(
            code="high_variance_folds",
            severity=INFO,
            title="Scores vary a lot from fold to fold",
            evidence=(
                f"{name} over {len(scores)} folds ranges from {scores.min():.3f} to "
                f"{scores.max():.3f} (mean {scores.mean():.3f}, standard deviation "
                f"{spread:.3f}); a single split could have told a different story."
            ),
            remedy=(
                "Read the mean as ± the standard deviation. More rows or a "
                "lower-variance model (stronger regularisation, an ensemble) "
                "narrow it; if related rows (same customer, same day) sit in "
                "different folds, set group_column (CLI --group) for grouped "
                "cross-validation."
            ),
            columns=[],
        )
    ]
