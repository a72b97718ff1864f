"""Drive ``wrk`` against one URL and return its figures as a plain dict.

``wrk`` is used rather than a Python client because a Python load generator on a
2-core machine would cost more CPU per request than the servers being measured.
The Lua script ``post.lua`` sends the POST body and bearer token and prints a
``WRK_JSON`` line with exact counts and percentiles, so nothing is scraped from
wrk's human-readable (rounded) text.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

LUA_SCRIPT = Path(__file__).with_name("post.lua")
INSTALL_HINT = "wrk is not installed; install it with: sudo apt-get install -y wrk"


def require_wrk() -> str:
    """The path of the wrk binary, or exit with how to install it.

    Raises:
        SystemExit: wrk is not on PATH.
    """
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit(INSTALL_HINT)
    return path


def wrk_version(wrk: str) -> str:
    """wrk's version line (it prints it with ``-v`` and exits non-zero)."""
    proc = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)
    text = (proc.stdout + proc.stderr).strip().splitlines()
    return text[0] if text else "unknown"


def run_wrk(
    wrk: str,
    url: str,
    *,
    body: str,
    token: str | None,
    connections: int,
    duration_s: float,
) -> dict[str, Any]:
    """Run one closed-loop wrk measurement and return its figures.

    One wrk thread drives one connection; two threads drive 16 (the machine has
    2 cores, shared by wrk and the server for every peer alike).

    Returns:
        ``requests``, ``duration_s``, ``rps``, ``p50_ms``, ``p90_ms``,
        ``p99_ms``, ``max_ms``, ``mean_ms``, ``errors`` (wrk's socket/status
        error counts; ``status`` counts non-2xx/3xx answers) and ``raw`` (wrk's
        text output, for the record).

    Raises:
        RuntimeError: wrk failed or printed no summary line.
    """
    threads = 1 if connections == 1 else 2
    seconds = max(1, round(duration_s))
    cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    cmd += ["-s", str(LUA_SCRIPT), url]
    env = {**os.environ, "WRK_BODY": body, "WRK_TOKEN": token or ""}
    proc = subprocess.run(
        cmd, capture_output=True, text=True, env=env, check=False, timeout=seconds + 60
    )
    line = next(
        (ln for ln in proc.stdout.splitlines() if ln.startswith("WRK_JSON ")), None
    )
    if proc.returncode != 0 or line is None:
        raise RuntimeError(
            f"wrk failed (exit {proc.returncode}): {proc.stderr.strip() or proc.stdout}"
        )
    data = json.loads(line.removeprefix("WRK_JSON "))
    duration = data["duration_us"] / 1e6
    return {
        "connections": connections,
        "threads": threads,
        "requests": data["requests"],
        "duration_s": round(duration, 3),
        "rps": round(data["requests"] / duration, 1),
        "p50_ms": data["p50_us"] / 1000,
        "p90_ms": data["p90_us"] / 1000,
        "p99_ms": data["p99_us"] / 1000,
        "max_ms": data["max_us"] / 1000,
        "mean_ms": round(data["mean_us"] / 1000, 3),
        "errors": data["errors"],
        "raw": proc.stdout.replace(line, "").strip(),
    }


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (``/proc/stat``)."""
    with open("/proc/stat") as handle:
        fields = handle.readline().split()[1:]
    # user nice system idle iowait irq softirq steal ...
    busy = sum(int(v) for i, v in enumerate(fields[:8]) if i not in (3, 4))
    return busy / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    """CPU seconds of this process's finished children (wrk runs end as those)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wait_for_quiet(max_wait_s: float, threshold: float = 0.3) -> float:
    """Wait until the machine is idle apart from us, for at most ``max_wait_s``.

    Other work on a 2-core machine (a test suite, a build) skews every figure,
    so a measurement waits for it to pass rather than measure it.

    Args:
        max_wait_s: give up after this many seconds (and measure anyway).
        threshold: the busy CPU cores, sampled over 2 s, that count as quiet.

    Returns:
        The busy cores of the last sample.
    """
    deadline = time.monotonic() + max_wait_s
    while True:
        before = busy_cpu_seconds()
        time.sleep(2.0)
        cores = (busy_cpu_seconds() - before) / 2.0
        if cores <= threshold or time.monotonic() >= deadline:
            return round(cores, 2)
        print(f"  waiting for a quiet machine ({cores:.2f} cores busy)", flush=True)
        time.sleep(8.0)


def calibrate_ms() -> float:
    """Milliseconds for a fixed pure-Python loop: how fast the CPU is right now.

    On a shared VM the same work can take noticeably longer from one minute to
    the next; this records that drift beside each measurement.
    """
    start = time.perf_counter()
    sum(range(3_000_000))
    return round((time.perf_counter() - start) * 1000, 1)


def measure(
    wrk: str,
    url: str,
    *,
    server_cpu: Callable[[], float],
    connections: int,
    options: dict[str, Any],
) -> dict[str, Any]:
    """Wait for a quiet machine, warm up, then take one wrk measurement.

    Args:
        server_cpu: returns the server's CPU seconds so far.
        options: ``body``, ``token``, ``duration_s``, ``warmup_s``, ``wait_quiet_s``.

    Returns:
        ``run_wrk``'s figures plus ``server_cpu_ms_per_req``, ``server_cpu_cores``,
        ``wrk_cpu_cores``, ``other_cpu_cores`` (CPU used meanwhile by anything
        else on the machine: near 0 on a quiet one), ``busy_cores_before`` and
        ``cpu_calibration_ms``.
    """
    quiet = wait_for_quiet(options["wait_quiet_s"])
    calibration = calibrate_ms()
    common = {"body": options["body"], "token": options["token"]}
    run_wrk(wrk, url, connections=connections, duration_s=options["warmup_s"], **common)
    before = (server_cpu(), children_cpu_seconds(), busy_cpu_seconds())
    figures = run_wrk(
        wrk, url, connections=connections, duration_s=options["duration_s"], **common
    )
    server = server_cpu() - before[0]
    wrk_cpu = children_cpu_seconds() - before[1]
    other = busy_cpu_seconds() - before[2] - server - wrk_cpu
    seconds = figures["duration_s"]
    return figures | {
        "server_cpu_ms_per_req": round(1000 * server / max(figures["requests"], 1), 4),
        "server_cpu_cores": round(server / seconds, 2),
        "wrk_cpu_cores": round(wrk_cpu / seconds, 2),
        "other_cpu_cores": round(max(other, 0.0) / seconds, 2),
        "busy_cores_before": quiet,
        "cpu_calibration_ms": calibration,
    }
