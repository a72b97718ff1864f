"""Start, probe and stop the three servers the serving benchmark compares.

Each peer runs as its own process group on 127.0.0.1 so it can be stopped
completely (MLflow's CLI forks uvicorn, which forks its workers) and so its CPU
time can be summed over every process in the group.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
LOOM_BIN = REPO / ".venv" / "bin"
MLFLOW_BIN = BENCH_DIR / ".venv-mlflow" / "bin"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_json(
    url: str, body: Any = None, token: str | None = None, timeout: float = 30.0
) -> Any:
    """GET (no body) or POST JSON and return the decoded answer.

    Raises:
        RuntimeError: a non-2xx answer, with the server's text.
    """
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read().decode()
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")
        raise RuntimeError(f"{url} answered {exc.code}: {detail}") from None
    return json.loads(text) if text.strip() else None


@dataclass
class Server:
    """A server process group with a readiness URL and a log file.

    Args:
        name: peer name, for messages.
        cmd: the command line.
        ready_url: a GET URL that answers 2xx once the server serves.
        log_path: where stdout and stderr go.
        env: extra environment variables.
    """

    name: str
    cmd: list[str]
    ready_url: str
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 120.0) -> Server:
        """Start the process and wait until ``ready_url`` answers.

        Raises:
            RuntimeError: the process exited or never became ready; the
                message carries the tail of its log.
        """
        log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            self.cmd,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **self.env},
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.ready_url, timeout=2):
                    return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.25)
        tail = self.log_path.read_text(errors="replace")[-3000:]
        self.stop()
        raise RuntimeError(f"{self.name} did not start ({self.cmd[0]}):\n{tail}")

    def cpu_seconds(self) -> float:
        """User + system CPU seconds used so far by live processes of the group."""
        if self.proc is None:
            return 0.0
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
            except OSError:
                continue
            fields = text[text.rindex(")") + 2 :].split()
            # fields[2] is the process group; [11], [12] are utime, stime.
            if int(fields[2]) == self.proc.pid:
                total += int(fields[11]) + int(fields[12])
        return total / CLOCK_TICKS

    def stop(self) -> None:
        """Terminate the process group (SIGTERM, then SIGKILL after 15 s)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        for sig, wait_s in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(timeout=wait_s)
                return
            except subprocess.TimeoutExpired:
                continue

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def loom_server(home: Path, port: int, log_dir: Path) -> Server:
    """``LOOM_HOME=home LOOM_PORT=port loom server``, as a user starts it."""
    return Server(
        name="loom",
        cmd=[str(LOOM_BIN / "loom"), "server"],
        ready_url=f"http://127.0.0.1:{port}/api/v1/health",
        log_path=log_dir / "loom.log",
        env={"LOOM_HOME": str(home), "LOOM_PORT": str(port)},
    )


def bare_server(
    model_dir: Path, port: int, log_dir: Path, mode: str = "sync"
) -> Server:
    """The bare FastAPI app of ``bare_app.py`` (``sync`` or ``async`` route)."""
    name = "bare" if mode == "sync" else f"bare_{mode}"
    return Server(
        name=name,
        cmd=[
            str(LOOM_BIN / "python"),
            str(BENCH_DIR / "bare_app.py"),
            "--model-dir",
            str(model_dir),
            "--port",
            str(port),
            "--mode",
            mode,
        ],
        ready_url=f"http://127.0.0.1:{port}/health",
        log_path=log_dir / f"{name}.log",
    )


def mlflow_server(
    model_dir: Path, port: int, log_dir: Path, workers: int | None
) -> Server:
    """``mlflow models serve --env-manager local`` from the MLflow venv.

    Args:
        workers: uvicorn workers (``-w``); None keeps MLflow's default.
    """
    cmd = [str(MLFLOW_BIN / "mlflow"), "models", "serve", "-m", str(model_dir)]
    cmd += ["--env-manager", "local", "-h", "127.0.0.1", "-p", str(port)]
    if workers is not None:
        cmd += ["-w", str(workers)]
    path = f"{MLFLOW_BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    return Server(
        name="mlflow",
        cmd=cmd,
        ready_url=f"http://127.0.0.1:{port}/ping",
        log_path=log_dir / "mlflow.log",
        env={"PATH": path},
    )


def require_mlflow_venv() -> None:
    """Exit with how to create the MLflow venv when it is missing."""
    if not (MLFLOW_BIN / "mlflow").exists():
        import sklearn

        raise SystemExit(
            "the MLflow peer needs its own venv; create it with:\n"
            f"  python3.11 -m venv {BENCH_DIR / '.venv-mlflow'}\n"
            f"  {MLFLOW_BIN / 'pip'} install mlflow "
            f"scikit-learn=={sklearn.__version__}"
        )


def save_mlflow_model(estimator_path: Path, out_dir: Path) -> str:
    """Save Loom's fitted estimator as an MLflow sklearn model (in the MLflow venv).

    Returns:
        The MLflow version that wrote it.
    """
    code = (
        "import sys, joblib, mlflow, mlflow.sklearn\n"
        "mlflow.sklearn.save_model(joblib.load(sys.argv[1]), sys.argv[2])\n"
        "print(mlflow.__version__)\n"
    )
    proc = subprocess.run(
        [str(MLFLOW_BIN / "python"), "-c", code, str(estimator_path), str(out_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"saving the MLflow model failed:\n{proc.stderr[-3000:]}")
    return proc.stdout.strip().splitlines()[-1]


def python_version_of(python: Path, module: str) -> str:
    """``module.__version__`` as seen by another interpreter."""
    proc = subprocess.run(
        [str(python), "-c", f"import {module}; print({module}.__version__)"],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.stdout.strip() or "unknown"


def this_python() -> str:
    """The running interpreter's version, for the results file."""
    return sys.version.split()[0]
