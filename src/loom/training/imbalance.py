"""Class imbalance: counts, balanced weights, resampling and decision-threshold tuning.

Pure functions over arrays: the training flow calls them on the *training*
split only (never on the rows a model is evaluated on), and stores what they
return in the run's ``details["imbalance"]`` / ``details["threshold"]`` and in
the model bundle. Classification targets are class codes ``0..K-1`` (see
``fitting.class_codes``); for threshold tuning code 1 is the positive class.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import type_of_target

from loom.core.errors import InvalidInputError

RESAMPLING_METHODS = ("random_over", "random_under", "smote")
THRESHOLD_OBJECTIVES = ("f1", "cost")
CURVE_POINTS = 200


# -- counts and weights ---------------------------------------------------------


def class_counts(y: np.ndarray, labels: Sequence[Any]) -> dict[str, int]:
    """Rows per class, keyed by the label as a string (absent classes count 0).

    Args:
        y: class codes indexing ``labels``.
        labels: the original label values, in code order.
    """
    counts = np.bincount(np.asarray(y, dtype=np.int64), minlength=len(labels))
    return {str(label): int(counts[i]) for i, label in enumerate(labels)}


def balanced_sample_weight(y: np.ndarray) -> np.ndarray:
    """Per-row weights ``n_samples / (n_classes * count(class))``.

    scikit-learn's ``compute_sample_weight("balanced", y)``: every class then
    carries the same total weight, the same rule as ``class_weight="balanced"``
    but usable with any estimator whose ``fit`` takes ``sample_weight``.
    """
    weights: np.ndarray = compute_sample_weight("balanced", y)
    return weights


def supports_sample_weight(estimator: Any) -> bool:
    """Whether ``estimator.fit(X, y, sample_weight=w)`` will use the weights.

    The signature must name ``sample_weight``. A ``fit(X, y, **kwargs)`` that
    overrides a parent whose ``fit`` names it counts too (the subclass-forwards
    pattern of Loom's XGBoost wrappers). A ``Pipeline`` answers False: its
    ``fit`` only takes ``step__param`` keys (see ``sample_weight_fit_params``).
    Meta-estimators answer True only when every inner estimator does, because
    scikit-learn's ensembles raise or silently drop the weights otherwise.
    """
    if _is_pipeline(estimator) or not _fit_names_sample_weight(type(estimator)):
        return False
    inner = _inner_estimators(estimator)
    return all(supports_sample_weight(e) for e in inner)


def sample_weight_fit_params(estimator: Any, weights: np.ndarray) -> dict[str, Any]:
    """The keyword arguments that pass ``weights`` to ``estimator.fit``.

    ``{"sample_weight": w}`` for an estimator that takes them directly,
    ``{"<last step>__sample_weight": w}`` for a ``Pipeline`` whose final step
    does (preprocessing steps such as scaling stay unweighted), and ``{}``
    when the weights cannot be passed, so the caller can log that they were not.
    """
    if _is_pipeline(estimator):
        from sklearn import get_config

        # With metadata routing on, "step__param" keys are rejected.
        if get_config().get("enable_metadata_routing", False):
            return {}
        name, last = estimator.steps[-1]
        if last is None or last == "passthrough" or not supports_sample_weight(last):
            return {}
        return {f"{name}__sample_weight": weights}
    return {"sample_weight": weights} if supports_sample_weight(estimator) else {}


def _is_pipeline(estimator: Any) -> bool:
    from sklearn.pipeline import Pipeline

    return isinstance(estimator, Pipeline)


def _fit_names_sample_weight(cls: type) -> bool:
    """Walk the MRO while ``fit`` only forwards ``**kwargs`` to its parent."""
    for klass in cls.__mro__:
        fit = klass.__dict__.get("fit")
        if fit is None:
            continue
        try:
            params = inspect.signature(fit).parameters
        except (TypeError, ValueError):
            return False
        if "sample_weight" in params:
            return True
        if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
            return False
    return False


def _inner_estimators(estimator: Any) -> list[Any]:
    """The sub-estimators a meta-estimator fits (``estimator`` / ``estimators``)."""
    if not hasattr(estimator, "get_params"):
        return []
    params = estimator.get_params(deep=False)
    inner = [params.get(k) for k in ("estimator", "base_estimator", "final_estimator")]
    inner += [
        e[1] if isinstance(e, tuple) else e for e in params.get("estimators") or []
    ]
    return [e for e in inner if hasattr(e, "fit")]


# -- resampling -------------------------------------------------------------------


def resample(
    X: np.ndarray,
    y: np.ndarray,
    method: str,
    seed: int,
    *,
    feature_names: Sequence[str] | None = None,
    labels: Sequence[Any] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Rebalance the training rows with imbalanced-learn; deterministic per seed.

    "random_over" repeats minority rows, "random_under" drops majority rows and
    "smote" adds synthetic minority rows on segments between a minority row and
    one of its ``k = min(5, smallest class - 1)`` nearest minority neighbours.
    Every class ends with as many rows as the largest (the smallest, for
    "random_under"). Only the rows passed in are used, so call it on the
    training split: resampling before the split leaks copies into the test rows.

    Args:
        X: encoded feature matrix (n_samples, n_features).
        y: class codes.
        method: "random_over", "random_under" or "smote".
        seed: random state for the sampler.
        feature_names: column names, to name a column with missing values.
        labels: label values in code order, to name a class that is too small.

    Returns:
        The resampled ``(X, y)``; for the over-samplers the original rows come
        first, in their original order.

    Raises:
        InvalidInputError: unknown method, a target that is not classes,
            or data SMOTE cannot interpolate (missing values, a one-row class).
    """
    if method not in RESAMPLING_METHODS:
        raise InvalidInputError(
            f"resampling must be one of {', '.join(RESAMPLING_METHODS)}; got {method!r}"
        )
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or len(X) != len(y):
        raise InvalidInputError(
            f"resampling needs a 2-D X with one row per target value; "
            f"got X of shape {X.shape} and {len(y)} target values"
        )
    kind = type_of_target(y)
    if kind not in ("binary", "multiclass"):
        raise InvalidInputError(
            f"resampling {method!r} needs class labels as the target; got {kind} values"
        )
    sampler = _sampler(X, y, method, seed, feature_names, labels)
    X_out, y_out = sampler.fit_resample(X, y)
    return np.asarray(X_out), np.asarray(y_out)


def _sampler(
    X: np.ndarray,
    y: np.ndarray,
    method: str,
    seed: int,
    feature_names: Sequence[str] | None,
    labels: Sequence[Any] | None,
) -> Any:
    if method == "random_over":
        from imblearn.over_sampling import RandomOverSampler

        return RandomOverSampler(random_state=seed)
    if method == "random_under":
        from imblearn.under_sampling import RandomUnderSampler

        return RandomUnderSampler(random_state=seed)
    from imblearn.over_sampling import SMOTE

    missing = np.flatnonzero(np.isnan(X.astype(np.float64)).any(axis=0))
    if missing.size:
        j = int(missing[0])
        column = f"'{feature_names[j]}'" if feature_names is not None else str(j)
        raise InvalidInputError(
            f"SMOTE needs complete rows; column {column} has missing values "
            "(impute them, or use resampling 'random_over')"
        )
    codes, counts = np.unique(y, return_counts=True)
    smallest = int(counts.min())
    if smallest < 2:
        code = codes[int(counts.argmin())]
        name = labels[int(code)] if labels is not None else int(code)
        raise InvalidInputError(
            f"SMOTE needs at least 2 rows in every class; class '{name}' has "
            f"{smallest} (use resampling 'random_over')"
        )
    return SMOTE(k_neighbors=min(5, smallest - 1), random_state=seed)


# -- decision threshold ------------------------------------------------------------


@dataclass
class ThresholdChoice:
    """A tuned decision threshold for the positive class (code 1).

    Attributes:
        value: predict the positive class when ``p_positive >= value``.
        score: the objective at ``value``: the positive-class F1 for "f1"
            (higher is better), the mean cost per row
            ``(cost_ratio * FN + FP) / n`` for "cost" (lower is better; one
            unit is the cost of one false positive).
        curve: ``{"thresholds": [...], "scores": [...]}``, ascending thresholds,
            at most 200 points, always including ``value``.
        objective: "f1" or "cost".
        cost_ratio: cost of a false negative divided by that of a false positive.
    """

    value: float
    score: float
    curve: dict[str, list[float]] = field(default_factory=dict)
    objective: str = "f1"
    cost_ratio: float = 1.0

    def to_details(self, default_metrics: dict[str, float]) -> dict[str, Any]:
        """The run's ``details["threshold"]`` entry.

        Args:
            default_metrics: the metrics at the default 0.5 threshold, for
                comparison (e.g. ``metrics_at_threshold(y, p, 0.5, ratio)``).
        """
        return {
            "objective": self.objective,
            "cost_ratio": float(self.cost_ratio),
            "value": float(self.value),
            "default_metrics": {k: float(v) for k, v in default_metrics.items()},
            "curve": self.curve,
        }


def choose_threshold(
    y: np.ndarray, p_positive: np.ndarray, objective: str, cost_ratio: float = 1.0
) -> ThresholdChoice:
    """Pick the decision threshold that optimises ``objective`` on ``(y, p)``.

    Pass out-of-fold (or validation) probabilities: tuned on the rows the model
    was fitted on, the threshold would chase the model's overconfidence.

    Candidates split the distinct probabilities: the midpoint between each pair
    of neighbours, plus one below all (everything positive) and one above all
    (nothing positive), so tied probabilities always fall on the same side.
    Several candidates often score the same; the result is the middle of the
    longest run of best-scoring neighbours (the lowest such run on a tie), which
    keeps it away from the edge where the score drops and is deterministic.

    Args:
        y: binary class codes 0/1 (1 is the positive class).
        p_positive: predicted probability of class 1 per row, in [0, 1].
        objective: "f1" (maximise the positive class's F1) or "cost"
            (minimise ``cost_ratio * FN + FP``).
        cost_ratio: cost of a false negative divided by that of a false positive.

    Raises:
        InvalidInputError: unknown objective, a non-positive cost ratio,
            a target that is not binary 0/1 or holds a single class, or
            probabilities of the wrong length or outside [0, 1].
    """
    y_arr, p = _check_threshold_inputs(y, p_positive, objective, cost_ratio)
    thresholds, tp, fp = _candidate_counts(y_arr, p)
    fn = y_arr.sum() - tp
    if objective == "f1":  # the denominator is at least the positive count > 0
        scores = 2 * tp / (2 * tp + fp + fn)
        best = _middle_of_best_run(scores)
    else:
        scores = (cost_ratio * fn + fp) / len(y_arr)
        best = _middle_of_best_run(-scores)
    keep = _curve_indexes(len(thresholds), best)
    return ThresholdChoice(
        value=float(thresholds[best]),
        score=float(scores[best]),
        curve={
            "thresholds": [float(t) for t in thresholds[keep]],
            "scores": [float(s) for s in scores[keep]],
        },
        objective=objective,
        cost_ratio=float(cost_ratio),
    )


def apply_threshold(p_positive: np.ndarray, value: float) -> np.ndarray:
    """Class codes from positive-class probabilities: 1 where ``p >= value``."""
    codes: np.ndarray = (np.asarray(p_positive) >= value).astype(np.int64)
    return codes


def metrics_at_threshold(
    y: np.ndarray, p_positive: np.ndarray, value: float, cost_ratio: float = 1.0
) -> dict[str, float]:
    """Positive-class precision, recall and F1, and the mean cost, at ``value``."""
    y_arr = np.asarray(y).astype(np.int64)
    pred = apply_threshold(p_positive, value)
    tp = int(np.sum((pred == 1) & (y_arr == 1)))
    fp = int(np.sum((pred == 1) & (y_arr == 0)))
    fn = int(np.sum((pred == 0) & (y_arr == 1)))
    return {
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "f1": 2 * tp / (2 * tp + fp + fn) if tp else 0.0,
        "mean_cost": (cost_ratio * fn + fp) / len(y_arr),
    }


def _check_threshold_inputs(
    y: np.ndarray, p_positive: np.ndarray, objective: str, cost_ratio: float
) -> tuple[np.ndarray, np.ndarray]:
    if objective not in THRESHOLD_OBJECTIVES:
        raise InvalidInputError(
            f"threshold objective must be one of {', '.join(THRESHOLD_OBJECTIVES)}; "
            f"got {objective!r}"
        )
    if not np.isfinite(cost_ratio) or cost_ratio <= 0:
        raise InvalidInputError(f"cost_ratio must be a number > 0; got {cost_ratio}")
    y_arr = np.asarray(y)
    p = np.asarray(p_positive, dtype=np.float64)
    if p.ndim != 1 or len(p) != len(y_arr):
        raise InvalidInputError(
            f"threshold tuning needs one positive-class probability per row; "
            f"got {p.shape} for {len(y_arr)} rows"
        )
    if not np.all(np.isfinite(p)) or p.min() < 0 or p.max() > 1:
        raise InvalidInputError("p_positive must hold probabilities in [0, 1]")
    classes = set(np.unique(y_arr).tolist())
    if not classes <= {0, 1}:
        raise InvalidInputError(
            "threshold tuning is for binary targets (codes 0/1); "
            f"got classes {sorted(classes, key=str)[:10]}"
        )
    if len(classes) < 2:
        raise InvalidInputError(
            f"threshold tuning needs both classes in y; got only class {classes.pop()}"
        )
    return y_arr.astype(np.int64), p


def _candidate_counts(
    y: np.ndarray, p: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ascending candidate thresholds with the TP and FP counts at each."""
    distinct, inverse = np.unique(p, return_inverse=True)
    pos = np.bincount(inverse, weights=y, minlength=len(distinct))
    neg = np.bincount(inverse, minlength=len(distinct)) - pos
    # Candidate j predicts positive the rows with p >= distinct[j].
    tp = np.cumsum(pos[::-1])[::-1]
    fp = np.cumsum(neg[::-1])[::-1]
    lower, upper = distinct[:-1], distinct[1:]
    mids = lower + (upper - lower) / 2
    mids = np.where(mids > lower, mids, upper)  # neighbours one float apart
    thresholds = np.concatenate([[distinct[0] / 2], mids])
    if distinct[-1] < 1.0:  # a threshold above every probability: nothing positive
        thresholds = np.append(thresholds, (distinct[-1] + 1.0) / 2)
        tp, fp = np.append(tp, 0.0), np.append(fp, 0.0)
    return thresholds, tp, fp


def _middle_of_best_run(scores: np.ndarray) -> int:
    """Index in the middle of the longest run of maximal scores (first on ties)."""
    best = np.isclose(scores, scores.max(), rtol=0.0, atol=1e-12)
    edges = np.diff(np.concatenate([[0], best.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    longest = int(np.argmax(ends - starts))
    return int((starts[longest] + ends[longest] - 1) // 2)


def _curve_indexes(n: int, chosen: int) -> np.ndarray:
    """At most ``CURVE_POINTS`` evenly spread indexes, always with ``chosen``."""
    if n <= CURVE_POINTS:
        return np.arange(n)
    spread = np.linspace(0, n - 1, CURVE_POINTS - 1).round().astype(np.int64)
    return np.unique(np.append(spread, chosen))
