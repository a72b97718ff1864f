"""Real data sets written to Parquet once per session: penguins, iris, diabetes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def penguins_df() -> pd.DataFrame:
    """palmerpenguins: real missing values, string and integer columns."""
    from palmerpenguins import load_penguins

    return load_penguins()


@pytest.fixture(scope="session")
def penguins_path(
    tmp_path_factory: pytest.TempPathFactory, penguins_df: pd.DataFrame
) -> Path:
    """The penguins table as Parquet."""
    path = tmp_path_factory.mktemp("data") / "penguins.parquet"
    penguins_df.to_parquet(path, index=False)
    return path


@pytest.fixture(scope="session")
def iris_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """scikit-learn's iris with a string species column."""
    from sklearn.datasets import load_iris

    bunch = load_iris(as_frame=True)
    frame = bunch.frame.rename(
        columns=lambda c: c.replace(" (cm)", "").replace(" ", "_")
    )
    frame["species"] = [str(bunch.target_names[t]) for t in frame.pop("target")]
    path = tmp_path_factory.mktemp("data") / "iris.parquet"
    frame.to_parquet(path, index=False)
    return path


@pytest.fixture
def sources(penguins_path: Path) -> dict[str, Path]:
    """The ``sources`` mapping most tests pass to ``run_pipeline``."""
    return {"penguins": penguins_path}
