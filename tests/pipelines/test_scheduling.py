"""Cron schedules: parsing, {{ds}} substitution, exactly-once firing, alerts."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from loom.core.config import Settings
from loom.core.errors import InvalidInputError
from loom.pipelines.scheduling import Scheduler, parse_cron, render_variables
from loom.storage.db import Database
from tests.api.helpers import register_frame
from tests.e2e.conftest import free_port
from tests.fixtures.api import Api

UTC_ZONE = ZoneInfo("UTC")


def _spec(query: str) -> dict[str, Any]:
    return {
        "name": "daily",
        "variables": {"day": "1970-01-01"},
        "nodes": [
            {"id": "raw", "op": "source", "params": {"dataset": "penguins"}},
            {
                "id": "stamp",
                "op": "sql",
                "params": {"query": query},
                "inputs": {"input": "raw"},
            },
        ],
    }


@pytest.fixture
def settings(_isolated_home: Path) -> Settings:
    """No background scheduler: each test ticks its own instances."""
    return Settings(
        home=_isolated_home, job_poll_interval_s=0.05, scheduler_enabled=False
    )


@pytest.mark.parametrize(
    ("expression", "after", "zone", "expected"),
    [
        ("0 2 * * *", datetime(2026, 11, 21, 22, 40), "UTC", datetime(2026, 11, 22, 2)),
        # weekdays 9-17 every 15 min: Friday 17:50 → Monday 09:00
        (
            "*/15 9-17 * * 1-5",
            datetime(2026, 11, 20, 17, 50),
            "UTC",
            datetime(2026, 11, 23, 9),
        ),
        # 02:00 in Paris is 01:00 UTC in winter
        (
            "0 2 * * *",
            datetime(2026, 11, 21, 12),
            "Europe/Paris",
            datetime(2026, 11, 22, 1),
        ),
        ("0 0 29 2 *", datetime(2026, 3, 1), "UTC", datetime(2028, 2, 29)),
        # Sunday is 0 and 7; day-of-month OR day-of-week when both are given
        ("0 12 * * 7", datetime(2026, 11, 21, 13), "UTC", datetime(2026, 11, 22, 12)),
        ("30 8 1 * mon", datetime(2026, 11, 25), "UTC", datetime(2026, 11, 30, 8, 30)),
        ("0 0 1 jan-mar/2 *", datetime(2026, 1, 2), "UTC", datetime(2026, 3, 1)),
    ],
)
def test_cron_next_after_finds_the_next_firing(
    expression: str, after: datetime, zone: str, expected: datetime
) -> None:
    got = parse_cron(expression).next_after(after.replace(tzinfo=UTC), ZoneInfo(zone))
    assert got == expected.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "named"),
    [
        ("0 2 * *", "5 fields"),
        ("61 * * * *", "minute"),
        ("0 24 * * *", "hour"),
        ("0 0 0 * *", "day of month"),
        ("0 0 * 13 *", "month"),
        ("*/0 * * * *", "minute"),
        ("0 x * * *", "hour"),
    ],
)
def test_cron_rejects_bad_fields_naming_them(expression: str, named: str) -> None:
    with pytest.raises(InvalidInputError, match=named):
        parse_cron(expression)


def test_cron_that_never_fires_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="never fires"):
        parse_cron("0 0 31 2 *").next_after(datetime(2026, 1, 1, tzinfo=UTC), UTC_ZONE)


def test_render_variables_substitutes_run_date_and_time_in_the_zone() -> None:
    due = datetime(2026, 11, 21, 23, 30, tzinfo=UTC)
    values = render_variables(
        {"day": "{{ds}}", "path": "s3://b/{{ ds }}/x", "at": "{{ts}}", "k": "v"},
        due,
        ZoneInfo("Asia/Shanghai"),
    )
    assert values == {
        "day": "2026-11-22",
        "path": "s3://b/2026-11-22/x",
        "at": "2026-11-22T07:30:00+08:00",
        "k": "v",
    }


def _schedule(api: Api, body: dict[str, Any]) -> datetime:
    sched = api.ok("PUT", "/pipelines/daily/schedule", json=body)
    return datetime.fromisoformat(sched["next_run_at"])


def test_due_schedule_fires_exactly_once_across_two_schedulers(
    api_no_jobs: Api, penguins_df: pd.DataFrame, settings: Settings
) -> None:
    api = api_no_jobs
    register_frame(api, "penguins", penguins_df)
    api.ok(
        "POST",
        "/pipelines",
        json={"name": "daily", "spec": _spec("SELECT *, ${day} AS day FROM input")},
    )
    due = _schedule(
        api,
        {
            "cron": "0 2 * * *",
            "variables": {"day": "{{ds}}"},
            "outputs": {"stamp.output": "penguins_daily"},
        },
    )
    assert (due.hour, due.minute) == (2, 0)
    schedulers = [
        Scheduler(Database(settings.resolved_database_url), settings) for _ in range(2)
    ]
    assert [s.tick(due - timedelta(minutes=1)) for s in schedulers] == [[], []]
    barrier = threading.Barrier(2)
    fired: list[list[str]] = [[], []]

    def tick(i: int) -> None:
        barrier.wait()
        fired[i] = schedulers[i].fire_due(due + timedelta(minutes=1))

    threads = [threading.Thread(target=tick, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(f) for f in fired) == [0, 1]
    assert [s.tick(due + timedelta(minutes=2)) for s in schedulers] == [[], []]

    runs = api.ok("GET", "/pipeline-runs", params={"pipeline": "daily"})["items"]
    assert len(runs) == 1
    run = runs[0]
    assert run["id"] == (fired[0] or fired[1])[0]
    assert (run["trigger"], run["state"]) == ("schedule", "queued")
    assert run["variables"] == {"day": due.date().isoformat()}
    assert run["requested_outputs"] == {"stamp.output": "penguins_daily"}
    shown = api.ok("GET", "/pipelines/daily")["schedule"]
    assert datetime.fromisoformat(shown["next_run_at"]) == due + timedelta(days=1)
    api.ok("DELETE", "/pipelines/daily/schedule")
    assert api.ok("GET", "/pipelines/daily")["schedule"] is None
    for scheduler in schedulers:
        scheduler.db.dispose()


class _Receiver(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        type(self).received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_args: Any) -> None:
        return


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A real HTTP server on loopback that records the JSON bodies POSTed to it."""
    received: list[dict[str, Any]] = []
    handler = type("Receiver", (_Receiver,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, list[Any]]]:
    """A real SMTP server (aiosmtpd) on loopback that keeps every envelope."""
    from aiosmtpd.controller import Controller

    messages: list[Any] = []

    class Handler:
        async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
            messages.append(envelope)
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, messages
    finally:
        controller.stop()


