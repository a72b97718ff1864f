"""Quick runs on samples, failure propagation, logs, and caching of full runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from loom.core.errors import InvalidInputError
from loom.pipelines import PipelineSpec, run_pipeline

NODES: list[dict[str, Any]] = [
    {"id": "raw", "op": "source", "params": {"dataset": "penguins"}},
    {
        "id": "imp",
        "op": "impute",
        "params": {"strategy": "median", "columns": ["body_mass_g", "bill_length_mm"]},
        "inputs": {"input": "raw"},
    },
    {
        "id": "oh",
        "op": "encode",
        "params": {"method": "one_hot", "columns": ["island"]},
        "inputs": {"input": "imp"},
    },
    {
        "id": "sc",
        "op": "scale",
        "params": {"columns": ["body_mass_g"]},
        "inputs": {"input": "oh"},
    },
    {
        "id": "agg",
        "op": "aggregate",
        "params": {
            "group_by": ["species"],
            "aggregations": [{"column": "body_mass_g", "func": "mean"}],
        },
        "inputs": {"input": "raw"},
    },
]


def spec(nodes: list[dict[str, Any]] = NODES) -> PipelineSpec:
    return PipelineSpec.model_validate({"name": "e", "nodes": nodes})


@pytest.mark.parametrize("mode", ["head", "random"])
def test_quick_mode_reports_status_duration_logs_and_previews_per_node(
    tmp_path: Path, sources: dict[str, Path], mode: str
) -> None:
    lines: list[tuple[str, str]] = []
    result = run_pipeline(
        spec(),
        sources=sources,
        workdir=tmp_path,
        sample={"mode": mode, "rows": 50, "seed": 3},
        log=lambda n, line: lines.append((n, line)),
    )
    assert result.mode == "quick" and result.status == "succeeded"
    assert list(result.nodes) == ["raw", "imp", "oh", "sc", "agg"]
    for node in result.nodes.values():
        assert node.status == "succeeded"
        assert node.duration_s is not None and node.duration_s >= 0
        assert node.log and node.outputs == {}
        assert json.loads(json.dumps(node.preview))  # JSON-safe
    assert result.node("raw").rows == {"output": 50}
    assert len(result.node("sc").preview["output"]) == 20
    assert {"island_Biscoe", "body_mass_g"} <= set(
        result.node("sc").preview["output"][0]
    )
    assert ("imp", lines[[n for n, _ in lines].index("imp")][1]) in lines
    assert any("impute median" in line for n, line in lines if n == "imp")
    assert not (tmp_path / "nodes").exists()


def test_quick_random_sample_is_repeatable_and_differs_from_head(
    tmp_path: Path, sources: dict[str, Path], penguins_df: pd.DataFrame
) -> None:
    runs = [
        run_pipeline(
            spec(NODES[:1]),
            sources=sources,
            workdir=tmp_path,
            sample={"mode": "random", "rows": 30, "seed": s},
        )
        for s in (1, 1, 2)
    ]
    previews = [r.node("raw").preview["output"] for r in runs]
    assert previews[0] == previews[1] != previews[2]
    head = run_pipeline(
        spec(NODES[:1]), sources=sources, workdir=tmp_path, sample={"rows": 30}
    )
    assert (
        head.node("raw").preview["output"][0]["bill_length_mm"]
        == penguins_df.bill_length_mm[0]
    )


def test_a_failing_node_marks_its_dependants_skipped_and_names_itself(
    tmp_path: Path, sources: dict[str, Path]
) -> None:
    nodes = [
        *NODES,
        {
            "id": "bad",
            "op": "cast",
            "params": {"types": {"island": "integer"}, "strict": True},
            "inputs": {"input": "raw"},
        },
        {
            "id": "after",
            "op": "select",
            "params": {"columns": ["island"]},
            "inputs": {"input": "bad"},
        },
        {
            "id": "later",
            "op": "drop",
            "params": {"columns": ["island"]},
            "inputs": {"input": "after"},
        },
    ]
    result = run_pipeline(
        spec(nodes), sources=sources, workdir=tmp_path, sample={"rows": 50}
    )
    assert result.status == "failed" and result.failed == ["bad"]
    bad = result.node("bad")
    assert bad.error is not None and bad.error.startswith(
        "node 'bad' (cast) failed: Conversion Error"
    )
    assert "Torgersen" in bad.error
    assert [result.node(n).status for n in ("after", "later")] == ["skipped", "skipped"]
    assert (
        result.node("after").error
        == "node 'after' skipped: upstream node 'bad' did not succeed"
    )
    assert result.node("agg").status == "succeeded"  # independent branches still run


def test_run_refuses_an_invalid_spec_before_reading_data(
    tmp_path: Path, sources: dict[str, Path]
) -> None:
    nodes = [
        *NODES,
        {
            "id": "x",
            "op": "scale",
            "params": {"columns": ["species"]},
            "inputs": {"input": "raw"},
        },
    ]
    with pytest.raises(
        InvalidInputError, match="node 'x' \\(scale\\): column 'species' is string"
    ) as caught:
        run_pipeline(spec(nodes), sources=sources, workdir=tmp_path)
    assert caught.value.details["issues"][0]["node"] == "x"
    with pytest.raises(InvalidInputError, match="no Parquet file"):
        run_pipeline(
            spec(), sources={"penguins": tmp_path / "missing.parquet"}, workdir=tmp_path
        )


def test_full_run_writes_parquet_per_port_and_no_temp_files(
    tmp_path: Path, sources: dict[str, Path]
) -> None:
    result = run_pipeline(spec(), sources=sources, workdir=tmp_path)
    out = pd.read_parquet(result.output_path("sc"))
    assert len(out) == 344 and result.node("sc").rows == {"output": 344}
    assert result.node("sc").outputs == {
        "output": str(tmp_path / "nodes" / "sc" / "output.parquet")
    }
    assert not [p for p in (tmp_path / "nodes").rglob("*") if p.name.startswith(".")]
    # the source is read in place, not copied
    assert result.node("raw").outputs == {"output": str(sources["penguins"])}
    assert not (tmp_path / "nodes" / "raw").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nodes"]  # spill dir removed


def test_cache_reuses_everything_then_recomputes_only_a_changed_node_and_its_dependants(
    tmp_path: Path, sources: dict[str, Path]
) -> None:
    cache = tmp_path / "cache"
    keep = ("imp", "oh")  # written, so each has its own cache entry
    first = run_pipeline(
        spec(), sources=sources, workdir=tmp_path / "a", cache_dir=cache, keep=keep
    )
    assert {n.status for n in first.nodes.values()} == {"succeeded"}
    second = run_pipeline(
        spec(), sources=sources, workdir=tmp_path / "b", cache_dir=cache, keep=keep
    )
    assert {n.status for n in second.nodes.values()} == {"cached"}
    assert second.node("imp").state == first.node("imp").state
    assert pd.read_parquet(second.output_path("sc")).equals(
        pd.read_parquet(first.output_path("sc"))
    )
    changed = json.loads(json.dumps(NODES))
    changed[2]["params"]["max_categories"] = 2  # the one-hot node
    third = run_pipeline(
        spec(changed),
        sources=sources,
        workdir=tmp_path / "c",
        cache_dir=cache,
        keep=keep,
    )
    statuses = {n.id: n.status for n in third.nodes.values()}
    assert statuses == {
        "raw": "cached",
        "imp": "cached",
        "oh": "succeeded",
        "sc": "succeeded",
        "agg": "cached",
    }
    assert (
        len(
            [
                c
                for c in pd.read_parquet(third.output_path("oh")).columns
                if c.startswith("island_")
            ]
        )
        == 2
    )


def test_full_run_fuses_single_consumer_nodes_into_the_written_node(
    tmp_path: Path, sources: dict[str, Path]
) -> None:
    cache = tmp_path / "cache"
    events: list[tuple[str, str]] = []
    fused = run_pipeline(
        spec(),
        sources=sources,
        workdir=tmp_path / "a",
        cache_dir=cache,
        on_node=lambda n: events.append((n.id, n.status)),
    )
    written = run_pipeline(
        spec(), sources=sources, workdir=tmp_path / "b", keep=("imp", "oh")
    )
    assert [fused.node(n).fused_into for n in ("imp", "oh", "sc")] == [
        "sc",
        "sc",
        None,
    ]
    assert fused.node("imp").outputs == {} and fused.node("imp").rows == {}
    assert "fused group imp, oh → sc" in " ".join(fused.node("sc").log)
    assert fused.node("oh").state == written.node("oh").state
    assert pd.read_parquet(fused.output_path("sc")).equals(
        pd.read_parquet(written.output_path("sc"))
    )
    assert not (tmp_path / "a" / "nodes" / "imp").exists()
    assert ("imp", "running") in events and events.index(("imp", "running")) < (
        events.index(("sc", "succeeded"))
    )
    again = run_pipeline(
        spec(), sources=sources, workdir=tmp_path / "c", cache_dir=cache
    )
    assert {n.status for n in again.nodes.values()} == {"cached"}
    assert again.node("imp").state == fused.node("imp").state


def test_cache_key_follows_source_content_and_used_variables(
    tmp_path: Path, penguins_df: pd.DataFrame
) -> None:
    path = tmp_path / "p.parquet"
    penguins_df.to_parquet(path)
    nodes = [
        NODES[0],
        {
            "id": "f",
            "op": "filter",
            "params": {"condition": "year >= ${since}"},
            "inputs": {"input": "raw"},
        },
    ]
    pipeline = PipelineSpec.model_validate(
        {"name": "e", "variables": {"since": 2008}, "nodes": nodes}
    )
    cache = tmp_path / "cache"
    run_pipeline(
        pipeline, sources={"penguins": path}, workdir=tmp_path / "a", cache_dir=cache
    )
    again = run_pipeline(
        pipeline,
        sources={"penguins": path},
        workdir=tmp_path / "b",
        cache_dir=cache,
        variables={"since": 2009},
    )
    assert [n.status for n in again.nodes.values()] == ["cached", "succeeded"]
    penguins_df.head(100).to_parquet(path)
    changed = run_pipeline(
        pipeline, sources={"penguins": path}, workdir=tmp_path / "c", cache_dir=cache
    )
    assert [n.status for n in changed.nodes.values()] == ["succeeded", "succeeded"]
    assert changed.node("raw").rows == {"output": 100}


def test_nodes_fused_into_a_failing_node_fail_with_it(
    tmp_path: Path, sources: dict[str, Path]
) -> None:
    nodes = [
        NODES[0],
        {
            "id": "strict",
            "op": "cast",
            "params": {"types": {"species": "integer"}, "strict": True},
            "inputs": {"input": "raw"},
        },
        {
            "id": "out",
            "op": "select",
            "params": {"columns": ["species", "body_mass_g"]},
            "inputs": {"input": "strict"},
        },
    ]
    result = run_pipeline(spec(nodes), sources=sources, workdir=tmp_path)

    assert result.status == "failed"
    assert result.node("strict").fused_into == "out"
    assert result.node("out").status == "failed"
    assert result.node("strict").status == "failed"
    assert "'out''s query, which failed" in (result.node("strict").error or "")
