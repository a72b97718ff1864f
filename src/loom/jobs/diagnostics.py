"""The ``diagnostics.sleep`` job: proves the executor end to end (and lets tests
exercise cancel and recovery with a job that takes a known time)."""

from __future__ import annotations

import time
from typing import Any

from loom.core.errors import InvalidInputError
from loom.jobs.context import JobContext


def run_sleep(ctx: JobContext) -> dict[str, Any]:
    """Sleep ``seconds`` (≤ 600) in small steps, checking for cancellation."""
    seconds = ctx.params.get("seconds", 1)
    if not isinstance(seconds, int | float) or not 0 <= seconds <= 600:
        raise InvalidInputError(
            f"'seconds' must be a number in [0, 600]; got {seconds!r}"
        )
    if ctx.params.get("fail"):
        raise InvalidInputError("failing on request (diagnostics)")
    deadline = time.monotonic() + float(seconds)
    while time.monotonic() < deadline:
        time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
        ctx.check_cancelled()
    ctx.log(f"slept {seconds}s")
    return {"slept_s": seconds}
