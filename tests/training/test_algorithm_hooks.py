"""The optional Algorithm hooks: feature names before fit, a report after it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_iris

from loom.algorithms import registry
from loom.algorithms.classical.linear_models import LogisticRegressionAlgorithm
from loom.training.fitting import TrainingSpec, train


class _Recording(LogisticRegressionAlgorithm):
    name = "recording_logistic_regression"
    seen: list[list[str]] = []

    def bind_features(self, estimator: Any, feature_names: list[str]) -> None:
        self.seen.append(list(feature_names))

    def report(
        self, estimator: Any, X: Any, y: Any, feature_names: list[str]
    ) -> tuple[dict[str, Any], dict[str, bytes]]:
        return {"rows": len(X), "columns": feature_names}, {"extra.png": b"\x89PNG"}


@pytest.fixture
def recording() -> Iterator[type[_Recording]]:
    registry.get_algorithm("logistic_regression")  # load the catalog first
    registry.register(_Recording)
    _Recording.seen.clear()
    yield _Recording
    registry._CATALOG.discard(_Recording.name)


@pytest.mark.parametrize(("cv_folds", "rows"), [(None, 120), (3, 150)])
def test_hooks_see_feature_names_and_report_on_the_stored_model(
    recording: type[_Recording], cv_folds: int | None, rows: int
) -> None:
    frame = load_iris(as_frame=True).frame.assign(
        colour=lambda f: np.where(f.index % 2, "red", "blue")
    )
    spec = TrainingSpec(
        algorithm=recording.name, params={}, target="target", cv_folds=cv_folds
    )
    outcome = train(frame, spec)
    names = outcome.bundle.encoder.feature_names_out
    assert "colour=red" in names
    assert all(seen == names for seen in recording.seen)
    assert outcome.details["report"] == {"rows": rows, "columns": names}
    assert outcome.plots["extra.png"] == b"\x89PNG"
