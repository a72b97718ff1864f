"""A live Loom server on loopback, started the way a user starts it (``loom server``)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.browser import browser, page  # noqa: F401 - shared UI fixtures


@dataclass
class LiveServer:
    """A running server: its URL, admin token, home and a data root to put files in."""

    url: str
    token: str
    home: Path
    data_dir: Path
    process: subprocess.Popen[bytes]

    def env(self) -> dict[str, str]:
        """Environment for CLI subprocesses talking to this server."""
        return {
            **os.environ,
            "LOOM_HOME": str(self.home),
            "LOOM_URL": self.url,
            "LOOM_TOKEN": self.token,
        }

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        """One REST call under /api/v1 with the admin token; fails on an error status."""
        answer = httpx.request(
            method,
            f"{self.url}/api/v1{path}",
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=60,
            **kwargs,
        )
        assert answer.status_code < 300, answer.text
        return answer.json()


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    home: Path, port: int, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start ``loom server`` and wait until /health answers."""
    env = {
        **os.environ,
        "LOOM_HOME": str(home),
        "LOOM_PORT": str(port),
        "LOOM_JOB_POLL_INTERVAL_S": "0.05",
        **(extra_env or {}),
    }
    log = (home.parent / f"server-{port}.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "loom.cli.main", "server"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"loom server exited: {(home.parent / f'server-{port}.log').read_text()}"
            )
        try:
            if (
                httpx.get(
                    f"http://127.0.0.1:{port}/api/v1/health", timeout=1
                ).status_code
                == 200
            ):
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("loom server did not become healthy in 60s")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server per test session (per xdist worker)."""
    home = tmp_path_factory.mktemp("live") / "home"
    home.mkdir()
    port = free_port()
    process = start_server(home, port)
    token = json.loads((home / "credentials").read_text())["token"]
    try:
        yield LiveServer(
            f"http://127.0.0.1:{port}", token, home, home / "data", process
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
