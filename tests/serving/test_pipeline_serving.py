"""A model trained on a pipeline's output scores raw rows with the pipeline in front."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from loom.core.errors import InvalidInputError
from loom.pipelines import FittedPipeline, PipelineSpec, run_pipeline
from loom.serving.jobs import input_is_preprocessed
from loom.training.bundle import ModelBundle, check_servable
from loom.training.fitting import TrainingSpec, train

TARGET = "body_mass_g"
NUMERIC = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm"]
CATEGORICAL = ["species", "island", "sex"]


@pytest.fixture(scope="module")
def penguins() -> pd.DataFrame:
    """palmerpenguins with a row id: real nulls in numbers, strings and the target."""
    from palmerpenguins import load_penguins

    frame = load_penguins()
    frame.insert(0, "row_id", np.arange(len(frame), dtype=np.int64))
    return frame


@pytest.fixture(scope="module")
def sources(
    tmp_path_factory: pytest.TempPathFactory, penguins: pd.DataFrame
) -> dict[str, Path]:
    path = tmp_path_factory.mktemp("serving-data") / "penguins.parquet"
    penguins.to_parquet(path, index=False)
    return {"penguins": path}


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, sources: dict[str, Path]
) -> tuple[ModelBundle, pd.DataFrame, pd.DataFrame, Path]:
    """The default pipeline's bundle (reloaded), train rows, all rows, model dir."""
    tmp_path = tmp_path_factory.mktemp("served")
    fitted, train_rows, offline = _fit(tmp_path, sources, _spec())
    bundle = _bundle(tmp_path, fitted, train_rows)
    assert bundle.preprocess == fitted
    return bundle, train_rows, offline, tmp_path / "model"


def _spec(*extra: dict[str, Any], encode: dict[str, Any] | None = None) -> PipelineSpec:
    """source → impute → encode → scale → [extra…] → split."""
    nodes: list[dict[str, Any]] = [
        {"id": "raw", "op": "source", "params": {"dataset": "penguins"}},
        {
            "id": "imp",
            "op": "impute",
            "params": {"strategy": "median", "columns": NUMERIC},
        },
        {"id": "enc", "op": "encode", "params": encode or {"columns": CATEGORICAL}},
        {"id": "sc", "op": "scale", "params": {"columns": NUMERIC}},
        *extra,
    ]
    for before, node in itertools.pairwise(nodes):
        node["inputs"] = {"input": before["id"]}
    last = nodes[-1]["id"]
    split = {"test_size": 0.25, "seed": 1}
    nodes.append(
        {"id": "split", "op": "split", "params": split, "inputs": {"input": last}}
    )
    return PipelineSpec.model_validate({"name": "prep", "nodes": nodes})


def _fit(
    tmp_path: Path, sources: dict[str, Path], spec: PipelineSpec
) -> tuple[FittedPipeline, pd.DataFrame, pd.DataFrame]:
    """Full run → (fitted pipeline of split.train, train rows, all rows by row_id)."""
    result = run_pipeline(spec, sources=sources, workdir=tmp_path / "run")
    assert result.status == "succeeded", result.failed
    train_rows = pd.read_parquet(result.output_path("split.train"))
    test_rows = pd.read_parquet(result.output_path("split.test"))
    offline = pd.concat([train_rows, test_rows]).sort_values("row_id")
    fitted = FittedPipeline.from_run(spec, result, "split.train")
    return fitted, train_rows, offline.reset_index(drop=True)


def _bundle(
    tmp_path: Path, fitted: FittedPipeline, train_rows: pd.DataFrame
) -> ModelBundle:
    """Train a small forest on the pipeline output, attach, save and reload."""
    features = [c for c in train_rows.columns if c not in (TARGET, "row_id")]
    spec = TrainingSpec(
        algorithm="random_forest_regressor",
        params={"n_estimators": 20},
        target=TARGET,
        features=features,
    )
    bundle = train(train_rows, spec).bundle
    check_servable(fitted, TARGET)
    bundle.attach_preprocess(fitted)
    bundle.save(tmp_path / "model")
    return ModelBundle.load(tmp_path / "model")


def _raw_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as an HTTP client sends them: NaN → null, no target."""
    return _json_rows(frame.drop(columns=[TARGET]))


def _json_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A JSON round trip that keeps every float exactly (``repr`` digits)."""
    rows = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    return json.loads(json.dumps(rows, default=lambda v: v.item()))


def _offline(bundle: ModelBundle, offline: pd.DataFrame) -> list[float]:
    X = bundle.encoder.transform_frame(offline)
    return [float(v) for v in bundle.estimator.predict(X)]


def test_predict_records_on_raw_rows_equals_offline_pipeline_then_model(
    served: tuple[ModelBundle, pd.DataFrame, pd.DataFrame, Path],
    penguins: pd.DataFrame,
) -> None:
    bundle, _, offline, _ = served
    online = bundle.predict_records(_raw_records(penguins))["predictions"]
    assert online == _offline(bundle, offline)  # row for row, bit for bit
    batch, _ = bundle.predict_frame(penguins)  # the target column is ignored
    assert batch == online
    features, _ = bundle.predict_frame(offline, preprocessed=True)
    assert features == online


