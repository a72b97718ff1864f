"""``FeatureTransform``: feature selection then standardisation, after encoding.

Both steps are fitted on the training rows only and stored with the model as
JSON, so serving applies exactly what training did (a column mask and an
affine map: cheap on the per-record hot path). Selection comes first so that
chi² sees the encoded, non-negative values rather than centred ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from loom.training.options import TrainingOptions


class FeatureTransform:
    """A fitted column mask (optional) followed by centring and scaling (optional).

    Args:
        selection: the fitted ``FeatureSelection`` state, or None.
        mean, scale: per-column centre and scale of the selected columns, or None.
        names_in: encoded column names before selection.
    """

    def __init__(
        self,
        *,
        names_in: list[str],
        selection: Any | None = None,
        mean: np.ndarray | None = None,
        scale: np.ndarray | None = None,
    ) -> None:
        self.names_in = list(names_in)
        self.selection = selection
        self.mean = mean
        self.scale = scale
        self._selected = (
            np.asarray(selection.selected, dtype=np.int64)
            if selection is not None
            else None
        )

    @property
    def names_out(self) -> list[str]:
        """The columns the estimator sees."""
        if self._selected is None:
            return list(self.names_in)
        return [self.names_in[i] for i in self._selected.tolist()]

    @classmethod
    def fit(
        cls,
        X: np.ndarray,
        y: np.ndarray | None,
        names: list[str],
        *,
        task: str,
        options: TrainingOptions,
        seed: int,
        log: Callable[[str], None],
    ) -> FeatureTransform | None:
        """Fit the steps ``options`` asks for on training rows; None when none."""
        if options.feature_selection is None and not options.standardize:
            return None
        selection = None
        if options.feature_selection is not None:
            from loom.training.selection import FeatureSelection

            chosen = options.feature_selection
            selection = FeatureSelection.fit(
                X,
                y,
                names,
                task,
                chosen.method,
                k=chosen.k,
                threshold=chosen.threshold,
                seed=seed,
            )
            X = selection.transform(X)
            log(
                f"feature selection '{chosen.method}' kept {len(selection.selected)} "
                f"of {len(names)} columns"
            )
        mean = scale = None
        if options.standardize:
            with np.errstate(all="ignore"):
                mean = np.nan_to_num(np.nanmean(X, axis=0))
                scale = np.nan_to_num(np.nanstd(X, axis=0))
            # A constant column stays as it is (centred) rather than dividing by 0.
            scale[scale == 0] = 1.0
        return cls(names_in=names, selection=selection, mean=mean, scale=scale)

    def apply(self, X: np.ndarray) -> np.ndarray:
        """Transform an encoded matrix the way the training rows were."""
        if self._selected is not None:
            X = X[:, self._selected]
        if self.mean is not None and self.scale is not None:
            X = (X - self.mean) / self.scale
        return X

    def summary(self) -> dict[str, Any] | None:
        """The ``feature_selection`` block of a run's details (None without one)."""
        return self.selection.summary() if self.selection is not None else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe state (no pickle), stored in ``bundle.json``."""
        return {
            "names_in": self.names_in,
            "selection": self.selection.to_dict() if self.selection else None,
            "mean": None if self.mean is None else self.mean.tolist(),
            "scale": None if self.scale is None else self.scale.tolist(),
        }

    @classmethod
    def from_dict(cls, state: Mapping[str, Any]) -> FeatureTransform:
        """Rebuild what ``to_dict`` wrote."""
        selection = None
        if state.get("selection"):
            from loom.training.selection import FeatureSelection

            selection = FeatureSelection.from_dict(state["selection"])

        def array(key: str) -> np.ndarray | None:
            value = state.get(key)
            return None if value is None else np.asarray(value, dtype=np.float64)

        return cls(
            names_in=list(state["names_in"]),
            selection=selection,
            mean=array("mean"),
            scale=array("scale"),
        )