@pytest.mark.slow
def test_failing_scheduled_run_alerts_by_webhook_and_email(
    api: Api,
    penguins_df: pd.DataFrame,
    settings: Settings,
    webhook: tuple[str, list[dict[str, Any]]],
    smtp_server: tuple[int, list[Any]],
) -> None:
    url, posted = webhook
    port, mails = smtp_server
    register_frame(api, "penguins", penguins_df)
    spec = _spec("SELECT CAST(species AS INTEGER) AS code, ${day} AS day FROM input")
    api.ok("POST", "/pipelines", json={"name": "daily", "spec": spec})
    due = _schedule(
        api,
        {
            "cron": "*/5 * * * *",
            "variables": {"day": "{{ds}}"},
            "outputs": {"stamp.output": "codes"},
            "alerts": {"webhook_url": url, "email": ["ops@example.com"]},
        },
    )
    alerting = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    scheduler = Scheduler(api.client.app.state.loom.db, alerting)  # type: ignore[attr-defined]
    (run_id,) = scheduler.fire_due(due)
    run = api.ok("GET", f"/pipeline-runs/{run_id}")
    assert api.wait_job(run["job_id"])["state"] == "failed"
    assert scheduler.deliver_alerts() == 1
    assert scheduler.deliver_alerts() == 0  # sent once

    (hook,) = posted
    assert (hook["pipeline"], hook["run_id"], hook["state"]) == (
        "daily",
        run_id,
        "failed",
    )
    assert "node 'stamp'" in hook["error"] and "Adelie" in hook["error"]
    assert hook["finished_at"]
    (mail,) = mails
    assert mail.rcpt_tos == ["ops@example.com"]
    text = mail.content.decode()
    assert "Subject: [Loom] pipeline daily run failed" in text
    assert "node 'stamp'" in text and run_id in text
    failed = api.ok("GET", f"/pipeline-runs/{run_id}")
    assert failed["nodes"]["stamp"]["status"] == "failed"
    assert failed["nodes"]["raw"]["status"] == "succeeded"
    assert api.call("GET", "/datasets/codes").status_code == 404
