"""``client.pipelines``: store, validate, quick-run, run and schedule feature pipelines.

Every call that takes a pipeline accepts a ``PipelineSpec``, the SDK builder
(``loom.pipelines.builder.Pipeline``), a dict, or YAML text, so a pipeline
written in Python, in a file or in the UI editor goes through one door.
"""

from __future__ import annotations

import builtins
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from loom.client.base import LoomAPIError, Transport
from loom.pipelines.builder import Pipeline
from loom.pipelines.schemas import (
    PipelinePublic,
    PipelineRunPublic,
    SchedulePublic,
    ValidationReport,
)
from loom.pipelines.spec import PipelineSpec

if TYPE_CHECKING:
    import pandas as pd

SpecLike = PipelineSpec | Pipeline | dict[str, Any] | str


def spec_body(spec: SpecLike) -> dict[str, Any]:
    """The request fields for a spec: ``{"spec": …}`` or ``{"yaml": …}``."""
    if isinstance(spec, Pipeline):
        spec = spec.spec()
    if isinstance(spec, PipelineSpec):
        return {"spec": spec.model_dump(mode="json")}
    if isinstance(spec, str):
        return {"yaml": spec}
    return {"spec": dict(spec)}


@dataclass
class QuickNode:
    """One node of a quick run; ``preview`` is its (first) output as a DataFrame."""

    id: str
    op: str
    status: str
    duration_s: float | None
    log: list[str]
    rows: dict[str, int]
    schemas: dict[str, list[dict[str, str]]]
    previews: dict[str, pd.DataFrame]
    error: str | None = None

    @property
    def preview(self) -> pd.DataFrame:
        """The first output port's sample rows (empty when the node did not run)."""
        import pandas as pd

        return next(iter(self.previews.values()), pd.DataFrame())


@dataclass
class QuickResult:
    """A quick run: overall status and every node, in run order."""

    pipeline: str
    status: str
    duration_s: float
    nodes: dict[str, QuickNode] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QuickResult:
        """Build from the API's PipelineResult JSON."""
        nodes = {
            node_id: QuickNode(
                id=node_id,
                op=node["op"],
                status=node["status"],
                duration_s=node.get("duration_s"),
                log=node.get("log", []),
                rows=node.get("rows", {}),
                schemas=node.get("schemas", {}),
                previews={
                    port: _frame(rows, node.get("schemas", {}).get(port))
                    for port, rows in node.get("preview", {}).items()
                },
                error=node.get("error"),
            )
            for node_id, node in data["nodes"].items()
        }
        return cls(
            pipeline=data["pipeline"],
            status=data["status"],
            duration_s=data.get("duration_s", 0.0),
            nodes=nodes,
            raw=data,
        )


def _frame(
    rows: builtins.list[dict[str, Any]], columns: builtins.list[dict[str, str]] | None
) -> pd.DataFrame:
    """Sample rows as a DataFrame whose columns keep the output's order."""
    import pandas as pd

    names = [c["name"] for c in columns or []]
    return pd.DataFrame.from_records(rows, columns=names or None)


