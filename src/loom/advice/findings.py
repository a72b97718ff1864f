"""What the advice rules read (``AdviceInput``) and what they write (``Finding``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

Severity = Literal["critical", "warning", "info"]
CRITICAL: Severity = "critical"
WARNING: Severity = "warning"
INFO: Severity = "info"
# Sort order of ``advise``: the most serious findings first.
SEVERITY_RANK: dict[str, int] = {CRITICAL: 0, WARNING: 1, INFO: 2}


@dataclass
class AdviceInput:
    """Everything one finished run knows that a rule may read.

    Built by the training code once the stored model is fitted and scored; the
    rules never refit a model, so advising costs little next to training.
    ``frame`` and ``y``/``X`` hold the same rows in the same order.
    """

    task: str  # "classification" | "regression" | "clustering"
    algorithm: str  # catalog name
    scale_sensitive: bool  # Algorithm.scale_sensitive
    frame: pd.DataFrame  # raw feature columns (+ target column if any)
    features: list[str]  # raw feature column names
    target: str | None
    y: np.ndarray | None  # class codes 0..K-1, or floats for regression
    labels: list[Any] | None  # class labels the codes index
    X: np.ndarray  # encoded matrix the model saw (before any selection)
    feature_names: list[str]  # encoded names: "col" or "col=category"
    metrics: dict[str, float]  # evaluation metrics (holdout, or CV means)
    train_metrics: dict[str, float]  # stored model scored on its training rows
    cv_metrics: dict[str, list[float]] | None
    report: dict[str, Any] | None  # the algorithm's own report (OLS tables, ...)
    options: dict[str, Any]  # TrainingOptions.model_dump()
    # The run's algorithm parameters. Missing keys read as the catalog defaults,
    # so a caller that passes nothing gets advice for a default-parameter run.
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Finding:
    """One piece of advice: what was seen, the numbers behind it, what to do.

    ``code`` is a stable identifier (UI icons, tests, de-duplication);
    ``columns`` names the raw feature columns the finding is about.
    """

    code: str
    severity: Severity
    title: str
    evidence: str
    remedy: str
    columns: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-safe shape stored in a run's ``details["advice"]``."""
        return asdict(self)


Rule = Callable[[AdviceInput], list[Finding]]
