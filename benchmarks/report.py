"""Turn the serving benchmark's measurements into ratios, a verdict and tables.

Kept apart from the runner so the figures can be re-rendered from
``results/serving.json`` without serving anything:
``.venv/bin/python benchmarks/report.py benchmarks/results/serving.json``.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any

PEERS = ("loom", "bare", "bare_async", "mlflow")
LABELS = {
    "loom": "Loom endpoint",
    "bare": "bare FastAPI (def)",
    "bare_async": "bare FastAPI (async def, ref.)",
    "mlflow": "mlflow models serve",
}
TARGET_RATIO = 0.8
TARGET_P99_MS = 15.0
README_START = "<!-- serving-results:start -->"
README_END = "<!-- serving-results:end -->"


MEDIAN_KEYS = ("rps", "p50_ms", "p90_ms", "p99_ms", "mean_ms", "server_cpu_ms_per_req")


def summarise(rounds: dict[str, dict[str, list[dict[str, Any]]]]) -> dict[str, Any]:
    """Per peer and connection count: the median of each figure over the rounds.

    ``max_ms`` and ``other_cpu_cores`` are the worst round's; ``errors`` are
    summed; ``per_round`` keeps each round's rps, p50, p99 for the record.
    """
    out: dict[str, Any] = {}
    for peer, per_conn in rounds.items():
        out[peer] = {}
        for conn, runs in per_conn.items():
            summary: dict[str, Any] = {
                key: round(statistics.median(r[key] for r in runs), 3)
                for key in MEDIAN_KEYS
            }
            summary["max_ms"] = max(r["max_ms"] for r in runs)
            summary["other_cpu_cores"] = max(r["other_cpu_cores"] for r in runs)
            summary["requests"] = sum(r["requests"] for r in runs)
            summary["errors"] = {
                k: sum(r["errors"][k] for r in runs) for k in runs[0]["errors"]
            }
            summary["per_round"] = [
                {k: r[k] for k in ("rps", "p50_ms", "p99_ms", "cpu_calibration_ms")}
                for r in runs
            ]
            out[peer][conn] = summary
    return out


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def ratios(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Loom/bare and Loom/mlflow for throughput, p50 and p99, per connection count.

    Throughput ratios above 1 favour Loom; latency ratios below 1 favour Loom.
    """
    out: dict[str, Any] = {}
    loom = results.get("loom", {})
    for peer in PEERS[1:]:
        other = results.get(peer, {})
        per_conn = {}
        for conn, mine in loom.items():
            theirs = other.get(conn)
            if theirs is None:
                continue
            per_conn[conn] = {
                "throughput": _ratio(mine["rps"], theirs["rps"]),
                "p50": _ratio(mine["p50_ms"], theirs["p50_ms"]),
                "p99": _ratio(mine["p99_ms"], theirs["p99_ms"]),
            }
        if per_conn:
            out[f"loom/{peer}"] = per_conn
    return out


def verdict(results: dict[str, Any], ratio_table: dict[str, Any]) -> dict[str, Any]:
    """Check the issue's target against the measured figures.

    The target: Loom at >= 0.8 x the bare app's throughput at 1 and 16
    connections, and Loom's p99 <= 15 ms at 16 connections. ``met`` is judged
    against the ``def`` bare app (the baseline); the checks against the
    ``async def`` reference are reported beside it (``met_vs_async``).
    """
    checks: dict[str, Any] = {}
    for peer in ("bare", "bare_async"):
        for conn in ("c1", "c16"):
            value = ratio_table.get(f"loom/{peer}", {}).get(conn, {}).get("throughput")
            checks[f"throughput_vs_{peer}_{conn}"] = {
                "value": value,
                "target": f">= {TARGET_RATIO}",
                "met": value is not None and value >= TARGET_RATIO,
            }
    p99 = results.get("loom", {}).get("c16", {}).get("p99_ms")
    checks["p99_ms_c16"] = {
        "value": p99,
        "target": f"<= {TARGET_P99_MS}",
        "met": p99 is not None and p99 <= TARGET_P99_MS,
    }

    def met(peer: str) -> bool:
        names = [f"throughput_vs_{peer}_c1", f"throughput_vs_{peer}_c16", "p99_ms_c16"]
        return all(checks[name]["met"] for name in names)

    return {"met": met("bare"), "met_vs_async": met("bare_async"), "checks": checks}


def _fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def markdown(doc: dict[str, Any]) -> str:
    """A short Markdown report: figures per peer, ratios, target verdict."""
    meta, results = doc["meta"], doc["results"]
    lines = [
        f"Measured {meta['started_at']} on {meta['machine']} "
        f"({meta['duration_s']:g} s per measurement after {meta['warmup_s']:g} s "
        f"warm-up, median of {meta.get('rounds', 1)} round(s)"
        f"{', QUICK smoke run' if meta['quick'] else ''}).",
        "",
        "| peer | conns | req/s | p50 ms | p99 ms | max ms | server CPU ms/req "
        "| other CPU | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for peer in PEERS:
        for conn, r in results.get(peer, {}).items():
            errors = sum(r["errors"].values())
            lines.append(
                f"| {LABELS[peer]} | {conn[1:]} | {_fmt(r['rps'], 0)} "
                f"| {_fmt(r['p50_ms'])} | {_fmt(r['p99_ms'])} | {_fmt(r['max_ms'])} "
                f"| {_fmt(r.get('server_cpu_ms_per_req'), 3)} "
                f"| {_fmt(r.get('other_cpu_cores'))} | {errors} |"
            )
    lines += [
        "",
        "Ratios are Loom / peer: throughput above 1 and latency below 1 favour Loom.",
        "",
        "| ratio | conns | throughput | p50 | p99 |",
    ]
    lines.append("|---|---:|---:|---:|---:|")
    for name, per_conn in doc["ratios"].items():
        for conn, r in per_conn.items():
            lines.append(
                f"| {name} | {conn[1:]} | {_fmt(r['throughput'])} "
                f"| {_fmt(r['p50'])} | {_fmt(r['p99'])} |"
            )
    target = doc["verdict"]
    state = "met" if target["met"] else "MISSED"
    state_async = "met" if target["met_vs_async"] else "missed"
    lines += [
        "",
        f"Target (Loom >= {TARGET_RATIO} x bare throughput at 1 and 16 connections, "
        f"p99 <= {TARGET_P99_MS:g} ms at 16): **{state}** against the `def` bare "
        f"app; {state_async} against the `async def` reference.",
    ]
    for name, check in target["checks"].items():
        mark = "ok" if check["met"] else "missed"
        value = _fmt(check["value"], 3)
        lines.append(f"- {name}: {value} ({check['target']}) - {mark}")
    lines += [
        "",
        "Setup: " + meta["setup_note"],
        "",
        "`other CPU`: cores used during the measurement by processes other than "
        "the server and wrk (worst round; near 0 on a quiet machine).",
        "",
    ]
    return "\n".join(lines)


def update_readme(readme: Path, table: str) -> None:
    """Replace the results section of ``benchmarks/README.md`` (between markers)."""
    if not readme.exists():
        return
    text = readme.read_text()
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        return
    new = f"{README_START}\n{table}\n{README_END}"
    readme.write_text(text[:start] + new + text[end + len(README_END) :])


def main() -> None:
    """Re-render the Markdown report of a results JSON file to stdout."""
    doc = json.loads(Path(sys.argv[1]).read_text())
    print(markdown(doc))


if __name__ == "__main__":
    main()
