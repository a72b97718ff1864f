"""Feature-pipeline wall time and peak memory: Loom's engine vs pandas + scikit-learn.

Target from issue 4: on 10,000,000 rows x 20 columns (impute, encode, scale,
aggregate) Loom is >= 3x faster than the pandas + scikit-learn code doing the
same work, with <= 0.5x its peak memory, and completes within 24 GiB.

The data are synthetic: no real 10M-row table installs offline, and the cost
depends on shapes, null rates and cardinalities, not on what the numbers mean.
``write_data`` makes them deterministically, one 1M-row row group at a time
(never 10M rows in memory): 15 floats ``x00``.. (5 % nulls, per-group
offsets), string categoricals of 5 / 12 / 50 / 1,000 (Zipf-like) values and
an int group key ``g`` of 1,000 values.

Both sides median-impute and standard-scale ``x*``, one-hot the three small
categoricals, frequency-encode ``c_product`` and, per ``g``, write the mean of
each ``x*`` and of the frequency, the sum of each one-hot column and the count:
**loom** as a ``PipelineSpec`` run by ``run_pipeline`` (full mode, no cache,
default DuckDB settings); **pandas** with ``read_parquet``, a ``value_counts``
map, a ``ColumnTransformer`` (``SimpleImputer`` + ``StandardScaler``,
``OneHotEncoder``; pandas output), ``groupby().agg`` and ``to_parquet``.

Each run is a fresh subprocess (``--child``) under ``RLIMIT_AS``: wall time
measured inside it, peak RSS and CPU from ``wait4``. Rounds are interleaved;
round 1's outputs must agree (groups, every aggregate to 1e-6 relative).

Run: ``.venv/bin/python benchmarks/pipelines.py [--rows 20000] [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines_report import PATHS, compare, machine_facts, markdown, summarise

RESULTS = Path(__file__).resolve().parent / "results"
NUMERIC = [f"x{i:02d}" for i in range(15)]
ONE_HOT = {"c_channel": 5, "c_device": 12, "c_region": 50}
FREQUENCY = ("c_product", 1000)
GROUP, GROUPS = "g", 1000
NULL_RATE = 0.05
CHUNK = 1_000_000
Run = dict[str, Any]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options; the defaults give the reported 10M-row run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--memory-gb", type=float, help="RLIMIT_AS per child")
    parser.add_argument("--data", type=Path, help="reuse/keep the Parquet file here")
    parser.add_argument("--variants", action="store_true", help="DuckDB settings")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--child", choices=list(PATHS), help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--settings", default="{}", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def categories(column: str, n: int) -> list[str]:
    """The category labels of a column (identifier-friendly, so one-hot names are)."""
    named = ["web", "app", "store", "phone", "partner"] if column == "c_channel" else []
    return named or [f"{column.removeprefix('c_')[:3]}{i:04d}" for i in range(n)]


def write_data(path: Path, rows: int, seed: int = 0) -> None:
    """Write the synthetic table in 1M-row row groups (see the module docstring)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    offsets = np.random.default_rng(seed).normal(0, 1, (GROUPS, len(NUMERIC)))
    cats = {**ONE_HOT, FREQUENCY[0]: FREQUENCY[1]}
    tmp = path.with_suffix(".tmp")
    writer: pq.ParquetWriter | None = None
    for number, start in enumerate(range(0, rows, CHUNK)):
        n = min(CHUNK, rows - start)
        rng = np.random.default_rng([seed, number])
        g = rng.integers(0, GROUPS, n)
        cols: dict[str, Any] = {GROUP: pa.array(g)}
        for j, name in enumerate(NUMERIC):
            x = offsets[g, j] + rng.normal(0, 1 + j / 5, n) * (j + 1)
            cols[name] = pa.array(x, mask=rng.random(n) < NULL_RATE)
        for name, k in cats.items():
            weights = 1.0 / np.arange(1, k + 1) ** (1.1 if k > 50 else 0.5)
            codes = rng.choice(k, n, p=weights / weights.sum())
            cols[name] = pa.DictionaryArray.from_arrays(
                pa.array(codes.astype("int32")), pa.array(categories(name, k))
            ).cast(pa.string())
        table = pa.table(cols)
        if writer is None:
            writer = pq.ParquetWriter(tmp, table.schema)
        writer.write_table(table, row_group_size=CHUNK)
    assert writer is not None
    writer.close()
    tmp.replace(path)


def aggregations() -> list[tuple[str, str, str]]:
    """(output name, input column, function) of the final group-by, both sides."""
    out = [(f"{c}_mean", c, "mean") for c in NUMERIC]
    for column, n in ONE_HOT.items():
        out += [
            (f"{column}_{v}_sum", f"{column}_{v}", "sum") for v in categories(column, n)
        ]
    out.append((f"{FREQUENCY[0]}_freq_mean", FREQUENCY[0], "mean"))
    out.append(("rows", GROUP, "count"))
    return out


