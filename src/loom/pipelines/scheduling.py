"""Cron schedules of pipeline runs and the server thread that fires them.

Firing is claimed with a conditional UPDATE (``SET next_run_at = next WHERE
id = … AND next_run_at = due``), like the job queue's transitions: when two
servers share a database and both see a schedule due, only the one whose
UPDATE changed the row queues the run. The same thread reports ended
scheduled runs to their alert channels (see ``alerts.py``).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from loom.core.clock import utcnow
from loom.core.config import Settings
from loom.core.errors import InvalidInputError
from loom.jobs.orm import SqlJob
from loom.pipelines import alerts, service
from loom.pipelines.jobs import check_outputs, start_run
from loom.pipelines.orm import SqlPipeline, SqlPipelineRun
from loom.pipelines.schemas import (
    RunRequest,
    ScheduleAlerts,
    SchedulePublic,
    ScheduleSpec,
)
from loom.pipelines.spec import load_spec
from loom.storage.db import Database

logger = logging.getLogger(__name__)
_FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 7),  # 0 and 7 both mean Sunday
)
_NAMES = {
    "month": [
        "jan",
        "feb",
        "mar",
        "apr",
        "may",
        "jun",
        "jul",
        "aug",
        "sep",
        "oct",
        "nov",
        "dec",
    ],
    "day of week": ["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
}
_TEMPLATE = re.compile(r"\{\{\s*([A-Za-z_]+)\s*\}\}")
_SEARCH_YEARS = 5


@dataclass(frozen=True)
class Cron:
    """A parsed 5-field cron expression (minute hour day-of-month month day-of-week)."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    any_day: bool
    any_weekday: bool

    def _day_ok(self, moment: datetime) -> bool:
        weekday = (moment.weekday() + 1) % 7  # cron: Sunday is 0
        if not self.any_day and not self.any_weekday:  # cron's OR rule
            return moment.day in self.days or weekday in self.weekdays
        return moment.day in self.days and weekday in self.weekdays

    def next_after(self, after: datetime, zone: ZoneInfo) -> datetime:
        """The first firing strictly after ``after``, as aware UTC.

        Raises:
            InvalidInputError: the expression never fires (``0 0 31 2 *``).
        """
        local = after.astimezone(zone).replace(second=0, microsecond=0, tzinfo=None)
        moment, limit = local + timedelta(minutes=1), local.year + _SEARCH_YEARS
        while moment.year <= limit:
            if moment.month not in self.months:
                year, month = divmod(moment.month, 12)
                moment = datetime(moment.year + year, month + 1, 1)
            elif not self._day_ok(moment):
                moment = datetime(moment.year, moment.month, moment.day) + timedelta(
                    days=1
                )
            elif moment.hour not in self.hours:
                moment = moment.replace(minute=0) + timedelta(hours=1)
            elif moment.minute not in self.minutes:
                moment += timedelta(minutes=1)
            else:
                return moment.replace(tzinfo=zone).astimezone(UTC)
        raise InvalidInputError("cron expression never fires (check day and month)")


def parse_cron(expression: str) -> Cron:
    """Parse ``"0 2 * * *"``-style cron (numbers, names, ``*``, ``a-b``, ``/n``, lists).

    Raises:
        InvalidInputError: not 5 fields, or a field out of range (named).
    """
    parts = expression.split()
    if len(parts) != 5:
        raise InvalidInputError(
            f"cron needs 5 fields (minute hour day month weekday), like "
            f"'0 2 * * *'; got {expression!r}",
            details={"parameter": "cron"},
        )
    minutes, hours, days, months, weekdays = (
        _field(p, *spec) for p, spec in zip(parts, _FIELDS, strict=True)
    )
    return Cron(
        minutes,
        hours,
        days,
        months,
        weekdays,
        any_day=parts[2] == "*",
        any_weekday=parts[4] == "*",
    )


