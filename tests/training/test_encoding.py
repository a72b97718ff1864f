"""TabularEncoder: frame and record paths agree; types, nulls and errors."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from loom.core.errors import InvalidInputError
from loom.training.encoding import TabularEncoder

IRIS_FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
MIXED_FEATURES = ["age", "sex", "bmi", "bp", "smoker"]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON would deliver them: NaN/None as null, NumPy as Python."""
    return json.loads(frame.to_json(orient="records"))


def test_encoder_records_equal_frame_on_iris(iris_df: pd.DataFrame) -> None:
    encoder = TabularEncoder().fit(iris_df, IRIS_FEATURES)
    by_frame = encoder.transform_frame(iris_df)
    by_records = encoder.transform_records(_records(iris_df[IRIS_FEATURES]))
    assert by_frame.dtype == np.float64
    np.testing.assert_array_equal(by_records, by_frame)


@pytest.mark.parametrize("impute", [True, False])
def test_encoder_records_equal_frame_with_strings_and_nulls(
    mixed_df: pd.DataFrame, impute: bool
) -> None:
    encoder = TabularEncoder(impute=impute).fit(mixed_df, MIXED_FEATURES)
    by_frame = encoder.transform_frame(mixed_df)
    by_records = encoder.transform_records(_records(mixed_df[MIXED_FEATURES]))
    np.testing.assert_array_equal(by_records, by_frame)
    assert np.isnan(by_frame).any() != impute


def test_encoder_one_hot_encodes_string_columns(mixed_df: pd.DataFrame) -> None:
    encoder = TabularEncoder().fit(mixed_df, ["sex", "age"])
    assert encoder.feature_names_out == ["sex=female", "sex=male", "age"]
    X = encoder.transform_records(
        [
            {"sex": "male", "age": 50},
            {"sex": "female", "age": 20.5},
            {"sex": None, "age": 30},
            {"sex": "unknown-category", "age": 30},
        ]
    )
    np.testing.assert_array_equal(X, [[0, 1, 50], [1, 0, 20.5], [0, 0, 30], [0, 0, 30]])


def test_encoder_imputes_training_median_or_keeps_nan(mixed_df: pd.DataFrame) -> None:
    median = float(mixed_df["bmi"].median())
    imputed = TabularEncoder(impute=True).fit(mixed_df, ["bmi"])
    kept = TabularEncoder(impute=False).fit(mixed_df, ["bmi"])
    assert imputed.transform_records([{"bmi": None}])[0, 0] == median
    assert math.isnan(kept.transform_records([{"bmi": None}])[0, 0])


def test_encoder_input_schema_reports_types(mixed_df: pd.DataFrame) -> None:
    schema = TabularEncoder().fit(mixed_df, MIXED_FEATURES).input_schema
    assert [(c["name"], c["type"]) for c in schema] == [
        ("age", "number"),
        ("sex", "string"),
        ("bmi", "number"),
        ("bp", "number"),
        ("smoker", "boolean"),
    ]
    assert all(c["nullable"] for c in schema)
    by_name = {c["name"]: c for c in schema}
    assert by_name["bmi"]["missing_in_training"] is True
    assert by_name["age"]["missing_in_training"] is False
    assert by_name["sex"]["categories"] == ["female", "male"]


def test_encoder_integer_and_bool_dtypes() -> None:
    frame = pd.DataFrame({"n": [1, 2, 3], "flag": [True, False, True]})
    encoder = TabularEncoder().fit(frame, ["n", "flag"])
    assert [c["type"] for c in encoder.input_schema] == ["integer", "boolean"]
    np.testing.assert_array_equal(
        encoder.transform_records([{"n": 7, "flag": False}]), [[7.0, 0.0]]
    )


def test_encoder_round_trips_through_json(mixed_df: pd.DataFrame) -> None:
    encoder = TabularEncoder(impute=False).fit(mixed_df, MIXED_FEATURES)
    restored = TabularEncoder.from_dict(json.loads(json.dumps(encoder.to_dict())))
    records = _records(mixed_df[MIXED_FEATURES].head(40))
    np.testing.assert_array_equal(
        restored.transform_records(records), encoder.transform_records(records)
    )
    assert restored.input_schema == encoder.input_schema


def test_encoder_caps_categories_to_most_frequent() -> None:
    frame = pd.DataFrame({"c": ["a"] * 5 + ["b"] * 3 + ["c"] * 2 + ["d"]})
    encoder = TabularEncoder(max_categories=2).fit(frame, ["c"])
    assert encoder.feature_names_out == ["c=a", "c=b"]
    np.testing.assert_array_equal(encoder.transform_records([{"c": "d"}]), [[0, 0]])


