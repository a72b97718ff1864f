"""Feature pipelines: palette, validation, CRUD, quick and full runs, schedules.

Handlers stay thin: the work is in ``loom.pipelines.service`` (stored pipelines,
quick runs), ``loom.pipelines.jobs`` (full runs) and ``loom.pipelines.scheduling``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from loom.api.deps import CurrentPrincipal, SessionDep, StateDep
from loom.core.pages import Page
from loom.pipelines import jobs, scheduling, service
from loom.pipelines.results import PipelineResult
from loom.pipelines.schemas import (
    NodeRunPublic,
    PipelineCreate,
    PipelinePublic,
    PipelineRunPublic,
    PipelineUpdate,
    PipelineValidate,
    QuickRequest,
    RunRequest,
    SchedulePublic,
    ScheduleSpec,
    ValidationReport,
)

router = APIRouter(tags=["pipelines"])


@router.get("/pipeline-operators")
def list_operators(_principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """Every operator with its ports and parameter form (the editor's palette)."""
    from loom.pipelines.operators import describe_operator, list_operators

    return [describe_operator(op) for op in list_operators()]


@router.post("/pipelines/validate")
def validate_pipeline(
    body: PipelineValidate, principal: CurrentPrincipal, session: SessionDep
) -> ValidationReport:
    """Check a spec against this workspace's datasets; nothing is stored."""
    return service.validate_spec(
        session, workspace_id=principal.workspace_id, request=body
    )


@router.post("/pipelines", status_code=status.HTTP_201_CREATED)
def create_pipeline(
    body: PipelineCreate, principal: CurrentPrincipal, session: SessionDep
) -> PipelinePublic:
    """Store a valid pipeline as version 1 (an invalid one is refused with 422)."""
    return service.create_pipeline(
        session, workspace_id=principal.workspace_id, request=body
    )


@router.get("/pipelines")
def list_pipelines(
    principal: CurrentPrincipal, session: SessionDep
) -> Page[PipelinePublic]:
    """The workspace's pipelines."""
    return service.list_pipelines(session, workspace_id=principal.workspace_id)


@router.get("/pipelines/{pipeline}")
def get_pipeline(
    pipeline: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    version: int | None = None,
) -> PipelinePublic:
    """A pipeline (by name or id) at its latest version, or ``?version=N``."""
    return service.get_pipeline(
        session, workspace_id=principal.workspace_id, ref=pipeline, version=version
    )


@router.put("/pipelines/{pipeline}")
def update_pipeline(
    pipeline: str,
    body: PipelineUpdate,
    principal: CurrentPrincipal,
    session: SessionDep,
) -> PipelinePublic:
    """Store a changed spec as a new version; an unchanged one keeps its version."""
    return service.update_pipeline(
        session, workspace_id=principal.workspace_id, ref=pipeline, request=body
    )


@router.delete("/pipelines/{pipeline}", status_code=status.HTTP_204_NO_CONTENT)
def delete_pipeline(
    pipeline: str, principal: CurrentPrincipal, session: SessionDep
) -> Response:
    """Delete a pipeline and its history (datasets it produced stay)."""
    service.delete_pipeline(session, workspace_id=principal.workspace_id, ref=pipeline)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/pipelines/{pipeline}/quick")
def quick_run(
    pipeline: str,
    body: QuickRequest,
    principal: CurrentPrincipal,
    session: SessionDep,
    state: StateDep,
) -> PipelineResult:
    """Run on a sample of each source and answer every node's status and preview."""
    return service.quick_run(
        session,
        state.artifacts,
        workspace_id=principal.workspace_id,
        ref=pipeline,
        request=body,
        scratch=state.settings.home / "work" / "quick",
    )


@router.post("/pipelines/{pipeline}/runs", status_code=status.HTTP_202_ACCEPTED)
def start_run(
    pipeline: str,
    body: RunRequest,
    principal: CurrentPrincipal,
    session: SessionDep,
    state: StateDep,
) -> PipelineRunPublic:
    """Queue a full run whose outputs become dataset versions."""
    run = jobs.start_run(
        session, workspace_id=principal.workspace_id, ref=pipeline, request=body
    )
    if state.dispatcher is not None:
        state.dispatcher.wake()
    return run


@router.put("/pipelines/{pipeline}/schedule")
def set_schedule(
    pipeline: str, body: ScheduleSpec, principal: CurrentPrincipal, session: SessionDep
) -> SchedulePublic:
    """Schedule full runs with cron (replaces the previous schedule)."""
    return scheduling.set_schedule(
        session, workspace_id=principal.workspace_id, ref=pipeline, body=body
    )


@router.delete("/pipelines/{pipeline}/schedule", status_code=status.HTTP_204_NO_CONTENT)
def delete_schedule(
    pipeline: str, principal: CurrentPrincipal, session: SessionDep
) -> Response:
    """Stop scheduling a pipeline."""
    scheduling.delete_schedule(
        session, workspace_id=principal.workspace_id, ref=pipeline
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/pipeline-runs")
def list_runs(
    principal: CurrentPrincipal,
    session: SessionDep,
    pipeline: str | None = None,
    limit: int = 200,
) -> Page[PipelineRunPublic]:
    """Full runs, newest first; ``?pipeline=`` gives one pipeline's history."""
    return jobs.list_runs(
        session,
        workspace_id=principal.workspace_id,
        pipeline=pipeline,
        limit=max(1, min(limit, 1000)),
    )


@router.get("/pipeline-runs/{pipeline_run_id}")
def get_run(
    pipeline_run_id: str, principal: CurrentPrincipal, session: SessionDep
) -> PipelineRunPublic:
    """One full run: state, per-node status and registered outputs."""
    return jobs.get_run(
        session, workspace_id=principal.workspace_id, run_id=pipeline_run_id
    )


@router.get("/pipeline-runs/{pipeline_run_id}/nodes")
def get_run_nodes(
    pipeline_run_id: str, principal: CurrentPrincipal, session: SessionDep
) -> dict[str, NodeRunPublic]:
    """Per-node live status of a full run (updated as each node starts and ends)."""
    return jobs.get_run(
        session, workspace_id=principal.workspace_id, run_id=pipeline_run_id
    ).nodes
