"""Experiments and training runs: start, list, show, compare, plots."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from loom.api.deps import CurrentPrincipal, SessionDep, StateDep
from loom.core.errors import NotFoundError
from loom.core.pages import Page
from loom.jobs.schemas import JobState
from loom.tracking import service
from loom.tracking.schemas import (
    ExperimentPublic,
    RunComparison,
    RunCreate,
    RunEpochPublic,
    RunPublic,
)

router = APIRouter(tags=["runs"])


@router.post("/runs", status_code=status.HTTP_202_ACCEPTED)
def create_run(
    body: RunCreate, principal: CurrentPrincipal, session: SessionDep, state: StateDep
) -> RunPublic:
    """Validate a training request and queue it. Unknown algorithms, out-of-range
    parameters and unknown columns are refused here, before any job starts."""
    run = service.create_run(session, workspace_id=principal.workspace_id, request=body)
    if state.dispatcher is not None:
        state.dispatcher.wake()
    return run


@router.get("/runs")
def list_runs(
    principal: CurrentPrincipal,
    session: SessionDep,
    experiment: str | None = None,
    state: JobState | None = None,
    limit: int = 200,
) -> Page[RunPublic]:
    """Runs, newest first."""
    return service.list_runs(
        session,
        workspace_id=principal.workspace_id,
        experiment=experiment,
        state=state,
        limit=max(1, min(limit, 1000)),
    )


@router.get("/runs/compare")
def compare_runs(
    ids: str, principal: CurrentPrincipal, session: SessionDep
) -> RunComparison:
    """Runs side by side; ``ids`` is a comma-separated list."""
    run_ids = [i.strip() for i in ids.split(",") if i.strip()]
    return service.compare_runs(
        session, workspace_id=principal.workspace_id, run_ids=run_ids
    )


@router.get("/runs/{run_id}")
def get_run(run_id: str, principal: CurrentPrincipal, session: SessionDep) -> RunPublic:
    """One run with its parameters, metrics and plots."""
    return service.get_run(session, workspace_id=principal.workspace_id, run_id=run_id)


@router.get("/runs/{run_id}/epochs")
def list_epochs(
    run_id: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    after: int | None = None,
) -> Page[RunEpochPublic]:
    """Per-epoch metrics recorded so far; ``after`` skips epochs already seen."""
    return service.list_epochs(
        session, workspace_id=principal.workspace_id, run_id=run_id, after=after
    )


@router.post("/runs/{run_id}/stop", status_code=status.HTTP_202_ACCEPTED)
def stop_run(
    run_id: str, principal: CurrentPrincipal, session: SessionDep
) -> RunPublic:
    """Ask a running run to stop gracefully; it keeps its best epoch and succeeds.
    A run that has already ended answers 409."""
    return service.request_stop(
        session, workspace_id=principal.workspace_id, run_id=run_id
    )


@router.get(
    "/runs/{run_id}/plots/{filename}",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
def get_plot(
    run_id: str,
    filename: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    state: StateDep,
) -> Response:
    """A plot of the run as PNG."""
    run = service.get_run(session, workspace_id=principal.workspace_id, run_id=run_id)
    if filename not in run.plots:
        raise NotFoundError(f"run {run_id} has no plot '{filename}'")
    prefix = service.run_artifact_prefix(principal.workspace_id, run_id)
    key = f"{prefix}/plots/{filename}"
    return Response(state.artifacts.read_bytes(key), media_type="image/png")


@router.get("/experiments")
def list_experiments(
    principal: CurrentPrincipal, session: SessionDep
) -> Page[ExperimentPublic]:
    """Experiments and how many runs each has."""
    return service.list_experiments(session, workspace_id=principal.workspace_id)
