"""Matplotlib figures rendered off-screen to PNG bytes, shared by every report.

Run plots, model reports and the regression diagnostics all draw small static
charts in worker processes; one place owns the Agg set-up so they look alike
and none of them touches pyplot's global state (unsafe across threads).
"""

from __future__ import annotations

import io
from typing import Any

CHART_SIZE_IN = (5.0, 4.0)
CHART_DPI = 100


def new_figure(size: tuple[float, float] = CHART_SIZE_IN, dpi: int = CHART_DPI) -> Any:
    """A matplotlib ``Figure`` on its own Agg canvas (no pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, dpi=dpi)
    FigureCanvasAgg(figure)
    return figure


def png_bytes(figure: Any, *, tight: bool = True) -> bytes:
    """The figure as PNG; ``tight`` lays it out first so labels are not clipped."""
    buffer = io.BytesIO()
    if tight:
        figure.tight_layout()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
