"""``FeatureSelection``: pick encoded columns with scikit-learn, stored as JSON.

scikit-learn does the selecting; this module only picks the selector for a
method, checks the request, and records which columns were kept and why
(their scores), so the model bundle can store the choice without pickling a
fitted selector and the run's ``details["feature_selection"]`` can show it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any

import numpy as np

from loom.core.errors import InvalidInputError

SELECTION_METHODS = (
    "variance",
    "chi2",
    "mutual_info",
    "rfecv",
    "l1",
    "tree_importance",
)
TASKS = ("classification", "regression")
CV_FOLDS = 3
FOREST_TREES = 200
# RFECV refits once per dropped step; above this many columns it drops 5% a step.
RFECV_ONE_AT_A_TIME = 50
NEWTON_MAX_COEFS = 2000
_RECORD_KEYS = ("method", "params", "names", "selected", "scores")

_EMPTY_REMEDY = {
    "variance": "lower the threshold",
    "l1": "use 'mutual_info' or 'tree_importance', which keep the top k",
}


@dataclass
class FeatureSelection:
    """Which encoded columns a model uses, chosen once on the training rows.

    Attributes:
        method: one of ``SELECTION_METHODS``.
        params: the parameters the selector actually ran with (JSON-safe).
        names: every input column name, in X's order.
        selected: indexes of the kept columns in X, ascending.
        scores: each input column's score under ``method`` (variance, chi²,
            mutual information, RFECV rank with 1 = kept, |coef| or importance).
    """

    method: str
    params: dict[str, Any]
    names: list[str]
    selected: list[int]
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def names_out(self) -> list[str]:
        """Names of the kept columns, in X's order."""
        return [self.names[i] for i in self.selected]

    @classmethod
    def fit(
        cls,
        X: np.ndarray,
        y: np.ndarray | None,
        names: Sequence[str],
        task: str,
        method: str,
        *,
        k: int | None = None,
        threshold: float | None = None,
        seed: int = 0,
    ) -> FeatureSelection:
        """Run ``method`` on the training rows and record the kept columns.

        Args:
            X: encoded training features (n_samples, n_features).
            y: class codes or numeric targets (ignored by "variance").
            names: column names of X.
            task: "classification" or "regression".
            method: one of ``SELECTION_METHODS``.
            k: columns to keep for "chi2" / "mutual_info" (default: half, at
                least 1); the most to keep for "l1"; the exact number for
                "tree_importance" (default: those above the median importance);
                ignored by "rfecv", which picks the number by cross-validation.
            threshold: minimum variance for "variance" (default 0.0: drop
                constant columns); ignored by the other methods.
            seed: random state for the methods that use one.

        Raises:
            InvalidInputError: unknown method or task, a k outside
                [1, n_features], chi2 on a regression target or on negative
                values, missing values where the method needs complete rows,
                or a selection that keeps no column.
        """
        X = np.asarray(X, dtype=np.float64)
        names = [str(n) for n in names]
        _check_request(X, y, names, task, method, k, threshold)
        if method == "variance":
            support, scores, params = _variance(X, threshold)
        else:
            assert y is not None
            _check_complete(X, names, method)
            support, scores, params = _SUPERVISED[method](X, y, task, k, seed)
        selected = [int(i) for i in np.flatnonzero(support)]
        if not selected:
            raise InvalidInputError(
                f"feature selection {method!r} with {_describe(params)} kept no "
                f"columns; {_EMPTY_REMEDY.get(method, 'try another method')}"
            )
        clean = np.nan_to_num(np.asarray(scores, dtype=np.float64), nan=0.0)
        return cls(
            method=method,
            params=params,
            names=names,
            selected=selected,
            scores={n: float(s) for n, s in zip(names, clean, strict=True)},
        )

    def transform(self, X: Any) -> Any:
        """The kept columns of ``X`` (an array, sparse matrix or DataFrame).

        Raises:
            InvalidInputError: X does not have the columns the selection saw.
        """
        if X.shape[1] != len(self.names):
            raise InvalidInputError(
                f"feature selection was fitted on {len(self.names)} columns; "
                f"got {X.shape[1]}"
            )
        return X.iloc[:, self.selected] if hasattr(X, "iloc") else X[:, self.selected]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe record the model bundle stores (no pickle)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureSelection:
        """Rebuild from ``to_dict()``'s output.

        Raises:
            InvalidInputError: a key is missing or an index is out of range.
        """
        missing = [key for key in _RECORD_KEYS if key not in data]
        if missing:
            raise InvalidInputError(
                f"feature selection record lacks {', '.join(missing)}"
            )
        names = [str(n) for n in data["names"]]
        selected = sorted(int(i) for i in data["selected"])
        if not selected or selected[0] < 0 or selected[-1] >= len(names):
            raise InvalidInputError(
                f"feature selection record has indexes {selected} "
                f"outside its {len(names)} columns"
            )
        return cls(
            method=str(data["method"]),
            params=dict(data["params"]),
            names=names,
            selected=selected,
            scores={str(k): float(v) for k, v in data["scores"].items()},
        )

    def summary(self) -> dict[str, Any]:
        """The run's ``details["feature_selection"]`` entry."""
        kept = set(self.selected)
        return {
            "method": self.method,
            "params": dict(self.params),
            "selected": self.names_out,
            "dropped": [n for i, n in enumerate(self.names) if i not in kept],
            "scores": dict(self.scores),
        }


