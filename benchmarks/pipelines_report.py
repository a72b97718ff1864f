"""Figures for ``pipelines.py``: the output check, the summary and the Markdown page.

Kept apart from the measuring code (as ``training_report.py`` is for
``training.py``) so the page can change without touching what is measured.
"""

from __future__ import annotations

import os
import platform
import statistics
from typing import Any

from training_report import _f  # the same figure format as training.md

RTOL = 1e-6
TARGET_SPEEDUP = 3.0
TARGET_MEMORY = 0.5
PATHS = {"loom": "loom run_pipeline", "pandas": "pandas + scikit-learn"}


def summarise(rounds: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Median / min wall and peak RSS per path, and loom's ratios to pandas."""
    out: dict[str, dict[str, Any]] = {}
    for key in PATHS:
        ok = [r[key] for r in rounds if r[key]["status"] == "ok"]
        failed = [r[key] for r in rounds if r[key]["status"] != "ok"]
        figures: dict[str, Any] = {"runs": len(ok), "failed": failed}
        if ok:
            figures |= {
                "median": statistics.median(x["wall"] for x in ok),
                "min": min(x["wall"] for x in ok),
                "max": max(x["wall"] for x in ok),
                "cpu": statistics.median(x["cpu"] for x in ok),
                "peak": statistics.median(x["peak_gib"] for x in ok),
                "peak_max": max(x["peak_gib"] for x in ok),
                "steps": {
                    s: statistics.median(x["steps"][s] for x in ok)
                    for s in ok[0]["steps"]
                },
            }
        out[key] = figures
    loom, peer = out["loom"], out["pandas"]
    if loom["runs"] and peer["runs"]:
        loom["speedup"] = peer["median"] / loom["median"]
        loom["speedup_min"] = peer["min"] / loom["min"]
        loom["memory_ratio"] = loom["peak"] / peer["peak"]
        loom["cpu_ratio"] = peer["cpu"] / loom["cpu"]
    return out


def compare(paths: list[str], key: str, names: list[str]) -> dict[str, Any]:
    """Check two outputs (loom's, pandas') hold the same groups and ``names``.

    A benchmark that compared different work would be worthless, so the
    caller stops before reporting any figure when this finds a difference.
    """
    import numpy as np
    import pandas as pd

    a, b = (pd.read_parquet(p).sort_values(key).reset_index(drop=True) for p in paths)
    problems = [f"rows {len(a)} vs {len(b)}"] if len(a) != len(b) else []
    missing = sorted(set(names) - set(a.columns)) + sorted(set(names) - set(b.columns))
    problems += [f"missing column {m}" for m in missing]
    worst, where = 0.0, ""
    if not problems:
        problems += [] if (a[key].to_numpy() == b[key].to_numpy()).all() else ["keys"]
        for name in names:
            x, y = a[name].to_numpy(float), b[name].to_numpy(float)
            rel = float(np.max(np.abs(x - y) / np.maximum(np.abs(y), 1e-12)))
            if rel > worst:
                worst, where = rel, name
        if worst > RTOL:
            problems.append(f"{where} differs by {worst:.2e} relative")
    sample = {
        n: [float(a[n].iloc[0]), float(b[n].iloc[0])] for n in names[:2] + names[-2:]
    }
    return {
        "ok": not problems,
        "problems": problems,
        "rows": [len(a), len(b)],
        "worst_rel": worst,
        "worst_column": where,
        "sample": sample,
    }


def machine_facts() -> dict[str, str]:
    """The machine and library versions, for the page's header."""
    import duckdb
    import pandas as pd
    import pyarrow
    import sklearn

    memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30
    names = {"Python": platform.python_version(), "duckdb": duckdb.__version__}
    names |= {"pandas": pd.__version__, "scikit-learn": sklearn.__version__}
    names["pyarrow"] = pyarrow.__version__
    return {
        "machine": f"{platform.node()}, {os.cpu_count()} CPUs, "
        f"{platform.machine()}, {memory:.1f} GiB RAM",
        "versions": ", ".join(f"{k} {v}" for k, v in names.items()),
    }


def _failure(figures: dict[str, Any], memory_gb: float) -> str:
    """How a path's failed runs failed (the OOM wording the brief asks for)."""
    kinds = {f["status"] for f in figures["failed"]}
    if kinds == {"oom"}:
        return f"out of memory at {memory_gb:g} GB (RLIMIT_AS)"
    return "; ".join(sorted({f.get("error", "?") for f in figures["failed"]}))


def results_table(doc: dict[str, Any]) -> list[str]:
    """The headline table, the verdict and the per-round figures."""
    summary, meta = doc["summary"], doc["meta"]
    lines = [
        "| path | runs ok | median s | min s | max s | CPU s (median) "
        "| peak RSS GiB (median) | peak RSS GiB (max) | failures |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for key, s in summary.items():
        failed = _failure(s, meta["memory_gb"]) if s["failed"] else ""
        lines.append(
            f"| {PATHS[key]} | {s['runs']} | {_f(s.get('median'))} "
            f"| {_f(s.get('min'))} | {_f(s.get('max'))} | {_f(s.get('cpu'))} "
            f"| {_f(s.get('peak'))} "
            f"| {_f(s.get('peak_max'))} "
            f"| {failed} |"
        )
    lines += ["", *_verdict(summary, meta)]
    lines += [
        "",
        "Rounds, in run order (load: 1-minute load average when each run began "
        "→ ended; s: wall seconds inside the child, from reading the source to "
        "the written Parquet; CPU: the child's user + system seconds, all "
        "threads; GiB: its ru_maxrss):",
        "",
        "| round | order | loom load | loom s | loom CPU | loom GiB | pandas load "
        "| pandas s | pandas CPU | pandas GiB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for number, r in enumerate(doc["rounds"], start=1):
        cells = [
            f"{_load(r[k])} | {_run_wall(r[k])} | {_f(r[k]['cpu'], 1)} "
            f"| {_f(r[k]['peak_gib'])}"
            for k in PATHS
        ]
        lines.append(f"| {number} | {' → '.join(r['order'])} | {' | '.join(cells)} |")
    return lines


def _load(run: dict[str, Any]) -> str:
    return f"{run['load']:.1f} → {run['load_end']:.1f}"


def _run_wall(run: dict[str, Any]) -> str:
    return _f(run["wall"]) if run["status"] == "ok" else run["status"]


def _verdict(summary: dict[str, Any], meta: dict[str, Any]) -> list[str]:
    loom = summary["loom"]
    if "speedup" not in loom:
        peer = summary["pandas"]
        reason = _failure(peer, meta["memory_gb"]) if peer["failed"] else "no runs"
        return [
            f"pandas + scikit-learn did not complete ({reason}); Loom completed "
            f"within the same {meta['memory_gb']:g} GB limit: "
            f"**{'met' if loom['runs'] else 'not met'}** for that part of the target."
        ]
    speed = "met" if loom["speedup"] >= TARGET_SPEEDUP else "not met"
    memory = "met" if loom["memory_ratio"] <= TARGET_MEMORY else "not met"
    return [
        f"Target speed (pandas median / loom median >= {TARGET_SPEEDUP:g}): "
        f"**{speed}** ({loom['speedup']:.2f}x; on minima {loom['speedup_min']:.2f}x).",
        f"Target memory (loom peak / pandas peak <= {TARGET_MEMORY:g}): "
        f"**{memory}** ({loom['memory_ratio']:.3f}).",
        f"CPU seconds (all threads), pandas / loom: {loom['cpu_ratio']:.2f}x "
        "(less sensitive than wall time to other work on a shared machine).",
    ]


def breakdown(doc: dict[str, Any]) -> list[str]:
    """Per-node (Loom) and per-step (pandas) median seconds, and the check."""
    lines = []
    for key, what in (("loom", "node"), ("pandas", "step")):
        steps = doc["summary"][key].get("steps", {})
        if not steps:
            continue
        lines += [
            f"### Where {PATHS[key]}'s time goes (median over rounds)",
            "",
            f"| {what} | s |",
            "|---|---:|",
            *(f"| {name} | {_f(s)} |" for name, s in steps.items()),
            "",
        ]
    if doc["summary"]["loom"].get("steps"):
        lines += [
            "The engine fuses impute → one-hot → frequency → scale into the "
            "`agg` node's query (views; only `agg` is written): a fused node's "
            "time is its fit queries and planning, and `agg`'s time covers the "
            "whole fused group's single query, its `COPY … TO` Parquet and "
            "counting + previewing that file.",
            "",
        ]
    check = doc["check"]
    if check:
        lines += [
            "### Same work on both sides",
            "",
            f"Round 1 outputs: {check['rows'][0]:,} vs {check['rows'][1]:,} groups, "
            f"every one of the aggregate columns agrees to {check['worst_rel']:.1e} "
            f"relative (worst: `{check['worst_column'] or '-'}`; limit 1e-6). "
            "First group, loom vs pandas:",
            "",
            "| column | loom | pandas |",
            "|---|---:|---:|",
            *(
                f"| {n} | {a:.10g} | {b:.10g} |"
                for n, (a, b) in check["sample"].items()
            ),
        ]
    return lines


def variants_table(variants: list[dict[str, Any]]) -> list[str]:
    """Loom under other DuckDB settings, one run each, in run order."""
    lines = [
        "### Loom under other DuckDB settings (one run each)",
        "",
        "| setting | load | wall s | CPU s | peak RSS GiB | slowest node |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for v in variants:
        ok = v["status"] == "ok"
        slow = max(v["steps"].items(), key=lambda kv: kv[1]) if ok else ("-", 0.0)
        lines.append(
            f"| {v['name']} | {_load(v)} | {_run_wall(v)} | {_f(v['cpu'], 1)} "
            f"| {_f(v['peak_gib'])} "
            f"| {slow[0]} {_f(slow[1])} s |"
        )
    return lines


def markdown(doc: dict[str, Any]) -> str:
    """The whole results page."""
    meta = doc["meta"]
    made = f"made in {meta['make_s']:.1f} s" if meta["make_s"] else "reused"
    lines = [
        "# Pipelines benchmark: Loom's engine vs pandas + scikit-learn",
        "",
        f"Measured {meta['started_at']} on {meta['machine']}; 1-minute load "
        f"average {meta['load_before']:.2f} before, {meta['load_after']:.2f} after "
        "(the machine is shared; compare ratios within one run).",
        "",
        f"Command: `{meta['command']}`",
        "",
        f"Data: synthetic, {meta['rows']:,} rows x 20 columns (15 float with 5 % "
        "nulls, 4 string categoricals of 5 / 12 / 50 / 1,000 values, an int group "
        f"key of 1,000 values), Parquet {meta['size_mb']:,.0f} MB, {made}. "
        f"Each run is a fresh process under RLIMIT_AS = {meta['memory_gb']:g} GB. "
        f"Versions: {meta['versions']}.",
        "",
        "Work (both sides): median-impute and standard-scale the 15 floats, one-hot "
        "the 3 small categoricals, frequency-encode the 1,000-value one, then per "
        "group the mean of each float and of the frequency, the sum of each one-hot "
        "column and the row count, written to Parquet.",
        "",
        *results_table(doc),
        "",
        *breakdown(doc),
    ]
    if doc["variants"]:
        lines += ["", *variants_table(doc["variants"])]
    return "\n".join(lines) + "\n"
