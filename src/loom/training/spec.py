"""``TrainingSpec`` (what to train) and ``TrainingOutcome`` (what a run records).

Kept apart from ``fitting`` so the tabular and text training flows, the jobs and
the benchmarks share them without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loom.training.bundle import ModelBundle
from loom.training.options import TrainingOptions


@dataclass
class TrainingSpec:
    """What to train: algorithm, parameters, columns and evaluation scheme.

    ``cv_folds=None`` evaluates on a holdout of ``test_size``; ``cv_folds=K``
    runs (stratified) K-fold cross-validation and ignores ``test_size``.
    """

    algorithm: str
    params: dict[str, Any]
    target: str | None
    features: list[str] | None = None
    seed: int = 42
    cv_folds: int | None = None
    test_size: float = 0.2
    options: TrainingOptions = field(default_factory=TrainingOptions)

    def check_evaluation(self) -> None:
        """Refuse an impossible evaluation scheme (every task's flow calls this).

        Raises:
            InvalidInputError: ``cv_folds`` outside [2, 20] or ``test_size``
                outside (0, 0.9).
        """
        from loom.core.errors import InvalidInputError

        if self.cv_folds is not None and not 2 <= self.cv_folds <= 20:
            raise InvalidInputError(
                "cv_folds must be an int in the range [2, 20] or None; "
                f"got {self.cv_folds}"
            )
        if not 0.0 < self.test_size < 0.9:
            raise InvalidInputError(
                f"test_size must be a float in the range (0, 0.9); got {self.test_size}"
            )


@dataclass
class TrainingOutcome:
    """Everything a run records: metrics, curves, plots and the model bundle.

    With cross-validation ``metrics`` are fold means, ``cv_metrics`` the per-fold
    values, ``details``/``plots`` come from the pooled out-of-fold predictions,
    and ``n_train == n_test ==`` all rows (each row is scored once, out of fold;
    the stored model is refit on all of them). Clustering fits and scores all
    rows, so ``n_test == 0``.
    """

    metrics: dict[str, float]
    cv_metrics: dict[str, list[float]] | None
    details: dict[str, Any]
    plots: dict[str, bytes]
    bundle: ModelBundle
    n_train: int
    n_test: int
    fit_duration_s: float
