"""Picks the job executor by name (``LOOM_EXECUTOR``), in one place."""

from __future__ import annotations

from loom.core.config import Settings
from loom.core.errors import InvalidInputError
from loom.jobs.executors.base import JobExecutor


def create_executor(settings: Settings) -> JobExecutor:
    """Build the executor the settings name."""
    if settings.executor == "local":
        from loom.jobs.executors.local_executor import LocalJobExecutor

        return LocalJobExecutor(settings)
    raise InvalidInputError(
        f"executor '{settings.executor}' is not available in this build; choose: local"
    )
