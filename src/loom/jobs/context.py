"""What a job handler receives: its parameters, the stores, a logger, a cancel check."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loom.core.clock import utcnow
from loom.core.config import Settings
from loom.core.errors import LoomError
from loom.storage.artifacts import ArtifactStore
from loom.storage.db import Database


class JobCancelled(LoomError):
    """Raised inside a handler when its job was cancelled; stops work early."""


@dataclass
class JobContext:
    """Everything a handler may use; handlers never reach for globals.

    Attributes:
        workdir: a private scratch directory, removed after the job.
    """

    job_id: str
    workspace_id: str
    job_type: str
    params: dict[str, Any]
    settings: Settings
    db: Database
    artifacts: ArtifactStore
    workdir: Path
    extra: dict[str, Any] = field(default_factory=dict)

    def log(self, message: str) -> None:
        """Write a timestamped line to the job's log."""
        stamp = utcnow().strftime("%H:%M:%S")
        sys.stdout.write(f"{stamp} {message}\n")
        sys.stdout.flush()

    def check_cancelled(self) -> None:
        """Raise ``JobCancelled`` if the job is no longer running."""
        from loom.jobs.orm import SqlJob

        with self.db.session() as session:
            row = session.get(SqlJob, self.job_id)
            if row is None or row.state != "running":
                raise JobCancelled(f"job {self.job_id} was cancelled")
