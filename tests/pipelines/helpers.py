"""Run one operator on a source in a full run and read its output back with pandas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from loom.pipelines import PipelineResult, PipelineSpec, run_pipeline


def run_nodes(
    tmp_path: Path,
    sources: dict[str, Path],
    *nodes: dict[str, Any],
    dataset: str = "penguins",
) -> PipelineResult:
    """A full run of ``source(raw) → nodes…``; asserts it succeeded."""
    spec = PipelineSpec.model_validate(
        {
            "name": "t",
            "nodes": [
                {"id": "raw", "op": "source", "params": {"dataset": dataset}},
                *nodes,
            ],
        }
    )
    result = run_pipeline(spec, sources=sources, workdir=tmp_path / "work")
    failed = {n.id: n.error for n in result.nodes.values() if n.status != "succeeded"}
    assert not failed, failed
    for node in result.nodes.values():
        if node.state is not None:  # every fitted state is plain JSON
            assert json.loads(json.dumps(node.state)) == node.state
    return result


def run_op(
    tmp_path: Path,
    sources: dict[str, Path],
    op: str,
    params: dict[str, Any],
    *,
    dataset: str = "penguins",
) -> tuple[pd.DataFrame, PipelineResult]:
    """``source → op`` and the op's output as a DataFrame."""
    result = run_nodes(
        tmp_path,
        sources,
        {"id": "n", "op": op, "params": params, "inputs": {"input": "raw"}},
        dataset=dataset,
    )
    return pd.read_parquet(result.output_path("n")), result