def test_input_schema_is_the_raw_source_without_the_target(
    served: tuple[ModelBundle, pd.DataFrame, pd.DataFrame, Path],
    penguins: pd.DataFrame,
) -> None:
    bundle, _, _, model_dir = served
    schema = {c["name"]: c for c in bundle.input_schema}
    assert list(schema) == [c for c in penguins.columns if c != TARGET]
    assert schema["bill_length_mm"] == {
        "name": "bill_length_mm",
        "type": "number",
        "nullable": True,
    }
    assert schema["species"]["categories"] == ["Adelie", "Chinstrap", "Gentoo"]
    saved = json.loads((model_dir / "bundle.json").read_text())
    assert saved["input_schema"] == bundle.input_schema
    assert saved["preprocess"]["output"] == "split.train"
    assert saved["format_version"] == 2  # older Loom refuses it, never misreads it


def test_predict_records_ignores_a_sent_target_and_fills_absent_columns(
    served: tuple[ModelBundle, pd.DataFrame, pd.DataFrame, Path],
    penguins: pd.DataFrame,
) -> None:
    bundle = served[0]
    rows = penguins.head(5)
    without = bundle.predict_records(_raw_records(rows))["predictions"]
    with_target = _json_rows(rows)
    assert bundle.predict_records(with_target)["predictions"] == without
    sparse = [{"species": "Gentoo"}, {}]  # absent columns are null, as in batch
    assert len(bundle.predict_records(sparse)["predictions"]) == 2


def test_predict_records_refuses_unknown_columns_and_mistyped_values(
    served: tuple[ModelBundle, pd.DataFrame, pd.DataFrame, Path],
) -> None:
    bundle = served[0]
    with pytest.raises(InvalidInputError, match="record 1: unknown column 'speces'"):
        bundle.predict_records([{"species": "Adelie"}, {"speces": "Adelie"}])
    with pytest.raises(InvalidInputError, match="source schema"):
        bundle.predict_records([{"bill_length_mm": "long"}])


def test_target_encoding_serves_without_the_target(
    tmp_path: Path, sources: dict[str, Path], penguins: pd.DataFrame
) -> None:
    encode = {"method": "target", "columns": ["island", "species"], "target": TARGET}
    fitted, train_rows, offline = _fit(tmp_path, sources, _spec(encode=encode))
    bundle = _bundle(tmp_path, fitted, train_rows)
    online = bundle.predict_records(_raw_records(penguins))["predictions"]
    assert online == _offline(bundle, offline)


def test_check_servable_refuses_a_filter_node_by_name(
    tmp_path: Path, sources: dict[str, Path]
) -> None:
    keep = {"id": "f", "op": "filter", "params": {"condition": "bill_depth_mm > 0"}}
    fitted, _, _ = _fit(tmp_path, sources, _spec(keep))
    with pytest.raises(InvalidInputError) as error:
        check_servable(fitted, TARGET)
    assert error.value.message == (
        "node 'f' (filter) changes the row count; a served model needs "
        "row-preserving steps"
    )


def test_check_servable_catches_a_sql_node_that_drops_rows(
    tmp_path: Path, sources: dict[str, Path]
) -> None:
    query = 'SELECT * FROM input WHERE "year" IS NOT NULL'
    drop = {"id": "q", "op": "sql", "params": {"query": query}}
    fitted, _, _ = _fit(tmp_path, sources, _spec(drop))
    with pytest.raises(InvalidInputError, match=r"check node 'q' \(sql\)"):
        check_servable(fitted, TARGET)


def test_bundle_without_pipeline_loads_and_scores_as_before(tmp_path: Path) -> None:
    from sklearn.datasets import load_diabetes

    frame = load_diabetes(as_frame=True).frame
    spec = TrainingSpec(algorithm="linear_regression", params={}, target="target")
    bundle = train(frame, spec).bundle
    bundle.save(tmp_path / "m")
    path = tmp_path / "m" / "bundle.json"
    meta = json.loads(path.read_text())
    del meta["preprocess"]  # a bundle written before pipelines existed
    path.write_text(json.dumps(meta))
    loaded = ModelBundle.load(tmp_path / "m")
    assert loaded.preprocess is None and meta["format_version"] == 1
    assert loaded.input_schema == bundle.input_schema
    records = frame.drop(columns="target").head(3).to_dict(orient="records")
    assert (
        loaded.predict_records(records)["predictions"]
        == bundle.predict_records(records)["predictions"]
    )


def test_batch_input_rule_lineage_then_raw_then_features(
    served: tuple[ModelBundle, pd.DataFrame, pd.DataFrame, Path],
    penguins: pd.DataFrame,
) -> None:
    bundle, train_rows, _, _ = served
    lineage = {"kind": "pipeline", "pipeline": "prep", "output": "split.test"}
    raw, features = list(penguins.columns), list(train_rows.columns)
    assert input_is_preprocessed(bundle, raw, lineage)[0] is True
    assert input_is_preprocessed(bundle, raw, {"kind": "file"})[0] is False
    other = {**lineage, "pipeline": "other"}
    assert input_is_preprocessed(bundle, features, other)[0] is True
    with pytest.raises(InvalidInputError, match=r"missing 'row_id'.*missing"):
        input_is_preprocessed(bundle, ["species"], {})


def test_resample_and_split_pass_request_rows_through(
    tmp_path: Path, sources: dict[str, Path], penguins: pd.DataFrame
) -> None:
    over = {"id": "rs", "op": "resample", "params": {"target": "year"}}
    fitted, train_rows, _ = _fit(tmp_path, sources, _spec(over))
    assert train_rows["row_id"].duplicated().any()  # training rows were resampled
    bundle = _bundle(tmp_path, fitted, train_rows)  # check_servable passes
    online = bundle.predict_records(_raw_records(penguins))["predictions"]
    assert len(online) == len(penguins)
