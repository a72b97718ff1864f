"""Feature importances of tree ensembles, as a sorted list and a bar chart.

Every tree ensemble in the catalog reports its importances the same way, so the
run page shows one shape whatever the library: ``[{feature, importance}]`` sorted
from most to least important, normalised to sum to 1, plus a PNG of the top 20.
"""

from __future__ import annotations

from typing import Any

import numpy as np

TOP_N = 20
_SIZE_IN = (6.0, 5.0)
_DPI = 100


def ranked(values: Any, feature_names: list[str]) -> list[dict[str, Any]]:
    """Importances paired with their encoded feature names, largest first.

    Values are normalised to sum to 1 (when their sum is positive) so gain,
    split counts and impurity decrease read on the same scale; ties keep the
    column order, which makes the list deterministic.
    """
    array = np.nan_to_num(np.asarray(values, dtype=np.float64).ravel())
    if len(array) != len(feature_names):
        raise ValueError(
            f"{len(array)} importances for {len(feature_names)} feature names"
        )
    total = float(array.sum())
    if total > 0:
        array = array / total
    order = sorted(range(len(array)), key=lambda i: -array[i])
    return [
        {"feature": feature_names[i], "importance": round(float(array[i]), 8)}
        for i in order
    ]


def bar_chart_png(rows: list[dict[str, Any]], title: str) -> bytes:
    """Horizontal bars for the top 20 rows of ``ranked``, the largest on top."""
    from loom.core.charts import new_figure, png_bytes

    top = rows[:TOP_N][::-1]
    figure = new_figure(_SIZE_IN, _DPI)
    axes = figure.add_subplot()
    axes.barh(
        [_short(row["feature"]) for row in top], [row["importance"] for row in top]
    )
    axes.tick_params(axis="y", labelsize="small")
    axes.set(xlabel="Share of total importance", title=title)
    return png_bytes(figure)


def _short(name: str, limit: int = 40) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def importance_report(
    named_values: dict[str, Any], feature_names: list[str]
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Report entries and one chart per kind of importance (e.g. gain, split).

    Args:
        named_values: kind of importance → one value per encoded feature; the
            first kind is also stored as ``feature_importances`` (the headline).
        feature_names: the encoded column names the estimator was fitted on.
    """
    report: dict[str, Any] = {}
    plots: dict[str, bytes] = {}
    for number, (kind, values) in enumerate(named_values.items()):
        rows = ranked(values, feature_names)
        key = "feature_importances" if number == 0 else f"feature_importances_{kind}"
        report[key] = rows
        name = "feature_importances.png" if number == 0 else f"{key}.png"
        plots[name] = bar_chart_png(rows, f"Feature importance ({kind}), top {TOP_N}")
    report["importance_kinds"] = list(named_values)
    return report, plots


class ImpurityImportanceReport:
    """Mixin for scikit-learn ensembles: report ``feature_importances_``.

    scikit-learn's importance is the mean decrease in impurity (weighted by the
    rows reaching each split), averaged over the trees; it is computed on the
    training rows, so it can favour high-cardinality features.
    """

    importance_kind: str = "impurity"

    def report(
        self, estimator: Any, X: Any, y: Any, feature_names: list[str]
    ) -> tuple[dict[str, Any], dict[str, bytes]]:
        """Feature importances of the stored model, sorted, with a bar chart."""
        return importance_report(
            {self.importance_kind: estimator.feature_importances_}, feature_names
        )
