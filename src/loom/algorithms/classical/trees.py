"""CART decision trees for classification and regression (scikit-learn)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.importances import ranked
from loom.algorithms.registry import register

_MAX_TEXT_DEPTH = 6  # deeper levels are elided in the text
_MAX_DRAW_DEPTH = 3  # plot_tree is slow and unreadable beyond ~15 boxes
_MAX_PATH_POINTS = 200


class _CartParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_depth: int | None = Field(
        None, ge=1, le=200, description="Maximum tree depth; none grows until pure."
    )
    min_samples_split: int = Field(
        2, ge=2, le=10_000, description="Minimum rows needed to split a node."
    )
    min_samples_leaf: int = Field(
        1, ge=1, le=10_000, description="Minimum rows in each leaf (pre-pruning)."
    )
    max_leaf_nodes: int | None = Field(
        None, ge=2, le=100_000, description="Grow best-first up to this many leaves."
    )
    ccp_alpha: float = Field(
        0.0,
        ge=0.0,
        le=1e6,
        description=(
            "Cost-complexity post-pruning strength: subtrees whose impurity gain per "
            "extra leaf is below alpha are collapsed (0 = no pruning)."
        ),
    )


class CartClassifierParams(_CartParams):
    """Parameters of ``cart_classifier``."""

    criterion: Literal["gini", "entropy"] = Field(
        "gini", description="Split impurity: Gini index or entropy (information gain)."
    )


class CartRegressorParams(_CartParams):
    """Parameters of ``cart_regressor``."""

    criterion: Literal["squared_error", "absolute_error"] = Field(
        "squared_error",
        description="Split loss: squared error (mean leaves) or absolute (median).",
    )


def _tree_kwargs(params: _CartParams, seed: int) -> dict[str, Any]:
    return {**params.model_dump(), "random_state": seed}


def _tree_png(estimator: Any, feature_names: list[str], classes: Any) -> bytes:
    from sklearn.tree import plot_tree

    from loom.core.charts import new_figure, png_bytes

    depth = min(int(estimator.get_depth()), _MAX_DRAW_DEPTH)
    figure = new_figure((max(6.0, 3.0 * depth + 2), max(4.0, 1.2 * depth + 2)))
    plot_tree(
        estimator,
        max_depth=_MAX_DRAW_DEPTH,
        feature_names=feature_names,
        class_names=classes,
        filled=True,
        impurity=False,
        fontsize=6,
        ax=figure.add_subplot(),
    )
    return png_bytes(figure, tight=False)


def _pruning_path(estimator: Any, X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Effective alphas vs total leaf impurity, refitted on the same rows."""
    path = estimator.cost_complexity_pruning_path(X, y)
    alphas, impurities = path.ccp_alphas, path.impurities
    keep = np.unique(np.linspace(0, len(alphas) - 1, _MAX_PATH_POINTS).astype(int))
    return {
        "ccp_alphas": [float(a) for a in alphas[keep]],
        "impurities": [float(i) for i in impurities[keep]],
    }


class _CartAlgorithm(Algorithm):
    """Build plus the report shared by the CART classifier and regressor."""

    def bind_labels(self, estimator: Any, labels: list[str]) -> None:
        """Kept on the estimator (and in its joblib file) for the tree's text."""
        estimator.loom_class_names = list(labels)

    def report(
        self, estimator: Any, X: Any, y: Any, feature_names: list[str]
    ) -> tuple[dict[str, Any], dict[str, bytes]]:
        """Tree as text and image, feature importances and the pruning path."""
        from sklearn.tree import export_text

        names = list(feature_names)
        classes = None
        if self.task == Task.CLASSIFICATION:
            labels = getattr(estimator, "loom_class_names", None)
            classes = [
                labels[int(c)] if labels is not None else str(c)
                for c in estimator.classes_
            ]
        report = {
            "tree_text": export_text(
                estimator,
                feature_names=names,
                class_names=classes,
                max_depth=_MAX_TEXT_DEPTH,
            ),
            "depth": int(estimator.get_depth()),
            "n_leaves": int(estimator.get_n_leaves()),
            # The same ranked shape every tree ensemble reports.
            "feature_importances": ranked(estimator.feature_importances_, names),
            "pruning_path": _pruning_path(estimator, np.asarray(X), np.asarray(y)),
        }
        return report, {"tree.png": _tree_png(estimator, names, classes)}


@register
class CartClassifierAlgorithm(_CartAlgorithm):
    """One CART tree choosing binary splits by Gini or entropy."""

    name: ClassVar[str] = "cart_classifier"
    task: ClassVar[Task] = Task.CLASSIFICATION
    summary: ClassVar[str] = (
        "CART decision tree classifier (Gini/entropy) with cost-complexity pruning."
    )
    Params: ClassVar[type[BaseModel]] = CartClassifierParams

    def build(self, params: BaseModel, seed: int) -> Any:
        """Return an unfitted ``DecisionTreeClassifier``."""
        from sklearn.tree import DecisionTreeClassifier

        assert isinstance(params, CartClassifierParams)
        return DecisionTreeClassifier(**_tree_kwargs(params, seed))


@register
class CartRegressorAlgorithm(_CartAlgorithm):
    """One CART tree choosing binary splits by squared or absolute error."""

    name: ClassVar[str] = "cart_regressor"
    task: ClassVar[Task] = Task.REGRESSION
    summary: ClassVar[str] = (
        "CART decision tree regressor with cost-complexity pruning."
    )
    Params: ClassVar[type[BaseModel]] = CartRegressorParams

    def build(self, params: BaseModel, seed: int) -> Any:
        """Return an unfitted ``DecisionTreeRegressor``."""
        from sklearn.tree import DecisionTreeRegressor

        assert isinstance(params, CartRegressorParams)
        return DecisionTreeRegressor(**_tree_kwargs(params, seed))
