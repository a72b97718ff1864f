"""A fitted pipeline replays the full run's SQL on raw JSON rows: same rows, same values."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import loom.pipelines.fitted as fitted_module
from loom.core.errors import InvalidInputError
from loom.pipelines import FittedPipeline, Pipeline, run_pipeline
from loom.pipelines.builder import Bucketize, Encode, Impute, Scale, Split

NUMERIC = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


def as_json_records(frame: pd.DataFrame) -> list[dict]:
    """Rows the way an HTTP client sends them (NaN → null)."""
    return json.loads(frame.to_json(orient="records", double_precision=15))


def assert_same_rows(online: list[dict], offline: pd.DataFrame) -> None:
    assert len(online) == len(offline)
    assert list(online[0]) == list(offline.columns)
    for got, want in zip(online, offline.to_dict(orient="records"), strict=True):
        assert got.keys() == want.keys()
        for key, value in want.items():
            if isinstance(value, float) and np.isnan(value):
                assert got[key] is None, key
            elif isinstance(value, float):
                assert got[key] == value, key  # same SQL, same state: bit-identical
            else:
                assert got[key] == value, key


def test_transform_records_equals_the_full_run_row_for_row(
    tmp_path: Path, sources: dict[str, Path], penguins_df: pd.DataFrame
) -> None:
    spec = (
        Pipeline("serve")
        .source("raw", dataset="penguins")
        .then("impute", Impute(strategy="median", columns=NUMERIC))
        .then("impute_sex", Impute(strategy="most_frequent", columns=["sex"]))
        .then("onehot", Encode(method="one_hot", columns=["island", "sex"]))
        .then("scale", Scale(method="standard", columns=NUMERIC))
        .spec()
    )
    result = run_pipeline(spec, sources=sources, workdir=tmp_path)
    offline = pd.read_parquet(result.output_path("scale"))
    fitted = FittedPipeline.from_run(spec, result, "scale")
    stored = json.loads(json.dumps(fitted.to_dict()))  # what the model bundle keeps
    restored = FittedPipeline.from_dict(stored)
    assert restored == fitted
    assert [n.id for n in restored.nodes] == [
        "raw",
        "impute",
        "impute_sex",
        "onehot",
        "scale",
    ]
    assert restored.input_schema[0] == {"name": "species", "type": "string"}
    online = restored.transform_records(as_json_records(penguins_df))
    assert_same_rows(online, offline)
    one = restored.transform_records(
        [{"island": "Dream", "bill_length_mm": None, "year": 2009}]
    )
    assert (
        one[0]["island_Dream"] == 1 and one[0]["sex_male"] == 1
    )  # imputed most frequent
    assert one[0]["bill_length_mm"] == pytest.approx(
        offline["bill_length_mm"][penguins_df.bill_length_mm.isna()].iloc[0]
    )


def test_split_passes_rows_through_and_fit_ports_are_not_followed(
    tmp_path: Path, sources: dict[str, Path]
) -> None:
    spec = (
        Pipeline("split")
        .source("raw", dataset="penguins")
        .then("split", Split(test_size=0.3, seed=5, stratify="species"))
        .add(
            "impute",
            Impute(strategy="mean", columns=NUMERIC),
            input="split.test",
            fit="split.train",
        )
        .then(
            "bucket",
            Bucketize(method="tree", columns=["flipper_length_mm"], target="species"),
            fit="split.train",
        )
        .then(
            "target",
            Encode(method="target", columns=["island"], target="body_mass_g"),
            fit="split.train",
        )
        .spec()
    )
    result = run_pipeline(spec, sources=sources, workdir=tmp_path)
    assert result.status == "succeeded"
    fitted = FittedPipeline.from_dict(
        FittedPipeline.from_run(spec, result, "target").to_dict()
    )
    assert all("fit" not in n.inputs for n in fitted.nodes)
    test_rows = pd.read_parquet(result.output_path("split.test"))
    online = fitted.transform_records(as_json_records(test_rows))
    assert_same_rows(online, pd.read_parquet(result.output_path("target")))


def test_transform_table_takes_arrow_and_names_bad_input(
    tmp_path: Path, sources: dict[str, Path], penguins_df: pd.DataFrame
) -> None:
    spec = (
        Pipeline("t")
        .source("raw", dataset="penguins")
        .then("scale", Scale(columns=["body_mass_g"]))
        .spec()
    )
    result = run_pipeline(spec, sources=sources, workdir=tmp_path)
    fitted = FittedPipeline.from_run(spec, result, "scale.output")
    table = pa.Table.from_pandas(penguins_df.head(10), preserve_index=False)
    out = fitted.transform_table(table)
    np.testing.assert_allclose(
        out.column("body_mass_g").to_numpy(),
        pd.read_parquet(result.output_path("scale"))["body_mass_g"][:10],
    )
    with pytest.raises(
        InvalidInputError, match="input rows do not fit the source schema"
    ):
        fitted.transform_records([{"body_mass_g": "heavy"}])
    with pytest.raises(InvalidInputError, match="newer than this Loom"):
        FittedPipeline.from_dict({**fitted.to_dict(), "format_version": 99})


def test_transform_table_reuses_an_emptied_connection_and_drops_a_failed_one(
    tmp_path: Path, sources: dict[str, Path], penguins_df: pd.DataFrame
) -> None:
    spec = (
        Pipeline("reuse")
        .source("raw", dataset="penguins")
        .then("impute", Impute(strategy="median", columns=NUMERIC))
        .then("onehot", Encode(method="one_hot", columns=["island"]))
        .spec()
    )
    result = run_pipeline(spec, sources=sources, workdir=tmp_path)
    fitted = FittedPipeline.from_run(spec, result, "onehot")
    table = pa.Table.from_pandas(penguins_df.head(20), preserve_index=False)
    first = fitted.transform_table(table)
    kept = fitted_module._SERVING.con
    assert kept is not None  # the thread's connection went back to its slot…
    assert kept.execute("SELECT count(*) FROM duckdb_tables()").fetchall() == [(0,)]
    assert fitted.transform_table(table).equals(first)
    assert fitted_module._SERVING.con is kept  # …and the next call reused it
    with pytest.raises(InvalidInputError, match="do not fit the source schema"):
        fitted.transform_records([{"body_mass_g": "heavy"}])
    assert fitted_module._SERVING.con is None  # a failed call's connection is closed
    assert fitted.transform_table(table).equals(first)  # …and a failure left no trace
    fresh = fitted_module._SERVING.con
    assert fresh is not None and fresh is not kept
    assert fitted.transform_table(table).equals(first)
    assert fitted_module._SERVING.con is fresh
