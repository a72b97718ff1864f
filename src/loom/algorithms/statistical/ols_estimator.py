"""``OLSRegressor``: least squares with reference levels, stepwise and penalties."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from loom.algorithms.statistical.ols_solver import (
    LeastSquaresFit,
    solve_least_squares,
)
from loom.core.errors import InvalidInputError

INTERCEPT = "const"


@dataclass
class OLSSettings:
    """The ``linear_regression`` parameters the estimator acts on."""

    fit_intercept: bool = True
    confidence: float = 0.95
    reference: str = "first"
    selection: str = "none"
    selection_criterion: str = "p"
    p_enter: float = 0.05
    p_remove: float = 0.10
    penalty: str = "none"
    alpha: float = 1.0
    log_target: bool = False


@dataclass
class _Term:
    """One predictor: a numeric column or the kept dummies of a string column."""

    name: str
    columns: list[int]
    reference: str | None = None
    dummies: list[str] = field(default_factory=list)


class OLSRegressor:
    """Linear regression whose fitted state carries what inference needs.

    ``fit`` builds the design (dropping one reference dummy per string column and
    constant columns), optionally selects predictors stepwise, then solves with
    ``solve_least_squares`` (or statsmodels ``fit_regularized`` for penalties).

    Args:
        settings: the validated parameters.
    """

    def __init__(self, settings: OLSSettings | None = None) -> None:
        self.settings = settings or OLSSettings()
        self.feature_names: list[str] | None = None

    # -- scikit-learn verbs -------------------------------------------------------

    def fit(self, X: Any, y: Any) -> OLSRegressor:
        """Fit on encoded features ``X`` and a numeric target ``y``."""
        X = np.asarray(X, dtype=np.float64)
        target = transform_target(y, self.settings.log_target)
        names = self.feature_names or [f"x{i}" for i in range(X.shape[1])]
        if len(names) != X.shape[1]:
            names = [f"x{i}" for i in range(X.shape[1])]
        self.n_features_in_ = X.shape[1]
        self.input_names_ = list(names)
        self.dropped_: dict[str, str] = {}
        terms = self._terms(X, names)
        self.selection_steps_: list[dict[str, Any]] = []
        if self.settings.selection != "none" and self.settings.penalty == "none":
            from loom.algorithms.statistical.stepwise import select_terms

            terms, self.selection_steps_ = select_terms(self, X, target, terms)
        self.terms_ = terms
        self.columns_ = [c for term in terms for c in term.columns]
        self.column_names_ = [names[c] for c in self.columns_]
        self._solve(X, target)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predictions on the target's own scale (back-transformed for log_target)."""
        if not hasattr(self, "coef_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("this OLSRegressor is not fitted yet; call fit first")
        X = np.asarray(X, dtype=np.float64)
        linear: np.ndarray = X[:, self.columns_] @ self.coef_ + self.intercept_
        return np.exp(linear) if self.settings.log_target else linear

    # -- design ---------------------------------------------------------------------

    def design(self, X: np.ndarray, columns: list[int] | None = None) -> np.ndarray:
        """The model matrix: the chosen columns, with a leading 1s column if asked."""
        chosen = X[:, self.columns_ if columns is None else columns]
        if self.settings.fit_intercept:
            return np.column_stack([np.ones(len(X)), chosen])
        return chosen

    def _terms(self, X: np.ndarray, names: list[str]) -> list[_Term]:
        groups: dict[str, list[int]] = {}
        for index, name in enumerate(names):
            base, _, _ = name.partition("=")
            is_dummy = "=" in name and bool(np.isin(X[:, index], (0.0, 1.0)).all())
            groups.setdefault(base if is_dummy else f"\0{name}", []).append(index)
        terms: list[_Term] = []
        for key, columns in groups.items():
            if key.startswith("\0"):
                term = _Term(key[1:], columns)
            else:
                term = self._categorical(key, columns, X, names)
            kept = [c for c in term.columns if not self._is_constant(X, c, names[c])]
            if kept:
                term.columns = kept
                term.dummies = [names[c] for c in kept] if term.reference else []
                terms.append(term)
        return terms

    def _categorical(
        self, name: str, columns: list[int], X: np.ndarray, names: list[str]
    ) -> _Term:
        counts = X[:, columns].sum(axis=0)
        if self.settings.reference == "most_frequent":
            reference = columns[int(np.argmax(counts))]
        else:
            # A level absent from these rows (a rare one, in one CV fold) cannot
            # be the baseline: its dummy is all zeros and the others would then
            # add up to the intercept.
            reference = columns[int(np.argmax(counts > 0))]
        level = names[reference].partition("=")[2]
        self.dropped_[names[reference]] = "reference level"
        return _Term(name, [c for c in columns if c != reference], level)

    def _is_constant(self, X: np.ndarray, column: int, name: str) -> bool:
        values = X[:, column]
        if not self.settings.fit_intercept or np.ptp(values) > 0:
            return False
        self.dropped_[name] = f"constant (every row is {float(values[0]):g})"
        return True

    # -- solving --------------------------------------------------------------------

    def solve(
        self, X: np.ndarray, y: np.ndarray, columns: list[int]
    ) -> LeastSquaresFit:
        """Least squares on ``columns`` (plus the intercept), for stepwise too."""
        names = [self.input_names_[c] for c in columns]
        if self.settings.fit_intercept:
            names = [INTERCEPT, *names]
        return solve_least_squares(self.design(X, columns), y, names)

    def _solve(self, X: np.ndarray, y: np.ndarray) -> None:
        if self.settings.penalty != "none":
            self._solve_penalised(X, y)
            return
        fit = self.solve(X, y, self.columns_)
        # Residuals are per row: the report recomputes them rather than every
        # saved model carrying a copy of the training target.
        self.fit_: LeastSquaresFit | None = replace(fit, residuals=np.empty(0))
        coef = fit.coef
        self.intercept_ = float(coef[0]) if self.settings.fit_intercept else 0.0
        self.coef_ = coef[1:] if self.settings.fit_intercept else coef

    def _solve_penalised(self, X: np.ndarray, y: np.ndarray) -> None:
        """statsmodels ``fit_regularized`` on standardised columns.

        Standardising makes the penalty treat every predictor alike, and centring
        keeps the intercept out of it; coefficients come back on the raw scale.
        """
        import statsmodels.api as sm

        chosen = X[:, self.columns_]
        center = chosen.mean(axis=0) if self.settings.fit_intercept else 0.0
        scale = chosen.std(axis=0)
        scale[scale == 0] = 1.0
        y_center = float(y.mean()) if self.settings.fit_intercept else 0.0
        model = sm.OLS(y - y_center, (chosen - center) / scale)
        weight = 0.0 if self.settings.penalty == "ridge" else 1.0
        result = model.fit_regularized(
            method="elastic_net", alpha=self.settings.alpha, L1_wt=weight
        )
        self.fit_ = None
        self.coef_ = np.asarray(result.params, dtype=np.float64) / scale
        self.intercept_ = y_center - float(np.sum(center * self.coef_))


def transform_target(y: Any, log_target: bool) -> np.ndarray:
    """``y`` as floats (logged for ``log_target``), rejecting unusable values.

    Raises:
        InvalidInputError: non-numeric, missing or infinite values, or a value
            <= 0 with ``log_target``; names the column when ``y`` has a name.
    """
    name = getattr(y, "name", None)
    label = f"target column '{name}'" if name else "the target column"
    try:
        values = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError(
            f"linear_regression needs a numeric target; {label} is not numeric"
        ) from None
    if not np.isfinite(values).all():
        raise InvalidInputError(f"{label} holds missing or infinite values")
    if log_target:
        bad = values[values <= 0]
        if bad.size:
            raise InvalidInputError(
                f"log_target needs a positive target; {label} has {bad.size} "
                f"value(s) <= 0 (smallest {float(bad.min()):g})"
            )
        return np.log(values)
    return values
