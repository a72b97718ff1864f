"""Smoke run of ``benchmarks/pipelines.py`` at 20,000 rows: both paths run, agree, report.

Timings are not asserted (they depend on the machine); the point is that the
script keeps working, and keeps comparing the same work, as the engine changes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest


def test_pipelines_bench_main_writes_results_table(
    tmp_path: Path, bench: Callable[[str], ModuleType]
) -> None:
    pipelines = bench("pipelines")
    argv = ["--rows", "20000", "--repeats", "1", "--output", str(tmp_path)]
    path = pipelines.main([*argv, "--data", str(tmp_path / "bench.parquet")])

    assert path == tmp_path / "pipelines.md"
    text = path.read_text()
    for row in ("loom run_pipeline", "pandas + scikit-learn"):
        assert f"| {row} | 1 |" in text
    assert "Target speed (pandas median / loom median >= 3)" in text
    assert "Target memory (loom peak / pandas peak <= 0.5)" in text
    assert "20,000 rows x 20 columns" in text
    assert "Round 1 outputs: 1,000 vs 1,000 groups" in text
    assert "| node | s |" in text
    assert "| ColumnTransformer.fit_transform |" in text


def test_pipelines_bench_data_has_the_promised_shape(
    tmp_path: Path, bench: Callable[[str], ModuleType]
) -> None:
    import pyarrow.parquet as pq

    pipelines = bench("pipelines")
    path = tmp_path / "bench.parquet"
    pipelines.write_data(path, 30_000)

    df = pq.read_table(path).to_pandas()
    assert df.shape == (30_000, 20)
    assert df["x00"].isna().mean() == pytest.approx(0.05, abs=0.01)
    assert df["c_channel"].notna().all()
    assert df["c_channel"].nunique() == 5
    assert df["c_region"].nunique() == 50
    assert 500 < df["c_product"].nunique() <= 1000
    assert df["g"].nunique() == 1000


def test_pipelines_bench_compare_flags_different_work(
    tmp_path: Path, bench: Callable[[str], ModuleType]
) -> None:
    import pandas as pd

    report = bench("pipelines_report")
    a = pd.DataFrame({"g": [0, 1], "m": [1.0, 2.0], "n": [3, 4]})
    b = a.assign(m=[1.0, 2.0 * (1 + 1e-5)])
    a.to_parquet(tmp_path / "a.parquet")
    b.to_parquet(tmp_path / "b.parquet")

    paths = [str(tmp_path / "a.parquet"), str(tmp_path / "b.parquet")]
    same = report.compare([paths[0], paths[0]], "g", ["m", "n"])
    differs = report.compare(paths, "g", ["m", "n"])

    assert same["ok"] and same["worst_rel"] == 0.0
    assert not differs["ok"]
    assert differs["worst_column"] == "m"
    assert "m differs by 1.00e-05 relative" in differs["problems"]
