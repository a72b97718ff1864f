"""The job state machine and the queue's transitions."""

from __future__ import annotations

import pytest

from loom.auth import service as auth_service
from loom.core.config import Settings
from loom.core.errors import ConflictError, InvalidInputError, NotFoundError
from loom.jobs import queue
from loom.jobs.schemas import JobState
from loom.storage.db import Database


@pytest.fixture
def db(settings: Settings) -> Database:
    database = Database(settings.resolved_database_url)
    database.migrate()
    return database


@pytest.fixture
def workspace_id(db: Database) -> str:
    with db.session() as session:
        return auth_service.create_workspace(session, name="w").id


ALL = list(JobState)


@pytest.mark.parametrize("source", ALL)
@pytest.mark.parametrize("target", ALL)
def test_transition_follows_the_state_machine(
    db: Database, workspace_id: str, source: JobState, target: JobState
) -> None:
    with db.session() as session:
        job = queue.enqueue(
            session, workspace_id=workspace_id, job_type="diagnostics.sleep", params={}
        )
        session.execute(
            queue.update(queue.SqlJob)
            .where(queue.SqlJob.id == job.id)
            .values(state=source.value)
        )
        changed = queue.transition(session, job.id, target)
        final = queue.get_job(session, workspace_id=workspace_id, job_id=job.id).state
    allowed = queue.can_transition(source, target)
    assert changed is allowed
    assert final is (target if allowed else source)


def test_succeeded_is_terminal() -> None:
    assert not any(queue.can_transition(JobState.SUCCEEDED, t) for t in JobState)


def test_enqueue_rejects_unknown_job_type_with_choices(
    db: Database, workspace_id: str
) -> None:
    with (
        db.session() as session,
        pytest.raises(InvalidInputError, match=r"choose one of: .*dataset\.import"),
    ):
        queue.enqueue(session, workspace_id=workspace_id, job_type="nope", params={})


def test_claim_next_takes_oldest_first_and_only_once(
    db: Database, workspace_id: str
) -> None:
    with db.session() as session:
        first = queue.enqueue(
            session, workspace_id=workspace_id, job_type="diagnostics.sleep", params={}
        )
        second = queue.enqueue(
            session, workspace_id=workspace_id, job_type="diagnostics.sleep", params={}
        )
    with db.session() as session:
        claimed = queue.claim_next(session)
        assert claimed is not None and claimed.id == first.id
        assert claimed.state == "running" and claimed.attempts == 1
    with db.session() as session:
        claimed = queue.claim_next(session)
        assert claimed is not None and claimed.id == second.id
    with db.session() as session:
        assert queue.claim_next(session) is None


def test_cancel_and_retry(db: Database, workspace_id: str) -> None:
    with db.session() as session:
        job = queue.enqueue(
            session, workspace_id=workspace_id, job_type="diagnostics.sleep", params={}
        )
        cancelled = queue.cancel_job(session, workspace_id=workspace_id, job_id=job.id)
        assert (
            cancelled.state is JobState.CANCELLED and cancelled.finished_at is not None
        )
        with pytest.raises(ConflictError, match="cannot be cancelled"):
            queue.cancel_job(session, workspace_id=workspace_id, job_id=job.id)
        retried = queue.retry_job(session, workspace_id=workspace_id, job_id=job.id)
        assert retried.state is JobState.QUEUED and retried.finished_at is None
        with pytest.raises(ConflictError, match="only failed or cancelled"):
            queue.retry_job(session, workspace_id=workspace_id, job_id=job.id)


def test_other_workspace_job_is_not_found(db: Database, workspace_id: str) -> None:
    with db.session() as session:
        other = auth_service.create_workspace(session, name="other").id
        job = queue.enqueue(
            session, workspace_id=workspace_id, job_type="diagnostics.sleep", params={}
        )
        with pytest.raises(NotFoundError):
            queue.get_job(session, workspace_id=other, job_id=job.id)
        with pytest.raises(NotFoundError):
            queue.cancel_job(session, workspace_id=other, job_id=job.id)


def test_recovery_requeues_safe_jobs_and_fails_the_rest(
    db: Database, workspace_id: str
) -> None:
    with db.session() as session:
        safe = queue.enqueue(
            session,
            workspace_id=workspace_id,
            job_type="diagnostics.sleep",
            params={},
            retry_safe=True,
            max_attempts=2,
        )
        unsafe = queue.enqueue(
            session, workspace_id=workspace_id, job_type="diagnostics.sleep", params={}
        )
        spent = queue.enqueue(
            session,
            workspace_id=workspace_id,
            job_type="diagnostics.sleep",
            params={},
            retry_safe=True,
            max_attempts=1,
        )
    with db.session() as session:
        for _ in range(3):
            assert queue.claim_next(session) is not None
    with db.session() as session:
        outcome = dict(queue.recover_unfinished(session))
    assert outcome == {
        safe.id: JobState.QUEUED,
        unsafe.id: JobState.FAILED,
        spent.id: JobState.FAILED,
    }
    with db.session() as session:
        failed = queue.get_job(session, workspace_id=workspace_id, job_id=unsafe.id)
    assert failed.error is not None and "worker lost" in failed.error
