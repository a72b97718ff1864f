"""Jobs through the API with real worker subprocesses: run, logs, cancel, restart recovery."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from fastapi.testclient import TestClient

from loom.api.app import create_app
from loom.auth import service as auth_service
from loom.core.config import Settings
from loom.jobs import queue
from loom.jobs.orm import SqlJob
from loom.storage.db import Database
from tests.fixtures.api import Api, admin_token


def _sleep_job(api: Api, seconds: float, **extra: object) -> str:
    with api.client.app.state.loom.db.session() as session:  # type: ignore[attr-defined]
        principal = auth_service.authenticate(session, api.token)
        job = queue.enqueue(
            session,
            workspace_id=principal.workspace_id,
            job_type="diagnostics.sleep",
            params={"seconds": seconds, **extra},
        )
    api.client.app.state.loom.dispatcher.wake()  # type: ignore[attr-defined]
    return job.id


def test_job_runs_in_a_worker_and_captures_logs(api: Api) -> None:
    job_id = _sleep_job(api, 0.1)
    job = api.wait_job(job_id)
    assert job["state"] == "succeeded"
    assert job["result"] == {"slept_s": 0.1}
    assert job["attempts"] == 1 and job["started_at"] and job["finished_at"]
    logs = api.call("GET", f"/jobs/{job_id}/logs").text
    assert "slept 0.1s" in logs and "job succeeded" in logs


def test_failing_job_records_the_reason(api: Api) -> None:
    job = api.wait_job(_sleep_job(api, 0, fail=True))
    assert job["state"] == "failed"
    assert job["error"] == "failing on request (diagnostics)"


def test_cancel_stops_a_running_worker(api: Api) -> None:
    job_id = _sleep_job(api, 60)
    deadline = time.monotonic() + 20
    while api.ok("GET", f"/jobs/{job_id}")["state"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    cancelled = api.ok("POST", f"/jobs/{job_id}/cancel")
    assert cancelled["state"] == "cancelled"
    with api.client.app.state.loom.db.session() as session:  # type: ignore[attr-defined]
        pid = session.get(SqlJob, job_id).worker_pid
    deadline = time.monotonic() + 15
    while _alive(pid):
        assert time.monotonic() < deadline, "worker still alive after cancel"
        time.sleep(0.05)
    assert api.ok("GET", f"/jobs/{job_id}")["state"] == "cancelled"
    retried = api.ok("POST", f"/jobs/{job_id}/retry")
    assert retried["state"] == "queued"


def test_worker_killed_marks_job_failed_with_reason(api: Api) -> None:
    job_id = _sleep_job(api, 60)
    deadline = time.monotonic() + 20
    pid = None
    while pid is None:
        assert time.monotonic() < deadline
        with api.client.app.state.loom.db.session() as session:  # type: ignore[attr-defined]
            pid = session.get(SqlJob, job_id).worker_pid
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    job = api.wait_job(job_id)
    assert job["state"] == "failed"
    assert "worker exited with code -9" in job["error"]


def test_queued_jobs_survive_a_restart(settings: Settings) -> None:
    with TestClient(create_app(settings, run_dispatcher=False)) as client:
        token = admin_token(settings)
        db = client.app.state.loom.db  # type: ignore[attr-defined]
        with db.session() as session:
            ws = auth_service.authenticate(session, token).workspace_id
            job = queue.enqueue(
                session,
                workspace_id=ws,
                job_type="diagnostics.sleep",
                params={"seconds": 0},
            )
        assert (
            client.get(
                f"/api/v1/jobs/{job.id}", headers={"Authorization": f"Bearer {token}"}
            ).json()["state"]
            == "queued"
        )
    with TestClient(create_app(settings)) as client:
        api = Api(client=client, settings=settings, token=token)
        assert api.wait_job(job.id)["state"] == "succeeded"


def test_restart_fails_jobs_whose_worker_died_and_kills_orphans(
    settings: Settings,
) -> None:
    with TestClient(create_app(settings, run_dispatcher=False)) as client:
        token = admin_token(settings)
    db = Database(settings.resolved_database_url)
    with db.session() as session:
        ws = auth_service.authenticate(session, token).workspace_id
        job = queue.enqueue(
            session,
            workspace_id=ws,
            job_type="diagnostics.sleep",
            params={"seconds": 60},
        )
    with db.session() as session:
        assert queue.claim_next(session) is not None
    # An orphaned worker left by a server that died: it must be stopped on restart.
    orphan = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; time.sleep(120)",
            "loom.jobs.worker",
            job.id,
        ]
    )
    with db.session() as session:
        session.get(SqlJob, job.id).worker_pid = orphan.pid
    with TestClient(create_app(settings)) as client:
        api = Api(client=client, settings=settings, token=token)
        recovered = api.ok("GET", f"/jobs/{job.id}")
    assert recovered["state"] == "failed"
    assert "worker lost" in recovered["error"]
    assert orphan.wait(timeout=10) == -signal.SIGKILL


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split()[2] != "Z"
    except OSError:
        return False
