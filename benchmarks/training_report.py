"""Markdown for ``training.py``: the results table, the breakdowns and the profile.

Kept apart from the measuring code (as ``report.py`` is for ``serving.py``) so the
page can change without touching what is measured.
"""

from __future__ import annotations

import statistics
from typing import Any

TARGET_RATIO = 1.10
PATHS = {
    "direct": "direct (Loom's params)",
    "defaults": "direct (LightGBM defaults)",
    "train": "loom train()",
    "job": "loom job (server)",
}


def _f(value: float | None, digits: int = 2) -> str:
    """A figure with thousands separators; ``-`` for a missing one."""
    return "-" if value is None or value != value else f"{value:,.{digits}f}"


def results_table(doc: dict[str, Any]) -> list[str]:
    """The headline table, the verdict and the per-round figures."""
    summary, rounds = doc["summary"], doc["rounds"]
    lines = [
        "| path | median s | min s | max s | median / direct | min / direct "
        "| fit s (median) | CPU s (median) | test ROC-AUC |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, s in summary.items():
        lines.append(
            f"| {PATHS[key]} | {_f(s['median'])} | {_f(s['min'])} | {_f(s['max'])} "
            f"| {_f(s['ratio'], 3)} | {_f(s['ratio_min'], 3)} | {_f(s['fit'])} "
            f"| {_f(s['cpu'])} | {s['auc']:.5f} |"
        )
    ratio = summary["train"]["ratio"]
    verdict = "met" if ratio <= TARGET_RATIO else "not met"
    job = summary.get("job")
    lines += [
        "",
        f"Target (loom train() median <= {TARGET_RATIO:.2f} x direct): "
        f"**{verdict}** ({ratio:.3f})."
        + (f" Loom job / direct: {job['ratio']:.3f}." if job else ""),
        "",
        "Rounds, in run order (load: 1-minute load average when the round began):",
        "",
        "| round | load | " + " | ".join(PATHS[k] for k in summary) + " |",
        "|---:|---:|" + "---:|" * len(summary),
    ]
    for number, r in enumerate(rounds, start=1):
        cells = " | ".join(_f(r[k]["wall"]) for k in summary)
        lines.append(f"| {number} | {r['load']['start']:.2f} | {cells} |")
    return lines


def breakdown_table(doc: dict[str, Any]) -> list[str]:
    """Where train()'s time goes (log-line steps) and the job's extra pieces."""
    summary = doc["summary"]
    train, direct = summary["train"], summary["direct"]
    steps = doc["rounds"][0]["direct"]["steps"]
    extra = train["outside_fit"] - direct["outside_fit"]
    lines = [
        "### Where loom train()'s time goes (median over rounds)",
        "",
        "Each step is named by the log line that ends it (the work before it).",
        "",
        "| step (ended by) | s |",
        "|---|---:|",
        *(f"| {line[:90]} | {_f(s, 3)} |" for line, s in doc["train_steps"]),
        "",
        f"Outside estimator.fit (median over rounds): train() "
        f"{_f(train['outside_fit'])} s, direct {_f(direct['outside_fit'])} s "
        f"(round 1: split {_f(steps['split'])} s, predict_proba + AUC "
        f"{_f(steps['score'])} s). Loom's extra work is thus about "
        f"**{_f(extra)} s = {extra / direct['median']:.1%} of direct's median**, "
        "an estimate the fit's load-driven swings do not move.",
        f"Not in train(), done by the job: bundle.save {_f(doc['save_s'])} s.",
    ]
    if "job" in summary:
        lines += ["", *_job_table(doc)]
    return lines


def _job_table(doc: dict[str, Any]) -> list[str]:
    jobs = [r["job"] for r in doc["rounds"]]
    med = {k: statistics.median(j[k] for j in jobs) for k in jobs[0] if k != "auc"}
    rows = [
        ("POST /runs -> succeeded seen by the client", med["wall"]),
        ("queued (job created -> started)", med["queued"]),
        ("run.duration_s (load Parquet, train(), save, record)", med["run_duration"]),
        ("worker outside run.duration_s (start-up, imports)", med["worker_outside"]),
        ("read the same Parquet in this process (once)", doc["read_parquet_s"]),
        ("dataset import (once, not in the ratios)", doc["import_s"]),
    ]
    return [
        "### Loom job (median over rounds)",
        "",
        "| piece | s |",
        "|---|---:|",
        *(f"| {name} | {_f(value)} |" for name, value in rows),
    ]


def profile_table(profile: dict[str, Any]) -> list[str]:
    """Loom's functions by cumulative time, then the top self-times overall."""
    lines = [
        "### cProfile of one more train() call",
        "",
        f"Profiled total {profile['total']:.2f} s (profiling slows Python-heavy code).",
        "",
        "| Loom function | calls | cumulative s |",
        "|---|---:|---:|",
    ]
    lines += [f"| `{w}` | {cc} | {ct:.3f} |" for w, cc, _tt, ct in profile["loom"]]
    lines += ["", "| function (self time) | calls | self s |", "|---|---:|---:|"]
    lines += [f"| `{w}` | {cc} | {tt:.3f} |" for w, cc, tt, _ct in profile["self"]]
    return lines


def markdown(doc: dict[str, Any]) -> str:
    """The whole results page."""
    meta = doc["meta"]
    lines = [
        "# Training benchmark: Loom vs LightGBM called directly",
        "",
        f"Measured {meta['started_at']} on {meta['machine']}; 1-minute load "
        f"average {meta['load_before']:.2f} before, {meta['load_after']:.2f} after "
        "(other work on the machine inflates every path; compare ratios within "
        "one run).",
        "",
        f"Command: `{meta['command']}`",
        "",
        f"Data: `make_classification` {meta['rows']:,} rows x {meta['features']} "
        f"features (20 informative, random_state=0), made in {meta['make_s']:.1f} "
        f"s; {meta['holdout']}. Versions: {meta['versions']}; "
        f"OMP_WAIT_POLICY={meta['omp']}.",
        "",
        f"LightGBM parameters (direct = Loom's estimator): `{meta['params']}`",
        "",
        *results_table(doc),
        "",
        *breakdown_table(doc),
    ]
    if doc.get("profile"):
        lines += ["", *profile_table(doc["profile"])]
    return "\n".join(lines) + "\n"
