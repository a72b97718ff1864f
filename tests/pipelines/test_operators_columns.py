"""Column and row operators against pandas on the same penguins data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.pipelines.helpers import run_nodes, run_op


def test_select_drop_rename_cast_match_pandas(
    tmp_path: Path, sources: dict[str, Path], penguins_df: pd.DataFrame
) -> None:
    result = run_nodes(
        tmp_path,
        sources,
        {
            "id": "s",
            "op": "select",
            "params": {"columns": ["year", "species", "body_mass_g"]},
            "inputs": {"input": "raw"},
        },
        {
            "id": "d",
            "op": "drop",
            "params": {"columns": ["species"]},
            "inputs": {"input": "s"},
        },
        {
            "id": "r",
            "op": "rename",
            "params": {"mapping": {"body_mass_g": "mass"}},
            "inputs": {"input": "d"},
        },
        {
            "id": "c",
            "op": "cast",
            "params": {"types": {"mass": "integer", "year": "string"}},
            "inputs": {"input": "r"},
        },
    )
    out = pd.read_parquet(result.output_path("c"))
    assert list(out.columns) == ["year", "mass"]
    assert result.node("c").schemas["output"] == [
        {"name": "year", "type": "string"},
        {"name": "mass", "type": "integer"},
    ]
    expected = penguins_df["body_mass_g"].round().astype("Int64")
    assert out["mass"].astype("Int64").tolist() == expected.tolist()
    assert out["year"].tolist() == penguins_df["year"].astype(str).tolist()


def test_filter_and_sql_bind_variables_and_match_pandas(
    tmp_path: Path, sources: dict[str, Path], penguins_df: pd.DataFrame
) -> None:
    from loom.pipelines import PipelineSpec, run_pipeline

    spec = PipelineSpec.model_validate(
        {
            "name": "t",
            "variables": {"since": 2008, "island": "Dream"},
            "nodes": [
                {"id": "raw", "op": "source", "params": {"dataset": "penguins"}},
                {
                    "id": "f",
                    "op": "filter",
                    "params": {
                        "condition": "year >= ${since} AND island = '${island}'"
                    },
                    "inputs": {"input": "raw"},
                },
                {
                    "id": "q",
                    "op": "sql",
                    "params": {
                        "query": "SELECT species, count(*) AS n FROM rows GROUP BY species ORDER BY species"
                    },
                    "inputs": {"rows": "f"},
                },
            ],
        }
    )
    result = run_pipeline(
        spec, sources=sources, workdir=tmp_path, variables={"since": 2009}
    )
    assert result.status == "succeeded"
    kept = penguins_df[(penguins_df.year >= 2009) & (penguins_df.island == "Dream")]
    assert result.node("f").rows["output"] == len(kept)
    counts = pd.read_parquet(result.output_path("q"))
    assert (
        dict(zip(counts.species, counts.n, strict=True))
        == kept.species.value_counts().sort_index().to_dict()
    )


@pytest.mark.parametrize("how", ["inner", "left", "right", "full"])
def test_join_matches_pandas_merge(
    tmp_path: Path, sources: dict[str, Path], penguins_df: pd.DataFrame, how: str
) -> None:
    result = run_nodes(
        tmp_path,
        sources,
        {
            "id": "means",
            "op": "aggregate",
            "params": {
                "group_by": ["species"],
                "aggregations": [
                    {"column": "body_mass_g", "func": "mean", "name": "mean_mass"}
                ],
            },
            "inputs": {"input": "raw"},
        },
        {
            "id": "few",
            "op": "filter",
            "params": {"condition": "species <> 'Gentoo'"},
            "inputs": {"input": "means"},
        },
        {
            "id": "gentoo_less",
            "op": "filter",
            "params": {"condition": "island <> 'Dream'"},
            "inputs": {"input": "raw"},
        },
        {
            "id": "j",
            "op": "join",
            "params": {"on": ["species"], "how": how},
            "inputs": {"left": "gentoo_less", "right": "few"},
        },
    )
    out = pd.read_parquet(result.output_path("j"))
    left = penguins_df[penguins_df.island != "Dream"]
    right = (
        penguins_df.groupby("species", as_index=False)["body_mass_g"]
        .mean()
        .rename(columns={"body_mass_g": "mean_mass"})
    )
    right = right[right.species != "Gentoo"]
    expected = left.merge(right, on="species", how="outer" if how == "full" else how)
    assert len(out) == len(expected)
    assert sorted(out["mean_mass"].fillna(-1).round(6)) == sorted(
        expected["mean_mass"].fillna(-1).round(6)
    )


def test_aggregate_matches_pandas_groupby(
    tmp_path: Path, sources: dict[str, Path], penguins_df: pd.DataFrame
) -> None:
    funcs = ["sum", "mean", "min", "max", "count", "count_distinct", "std"]
    aggs = [{"column": "body_mass_g", "func": f} for f in funcs]
    out, _ = run_op(
        tmp_path,
        sources,
        "aggregate",
        {"group_by": ["species", "sex"], "aggregations": aggs},
    )
    grouped = penguins_df.groupby(["species", "sex"], dropna=False)["body_mass_g"]
    expected = grouped.agg(
        ["sum", "mean", "min", "max", "count", "nunique", "std"]
    ).reset_index()
    out = out.sort_values(["species", "sex"], na_position="last").reset_index(drop=True)
    expected = expected.sort_values(["species", "sex"], na_position="last").reset_index(
        drop=True
    )
    for mine, theirs in zip(
        [f"body_mass_g_{f}" for f in funcs],
        ["sum", "mean", "min", "max", "count", "nunique", "std"],
        strict=True,
    ):
        np.testing.assert_allclose(
            out[mine].astype(float),
            expected[theirs].astype(float),
            rtol=1e-12,
            equal_nan=True,
        )


def test_split_is_exact_stratified_disjoint_and_deterministic(
    tmp_path: Path, sources: dict[str, Path], penguins_df: pd.DataFrame
) -> None:
    node = {
        "id": "sp",
        "op": "split",
        "params": {"test_size": 0.25, "seed": 3, "stratify": "species"},
        "inputs": {"input": "raw"},
    }
    first = run_nodes(tmp_path / "a", sources, node)
    second = run_nodes(tmp_path / "b", sources, node)
    train, test = (
        pd.read_parquet(first.output_path(f"sp.{p}")) for p in ("train", "test")
    )
    assert len(train) + len(test) == len(penguins_df)
    for species, n in penguins_df.species.value_counts().items():
        assert (test.species == species).sum() == round(n * 0.25)
    key = list(penguins_df.columns)
    both = (
        pd.concat([train, test])
        .sort_values(key, na_position="last")
        .reset_index(drop=True)
    )
    original = penguins_df.sort_values(key, na_position="last").reset_index(drop=True)
    pd.testing.assert_frame_equal(both, original, check_dtype=False)
    assert test.equals(pd.read_parquet(second.output_path("sp.test")))
    other_seed = run_nodes(
        tmp_path / "c", sources, {**node, "params": {"test_size": 0.25, "seed": 4}}
    )
    assert not test.equals(pd.read_parquet(other_seed.output_path("sp.test")))


def test_date_parts_match_pandas(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"at": pd.date_range("2023-12-29 22:00", periods=80, freq="7h"), "v": range(80)}
    )
    frame["day"] = frame["at"].dt.date
    path = tmp_path / "dates.parquet"
    frame.to_parquet(path)
    out, _ = run_op(
        tmp_path,
        {"d": path},
        "date_parts",
        {
            "columns": ["at", "day"],
            "parts": ["year", "month", "day", "weekday", "hour", "dayofyear"],
        },
        dataset="d",
    )
    at = frame["at"].dt
    assert out["at_weekday"].tolist() == at.dayofweek.tolist()
    assert out["at_hour"].tolist() == at.hour.tolist()
    assert out["at_dayofyear"].tolist() == at.dayofyear.tolist()
    assert out["day_year"].tolist() == at.year.tolist()
    assert out["day_month"].tolist() == at.month.tolist()
    assert out["day_hour"].tolist() == [0] * 80


def test_python_operator_runs_a_named_function_per_batch(
    tmp_path: Path, sources: dict[str, Path], penguins_df: pd.DataFrame
) -> None:
    params = {
        "function": "tests.pipelines.udfs:bill_ratio",
        "output_schema": [
            {"name": "species", "type": "string"},
            {"name": "ratio", "type": "number"},
        ],
        "batch_rows": 100,
    }
    out, result = run_op(tmp_path, sources, "python", params)
    expected = penguins_df.bill_length_mm / penguins_df.bill_depth_mm
    np.testing.assert_allclose(out["ratio"], expected, equal_nan=True)
    assert result.node("n").schemas["output"] == params["output_schema"]


def test_python_operator_errors_name_the_function(
    tmp_path: Path, sources: dict[str, Path]
) -> None:
    from loom.pipelines import PipelineSpec, run_pipeline

    bad = {
        "function": "tests.pipelines.udfs:not_a_table",
        "output_schema": [{"name": "x", "type": "integer"}],
    }
    spec = PipelineSpec.model_validate(
        {
            "name": "t",
            "nodes": [
                {"id": "raw", "op": "source", "params": {"dataset": "penguins"}},
                {"id": "py", "op": "python", "params": bad, "inputs": {"input": "raw"}},
            ],
        }
    )
    result = run_pipeline(spec, sources=sources, workdir=tmp_path)
    assert result.node("py").status == "failed"
    assert "tests.pipelines.udfs:not_a_table returned list, not a pyarrow.Table" in (
        result.node("py").error or ""
    )
