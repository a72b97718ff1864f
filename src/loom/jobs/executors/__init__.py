"""Job executors: where a claimed job's worker actually runs."""

from loom.jobs.executors.base import JobExecutor, WorkerExit
from loom.jobs.executors.registry import create_executor

__all__ = ["JobExecutor", "WorkerExit", "create_executor"]
