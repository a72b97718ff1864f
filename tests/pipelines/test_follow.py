"""``loom pipeline run --follow``: each node transition is printed once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from loom.cli.pipelines import _Follower
from loom.pipelines.schemas import PipelineRunPublic


def _run(nodes: dict[str, dict[str, Any]], state: str = "running") -> PipelineRunPublic:
    return PipelineRunPublic.model_validate(
        {
            "id": "plr_1",
            "pipeline": "p",
            "version": 1,
            "state": state,
            "job_id": "job_1",
            "variables": {},
            "nodes": nodes,
            "outputs": {},
            "requested_outputs": {"agg": "out"},
            "trigger": "manual",
            "created_at": datetime.now(UTC),
        }
    )


def test_follower_prints_each_node_transition_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    follow = _Follower(json_out=False)
    follow(_run({"imp": {"status": "running"}, "agg": {"status": "queued"}}))
    follow(_run({"imp": {"status": "running"}, "agg": {"status": "queued"}}))
    done = {"status": "succeeded", "duration_s": 0.5, "fused_into": "agg"}
    follow(_run({"imp": done, "agg": {"status": "succeeded", "rows": {"output": 3}}}))
    assert capsys.readouterr().out.splitlines() == [
        "imp: running",
        "agg: queued",
        "imp: succeeded 0.50s fused into agg",
        "agg: succeeded output=3 rows",
    ]