class Pipelines:
    """Feature pipelines: validate, create, update, quick, run, schedule."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def operators(self) -> builtins.list[dict[str, Any]]:
        """The operator palette: ports, flags and parameter forms."""
        result: builtins.list[dict[str, Any]] = self._t.json(
            "GET", "/pipeline-operators"
        )
        return result

    def validate(
        self, spec: SpecLike, *, variables: dict[str, Any] | None = None
    ) -> ValidationReport:
        """Every issue and inferred schema of ``spec``; nothing is stored."""
        body = {**spec_body(spec), "variables": variables or {}}
        return ValidationReport.model_validate(
            self._t.json("POST", "/pipelines/validate", json=body)
        )

    def create(
        self, name: str, spec: SpecLike, *, description: str = ""
    ) -> PipelinePublic:
        """Store a new pipeline (version 1); raises ``LoomAPIError`` if invalid."""
        body = {"name": name, "description": description, **spec_body(spec)}
        return PipelinePublic.model_validate(
            self._t.json("POST", "/pipelines", json=body)
        )

    def update(
        self,
        name: str,
        spec: SpecLike | None = None,
        *,
        description: str | None = None,
    ) -> PipelinePublic:
        """A new version when the spec changed (the same version otherwise)."""
        body: dict[str, Any] = {"description": description}
        if spec is not None:
            body.update(spec_body(spec))
        return PipelinePublic.model_validate(
            self._t.json("PUT", f"/pipelines/{name}", json=body)
        )

    def get(self, name: str, version: int | None = None) -> PipelinePublic:
        """A pipeline at its latest version (or ``version``)."""
        params = {"version": version} if version else {}
        return PipelinePublic.model_validate(
            self._t.json("GET", f"/pipelines/{name}", params=params)
        )

    def list(self) -> builtins.list[PipelinePublic]:
        """The workspace's pipelines."""
        data = self._t.json("GET", "/pipelines")
        return [PipelinePublic.model_validate(p) for p in data["items"]]

    def delete(self, name: str) -> None:
        """Delete a pipeline and its run history (its datasets stay)."""
        self._t.request("DELETE", f"/pipelines/{name}")

    def quick(
        self,
        name: str,
        *,
        rows: int = 1000,
        mode: str = "head",
        seed: int = 0,
        variables: dict[str, Any] | None = None,
    ) -> QuickResult:
        """Run on ``rows`` sampled rows per source; per-node status and previews."""
        body = {
            "variables": variables or {},
            "sample": {"mode": mode, "rows": rows, "seed": seed},
        }
        return QuickResult.from_json(
            self._t.json("POST", f"/pipelines/{name}/quick", json=body)
        )

    def run(
        self,
        name: str,
        *,
        outputs: dict[str, str],
        variables: dict[str, Any] | None = None,
        wait: bool = True,
        timeout_s: float = 3600.0,
        on_update: Callable[[PipelineRunPublic], None] | None = None,
    ) -> PipelineRunPublic:
        """Start a full run; ``outputs`` maps ``node.port`` to a dataset name.

        With ``wait`` it returns the finished run whatever its state (check
        ``.state`` and ``.nodes``); a run still going at ``timeout_s`` raises.
        ``on_update`` sees the run at every poll (live per-node status).
        """
        body = {"outputs": outputs, "variables": variables or {}}
        run = PipelineRunPublic.model_validate(
            self._t.json("POST", f"/pipelines/{name}/runs", json=body)
        )
        return self.wait(run.id, timeout_s, on_update) if wait else run

    def wait(
        self,
        run_id: str,
        timeout_s: float = 3600.0,
        on_update: Callable[[PipelineRunPublic], None] | None = None,
    ) -> PipelineRunPublic:
        """Poll a run until its job ends (``on_update`` sees every poll)."""
        deadline, delay = time.monotonic() + timeout_s, 0.1
        while True:
            run = self.get_run(run_id)
            if on_update is not None:
                on_update(run)
            if run.state.is_finished:
                return run
            if time.monotonic() > deadline:
                raise LoomAPIError(
                    408, f"pipeline run {run_id} still {run.state} after {timeout_s}s"
                )
            time.sleep(delay)
            delay = min(delay * 1.5, 1.0)

    def get_run(self, run_id: str) -> PipelineRunPublic:
        """One full run."""
        return PipelineRunPublic.model_validate(
            self._t.json("GET", f"/pipeline-runs/{run_id}")
        )

    def runs(self, name: str | None = None) -> builtins.list[PipelineRunPublic]:
        """Run history, newest first (of one pipeline when ``name`` is given)."""
        params = {"pipeline": name} if name else {}
        data = self._t.json("GET", "/pipeline-runs", params=params)
        return [PipelineRunPublic.model_validate(r) for r in data["items"]]

    def schedule(
        self,
        name: str,
        *,
        cron: str,
        outputs: dict[str, str],
        timezone: str = "UTC",
        variables: dict[str, str] | None = None,
        webhook_url: str | None = None,
        email: builtins.list[str] | None = None,
        alert_on: builtins.list[str] | None = None,
        enabled: bool = True,
    ) -> SchedulePublic:
        """Schedule full runs; ``{{ds}}`` and ``{{ts}}`` in variables are filled in."""
        alerts = None
        if webhook_url or email:
            alerts = {
                "webhook_url": webhook_url,
                "email": email or [],
                "on": alert_on or ["failure"],
            }
        body = {
            "cron": cron,
            "timezone": timezone,
            "variables": variables or {},
            "outputs": outputs,
            "alerts": alerts,
            "enabled": enabled,
        }
        return SchedulePublic.model_validate(
            self._t.json("PUT", f"/pipelines/{name}/schedule", json=body)
        )

    def unschedule(self, name: str) -> None:
        """Stop scheduling ``name``."""
        self._t.request("DELETE", f"/pipelines/{name}/schedule")