def loom_spec() -> Any:
    """The Loom pipeline: source → impute → one-hot → frequency → scale → aggregate."""
    from loom.pipelines.builder import Aggregate, Encode, Impute, Pipeline, Scale

    aggs = [{"column": c, "func": f, "name": n} for n, c, f in aggregations()]
    return (
        Pipeline("bench")
        .source("raw", dataset="bench")
        .then("impute", Impute(strategy="median", columns=NUMERIC))
        .then("onehot", Encode(method="one_hot", columns=[*ONE_HOT], max_categories=99))
        .then("freq", Encode(method="frequency", columns=[FREQUENCY[0]]))
        .then("scale", Scale(method="standard", columns=NUMERIC))
        .then("agg", Aggregate(group_by=[GROUP], aggregations=aggs))
        .spec()
    )


def _patch_engine(pragmas: dict[str, Any]) -> None:
    """Variants: DuckDB settings ``run_pipeline`` does not take as arguments."""
    from loom.pipelines import engine

    connect = engine.connect

    def patched(*args: Any, **kwargs: Any) -> Any:
        con = connect(*args, **kwargs)
        for key, value in pragmas.items():
            con.execute(f"SET {key} = {str(value).lower()}")
        return con

    engine.connect = patched  # type: ignore[assignment]


def run_loom(data: Path, workdir: Path, settings: dict[str, Any]) -> Run:
    """Run the spec; ``settings`` may change DuckDB's (for the variants only)."""
    from loom.pipelines import run_pipeline

    pragmas = settings.pop("pragmas", {})
    if pragmas:
        _patch_engine(pragmas)
    started = time.perf_counter()
    spec, sources = loom_spec(), {"bench": data}
    result = run_pipeline(spec, sources=sources, workdir=workdir, **settings)
    wall = time.perf_counter() - started
    if result.status != "succeeded":
        errors = [n.error for n in result.nodes.values() if n.error]
        raise RuntimeError(f"loom run failed: {errors}")
    steps = {n.id: n.duration_s for n in result.nodes.values()}
    return {"wall": wall, "steps": steps, "output": result.output_path("agg")}