def test_transform_records_names_missing_column(iris_df: pd.DataFrame) -> None:
    encoder = TabularEncoder().fit(iris_df, IRIS_FEATURES)
    record = {"sepal_width": 3.0, "petal_length": 1.0, "petal_width": 0.2}
    with pytest.raises(InvalidInputError) as caught:
        encoder.transform_records([record])
    assert caught.value.message == "record 0: missing column 'sepal_length'"


def test_transform_records_names_mistyped_column(mixed_df: pd.DataFrame) -> None:
    encoder = TabularEncoder().fit(mixed_df, ["age", "sex"])
    good = {"age": 40, "sex": "male"}
    with pytest.raises(InvalidInputError) as caught:
        encoder.transform_records([good, good, good, {"age": "abc", "sex": "male"}])
    assert caught.value.message == "record 3: column 'age' expects a number; got 'abc'"


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"age": "40", "sex": "male"}, "column 'age' expects a number; got '40'"),
        ({"age": True, "sex": "male"}, "column 'age' expects a number; got True"),
        ({"age": 40, "sex": 1}, "column 'sex' expects a string; got 1"),
    ],
)
def test_transform_records_refuses_numbers_as_strings_and_other_types(
    mixed_df: pd.DataFrame, record: dict[str, Any], message: str
) -> None:
    encoder = TabularEncoder().fit(mixed_df, ["age", "sex"])
    with pytest.raises(InvalidInputError, match=message):
        encoder.transform_records([record])


def test_transform_records_boolean_column_expects_boolean(
    mixed_df: pd.DataFrame,
) -> None:
    encoder = TabularEncoder().fit(mixed_df, ["smoker"])
    with pytest.raises(
        InvalidInputError, match="'smoker' expects a boolean; got 'yes'"
    ):
        encoder.transform_records([{"smoker": "yes"}])


def test_transform_records_names_extra_columns(iris_df: pd.DataFrame) -> None:
    encoder = TabularEncoder().fit(iris_df, IRIS_FEATURES)
    record = {**_records(iris_df[IRIS_FEATURES].head(1))[0], "colour": "red", "id": 1}
    with pytest.raises(InvalidInputError) as caught:
        encoder.transform_records([record])
    assert caught.value.message.startswith("record 0: unknown columns 'colour', 'id'")


def test_transform_records_rejects_non_objects(iris_df: pd.DataFrame) -> None:
    encoder = TabularEncoder().fit(iris_df, IRIS_FEATURES)
    with pytest.raises(InvalidInputError, match="record 0: expected an object"):
        encoder.transform_records([[5.1, 3.5, 1.4, 0.2]])  # type: ignore[list-item]


def test_transform_frame_ignores_extra_and_names_missing(iris_df: pd.DataFrame) -> None:
    encoder = TabularEncoder().fit(iris_df, IRIS_FEATURES)
    assert encoder.transform_frame(iris_df).shape == (150, 4)  # species ignored
    with pytest.raises(InvalidInputError, match="missing column 'petal_width'"):
        encoder.transform_frame(iris_df.drop(columns="petal_width"))


def test_transform_frame_refuses_strings_for_numbers(iris_df: pd.DataFrame) -> None:
    encoder = TabularEncoder().fit(iris_df, IRIS_FEATURES)
    bad = iris_df.assign(sepal_length=iris_df["sepal_length"].astype(str))
    with pytest.raises(InvalidInputError, match="'sepal_length' expects a number"):
        encoder.transform_frame(bad)


def test_fit_rejects_unknown_and_unsupported_columns(iris_df: pd.DataFrame) -> None:
    with pytest.raises(InvalidInputError, match="unknown feature column 'height'"):
        TabularEncoder().fit(iris_df, ["height"])
    dated = iris_df.assign(when=pd.Timestamp("2024-01-01"))
    with pytest.raises(InvalidInputError, match="column 'when' has unsupported type"):
        TabularEncoder().fit(dated, ["when"])


def test_fit_and_transform_on_row_positions_equal_a_copied_subset(
    mixed_df: pd.DataFrame,
) -> None:
    # A holdout encodes its training share by position, without copying the
    # table first; the result must be exactly that of encoding the copy.
    rows = np.arange(0, len(mixed_df), 3)
    # An integer and a boolean column too: the gather must cast them.
    mixed_df = mixed_df.assign(
        visits=np.arange(len(mixed_df)) % 7, flag=np.arange(len(mixed_df)) % 2 == 0
    )
    features = [c for c in mixed_df.columns if c != "target"]
    for impute in (True, False):
        by_rows = TabularEncoder(impute=impute).fit(mixed_df, features, rows)
        copied = mixed_df.iloc[rows].reset_index(drop=True)
        plain = TabularEncoder(impute=impute).fit(copied, features)
        assert by_rows.to_dict() == plain.to_dict()
        np.testing.assert_array_equal(
            by_rows.transform_frame(mixed_df, rows), plain.transform_frame(copied)
        )
