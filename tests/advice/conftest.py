"""Real tables for the advice tests (scikit-learn and statsmodels bundled data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine


@pytest.fixture(scope="session")
def wine_df() -> pd.DataFrame:
    """Wine with the cultivar as a string, raw units (proline in the hundreds)."""
    frame = load_wine(as_frame=True).frame
    frame["target"] = "cultivar_" + frame["target"].astype(str)
    return frame


@pytest.fixture(scope="session")
def cancer_df() -> pd.DataFrame:
    """Breast cancer with the diagnosis spelled out: 212 malignant, 357 benign."""
    data = load_breast_cancer(as_frame=True)
    frame = data.frame.drop(columns="target")
    frame["diagnosis"] = np.asarray(data.target_names)[data.target]
    return frame


@pytest.fixture(scope="session")
def diabetes_df() -> pd.DataFrame:
    """Diabetes progression in raw units (age in years, bmi, blood serum)."""
    return load_diabetes(as_frame=True, scaled=False).frame


@pytest.fixture(scope="session")
def iris_df() -> pd.DataFrame:
    data = load_iris(as_frame=True)
    frame = data.frame.drop(columns="target")
    frame["species"] = np.asarray(data.target_names)[data.target]
    return frame
