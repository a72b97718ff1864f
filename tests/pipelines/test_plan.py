"""Full-run planning: which nodes are fused, and order-free lookups before aggregates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from loom.pipelines import PipelineSpec, run_pipeline
from loom.pipelines._plan import plan_run

NODES: list[dict[str, Any]] = [
    {"id": "raw", "op": "source", "params": {"dataset": "penguins"}},
    {
        "id": "imp",
        "op": "impute",
        "params": {"strategy": "median", "columns": ["body_mass_g"]},
        "inputs": {"input": "raw"},
    },
    {
        "id": "freq",
        "op": "encode",
        "params": {"method": "frequency", "columns": ["island"]},
        "inputs": {"input": "imp"},
    },
    {
        "id": "ord",
        "op": "encode",
        "params": {"method": "ordinal", "columns": ["sex"]},
        "inputs": {"input": "freq"},
    },
    {
        "id": "agg",
        "op": "aggregate",
        "params": {
            "group_by": ["species"],
            "aggregations": [
                {"column": "island", "func": "mean"},
                {"column": "sex", "func": "sum"},
                {"column": "body_mass_g", "func": "mean"},
            ],
        },
        "inputs": {"input": "ord"},
    },
    {
        "id": "sc",
        "op": "scale",
        "params": {"columns": ["bill_length_mm"]},
        "inputs": {"input": "raw"},
    },
]


def spec() -> PipelineSpec:
    return PipelineSpec.model_validate({"name": "plan", "nodes": NODES})


def test_plan_run_fuses_single_consumer_chains_and_marks_order_free_nodes() -> None:
    plan = plan_run(spec(), {})
    assert plan.anchor == {
        "raw": "raw",
        "imp": "agg",
        "freq": "agg",
        "ord": "agg",
        "agg": "agg",
        "sc": "sc",
    }
    assert plan.members("agg") == ["imp", "freq", "ord"]
    assert plan.unordered == {"imp", "freq", "ord"}
    kept = plan_run(spec(), {}, keep=("freq",))
    assert kept.anchor["imp"] == "freq" and kept.anchor["ord"] == "agg"
    assert kept.unordered == {"ord"}
    assert not any(plan_run(spec(), {}, quick=True).fused(n["id"]) for n in NODES)
    assert plan_run(spec(), {"freq": {"day"}}).anchor["freq"] == "freq"


def test_lookups_joined_before_an_aggregate_match_the_ordered_case_lookup(
    tmp_path: Path, sources: dict[str, Path]
) -> None:
    joined = run_pipeline(spec(), sources=sources, workdir=tmp_path / "a")
    cased = run_pipeline(
        spec(), sources=sources, workdir=tmp_path / "b", keep=("imp", "freq", "ord")
    )
    assert joined.status == cased.status == "succeeded"
    left = pd.read_parquet(joined.output_path("agg")).sort_values("species")
    right = pd.read_parquet(cased.output_path("agg")).sort_values("species")
    pd.testing.assert_frame_equal(
        left.reset_index(drop=True), right.reset_index(drop=True), rtol=1e-12
    )
    assert joined.node("freq").state == cased.node("freq").state
    # the written encoder kept its rows in source order (CASE lookups)
    encoded = pd.read_parquet(cased.output_path("freq"))
    assert encoded["island"].round(6).tolist()[:3] == [0.151163] * 3
