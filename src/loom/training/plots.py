"""Small PNG charts for a run: ROC, PR, calibration, confusion, residuals, curves.

Figures are built with the object-oriented API on an Agg canvas, never through
``pyplot``: pyplot keeps global state and picks a GUI backend, neither of which
belongs in a worker process that may draw from several threads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from loom.core.charts import new_figure, png_bytes

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_SIZE_IN = (5.0, 4.0)
_DPI = 100
_MAX_SCATTER = 2000
# Beyond this many curves a legend hides the plot; the run page lists the values.
_MAX_LEGEND = 12
# A validation curve gets a log x axis when its positive values span this ratio.
_LOG_SPAN = 100.0
_Corner = Literal["lower right", "lower left", "upper left"]


def _figure() -> tuple[Figure, Axes]:
    figure = new_figure(_SIZE_IN, _DPI)
    return figure, figure.add_subplot()


def _png(figure: Figure) -> bytes:
    return png_bytes(figure)


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
    _legend(axes, len(curves), "lower right")
    return _png(figure)


def _legend(axes: Axes, n_entries: int, loc: _Corner) -> None:
    # A curve can have no drawable points (a class absent from every fold):
    # then nothing carries a label and matplotlib would warn about the legend.
    handles, _ = axes.get_legend_handles_labels()
    if handles and 0 < n_entries <= _MAX_LEGEND:
        axes.legend(loc=loc, fontsize="small")


def pr_curve_png(curves: list[dict[str, Any]]) -> bytes:
    """Precision against recall (from ``evaluation.pr_points``), one line per class."""
    figure, axes = _figure()
    for curve in curves:
        axes.step(
            curve["recall"],
            curve["precision"],
            where="post",
            label=f"{curve['label']} (AP {curve['average_precision']:.3f})",
        )
    axes.set(
        xlabel="Recall",
        ylabel="Precision",
        title="Precision-recall",
        xlim=(0.0, 1.0),
        ylim=(0.0, 1.05),
    )
    _legend(axes, len(curves), "lower left")
    return _png(figure)


def calibration_png(curves: list[dict[str, Any]]) -> bytes:
    """Observed frequency against mean predicted probability, with the diagonal.

    Points below the diagonal mean over-confident probabilities, above it
    under-confident ones.
    """
    figure, axes = _figure()
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1)
    for curve in curves:
        axes.plot(
            curve["mean_predicted"],
            curve["fraction_positive"],
            marker="o",
            markersize=3,
            label=f"{curve['label']} (Brier {curve['brier']:.3f})",
        )
    axes.set(
        xlabel="Mean predicted probability",
        ylabel="Fraction of positives",
        title="Calibration",
        xlim=(0.0, 1.0),
        ylim=(0.0, 1.0),
    )
    _legend(axes, len(curves), "upper left")
    return _png(figure)


def _mean_std_lines(axes: Axes, x: Any, data: dict[str, Any]) -> None:
    """Training and validation means with a ±1 std band around each."""
    for prefix, name in (("train", "Training"), ("test", "Validation")):
        mean = np.asarray(data[f"{prefix}_mean"], dtype=np.float64)
        std = np.asarray(data[f"{prefix}_std"], dtype=np.float64)
        (line,) = axes.plot(x, mean, marker="o", markersize=3, label=name)
        axes.fill_between(x, mean - std, mean + std, alpha=0.2, color=line.get_color())


def learning_curve_png(data: dict[str, Any]) -> bytes:
    """Score against training-set size; a gap that stays open means high variance."""
    figure, axes = _figure()
    _mean_std_lines(axes, np.asarray(data["train_sizes"], dtype=np.float64), data)
    axes.set(xlabel="Training rows", ylabel=str(data["metric"]), title="Learning curve")
    axes.legend(loc="best", fontsize="small")
    return _png(figure)


def validation_axis(values: list[Any]) -> Literal["category", "log", "linear"]:
    """How a validation curve lays out its parameter values on the x axis.

    Non-numeric values (strings, None, booleans) become evenly spaced
    categories; positive numbers spanning two decades or more get a log axis,
    as regularization strengths and learning rates usually do.
    """
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return "category"
    x = np.asarray(values, dtype=np.float64)
    if len(x) and x.min() > 0 and x.max() / x.min() >= _LOG_SPAN:
        return "log"
    return "linear"


def validation_curve_png(data: dict[str, Any]) -> bytes:
    """Score against one parameter's values; its peak is the best-fitting value.

    The x axis follows ``validation_axis``.
    """
    values = list(data["values"])
    figure, axes = _figure()
    scale = validation_axis(values)
    if scale == "category":
        _mean_std_lines(axes, np.arange(len(values)), data)
        axes.set_xticks(
            range(len(values)), [str(v) for v in values], rotation=45, ha="right"
        )
    else:
        _mean_std_lines(axes, np.asarray(values, dtype=np.float64), data)
        axes.set_xscale(scale)
    axes.set(
        xlabel=str(data["param"]), ylabel=str(data["metric"]), title="Validation curve"
    )
    axes.legend(loc="best", fontsize="small")
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
