"""``client.runs``: start training runs, read results, tail epochs, stop."""

from __future__ import annotations

import builtins
from typing import Any

from loom.client.base import Transport
from loom.tracking.schemas import (
    ExperimentPublic,
    RunComparison,
    RunEpochPublic,
    RunPublic,
)
from loom.training.options import TrainingOptions


class Runs:
    """Training runs and experiments."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def create(
        self,
        *,
        dataset: str,
        algorithm: str,
        target: str | None = None,
        params: dict[str, Any] | None = None,
        cv_folds: int | None = None,
        options: TrainingOptions | dict[str, Any] | None = None,
        wait: bool = True,
        **extra: Any,
    ) -> RunPublic:
        """Start a run; with ``wait`` block until it finishes (raises if it fails).

        Args:
            options: training options (``TrainingOptions`` or its dict form):
                group_column, standardize, class_weight, resampling, threshold,
                cost_ratio, feature_selection, learning_curve, validation_curve.
            extra: other ``RunCreate`` fields (test_size, seed, experiment, name,
                features, dataset_version).
        """
        if isinstance(options, TrainingOptions):
            options = options.model_dump(mode="json", exclude_defaults=True)
        body = {
            "dataset": dataset,
            "algorithm": algorithm,
            "target": target,
            "params": params or {},
            "cv_folds": cv_folds,
            "options": options or {},
            **extra,
        }
        run = RunPublic.model_validate(self._t.json("POST", "/runs", json=body))
        if wait:
            self._t.wait_job(run.job_id)
            return self.get(run.id)
        return run

    train = create

    def list(self, experiment: str | None = None) -> builtins.list[RunPublic]:
        params = {"experiment": experiment} if experiment else {}
        return [
            RunPublic.model_validate(r)
            for r in self._t.json("GET", "/runs", params=params)["items"]
        ]

    def get(self, run_id: str) -> RunPublic:
        return RunPublic.model_validate(self._t.json("GET", f"/runs/{run_id}"))

    def compare(self, run_ids: builtins.list[str]) -> RunComparison:
        data = self._t.json("GET", "/runs/compare", params={"ids": ",".join(run_ids)})
        return RunComparison.model_validate(data)

    def plot(self, run_id: str, filename: str) -> bytes:
        return self._t.request("GET", f"/runs/{run_id}/plots/{filename}").content

    def epochs(
        self, run_id: str, after: int | None = None
    ) -> builtins.list[RunEpochPublic]:
        """Per-epoch metrics recorded so far (only those after epoch ``after``)."""
        params = {"after": after} if after is not None else {}
        data = self._t.json("GET", f"/runs/{run_id}/epochs", params=params)
        return [RunEpochPublic.model_validate(e) for e in data["items"]]

    def stop(self, run_id: str) -> RunPublic:
        """Ask a running run to stop gracefully; it keeps its best epoch.

        Raises ``LoomAPIError`` (409) if the run has already ended.
        """
        return RunPublic.model_validate(self._t.json("POST", f"/runs/{run_id}/stop"))

    def experiments(self) -> builtins.list[ExperimentPublic]:
        return [
            ExperimentPublic.model_validate(e)
            for e in self._t.json("GET", "/experiments")["items"]
        ]
