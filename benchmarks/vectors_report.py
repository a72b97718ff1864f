"""Markdown for ``vectors.py``: per data set, the figures, the ratios and the sweeps.

Kept apart from the measuring code (as ``training_report.py`` is) so the page
can change without touching what is measured.
"""

from __future__ import annotations

from typing import Any

QPS_RATIO = 0.8
P50_GAP_MS = 1.0
MILVUS_RATIO = 50.0
MIB = 2**20
PARAM = {"flat": "-", "ivf": "nprobe", "hnsw": "efSearch"}


def _f(value: Any, digits: int = 2) -> str:
    if value is None or value != value:
        return "-"
    return f"{value:,.{digits}f}"


def _setting(key: str, param: Any) -> str:
    return "-" if param is None else f"{PARAM[key]} {param}"


def _milvus_chosen(entry: dict[str, Any], target: float) -> dict[str, Any] | None:
    points = entry.get("points") or []
    if not points:
        return None
    for point in points:
        if point["recall"] >= target:
            return point
    return max(points, key=lambda p: p["recall"])


def _milvus_param(point: dict[str, Any]) -> str:
    params = point.get("params") or {}
    return ", ".join(f"{k} {v}" for k, v in params.items()) or "-"


def figures_table(ds: dict[str, Any], target: float) -> list[str]:
    """One row per index and contender at its chosen sweep point."""
    lines = [
        "| index | contender | build s | setting | recall@10 | QPS | p50 ms "
        "| p99 ms | memory MiB | load |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    milvus = ds.get("milvus", {}).get("indexes", {})
    for key, e in ds["indexes"].items():
        if "skipped" in e:
            lines.append(
                f"| {e['factory']} | all | - | - | - | - | - | - | - "
                f"| {_f(e['load_start'])} |"
            )
            continue
        for peer in ("faiss", "loom"):
            c = e["chosen"][peer]
            lat = e["latency"][peer] if e["latency_param"] == c["param"] else {}
            mem = e["memory"][peer] / MIB
            setting = _setting(key, c["param"])
            lines.append(
                f"| {e['factory']} | {peer} | {_f(e['build_s'][peer], 1)} "
                f"| {setting} | {c['recall']:.3f} | {_f(c['qps'], 0)} "
                f"| {_f(lat.get('p50_ms'), 3)} | {_f(lat.get('p99_ms'), 3)} "
                f"| {_f(mem, 1)} | {_f(c.get('load'))} |"
            )
        m = milvus.get(key)
        point = _milvus_chosen(m, target) if m else None
        if m and point:
            build = m.get("insert_s", ds["milvus"].get("insert_s", 0.0)) + m["build_s"]
            lines.append(
                f"| {e['factory']} | milvus-lite | {_f(build, 1)} "
                f"| {_milvus_param(point)} | {point['recall']:.3f} "
                f"| {_f(point['qps'], 1)} | {_f(point['p50_ms'], 3)} "
                f"| {_f(point['p99_ms'], 3)} | - | - |"
            )
    return lines


def ratios(ds: dict[str, Any], target: float) -> list[dict[str, Any]]:
    """Loom/faiss QPS, Loom-faiss p50 and Loom/milvus QPS per index."""
    out = []
    milvus = ds.get("milvus", {}).get("indexes", {})
    for key, e in ds["indexes"].items():
        if "skipped" in e:
            continue
        lo, fa = e["chosen"]["loom"], e["chosen"]["faiss"]
        m = _milvus_chosen(milvus[key], target) if key in milvus else None
        gap = e["latency"]["loom"]["p50_ms"] - e["latency"]["faiss"]["p50_ms"]
        out.append(
            {
                "index": e["factory"],
                "qps": lo["qps"] / fa["qps"],
                "recalls": f"{lo['recall']:.3f} / {fa['recall']:.3f}",
                "p50_gap_ms": gap,
                "milvus": lo["qps"] / m["qps"] if m else None,
                "milvus_recall": m["recall"] if m else None,
            }
        )
    return out


def ratio_table(rows: list[dict[str, Any]]) -> list[str]:
    """The three targets, each with ok / MISSED."""
    lines = [
        f"| index | Loom/faiss QPS (>= {QPS_RATIO}) | recall Loom / faiss "
        f"| Loom p50 - faiss p50 ms (<= {P50_GAP_MS}) "
        f"| Loom/milvus-lite QPS (>= {MILVUS_RATIO:.0f}) |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        ok_q = "ok" if r["qps"] >= QPS_RATIO else "MISSED"
        ok_p = "ok" if r["p50_gap_ms"] <= P50_GAP_MS else "MISSED"
        mil = "-"
        if r["milvus"] is not None:
            ok_m = "ok" if r["milvus"] >= MILVUS_RATIO else "MISSED"
            mil = f"{r['milvus']:,.1f} {ok_m} (milvus recall {r['milvus_recall']:.3f})"
        lines.append(
            f"| {r['index']} | {r['qps']:.2f} {ok_q} | {r['recalls']} "
            f"| {r['p50_gap_ms']:+.3f} {ok_p} | {mil} |"
        )
    return lines


def best_at_target(ds: dict[str, Any], target: float) -> dict[str, dict[str, Any]]:
    """Per system, its fastest sweep point with recall@10 >= ``target``.

    As ann-benchmarks does: each system over all of its own indexes and
    settings, so a system is not held to the index that suits another one.
    A system with no point reaching the target gets its best recall instead.
    """
    candidates: dict[str, list[tuple[str, dict[str, Any]]]] = {
        "faiss": [],
        "loom": [],
        "milvus-lite": [],
    }
    for key, e in ds["indexes"].items():
        for peer in ("faiss", "loom"):
            for point in e.get("points", {}).get(peer, []):
                label = f"{e['factory']} {_setting(key, point['param'])}"
                candidates[peer].append((label.removesuffix(" -"), point))
    for key, m in ds.get("milvus", {}).get("indexes", {}).items():
        for point in m.get("points") or []:
            label = f"{key.upper()} {_milvus_param(point)}".removesuffix(" -")
            candidates["milvus-lite"].append((label, point))
    out: dict[str, dict[str, Any]] = {}
    for system, points in candidates.items():
        if not points:
            continue
        good = [(label, p) for label, p in points if p["recall"] >= target]
        if good:
            label, point = max(good, key=lambda lp: lp[1]["qps"])
            out[system] = {"label": label, **point, "reached": True}
        else:
            label, point = max(points, key=lambda lp: lp[1]["recall"])
            out[system] = {"label": label, **point, "reached": False}
    return out


def best_table(best: dict[str, dict[str, Any]], target: float) -> list[str]:
    """The best-per-system rows and the two QPS ratios taken from them."""
    lines = [
        f"Best QPS at recall@10 >= {target}, each system over its own indexes "
        "and settings:",
        "",
        "| system | index, setting | recall@10 | QPS |",
        "|---|---|---:|---:|",
    ]
    for system, b in best.items():
        qps = _f(b["qps"], 1) if b["reached"] else f"- (best recall {b['recall']:.3f})"
        lines.append(f"| {system} | {b['label']} | {b['recall']:.3f} | {qps} |")
    lo = best.get("loom")
    for other, goal in (("faiss", QPS_RATIO), ("milvus-lite", MILVUS_RATIO)):
        o = best.get(other)
        if lo and o and lo["reached"] and o["reached"]:
            ratio = lo["qps"] / o["qps"]
            ok = "ok" if ratio >= goal else "MISSED"
            text = f"{ratio:,.2f} {ok}"
        else:
            text = "- (a system did not reach the target or did not run)"
        lines.append(f"\nLoom/{other}, best vs best (>= {goal:g}): {text}")
    fa, mi = best.get("faiss"), best.get("milvus-lite")
    if fa and mi and fa["reached"] and mi["reached"]:
        # The ceiling of the milvus-lite target: Loom serves faiss over HTTP,
        # so it cannot pass raw in-process faiss's own ratio.
        lines.append(
            f"\nRaw faiss/milvus-lite, best vs best (the ceiling for any "
            f"faiss-based service): {fa['qps'] / mi['qps']:,.2f}"
        )
    return lines


def sweep_lines(ds: dict[str, Any]) -> list[str]:
    """Every sweep point: QPS / recall per contender."""
    lines = [
        "| index | setting | faiss QPS | faiss recall | Loom QPS | Loom recall |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for key, e in ds["indexes"].items():
        if "skipped" in e:
            continue
        for fa, lo in zip(e["points"]["faiss"], e["points"]["loom"], strict=True):
            lines.append(
                f"| {e['factory']} | {_setting(key, fa['param'])} | {_f(fa['qps'], 0)} "
                f"| {fa['recall']:.3f} | {_f(lo['qps'], 0)} | {lo['recall']:.3f} |"
            )
    for key, m in ds.get("milvus", {}).get("indexes", {}).items():
        if "skipped" in m:
            lines.append(f"\nmilvus-lite {key}: skipped, {m['skipped']}")
            continue
        pts = ", ".join(
            f"{_milvus_param(p)}: {p['qps']:,.1f} QPS / {p['recall']:.3f}"
            for p in m["points"]
        )
        insert = m.get("insert_s", ds["milvus"].get("insert_s"))
        per_call = f", {m['batch']} per search call" if "batch" in m else ""
        lines.append(
            f"\nmilvus-lite {key} (insert {_f(insert, 1)} s, index build "
            f"{m['build_s']:.1f} s{per_call}): {pts}"
        )
    return lines


def dataset_section(ds: dict[str, Any], meta: dict[str, Any]) -> list[str]:
    """Heading, figures, ratios, notes and sweeps of one data set."""
    target = meta["target"]
    lines = [
        f"## {ds['title']}: {ds['n']:,} x {ds['dim']}, {ds['metric']}, "
        f"{ds['queries']:,} queries",
        "",
        f"Load average (1 min) {ds['load_start']:.2f} at the start, "
        f"{ds['load_end']:.2f} at the end; data {ds['load_s']:.1f} s, exact ground "
        f"truth {ds['truth_s']:.1f} s (0 = from the cache).",
        "",
        *figures_table(ds, target),
        "",
        *ratio_table(ratios(ds, target)),
        "",
        *best_table(best_at_target(ds, target), target),
        "",
    ]
    for e in ds["indexes"].values():
        if e.get("note"):
            lines.append(f"- {e['factory']}: {e['note']}.")
        if e.get("skipped"):
            lines.append(f"- {e['factory']}: **skipped**, {e['skipped']}.")
        if "build_s" in e:
            parts = ", ".join(
                f"{k} {v / MIB:.1f}" for k, v in e["memory"]["loom_parts"].items()
            )
            insert = e["build_s"]["loom_insert"]
            lines.append(
                f"- {e['factory']}: Loom build = insert {insert:.1f} s"
                f" + train/index; Loom memory MiB: {parts}."
            )
    m = ds.get("milvus", {})
    if m.get("error"):
        error = " ".join(str(m["error"]).split())[-400:]
        lines.append(f"- milvus-lite: {error}")
    elif m:
        lines.append(
            f"- milvus-lite {m.get('version', '')}: a fresh collection per index, "
            f"{m['n_queries']} queries, {m.get('wall_s', 0):.0f} s in all"
            + (
                f" (rerun alone at {m['rerun_at']}, load {m['load']:.2f})."
                if m.get("rerun_at")
                else "."
            )
        )
    return [*lines, "", "Sweep:", "", *sweep_lines(ds), ""]


def markdown(doc: dict[str, Any]) -> str:
    """The whole results page."""
    meta = doc["meta"]
    v = meta["versions"]
    versions = ", ".join(f"{k} {val}" for k, val in v.items())
    lines = [
        "# Vector search benchmark: raw faiss vs Loom (SDK over HTTP) vs milvus-lite",
        "",
        f"Measured {meta['started_at']} on {meta['machine']} in "
        f"{meta['wall_s'] / 60:.1f} min; faiss threads {meta['threads']} in both "
        "faiss and Loom (omp_set_num_threads / OMP_NUM_THREADS), OMP_WAIT_POLICY "
        f"{meta.get('omp_wait_policy', '-')}. Command: `{meta['command']}`. "
        f"Versions: {versions}.",
        "",
        f"QPS: batches of {meta['batch']:,} queries (faiss: one `search` call; "
        "Loom: the SDK's binary search, .npy in / Arrow out), median of "
        f"{meta['repeats']} passes. Setting: the smallest sweep point with "
        f"recall@10 >= {meta['target']} (else the best reached). p50/p99: "
        f"{meta['single']} single queries one after another (Loom: JSON search "
        "over HTTP) at faiss's chosen setting. The first two tables compare the "
        "systems on the same index; the best-vs-best table compares each system's "
        "fastest setting over everything it swept (as ann-benchmarks ranks). "
        "Memory: faiss `serialize_index` size; Loom `stats().memory_bytes` total "
        "(index + raw vectors + id map). "
        f"milvus-lite: {meta['milvus_queries']} queries (FLAT one per call, its "
        "fastest mode: batches made it slower and grew it past the machine's "
        "memory), 20 single ones, build = insert + create_index + load. "
        "`load`: 1-minute load average when the "
        "point was measured (2 cores, shared with other engineers' runs).",
        "",
    ]
    for ds in doc["datasets"].values():
        lines += dataset_section(ds, meta)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Re-render ``vectors.md`` from a ``vectors.json`` written by a run."""
    import json
    import sys
    from pathlib import Path

    source = Path((argv if argv is not None else sys.argv[1:])[0])
    doc = json.loads(source.read_text())
    (source.parent / "vectors.md").write_text(markdown(doc))


if __name__ == "__main__":
    main()
