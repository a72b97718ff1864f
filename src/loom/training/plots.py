"""Small PNG charts for a run (ROC, confusion matrix, residuals, clusters).

Figures are built with the object-oriented API on an Agg canvas, never through
``pyplot``: pyplot keeps global state and picks a GUI backend, neither of which
belongs in a worker process that may draw from several threads.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_SIZE_IN = (5.0, 4.0)
_DPI = 100
_MAX_SCATTER = 2000


def _figure() -> tuple[Figure, Axes]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=_SIZE_IN, dpi=_DPI)
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def roc_curve_png(curves: list[dict[str, Any]]) -> bytes:
    """ROC curves (from ``evaluation.roc_points``) against the chance diagonal."""
    figure, axes = _figure()
    for curve in curves:
        axes.plot(
            curve["fpr"],
            curve["tpr"],
            label=f"{curve['label']} (AUC {curve['auc']:.3f})",
        )
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1)
    axes.set(xlabel="False positive rate", ylabel="True positive rate", title="ROC")
    if curves:
        axes.legend(loc="lower right", fontsize="small")
    return _png(figure)


def confusion_matrix_png(matrix: list[list[int]], labels: list[Any]) -> bytes:
    """Confusion matrix heat map with counts in each cell."""
    figure, axes = _figure()
    values = np.asarray(matrix)
    axes.imshow(values, cmap="Blues")
    ticks = range(len(labels))
    names = [str(label) for label in labels]
    axes.set_xticks(ticks, names, rotation=45, ha="right", fontsize="small")
    axes.set_yticks(ticks, names, fontsize="small")
    if len(labels) <= 20:
        threshold = values.max() / 2 if values.size else 0
        for (row, col), count in np.ndenumerate(values):
            colour = "white" if count > threshold else "black"
            axes.text(col, row, str(count), ha="center", va="center", color=colour)
    axes.set(xlabel="Predicted", ylabel="True", title="Confusion matrix")
    return _png(figure)


def residuals_png(fitted: list[float], residual: list[float]) -> bytes:
    """Residual against fitted value; structure here means the model missed some."""
    figure, axes = _figure()
    axes.scatter(fitted, residual, s=8, alpha=0.6)
    axes.axhline(0.0, color="grey", linestyle="--", linewidth=1)
    axes.set(
        xlabel="Fitted value", ylabel="Residual (true - fitted)", title="Residuals"
    )
    return _png(figure)


def clusters_png(X: np.ndarray, clusters: np.ndarray, seed: int) -> bytes:
    """Rows projected on their first two principal components, coloured by cluster."""
    from sklearn.decomposition import PCA

    rng = np.random.default_rng(seed)
    index = np.arange(len(X))
    if len(X) > _MAX_SCATTER:
        index = np.sort(rng.choice(len(X), _MAX_SCATTER, replace=False))
    points = X[index]
    if points.shape[1] >= 2:
        points = PCA(n_components=2, random_state=seed).fit_transform(points)
    else:
        points = np.column_stack([points[:, 0], np.zeros(len(points))])
    figure, axes = _figure()
    axes.scatter(points[:, 0], points[:, 1], c=clusters[index], s=8, cmap="tab10")
    axes.set(xlabel="PC 1", ylabel="PC 2", title="Clusters (PCA projection)")
    return _png(figure)
