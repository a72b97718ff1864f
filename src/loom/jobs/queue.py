"""The job queue: the state machine, claiming, cancellation, retry and recovery.

Every transition is a conditional UPDATE (``… WHERE state IN (allowed)``), so two
processes racing on one job cannot both win: a worker finishing a job that was
cancelled meanwhile changes nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from loom.core.clock import utcnow
from loom.core.errors import ConflictError, NotFoundError
from loom.core.ids import new_id
from loom.core.redaction import redact, redact_text
from loom.jobs.orm import SqlJob
from loom.jobs.schemas import JobPublic, JobState

Q, R, S, F, C = (
    JobState.QUEUED,
    JobState.RUNNING,
    JobState.SUCCEEDED,
    JobState.FAILED,
    JobState.CANCELLED,
)
TRANSITIONS: dict[JobState, frozenset[JobState]] = {
    Q: frozenset({R, C}),
    R: frozenset({S, F, C, Q}),
    F: frozenset({Q}),
    C: frozenset({Q}),
    S: frozenset(),
}


def can_transition(source: JobState, target: JobState) -> bool:
    """Whether the state machine allows ``source → target``."""
    return target in TRANSITIONS[source]


def _sources_for(target: JobState) -> list[str]:
    return [s.value for s, targets in TRANSITIONS.items() if target in targets]


def to_public(row: SqlJob) -> JobPublic:
    """Convert a row to its wire schema, with secrets in parameters masked.

    A job may need credentials to run (a database URL with a password); they stay
    in the queue row for the worker but are never shown.
    """
    return JobPublic(
        id=row.id,
        type=row.type,
        state=JobState(row.state),
        params=redact(row.params),
        result=row.result,
        error=redact_text(row.error) if row.error else None,
        attempts=row.attempts,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


def enqueue(
    session: Session,
    *,
    workspace_id: str,
    job_type: str,
    params: dict[str, Any],
    retry_safe: bool = False,
    max_attempts: int = 1,
) -> JobPublic:
    """Queue a job of a registered type.

    Args:
        retry_safe: the handler may run again after its worker died (idempotent).
        max_attempts: how many times recovery may start it in total.
    """
    from loom.jobs.handlers import ensure_known_type

    ensure_known_type(job_type)
    row = SqlJob(
        id=new_id("job"),
        workspace_id=workspace_id,
        type=job_type,
        state=Q.value,
        params=params,
        retry_safe=retry_safe,
        max_attempts=max_attempts,
    )
    session.add(row)
    session.flush()
    return to_public(row)


def transition(session: Session, job_id: str, target: JobState, **fields: Any) -> bool:
    """Move a job to ``target`` if the state machine allows it from its current state.

    Returns:
        True if this call made the change; False if the job was elsewhere.
    """
    values: dict[str, Any] = {"state": target.value, **fields}
    if target.is_finished:
        values.setdefault("finished_at", utcnow())
    result = session.execute(
        update(SqlJob)
        .where(SqlJob.id == job_id, SqlJob.state.in_(_sources_for(target)))
        .values(**values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def get_job(session: Session, *, workspace_id: str, job_id: str) -> JobPublic:
    """A job of the workspace, or ``NotFoundError``."""
    row = session.get(SqlJob, job_id)
    if row is None or row.workspace_id != workspace_id:
        raise NotFoundError(f"job not found: {job_id}")
    return to_public(row)


def list_jobs(
    session: Session,
    *,
    workspace_id: str,
    state: JobState | None = None,
    job_type: str | None = None,
    limit: int = 100,
) -> list[JobPublic]:
    """The workspace's jobs, newest first."""
    query = select(SqlJob).where(SqlJob.workspace_id == workspace_id)
    if state is not None:
        query = query.where(SqlJob.state == state.value)
    if job_type is not None:
        query = query.where(SqlJob.type == job_type)
    rows = session.scalars(query.order_by(SqlJob.created_at.desc()).limit(limit))
    return [to_public(r) for r in rows]


def cancel_job(session: Session, *, workspace_id: str, job_id: str) -> JobPublic:
    """Cancel a queued or running job (the dispatcher stops its worker)."""
    job = get_job(session, workspace_id=workspace_id, job_id=job_id)
    if not transition(session, job_id, C, error="cancelled by user"):
        raise ConflictError(
            f"job {job_id} is {job.state.value}; it cannot be cancelled"
        )
    return get_job(session, workspace_id=workspace_id, job_id=job_id)


def retry_job(session: Session, *, workspace_id: str, job_id: str) -> JobPublic:
    """Queue a failed or cancelled job again, keeping its id and links."""
    job = get_job(session, workspace_id=workspace_id, job_id=job_id)
    ok = transition(
        session,
        job_id,
        Q,
        error=None,
        result=None,
        started_at=None,
        finished_at=None,
        worker_pid=None,
    )
    if not ok or job.state is JobState.RUNNING:
        raise ConflictError(
            f"job {job_id} is {job.state.value}; only failed or cancelled jobs retry"
        )
    return get_job(session, workspace_id=workspace_id, job_id=job_id)


def claim_next(session: Session, *, exclude: Iterable[str] = ()) -> SqlJob | None:
    """Atomically take the oldest queued job and mark it running."""
    candidates = session.scalars(
        select(SqlJob.id)
        .where(SqlJob.state == Q.value)
        .order_by(SqlJob.created_at)
        .limit(5)
    ).all()
    for job_id in candidates:
        if job_id in exclude:
            continue
        row = session.get(SqlJob, job_id)
        assert row is not None
        if transition(
            session, job_id, R, started_at=utcnow(), attempts=row.attempts + 1
        ):
            session.refresh(row)
            return row
    return None


def recover_unfinished(session: Session) -> list[tuple[str, JobState]]:
    """After a restart: requeue or fail jobs left running by a dead server.

    A job whose handler says it is safe to run again is queued again while it has
    attempts left; any other is failed with the reason, since running it twice
    could duplicate its effects.
    """
    outcome: list[tuple[str, JobState]] = []
    rows = session.scalars(select(SqlJob).where(SqlJob.state == R.value)).all()
    for row in rows:
        _kill_orphan(row)
        if row.retry_safe and row.attempts < row.max_attempts:
            transition(session, row.id, Q, worker_pid=None, started_at=None)
            outcome.append((row.id, Q))
        else:
            transition(
                session,
                row.id,
                F,
                error="worker lost: the server stopped while this job was running",
            )
            outcome.append((row.id, F))
    return outcome


def _kill_orphan(row: SqlJob) -> None:
    """Stop a worker left behind by a dead server, if it is still ours and alive."""
    import os
    import signal

    if not row.worker_pid:
        return
    try:
        with open(f"/proc/{row.worker_pid}/cmdline", "rb") as handle:
            cmdline = handle.read()
    except OSError:
        return
    if b"loom.jobs.worker" in cmdline and row.id.encode() in cmdline:
        with contextlib.suppress(OSError):
            os.kill(row.worker_pid, signal.SIGKILL)
