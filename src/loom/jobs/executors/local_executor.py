"""Runs each job in its own Python subprocess (``python -m loom.jobs.worker JOB_ID``).

Subprocesses rather than threads: training holds the GIL and may leak memory or
crash in native code; a separate process keeps the API responsive, can be killed
on cancel, and its output is captured to the job's log file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from loom.core.config import Settings
from loom.jobs.executors.base import JobExecutor, WorkerExit

_TERM_GRACE_S = 3.0


def worker_environment(settings: Settings) -> dict[str, str]:
    """The environment a worker needs to rebuild the same settings."""
    env = dict(os.environ)
    env["LOOM_HOME"] = str(settings.home)
    env["LOOM_DATABASE_URL"] = settings.resolved_database_url
    env["LOOM_ARTIFACT_ROOT"] = settings.resolved_artifact_root
    if settings.data_roots:
        env["LOOM_DATA_ROOTS"] = settings.data_roots
    env["PYTHONUNBUFFERED"] = "1"
    return env


def log_path(settings: Settings, job_id: str) -> Path:
    """Where the worker of ``job_id`` writes its output."""
    return settings.logs_dir / f"{job_id}.log"


class LocalJobExecutor(JobExecutor):
    """A pool of at most ``capacity`` worker subprocesses on this machine."""

    name = "local"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.capacity = settings.executor_workers
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        settings.logs_dir.mkdir(parents=True, exist_ok=True)

    def submit(self, job_id: str) -> int | None:
        with log_path(self.settings, job_id).open("ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "loom.jobs.worker", job_id],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=worker_environment(self.settings),
                start_new_session=True,
            )
        self._procs[job_id] = proc
        return proc.pid

    def poll(self) -> list[WorkerExit]:
        ended = [
            (j, p.returncode) for j, p in self._procs.items() if p.poll() is not None
        ]
        for job_id, _ in ended:
            del self._procs[job_id]
        return [WorkerExit(job_id, code) for job_id, code in ended]

    def running(self) -> set[str]:
        return {j for j, p in self._procs.items() if p.poll() is None}

    def cancel(self, job_id: str) -> None:
        proc = self._procs.get(job_id)
        if proc is None or proc.poll() is not None:
            return
        _stop_group(proc)

    def shutdown(self) -> None:
        for proc in list(self._procs.values()):
            if proc.poll() is None:
                _stop_group(proc)
        self._procs.clear()


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the worker's process group, then SIGKILL it if it lingers."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + _TERM_GRACE_S
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        proc.wait(timeout=5)
