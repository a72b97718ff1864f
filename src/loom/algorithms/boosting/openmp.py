"""Make idle OpenMP threads sleep instead of spin, before LightGBM/XGBoost load.

GNU OpenMP's default lets idle worker threads busy-wait for new work. With two
processes each running a 2-thread booster on a 2-core host (two Loom jobs, or
two pytest-xdist workers), the spinning threads starve each other: measured
here, ten small LightGBM fits went from 0.15 s to 15 s and ten XGBoost fits to
70 s; with ``OMP_WAIT_POLICY=PASSIVE`` they take under 1 s. The runtime reads the
variable once, when the library is loaded, so this must run before the first
``import lightgbm`` / ``import xgboost``; an explicit setting by the operator wins.
"""

from __future__ import annotations

import os


def prefer_passive_wait() -> None:
    """Default ``OMP_WAIT_POLICY`` to ``PASSIVE`` unless the operator set it."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
