"""Jobs: list, show, logs, cancel, retry."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from loom.api.deps import CurrentPrincipal, SessionDep, StateDep
from loom.core.pages import Page
from loom.jobs import queue
from loom.jobs.executors.local_executor import log_path
from loom.jobs.schemas import JobPublic, JobState

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.get("")
def list_jobs(
    principal: CurrentPrincipal,
    session: SessionDep,
    state: JobState | None = None,
    type: str | None = None,
    limit: int = 100,
) -> Page[JobPublic]:
    """The workspace's jobs, newest first."""
    items = queue.list_jobs(
        session,
        workspace_id=principal.workspace_id,
        state=state,
        job_type=type,
        limit=max(1, min(limit, 1000)),
    )
    return Page[JobPublic](items=items, total=len(items))


@router.get("/{job_id}")
def get_job(job_id: str, principal: CurrentPrincipal, session: SessionDep) -> JobPublic:
    """One job."""
    return queue.get_job(session, workspace_id=principal.workspace_id, job_id=job_id)


@router.get("/{job_id}/logs", response_class=PlainTextResponse)
def get_logs(
    job_id: str, principal: CurrentPrincipal, session: SessionDep, state: StateDep
) -> str:
    """The job's captured output so far (plain text)."""
    queue.get_job(session, workspace_id=principal.workspace_id, job_id=job_id)
    path = log_path(state.settings, job_id)
    return path.read_text(errors="replace") if path.exists() else ""


@router.post("/{job_id}/cancel")
def cancel_job(
    job_id: str, principal: CurrentPrincipal, session: SessionDep, state: StateDep
) -> JobPublic:
    """Cancel a queued or running job; a running worker is stopped."""
    job = queue.cancel_job(session, workspace_id=principal.workspace_id, job_id=job_id)
    if state.dispatcher is not None:
        state.dispatcher.wake()
    return job


@router.post("/{job_id}/retry")
def retry_job(
    job_id: str, principal: CurrentPrincipal, session: SessionDep, state: StateDep
) -> JobPublic:
    """Queue a failed or cancelled job again."""
    job = queue.retry_job(session, workspace_id=principal.workspace_id, job_id=job_id)
    if state.dispatcher is not None:
        state.dispatcher.wake()
    return job