def run_pandas(data: Path, workdir: Path) -> Run:
    """What a pandas + scikit-learn user writes for the same pipeline."""
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    marks = [("start", time.perf_counter())]
    df = pd.read_parquet(data)
    marks.append(("read_parquet", time.perf_counter()))
    product = FREQUENCY[0]
    df[product] = df[product].map(df[product].value_counts(normalize=True))
    marks.append(("frequency map", time.perf_counter()))
    numeric = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    onehot = OneHotEncoder(sparse_output=False, dtype="float64")
    transformer = ColumnTransformer(
        [("num", numeric, NUMERIC), ("onehot", onehot, list(ONE_HOT))],
        remainder="passthrough",
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    features = transformer.fit_transform(df)
    del df
    marks.append(("ColumnTransformer.fit_transform", time.perf_counter()))
    named = {n: (c, f) for n, c, f in aggregations()}
    out = features.groupby(GROUP, sort=True).agg(**named)
    marks.append(("groupby.agg", time.perf_counter()))
    path = workdir / "pandas.parquet"
    out.reset_index().to_parquet(path, index=False)
    marks.append(("to_parquet", time.perf_counter()))
    steps = {name: t - marks[i][1] for i, (name, t) in enumerate(marks[1:])}
    return {"wall": marks[-1][1] - marks[0][1], "steps": steps, "output": str(path)}


def child(args: argparse.Namespace) -> None:
    """Run one path in this (fresh) process and print its figures as JSON."""
    limit = (int(args.memory_gb * 2**30),) * 2
    resource.setrlimit(resource.RLIMIT_AS, limit)
    args.workdir.mkdir(parents=True, exist_ok=True)
    try:
        if args.child == "pandas":
            out = run_pandas(args.data, args.workdir)
        else:
            out = run_loom(args.data, args.workdir, json.loads(args.settings))
        out["status"] = "ok"
    except Exception as exc:  # MemoryError, or Arrow's / DuckDB's out-of-memory
        oom = isinstance(exc, MemoryError) or "memory" in str(exc).lower()
        out = {"status": "oom" if oom else "error", "error": repr(exc)[:300]}
    print("RESULT " + json.dumps(out))


def spawn(
    args: argparse.Namespace, path: str, data: Path, tmp: Path, **extra: Any
) -> Run:
    """One child run: its own figures, its peak RSS (``wait4``) and outer wall.

    The child's work directory (Loom writes every node's output there) is
    removed afterwards; only the final table is kept, for ``compare``.
    """
    workdir = tmp / f"{path}-{time.time_ns()}"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", path]
    cmd += ["--data", str(data), "--workdir", str(workdir), "--memory-gb"]
    cmd += [str(args.memory_gb), "--settings", json.dumps(extra.get("settings", {}))]
    load, started = os.getloadavg()[0], time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True)
        assert proc.stdout is not None
        stdout = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        proc.stdout.close()
        err.seek(0)
        tail = err.read().strip().splitlines()[-1:] or ["no output"]
    wall = time.perf_counter() - started  # the child's, start-up and imports too
    line = next((x for x in stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        kind = "oom" if code in (-6, -9) or "memory" in tail[0].lower() else "error"
        out: dict[str, Any] = {"status": kind, "error": f"exit {code}: {tail[0][:300]}"}
    else:
        out = json.loads(line.removeprefix("RESULT "))
    if out["status"] == "ok":
        kept = tmp / f"{workdir.name}.parquet"
        shutil.copyfile(out["output"], kept)
        out["output"] = str(kept)
    shutil.rmtree(workdir, ignore_errors=True)
    cpu = usage.ru_utime + usage.ru_stime  # all threads; ru_maxrss is in KiB
    figures = {"peak_gib": usage.ru_maxrss / 2**20, "outer": wall, "cpu": cpu}
    return out | figures | {"load": load, "load_end": os.getloadavg()[0]}


UNORDERED = {"pragmas": {"preserve_insertion_order": False}}
VARIANTS: dict[str, dict[str, Any]] = {
    "threads=1": {"threads": 1},
    "memory_limit=8GB": {"memory_limit": "8GB"},
    "preserve_insertion_order=false": UNORDERED,
}


def run_rounds(args: argparse.Namespace, data: Path, tmp: Path) -> list[Run]:
    """Both paths once per round, the order alternating between rounds."""
    rounds = []
    for number in range(1, args.repeats + 1):
        order = list(PATHS) if number % 2 else list(PATHS)[::-1]
        result: dict[str, Any] = {"load": os.getloadavg()[0], "order": order}
        for path in order:
            result[path] = spawn(args, path, data, tmp)
        rounds.append(result)
        cells = "  ".join(_cell(k, result[k]) for k in PATHS)
        print(f"round {number} (load {result['load']:.2f}): {cells}", flush=True)
    return rounds


def _cell(key: str, r: dict[str, Any]) -> str:
    if r["status"] != "ok":
        return f"{key} {r['status']} ({r['peak_gib']:.1f} GiB)"
    return f"{key} {r['wall']:.1f}s cpu {r['cpu']:.1f}s {r['peak_gib']:.2f} GiB"


def run_variants(args: argparse.Namespace, data: Path, tmp: Path) -> list[Run]:
    """Loom once per DuckDB setting (compare with the rounds' loom runs)."""
    out = []
    for name, settings in VARIANTS.items():
        result = spawn(args, "loom", data, tmp, settings=settings) | {"name": name}
        out.append(result)
        print(f"variant {name}: {_cell('loom', result)}", flush=True)
    return out


def default_memory_gb() -> float:
    """20 GiB, or less when the shared machine has less available (minus 2 GiB)."""
    with open("/proc/meminfo") as fh:
        info = {ln.split(":")[0]: int(ln.split()[1]) for ln in fh}
    return round(min(20.0, info["MemAvailable"] / 2**20 - 2), 1)


def measure(args: argparse.Namespace, tmp: Path) -> Run:
    """Make (or reuse) the data, run the rounds, compare outputs, the variants."""
    import pyarrow.parquet as pq

    data = args.data or tmp / "bench.parquet"
    started, made = time.perf_counter(), not data.exists()
    if made:
        write_data(data, args.rows)
    make_s = time.perf_counter() - started if made else 0.0
    rounds = run_rounds(args, data, tmp)
    first, names = rounds[0], [n for n, _, _ in aggregations()]
    ok = first["loom"]["status"] == first["pandas"]["status"] == "ok"
    check = compare([first[k]["output"] for k in PATHS], GROUP, names) if ok else None
    if check is not None and not check["ok"]:
        raise RuntimeError(f"the two outputs differ: {check['problems']}")
    return {
        "rounds": rounds,
        "summary": summarise(rounds),
        "check": check,
        "variants": run_variants(args, data, tmp) if args.variants else [],
        "meta": {"make_s": make_s, "size_mb": data.stat().st_size / 1e6}
        | {"rows": pq.ParquetFile(data).metadata.num_rows},
    }


def main(argv: list[str] | None = None) -> Path | None:
    """Run the benchmark once, write ``pipelines.md`` and return its path."""
    args = parse_args(argv)
    if args.memory_gb is None:
        args.memory_gb = default_memory_gb()
    if args.child:
        child(args)
        return None
    started = datetime.now(UTC).isoformat(timespec="seconds")
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="loom-pipe-bench-") as tmp:
        doc = measure(args, Path(tmp))
    doc["meta"] |= {
        "started_at": started,
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
        "command": "python benchmarks/pipelines.py " + " ".join(argv or sys.argv[1:]),
        "memory_gb": args.memory_gb,
    } | machine_facts()
    text = markdown(doc)
    args.output.mkdir(parents=True, exist_ok=True)
    path = args.output / "pipelines.md"
    path.write_text(text)
    print(text)
    return path


if __name__ == "__main__":
    main()
