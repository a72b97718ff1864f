"""The dispatcher: a server thread that claims queued jobs and watches their workers."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import select

from loom.core.config import Settings
from loom.jobs import queue
from loom.jobs.executors.base import JobExecutor, WorkerExit
from loom.jobs.executors.local_executor import log_path
from loom.jobs.orm import SqlJob
from loom.jobs.schemas import JobState
from loom.storage.db import Database

logger = logging.getLogger(__name__)


class Dispatcher:
    """Claims queued jobs up to the executor's capacity and settles ended workers.

    One dispatcher per metadata store: on start it recovers jobs a previous server
    left running, so queued work survives restarts.
    """

    def __init__(self, db: Database, executor: JobExecutor, settings: Settings) -> None:
        self.db = db
        self.executor = executor
        self.settings = settings
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Recover unfinished jobs, then start the loop in a daemon thread."""
        with self.db.session() as session:
            for job_id, state in queue.recover_unfinished(session):
                logger.warning("recovered job %s → %s", job_id, state.value)
        self._thread = threading.Thread(
            target=self._run, name="loom-dispatcher", daemon=True
        )
        self._thread.start()

    def wake(self) -> None:
        """Look for work now instead of at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        """Stop the loop and every worker."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.executor.shutdown()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # the loop must survive a transient DB error
                logger.exception("dispatcher tick failed")
            self._wake.wait(self.settings.job_poll_interval_s)
            self._wake.clear()

    def tick(self) -> None:
        """One round: settle ended workers, stop cancelled ones, start queued ones."""
        for ended in self.executor.poll():
            self._settle(ended)
        self._stop_cancelled()
        while len(self.executor.running()) < self.executor.capacity:
            with self.db.session() as session:
                row = queue.claim_next(session)
                if row is None:
                    return
                job_id = row.id
            pid = self.executor.submit(job_id)
            with self.db.session() as session:
                job = session.get(SqlJob, job_id)
                if job is not None:
                    job.worker_pid = pid

    def _settle(self, ended: WorkerExit) -> None:
        """Fail a job whose worker died without recording an outcome."""
        with self.db.session() as session:
            row = session.get(SqlJob, ended.job_id)
            if row is None or row.state != JobState.RUNNING.value:
                return
            reason = f"worker exited with code {ended.exit_code}"
            tail = _log_tail(self.settings, ended.job_id)
            queue.transition(
                session,
                ended.job_id,
                JobState.FAILED,
                error=f"{reason}: {tail}" if tail else reason,
            )

    def _stop_cancelled(self) -> None:
        alive = self.executor.running()
        if not alive:
            return
        with self.db.session() as session:
            states = dict(
                session.execute(
                    select(SqlJob.id, SqlJob.state).where(SqlJob.id.in_(alive))
                )
                .tuples()
                .all()
            )
        for job_id in alive:
            if states.get(job_id) != JobState.RUNNING.value:
                self.executor.cancel(job_id)


def _log_tail(settings: Settings, job_id: str, lines: int = 3) -> str:
    path = log_path(settings, job_id)
    if not path.exists():
        return ""
    text = path.read_text(errors="replace").strip().splitlines()
    return " | ".join(text[-lines:])
