"""The ``JobExecutor`` seam (after MLflow's job executor: submit / poll / cancel)."""

from __future__ import annotations

import abc
from dataclasses import dataclass


@dataclass(frozen=True)
class WorkerExit:
    """A worker that ended, and its exit code (0: it recorded the outcome)."""

    job_id: str
    exit_code: int


class JobExecutor(abc.ABC):
    """Runs one worker per claimed job; the queue and state machine live elsewhere.

    The dispatcher owns the state machine; an executor only starts, watches and
    stops workers, so a Ray executor can replace the local one without touching
    callers.
    """

    name: str
    capacity: int

    @abc.abstractmethod
    def submit(self, job_id: str) -> int | None:
        """Start a worker for ``job_id``; returns its OS pid when there is one."""

    @abc.abstractmethod
    def poll(self) -> list[WorkerExit]:
        """Workers that ended since the last poll."""

    @abc.abstractmethod
    def running(self) -> set[str]:
        """Ids of jobs whose workers are alive."""

    @abc.abstractmethod
    def cancel(self, job_id: str) -> None:
        """Stop the worker of ``job_id`` (no error if it already ended)."""

    @abc.abstractmethod
    def shutdown(self) -> None:
        """Stop every worker and release resources."""