def _field(text: str, name: str, low: int, high: int) -> frozenset[int]:
    values: set[int] = set()
    for item in text.lower().split(","):
        body, _, step_text = item.partition("/")
        try:
            step = int(step_text) if step_text else 1
            if body == "*":
                start, stop = low, high
            else:
                first, _, last = body.partition("-")
                start = _value(first, name)
                stop = _value(last, name) if last else (high if step_text else start)
        except ValueError:
            start, stop, step = -1, -1, 0
        if step < 1 or not low <= start <= stop <= high:
            raise InvalidInputError(
                f"cron {name} field {text!r} is invalid; values run {low}-{high}",
                details={"parameter": "cron", "field": name},
            )
        values.update(range(start, stop + 1, step))
    return (
        frozenset(v % 7 for v in values) if name == "day of week" else frozenset(values)
    )


def _value(text: str, name: str) -> int:
    names = _NAMES.get(name, [])
    if text in names:
        return names.index(text) + (1 if name == "month" else 0)
    return int(text)


def parse_zone(name: str) -> ZoneInfo:
    """A time zone by IANA name, or an error naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInputError(
            f"unknown time zone {name!r}; use an IANA name such as 'UTC' or "
            "'Europe/Paris'",
            details={"parameter": "timezone"},
        ) from None


def render_variables(
    templates: dict[str, str], scheduled: datetime, zone: ZoneInfo
) -> dict[str, str]:
    """Substitute ``{{ds}}`` (run date) and ``{{ts}}`` (scheduled time) in values."""
    local = scheduled.astimezone(zone)
    values = {"ds": local.date().isoformat(), "ts": local.isoformat()}
    return {
        name: _TEMPLATE.sub(lambda m: values[m.group(1)], text)
        for name, text in templates.items()
    }


def set_schedule(
    session: Session,
    *,
    workspace_id: str,
    ref: str,
    body: ScheduleSpec,
    now: datetime | None = None,
) -> SchedulePublic:
    """Validate and store a pipeline's schedule (replacing any previous one)."""
    pipeline = service.find_pipeline(session, workspace_id=workspace_id, ref=ref)
    if not body.cron.strip():
        raise InvalidInputError(
            "cron is required, like '0 2 * * *'", details={"parameter": "cron"}
        )
    cron, zone = parse_cron(body.cron), parse_zone(body.timezone)
    for name, text in body.variables.items():
        for placeholder in _TEMPLATE.findall(text):
            if placeholder not in ("ds", "ts"):
                raise InvalidInputError(
                    f"schedule variable '{name}' uses {{{{{placeholder}}}}}; "
                    "only {{ds}} and {{ts}} are substituted",
                    details={"variable": name},
                )
    check_outputs(load_spec(service.version_row(session, pipeline).spec), body.outputs)
    nxt = cron.next_after(now or utcnow(), zone) if body.enabled else None
    pipeline.schedule = body.model_dump(mode="json")
    pipeline.next_run_at = nxt
    return SchedulePublic(**pipeline.schedule, next_run_at=nxt)


def delete_schedule(session: Session, *, workspace_id: str, ref: str) -> None:
    """Remove a pipeline's schedule; runs already queued still run."""
    pipeline = service.find_pipeline(session, workspace_id=workspace_id, ref=ref)
    pipeline.schedule = None
    pipeline.next_run_at = None


