"""Naive Bayes classifiers: Gaussian, multinomial, Bernoulli and categorical."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sklearn.naive_bayes import CategoricalNB, MultinomialNB
from sklearn.utils.validation import check_is_fitted

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.registry import register
from loom.core.errors import InvalidInputError

_ALPHA_TEXT = (
    "Additive smoothing of the counts: 1 is Laplace smoothing, 0 < alpha < 1 is "
    "Lidstone smoothing; it keeps unseen values from zeroing a class."
)


def _alpha() -> Any:
    return Field(1.0, ge=1e-10, le=100.0, description=_ALPHA_TEXT)


def _column(names: list[str] | None, index: int) -> str:
    return names[index] if names and index < len(names) else f"column {index}"


class GaussianNbParams(BaseModel):
    """Parameters of ``gaussian_nb``."""

    model_config = ConfigDict(extra="forbid")

    var_smoothing: float = Field(
        1e-9,
        ge=0.0,
        le=1.0,
        description="Share of the largest feature variance added to every variance.",
    )


class MultinomialNbParams(BaseModel):
    """Parameters of ``multinomial_nb``."""

    model_config = ConfigDict(extra="forbid")

    alpha: float = _alpha()
    fit_prior: bool = Field(
        True, description="Learn class priors from the rows (else uniform)."
    )


class BernoulliNbParams(MultinomialNbParams):
    """Parameters of ``bernoulli_nb``."""

    binarize: float | None = Field(
        0.0,
        ge=-1e9,
        le=1e9,
        description="Values above this threshold count as 1; none if already 0/1.",
    )


class CategoricalNbParams(MultinomialNbParams):
    """Parameters of ``categorical_nb``."""

    max_categories: int = Field(
        50,
        ge=2,
        le=10_000,
        description="Refuse columns with more distinct values (they are continuous).",
    )


class CountNB(MultinomialNB):
    """``MultinomialNB`` that names the column when a value is negative.

    Fractional non-negative values (term frequencies, tf-idf) are accepted, as
    scikit-learn does; negative ones cannot be counts.
    """

    feature_names: list[str] | None = None

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> CountNB:
        """Check the values are counts, then fit the multinomial model."""
        self._check_counts(np.asarray(X, dtype=np.float64))
        super().fit(X, y, sample_weight=sample_weight)
        return self

    def _check_counts(self, X: np.ndarray) -> None:
        bad = np.flatnonzero(~(X >= 0).all(axis=0))
        if bad.size:
            name = _column(self.feature_names, int(bad[0]))
            raise InvalidInputError(
                f"multinomial_nb needs non-negative counts; column '{name}' has "
                f"negative or missing values (min {np.nanmin(X[:, bad[0]])!r})"
            )


class CodedCategoricalNB(CategoricalNB):
    """``CategoricalNB`` over each column's distinct training values.

    scikit-learn expects codes 0..k-1; Loom columns hold raw values, so fit maps
    each column's distinct values to codes and keeps one extra code for values
    first seen at prediction time (it only carries the smoothing mass).
    """

    feature_names: list[str] | None = None

    def __init__(
        self, *, alpha: float = 1.0, fit_prior: bool = True, max_categories: int = 50
    ) -> None:
        super().__init__(alpha=alpha, fit_prior=fit_prior)
        self.max_categories = max_categories

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> CodedCategoricalNB:
        """Learn each column's categories, then fit on their codes."""
        X = np.asarray(X, dtype=np.float64)
        values = []
        for j in range(X.shape[1]):
            distinct = np.unique(X[:, j])
            if distinct.size > self.max_categories or np.isnan(distinct).any():
                raise InvalidInputError(
                    f"categorical_nb: column '{_column(self.feature_names, j)}' has "
                    f"{distinct.size} distinct values (max_categories="
                    f"{self.max_categories}) or missing values; bin it or use "
                    "gaussian_nb"
                )
            values.append(distinct)
        self.category_values_ = values
        self.min_categories = [v.size + 1 for v in values]
        super().fit(self._codes(X), y, sample_weight=sample_weight)
        return self

    def _codes(self, X: Any) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        codes = np.empty(X.shape, dtype=np.int64)
        for j, distinct in enumerate(self.category_values_):
            position = np.clip(np.searchsorted(distinct, X[:, j]), 0, distinct.size - 1)
            known = distinct[position] == X[:, j]
            codes[:, j] = np.where(known, position, distinct.size)
        return codes

    def predict(self, X: Any) -> np.ndarray:
        """Most probable class for each row."""
        check_is_fitted(self)
        return super().predict(self._codes(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities for each row."""
        check_is_fitted(self)
        return super().predict_proba(self._codes(X))


class _NamedColumnsAlgorithm(Algorithm):
    """Passes the encoded column names on, so data errors can name the column."""

    def bind_features(self, estimator: Any, feature_names: list[str]) -> None:
        """Remember column names for error messages."""
        if hasattr(type(estimator), "feature_names"):
            estimator.feature_names = list(feature_names)


@register
class GaussianNbAlgorithm(Algorithm):
    """Per-class normal densities for each numeric feature."""

    name: ClassVar[str] = "gaussian_nb"
    task: ClassVar[Task] = Task.CLASSIFICATION
    summary: ClassVar[str] = "Gaussian naive Bayes: per-class normal feature densities."
    Params: ClassVar[type[BaseModel]] = GaussianNbParams

    def build(self, params: BaseModel, seed: int) -> Any:
        """Return an unfitted ``GaussianNB`` (deterministic; the seed is unused)."""
        from sklearn.naive_bayes import GaussianNB

        assert isinstance(params, GaussianNbParams)
        return GaussianNB(var_smoothing=params.var_smoothing)


@register
class MultinomialNbAlgorithm(_NamedColumnsAlgorithm):
    """Class-conditional multinomial over counts (word counts, pixel intensities)."""

    name: ClassVar[str] = "multinomial_nb"
    task: ClassVar[Task] = Task.CLASSIFICATION
    summary: ClassVar[str] = "Multinomial naive Bayes for non-negative count features."
    Params: ClassVar[type[BaseModel]] = MultinomialNbParams

    def build(self, params: BaseModel, seed: int) -> Any:
        """Return an unfitted ``CountNB``."""
        assert isinstance(params, MultinomialNbParams)
        return CountNB(alpha=params.alpha, fit_prior=params.fit_prior)


@register
class BernoulliNbAlgorithm(Algorithm):
    """Class-conditional Bernoulli over present/absent features."""

    name: ClassVar[str] = "bernoulli_nb"
    task: ClassVar[Task] = Task.CLASSIFICATION
    summary: ClassVar[str] = (
        "Bernoulli naive Bayes for binary (present/absent) features."
    )
    Params: ClassVar[type[BaseModel]] = BernoulliNbParams

    def build(self, params: BaseModel, seed: int) -> Any:
        """Return an unfitted ``BernoulliNB``."""
        from sklearn.naive_bayes import BernoulliNB

        assert isinstance(params, BernoulliNbParams)
        return BernoulliNB(
            alpha=params.alpha, fit_prior=params.fit_prior, binarize=params.binarize
        )


@register
class CategoricalNbAlgorithm(_NamedColumnsAlgorithm):
    """Class-conditional categorical distribution per feature."""

    name: ClassVar[str] = "categorical_nb"
    task: ClassVar[Task] = Task.CLASSIFICATION
    summary: ClassVar[str] = (
        "Categorical naive Bayes: each column's distinct values are its categories."
    )
    Params: ClassVar[type[BaseModel]] = CategoricalNbParams

    def build(self, params: BaseModel, seed: int) -> Any:
        """Return an unfitted ``CodedCategoricalNB``."""
        assert isinstance(params, CategoricalNbParams)
        return CodedCategoricalNB(
            alpha=params.alpha,
            fit_prior=params.fit_prior,
            max_categories=params.max_categories,
        )
