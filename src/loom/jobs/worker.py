"""Worker entry point: ``python -m loom.jobs.worker JOB_ID`` runs one job.

The worker writes the job's outcome itself (conditionally, so a cancellation that
happened meanwhile wins); the dispatcher only steps in when a worker dies silently.
"""

from __future__ import annotations

import shutil
import sys
import traceback

from loom.core.config import Settings
from loom.core.errors import LoomError
from loom.jobs import queue
from loom.jobs.context import JobCancelled, JobContext
from loom.jobs.handlers import resolve_handler
from loom.jobs.orm import SqlJob
from loom.jobs.schemas import JobState
from loom.storage.artifacts import open_artifact_store
from loom.storage.db import Database


def run_job(job_id: str, settings: Settings) -> int:
    """Run one claimed job to its end state; returns the process exit code."""
    db = Database(settings.resolved_database_url)
    with db.session() as session:
        row = session.get(SqlJob, job_id)
        if row is None or row.state != JobState.RUNNING.value:
            return 0
        ctx = JobContext(
            job_id=row.id,
            workspace_id=row.workspace_id,
            job_type=row.type,
            params=dict(row.params),
            settings=settings,
            db=db,
            artifacts=open_artifact_store(settings.resolved_artifact_root),
            workdir=settings.home / "work" / job_id,
        )
    ctx.workdir.mkdir(parents=True, exist_ok=True)
    ctx.log(f"job {job_id} ({ctx.job_type}) started, attempt {row.attempts}")
    try:
        result = resolve_handler(ctx.job_type)(ctx)
    except JobCancelled:
        ctx.log("job cancelled; stopping")
        return 0
    except LoomError as exc:
        ctx.log(f"job failed: {exc.message}")
        _finish(db, job_id, JobState.FAILED, error=exc.message)
        return 0
    except Exception as exc:
        traceback.print_exc()
        _finish(db, job_id, JobState.FAILED, error=f"{type(exc).__name__}: {exc}")
        return 0
    finally:
        shutil.rmtree(ctx.workdir, ignore_errors=True)
    ctx.log("job succeeded")
    _finish(db, job_id, JobState.SUCCEEDED, result=result)
    return 0


def _finish(db: Database, job_id: str, state: JobState, **fields: object) -> None:
    with db.session() as session:
        queue.transition(session, job_id, state, **fields)


def main() -> None:
    """Command-line entry: the job id is the only argument."""
    # Before any numeric library loads: idle OpenMP threads must sleep, not spin,
    # or concurrent jobs on a small machine starve each other (see openmp.py).
    from loom.algorithms.boosting.openmp import prefer_passive_wait

    prefer_passive_wait()
    sys.exit(run_job(sys.argv[1], Settings()))


if __name__ == "__main__":
    main()
