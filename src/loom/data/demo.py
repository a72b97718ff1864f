"""Demo data written on first start, so a new user has something to import at once.

The files come from scikit-learn's bundled datasets (no download needed):
``iris.csv`` (classification, target ``species``), ``diabetes.csv`` (regression,
target ``progression``) and ``wine.csv`` (classification, target ``cultivar``).
"""

from __future__ import annotations

from pathlib import Path


def write_demo_files(data_dir: Path) -> list[Path]:
    """Write the demo CSVs into ``data_dir`` (skipping files that exist)."""
    from sklearn import datasets

    data_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    iris = datasets.load_iris(as_frame=True)
    frame = iris.frame.rename(
        columns=lambda c: c.replace(" (cm)", "").replace(" ", "_")
    )
    frame["species"] = [iris.target_names[t] for t in frame.pop("target")]
    written += _write(frame, data_dir / "iris.csv")
    diabetes = datasets.load_diabetes(as_frame=True, scaled=False)
    written += _write(
        diabetes.frame.rename(columns={"target": "progression"}),
        data_dir / "diabetes.csv",
    )
    wine = datasets.load_wine(as_frame=True)
    frame = wine.frame.rename(columns=lambda c: c.replace("/", "_"))
    frame["cultivar"] = [f"cultivar_{t}" for t in frame.pop("target")]
    written += _write(frame, data_dir / "wine.csv")
    return written


def _write(frame: object, path: Path) -> list[Path]:
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    if path.exists():
        return []
    tmp = path.with_suffix(".tmp")
    frame.to_csv(tmp, index=False)
    tmp.replace(path)
    return [path]
