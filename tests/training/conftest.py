"""Real datasets (scikit-learn's bundled ones) as DataFrames for training tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris


@pytest.fixture(scope="session")
def iris_df() -> pd.DataFrame:
    """Iris with the species as strings, as a user's CSV would have it."""
    data = load_iris(as_frame=True)
    frame = data.frame.drop(columns="target")
    frame.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    frame["species"] = np.asarray(data.target_names)[data.target]
    return frame


@pytest.fixture(scope="session")
def diabetes_df() -> pd.DataFrame:
    return load_diabetes(as_frame=True).frame


@pytest.fixture(scope="session")
def cancer_df() -> pd.DataFrame:
    return load_breast_cancer(as_frame=True).frame


@pytest.fixture(scope="session")
def mixed_df() -> pd.DataFrame:
    """Diabetes with a string column and missing values, like real exports.

    ``sex`` becomes "female"/"male", a third of ``bmi`` and every 10th ``sex`` go
    missing, and ``smoker`` is a nullable boolean derived from ``s5``.
    """
    frame = load_diabetes(as_frame=True, scaled=False).frame
    frame["sex"] = np.where(frame["sex"] == 1, "female", "male")
    frame.loc[frame.index % 10 == 0, "sex"] = None
    frame.loc[frame.index % 3 == 0, "bmi"] = np.nan
    smoker = (frame["s5"] > frame["s5"].median()).astype(object)
    smoker[frame.index % 7 == 0] = None
    frame["smoker"] = smoker
    return frame
