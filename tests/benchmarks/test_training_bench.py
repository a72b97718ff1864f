"""Smoke run of ``benchmarks/training.py``: the in-process paths run, the page is written.

Timings are not asserted (they depend on the machine); the point is that the
script keeps working as the training code changes underneath it. The server
path is left to the full run (starting ``loom server`` and a worker would make
this the slowest test in the suite).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType


def test_training_bench_main_writes_results_table(
    tmp_path: Path, bench: Callable[[str], ModuleType]
) -> None:
    training = bench("training")
    argv = ["--rows", "2000", "--features", "25", "--repeats", "1", "--no-job"]
    path = training.main([*argv, "--output", str(tmp_path)])

    text = path.read_text()
    assert path == tmp_path / "training.md"
    for row in ("direct (Loom's params)", "direct (LightGBM defaults)", "loom train()"):
        assert f"| {row} |" in text
    assert "loom job (server)" not in text
    assert "Target (loom train() median <= 1.10 x direct)" in text
    assert "| step (ended by) | s |" in text
    assert "| Loom function | calls | cumulative s |" in text