# -- checks -------------------------------------------------------------------------


def _check_request(
    X: np.ndarray,
    y: np.ndarray | None,
    names: list[str],
    task: str,
    method: str,
    k: int | None,
    threshold: float | None,
) -> None:
    if method not in SELECTION_METHODS:
        raise InvalidInputError(
            f"feature selection method must be one of {', '.join(SELECTION_METHODS)}; "
            f"got {method!r}"
        )
    if task not in TASKS:
        raise InvalidInputError(
            f"feature selection needs task 'classification' or 'regression'; "
            f"got {task!r}"
        )
    if X.ndim != 2 or X.shape[1] != len(names):
        raise InvalidInputError(
            f"feature selection needs one name per column of X; got {len(names)} "
            f"names for X of shape {X.shape}"
        )
    if method != "variance" and (y is None or len(y) != len(X)):
        raise InvalidInputError(
            f"feature selection {method!r} needs one target value per row of X"
        )
    if k is not None and not 1 <= k <= X.shape[1]:
        raise InvalidInputError(
            f"feature selection k must be an int in the range [1, {X.shape[1]}] "
            f"(the number of columns); got {k}"
        )
    if threshold is not None and not threshold >= 0:
        raise InvalidInputError(
            f"feature selection threshold must be a float >= 0; got {threshold}"
        )
    if method == "chi2":
        _check_chi2(X, names, task)


def _check_chi2(X: np.ndarray, names: list[str], task: str) -> None:
    if task != "classification":
        raise InvalidInputError(
            "feature selection 'chi2' needs a classification target; "
            "use 'mutual_info' or 'l1' for regression"
        )
    negative = np.flatnonzero((X < 0).any(axis=0))
    if negative.size:
        raise InvalidInputError(
            f"feature selection 'chi2' needs non-negative values; column "
            f"{names[int(negative[0])]!r} has negative ones (use 'mutual_info')"
        )


def _check_complete(X: np.ndarray, names: list[str], method: str) -> None:
    """Only the variance and tree methods cope with NaN (unimputed columns)."""
    if method == "tree_importance":
        return
    missing = np.flatnonzero(np.isnan(X).any(axis=0))
    if missing.size:
        raise InvalidInputError(
            f"feature selection {method!r} needs complete rows; column "
            f"{names[int(missing[0])]!r} has missing values "
            "(impute them, or use 'variance' or 'tree_importance')"
        )


def _describe(params: dict[str, Any]) -> str:
    shown = [(k, params.get(k)) for k in ("threshold", "k", "max_features")]
    return ", ".join(f"{k} {v}" for k, v in shown if v is not None) or "its defaults"


