"""Markdown page for ``benchmarks/text.py``: a table per section, ratios to baseline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

TARGETS = {"word2vec": 0.05, "mlp": 0.10, "cnn": 0.10}
TITLES = {
    "word2vec": "word2vec throughput (words/s, higher is better)",
    "mlp": "MLP epoch time (s, lower is better)",
    "cnn": "CNN epoch time (s, lower is better)",
}


def markdown(
    sections: dict[str, dict[str, Any]],
    args: dict[str, Any],
    machine: str,
    median: Callable[[list[float]], float],
) -> str:
    """The results page: settings, then a table and a verdict per section."""
    settings = ", ".join(
        f"{k}={v}" for k, v in args.items() if k not in ("output", "skip")
    )
    lines = [
        "# Text and neural training overhead (issue 5)",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine}.",
        f"Settings: {settings}.",
        "",
    ]
    for name, section in sections.items():
        lines += [f"## {TITLES[name]}", "", f"Data: {section.get('data', '-')}.", ""]
        if "skipped" in section:
            lines += [f"Skipped: {section['skipped']}.", ""]
            continue
        lines += _table(name, section, median)
    return "\n".join(lines) + "\n"


def _table(
    name: str, section: dict[str, Any], median: Callable[[list[float]], float]
) -> list[str]:
    seconds: dict[str, list[float]] = section["seconds"]
    baseline = median(seconds[section["baseline"]])
    words = section.get("words")
    unit = "words/s" if words else "s/epoch"
    lines = [
        f"| path | median {unit} | min s | samples | overhead vs baseline |",
        "|---|---:|---:|---:|---:|",
    ]
    overheads: dict[str, float] = {}
    for path, values in seconds.items():
        mid = median(values)
        shown = words / mid if words else mid
        overhead = mid / baseline - 1.0
        overheads[path] = overhead
        lines.append(
            f"| {path} | {shown:,.4g} | {min(values):.4g} | {len(values)} | "
            f"{overhead:+.1%} |"
        )
    target = TARGETS[name]
    verdict = []
    for path, overhead in overheads.items():
        if path == section["baseline"]:
            continue
        ok = "meets" if overhead <= target else "misses"
        verdict.append(f"{path} {ok} the target ({overhead:+.1%} vs <= {target:.0%})")
    return [*lines, "", "; ".join(verdict) + ".", ""]