class Scheduler:
    """Fires due schedules and delivers alerts of ended scheduled runs.

    Args:
        db: the metadata store (shared with any other server).
        settings: for the tick interval and SMTP.
        on_enqueue: called after a run is queued (wakes the dispatcher).
    """

    def __init__(
        self,
        db: Database,
        settings: Settings,
        on_enqueue: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.on_enqueue = on_enqueue
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start ticking in a daemon thread."""
        self._thread = threading.Thread(
            target=self._run, name="loom-scheduler", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread (an alert being sent finishes first)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # the loop must survive a transient DB error
                logger.exception("pipeline scheduler tick failed")
            self._stop.wait(self.settings.scheduler_interval_s)

    def tick(self, now: datetime | None = None) -> list[str]:
        """Fire what is due at ``now`` and send pending alerts; the new run ids."""
        fired = self.fire_due(now or utcnow())
        self.deliver_alerts()
        return fired

    def fire_due(self, now: datetime) -> list[str]:
        """Queue one run per due schedule this instance wins; their ids."""
        with self.db.session() as session:
            due = session.execute(
                select(SqlPipeline.id, SqlPipeline.next_run_at).where(
                    SqlPipeline.next_run_at.is_not(None),
                    SqlPipeline.next_run_at <= now,
                )
            ).all()
        fired = [self._fire(pid, at, now) for pid, at in due if at is not None]
        if any(fired) and self.on_enqueue is not None:
            self.on_enqueue()
        return [run_id for run_id in fired if run_id]

    def _fire(self, pipeline_id: str, due: datetime, now: datetime) -> str | None:
        try:
            with self.db.session() as session:
                return _claim_and_start(session, pipeline_id, due, now)
        except Exception:  # a broken schedule must not block the others
            logger.exception(
                "scheduled run of pipeline %s failed to start", pipeline_id
            )
            with self.db.session() as session:
                _advance(session, pipeline_id, due, None)
            return None

    def deliver_alerts(self) -> int:
        """Report every ended scheduled run whose alert is pending; how many."""
        with self.db.session() as session:
            pending = session.scalars(
                select(SqlPipelineRun.id)
                .join(SqlJob, SqlJob.id == SqlPipelineRun.job_id)
                .where(
                    SqlPipelineRun.alert_state == "pending",
                    SqlJob.state.in_(["succeeded", "failed", "cancelled"]),
                )
            ).all()
        sent = 0
        for run_id in pending:
            claimed = self._claim_alert(run_id)
            if claimed is not None:
                alerts.deliver(self.settings, *claimed)
                sent += 1
        return sent

    def _claim_alert(self, run_id: str) -> tuple[ScheduleAlerts, dict[str, Any]] | None:
        with self.db.session() as session:
            won = session.execute(
                update(SqlPipelineRun)
                .where(
                    SqlPipelineRun.id == run_id,
                    SqlPipelineRun.alert_state == "pending",
                )
                .values(alert_state="sent")
            ).rowcount  # type: ignore[attr-defined]
            if not won:
                return None
            row = session.get(SqlPipelineRun, run_id)
            assert row is not None
            assert row.alerts is not None
            job = session.get(SqlJob, row.job_id)
            pipeline = session.get(SqlPipeline, row.pipeline_id)
            assert job is not None
            assert pipeline is not None
            payload = {
                "pipeline": pipeline.name,
                "run_id": row.id,
                "state": job.state,
                "error": job.error,
                "finished_at": job.finished_at.isoformat() if job.finished_at else None,
            }
            return ScheduleAlerts.model_validate(row.alerts), payload


def _advance(
    session: Session, pipeline_id: str, due: datetime, nxt: datetime | None
) -> bool:
    """Move ``next_run_at`` from ``due`` to ``nxt``; False if another server did."""
    result = session.execute(
        update(SqlPipeline)
        .where(SqlPipeline.id == pipeline_id, SqlPipeline.next_run_at == due)
        .values(next_run_at=nxt)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _claim_and_start(
    session: Session, pipeline_id: str, due: datetime, now: datetime
) -> str | None:
    pipeline = session.get(SqlPipeline, pipeline_id)
    if pipeline is None or pipeline.schedule is None:
        return None
    schedule = ScheduleSpec.model_validate(pipeline.schedule)
    zone = parse_zone(schedule.timezone)
    # Missed firings (the server was down) collapse into this one run.
    nxt = parse_cron(schedule.cron).next_after(max(now, due), zone)
    if not _advance(session, pipeline_id, due, nxt):
        return None
    wanted = schedule.alerts
    run = start_run(
        session,
        workspace_id=pipeline.workspace_id,
        ref=pipeline.id,
        request=RunRequest(
            variables=render_variables(schedule.variables, due, zone),
            outputs=schedule.outputs,
        ),
        trigger="schedule",
        alerts=(
            wanted.model_dump(mode="json")
            if wanted is not None and (wanted.webhook_url or wanted.email)
            else None
        ),
    )
    logger.info("scheduled run %s of pipeline %s queued", run.id, pipeline.name)
    return run.id