def _default_k(k: int | None, n_features: int) -> int:
    return k if k is not None else max(1, n_features // 2)


# -- methods: each returns (support mask, per-column scores, params) ----------------

_Result = tuple[np.ndarray, np.ndarray, dict[str, Any]]


def _variance(X: np.ndarray, threshold: float | None) -> _Result:
    from sklearn.feature_selection import VarianceThreshold

    value = 0.0 if threshold is None else float(threshold)
    variances = np.nanvar(X, axis=0)
    if not np.any(variances > value):  # scikit-learn would raise a ValueError
        return np.zeros(X.shape[1], dtype=bool), variances, {"threshold": value}
    selector = VarianceThreshold(threshold=value).fit(X)
    return selector.get_support(), selector.variances_, {"threshold": value}


def _chi2(X: np.ndarray, y: np.ndarray, task: str, k: int | None, seed: int) -> _Result:
    from sklearn.feature_selection import SelectKBest, chi2

    keep = _default_k(k, X.shape[1])
    selector = SelectKBest(chi2, k=keep).fit(X, y)
    return selector.get_support(), selector.scores_, {"k": keep}


def _mutual_info(
    X: np.ndarray, y: np.ndarray, task: str, k: int | None, seed: int
) -> _Result:
    from sklearn.feature_selection import (
        SelectKBest,
        mutual_info_classif,
        mutual_info_regression,
    )

    keep = _default_k(k, X.shape[1])
    score = mutual_info_classif if task == "classification" else mutual_info_regression
    selector = SelectKBest(partial(score, random_state=seed), k=keep).fit(X, y)
    return selector.get_support(), selector.scores_, {"k": keep, "seed": seed}


def _rfecv(
    X: np.ndarray, y: np.ndarray, task: str, k: int | None, seed: int
) -> _Result:
    """Recursive elimination scored by cross-validation, on a linear model.

    A linear model because RFE refits once per eliminated step and ranks by the
    model's own importances: a linear fit is fast and its coefficients on
    standardised columns are comparable importances, where a forest would cost
    hundreds of trees per step.
    """
    from sklearn.feature_selection import RFECV
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.model_selection import KFold, StratifiedKFold

    if task == "classification":
        n_classes = len(np.unique(y))
        # lbfgs is slow on small problems; Newton is exact but its Hessian
        # grows with (classes x columns) squared, so only below that size.
        newton = X.shape[1] * max(1, n_classes - 1) <= NEWTON_MAX_COEFS
        solver = "newton-cholesky" if newton else "lbfgs"
        model: Any = LogisticRegression(max_iter=1000, solver=solver)
        cv: Any = StratifiedKFold(CV_FOLDS, shuffle=True, random_state=seed)
        scoring = "f1_macro"
    else:
        model = LinearRegression()
        cv = KFold(CV_FOLDS, shuffle=True, random_state=seed)
        scoring = "r2"
    step: int | float = 1 if X.shape[1] <= RFECV_ONE_AT_A_TIME else 0.05
    selector = RFECV(model, step=step, cv=cv, scoring=scoring)
    selector.fit(_standardised(X), y)
    params = {
        "estimator": type(model).__name__,
        **({"solver": model.solver} if task == "classification" else {}),
        "cv": CV_FOLDS,
        "scoring": scoring,
        "step": step,
        "seed": seed,
        "n_selected": int(selector.n_features_),
    }
    return selector.get_support(), selector.ranking_.astype(np.float64), params


def _l1(X: np.ndarray, y: np.ndarray, task: str, k: int | None, seed: int) -> _Result:
    """Columns with a non-zero coefficient under an L1 penalty (at most k)."""
    from sklearn.feature_selection import SelectFromModel
    from sklearn.linear_model import LassoCV, LogisticRegression

    if task == "classification":
        solver = "liblinear" if len(np.unique(y)) == 2 else "saga"
        model: Any = LogisticRegression(
            l1_ratio=1.0, solver=solver, C=1.0, max_iter=5000, random_state=seed
        )
        params: dict[str, Any] = {"estimator": "LogisticRegression", "C": 1.0}
        params["solver"] = solver
    else:
        model = LassoCV(cv=CV_FOLDS, random_state=seed)
        params = {"estimator": "LassoCV", "cv": CV_FOLDS}
    selector = SelectFromModel(model, threshold=1e-5, max_features=k)
    selector.fit(_standardised(X), y)
    coef = np.abs(np.atleast_2d(selector.estimator_.coef_)).sum(axis=0)
    return selector.get_support(), coef, {**params, "max_features": k}


def _tree_importance(
    X: np.ndarray, y: np.ndarray, task: str, k: int | None, seed: int
) -> _Result:
    from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor
    from sklearn.feature_selection import SelectFromModel

    forest_cls = (
        ExtraTreesClassifier if task == "classification" else ExtraTreesRegressor
    )
    forest = forest_cls(n_estimators=FOREST_TREES, random_state=seed)
    if k is None:
        selector = SelectFromModel(forest, threshold="median")
        params: dict[str, Any] = {"threshold": "median"}
    else:
        selector = SelectFromModel(forest, threshold=-np.inf, max_features=k)
        params = {"k": k}
    selector.fit(X, y)
    importances = selector.estimator_.feature_importances_
    params.update({"n_estimators": FOREST_TREES, "seed": seed})
    return selector.get_support(), importances, params


def _standardised(X: np.ndarray) -> np.ndarray:
    """Zero-mean unit-variance columns, so coefficients compare across columns."""
    from sklearn.preprocessing import StandardScaler

    scaled: np.ndarray = StandardScaler().fit_transform(X)
    return scaled


_SUPERVISED = {
    "chi2": _chi2,
    "mutual_info": _mutual_info,
    "rfecv": _rfecv,
    "l1": _l1,
    "tree_importance": _tree_importance,
}
