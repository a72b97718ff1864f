"""Live training hooks for the ``training.run`` job: record epochs, honour stops."""

from __future__ import annotations

import math
import time

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from loom.jobs.context import JobContext
from loom.tracking.orm import SqlRun, SqlRunEpoch

STOP_POLL_S = 2.0


class LiveHooks:
    """``on_epoch`` and ``should_stop`` for one run's stored-model fit.

    Each callback opens its own short session, so an epoch row is visible to
    ``GET /runs/{id}/epochs`` the moment it is written, not when the run ends.

    Args:
        ctx: the job's context (database, log, cancel check).
        run_id: the run being trained.
        poll_s: the least time between two reads of the stop flag; the
            trainer polls between batches, far more often than that.
    """

    def __init__(self, ctx: JobContext, run_id: str, poll_s: float = STOP_POLL_S):
        self.ctx = ctx
        self.run_id = run_id
        self.poll_s = poll_s
        self._checked_at: float | None = None
        self._stop = False

    def forget_epochs(self) -> None:
        """Drop epochs of an earlier attempt, so a retried run streams afresh."""
        with self.ctx.db.session() as session:
            session.execute(
                delete(SqlRunEpoch).where(SqlRunEpoch.run_id == self.run_id)
            )

    def on_epoch(self, epoch: int, metrics: dict[str, float]) -> None:
        """Store one epoch's metrics (a repeated epoch is ignored) and log it."""
        clean = {k: _finite(v) for k, v in metrics.items()}
        try:
            with self.ctx.db.session() as session:
                exists = session.scalar(
                    select(SqlRunEpoch.id).where(
                        SqlRunEpoch.run_id == self.run_id, SqlRunEpoch.epoch == epoch
                    )
                )
                if exists is None:
                    session.add(
                        SqlRunEpoch(run_id=self.run_id, epoch=epoch, metrics=clean)
                    )
        except IntegrityError:
            pass  # written meanwhile (a resumed fit): the first one stands
        shown = ", ".join(
            f"{k}={v:.4g}" for k, v in clean.items() if v is not None and k != "seconds"
        )
        self.ctx.log(f"epoch {epoch}: {shown}")

    def should_stop(self) -> bool:
        """True once a stop was requested; raises ``JobCancelled`` if cancelled.

        The answer is cached for ``poll_s`` seconds so polling between batches
        costs no database round trip per batch.
        """
        now = time.monotonic()
        if self._stop:
            return True
        if self._checked_at is not None and now - self._checked_at < self.poll_s:
            return False
        self._checked_at = now
        self.ctx.check_cancelled()
        with self.ctx.db.session() as session:
            requested = session.scalar(
                select(SqlRun.stop_requested).where(SqlRun.id == self.run_id)
            )
        if requested:
            self._stop = True
            self.ctx.log("stop requested: ending training, keeping the best epoch")
        return self._stop


def _finite(value: float) -> float | None:
    """JSON (and PostgreSQL) hold no NaN or infinity: those become null."""
    number = float(value)
    return number if math.isfinite(number) else None
