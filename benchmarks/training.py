"""LightGBM training wall time: LightGBM called directly vs Loom ``train()`` vs a job.

Target from the issue: Loom adds at most 10 % wall time to a LightGBM fit on
1,000,000 rows x 50 features.

The data are synthetic: no real table of that size installs offline (covertype
and its like are downloads; the sets bundled with scikit-learn and statsmodels
stop near 20,000 rows), and overhead is a property of the code path, not of
what the numbers mean. ``make_classification(n_informative=20, random_state=0)``
gives a DataFrame with columns ``f00``.. and an int ``target``.

Every path starts from that DataFrame in memory and ends with a test ROC-AUC:

* **direct**: ``train_test_split(test_size=0.2, stratify=y, random_state=42)``,
  ``LGBMClassifier`` with exactly the parameters of the estimator Loom builds
  (read from ``algorithm.build``, threads included), ``predict_proba`` on the
  test rows, ``roc_auc_score``: what a user writes by hand.
* **direct, LightGBM defaults**: the same, with only what a user would type
  (no ``deterministic`` / ``force_row_wise``); shows what those choices cost.
* **loom train()**: ``loom.training.fitting.train`` (target codes, split,
  encoding, fit, metrics, curves, plots, model report, bundle in memory).
* **loom job**: the same through ``loom server`` on loopback (the Parquet file
  imported once as a dataset, then ``POST /runs`` and polling the job every
  50 ms; the SDK's own wait backs off to 1 s polls, which would add up to 1 s).

Rounds are interleaved (direct, defaults, train(), job, direct, ...); medians,
minima and the ratios to direct go to ``results/training.md`` with the load
average at each round, and a cProfile of one more ``train()`` call.

Run: ``.venv/bin/python benchmarks/training.py [--rows 20000] [--no-job]``.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import peers
from training_report import PATHS, markdown

from loom.algorithms.boosting.openmp import prefer_passive_wait

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results"
ALGORITHM = "lightgbm_classifier"
TARGET = "target"
SEED = 42
TEST_SIZE = 0.2
Timed = dict[str, Any]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options; the defaults give the reported 1M x 50 run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--n-estimators", type=int, default=100)
    parser.add_argument("--num-leaves", type=int, default=31)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--no-job", action="store_true", help="skip the server path")
    parser.add_argument("--no-profile", action="store_true", help="skip cProfile")
    parser.add_argument("--output", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def make_frame(rows: int, features: int) -> pd.DataFrame:
    """The synthetic classification table (see the module docstring for why)."""
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=rows, n_features=features, n_informative=20, random_state=0
    )
    df = pd.DataFrame(X, columns=[f"f{i:02d}" for i in range(features)])
    df[TARGET] = y
    return df


def lightgbm_params(loom_params: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The parameters of the estimator Loom builds, and its thread count."""
    from loom.algorithms.registry import get_algorithm, validate_params

    algorithm = get_algorithm(ALGORITHM)
    built = algorithm.build(validate_params(ALGORITHM, loom_params), SEED)
    params: dict[str, Any] = built.get_params()
    return params, int(params["n_jobs"])


def loom_params(args: argparse.Namespace) -> dict[str, Any]:
    """The algorithm parameters every path uses (the rest stay at defaults)."""
    return {
        "n_estimators": args.n_estimators,
        "num_leaves": args.num_leaves,
        "learning_rate": args.learning_rate,
    }


def _clock(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """``fn()``, its wall seconds and this process's CPU seconds (all threads)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def run_direct(df: pd.DataFrame, params: dict[str, Any]) -> Timed:
    """Split, fit, score and grade by hand, as a LightGBM user would."""
    import lightgbm
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    steps: dict[str, float] = {}

    def work() -> float:
        t = time.perf_counter()
        X, y = df.drop(columns=TARGET), df[TARGET]
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=TEST_SIZE, stratify=y, random_state=SEED
        )
        steps["split"] = time.perf_counter() - t
        t = time.perf_counter()
        model = lightgbm.LGBMClassifier(**params).fit(X_train, y_train)
        steps["fit"] = time.perf_counter() - t
        t = time.perf_counter()
        proba = np.asarray(model.predict_proba(X_test))
        auc = roc_auc_score(y_test, proba[:, 1])
        steps["score"] = time.perf_counter() - t
        return float(auc)

    auc, wall, cpu = _clock(work)
    return {"wall": wall, "cpu": cpu, "auc": auc, "fit": steps["fit"], "steps": steps}


def run_train(df: pd.DataFrame, loom_params: dict[str, Any]) -> Timed:
    """``train()`` on the same frame; each log line is stamped with its time."""
    from loom.training.fitting import TrainingSpec, train

    spec = TrainingSpec(
        algorithm=ALGORITHM,
        params=loom_params,
        target=TARGET,
        seed=SEED,
        test_size=TEST_SIZE,
    )
    marks: list[tuple[float, str]] = []
    start = time.perf_counter()

    def log(line: str) -> None:
        marks.append((time.perf_counter() - start, line))

    outcome, wall, cpu = _clock(lambda: train(df, spec, log=log))
    return {
        "wall": wall,
        "cpu": cpu,
        "auc": outcome.metrics["roc_auc"],
        "fit": outcome.fit_duration_s,
        "marks": marks,
        "bundle": outcome.bundle,
    }


class JobPath:
    """A ``loom server`` in a temporary home with the table imported as a dataset."""

    def __init__(self, tmp: Path, df: pd.DataFrame) -> None:
        import json

        from loom import Client

        home = tmp / "home"
        (home / "data").mkdir(parents=True)
        parquet = home / "data" / "bench.parquet"
        df.to_parquet(parquet, index=False)
        port = peers.free_port()
        self.server = peers.loom_server(home, port, tmp).start()
        token = json.loads((home / "credentials").read_text())["token"]
        self.client = Client(f"http://127.0.0.1:{port}", token, timeout_s=600)
        try:
            _, self.import_s, _ = _clock(
                lambda: self.client.datasets.import_file("bench", parquet)
            )
        except BaseException:
            self.close()
            raise
        _, self.read_parquet_s, _ = _clock(lambda: pd.read_parquet(parquet))

    def run(self, loom_params: dict[str, Any]) -> Timed:
        """``POST /runs``, poll the job every 50 ms, then read the run back."""
        started = time.perf_counter()
        run = self.client.runs.create(
            dataset="bench",
            algorithm=ALGORITHM,
            target=TARGET,
            params=loom_params,
            seed=SEED,
            test_size=TEST_SIZE,
            wait=False,
        )
        while (job := self.client.jobs.get(run.job_id)).state not in (
            "succeeded",
            "failed",
            "cancelled",
        ):
            time.sleep(0.05)
        wall = time.perf_counter() - started
        if job.state != "succeeded":
            raise RuntimeError(f"job {job.id} {job.state}: {job.error}")
        done = self.client.runs.get(run.id)
        assert job.started_at is not None
        assert job.finished_at is not None
        in_worker = (job.finished_at - job.started_at).total_seconds()
        return {
            "wall": wall,
            "auc": done.metrics["roc_auc"],
            "queued": (job.started_at - job.created_at).total_seconds(),
            "run_duration": done.duration_s,
            "worker_outside": in_worker - (done.duration_s or 0.0),
        }

    def close(self) -> None:
        """Close the SDK connection and stop the server's process group."""
        self.client.close()
        self.server.stop()


def run_rounds(
    args: argparse.Namespace, df: pd.DataFrame, job: JobPath | None
) -> list[dict[str, Timed]]:
    """Every path once per round, in the same order each round."""
    chosen = loom_params(args)
    params, threads = lightgbm_params(chosen)
    defaults = {**chosen, "n_jobs": threads, "random_state": SEED, "verbose": -1}
    rounds = []
    for number in range(1, args.repeats + 1):
        result = {"load": {"start": os.getloadavg()[0]}}
        result["direct"] = run_direct(df, params)
        result["defaults"] = run_direct(df, defaults)
        result["train"] = run_train(df, chosen)
        if job is not None:
            result["job"] = job.run(chosen)
        rounds.append(result)
        walls = "  ".join(f"{k} {result[k]['wall']:.2f}s" for k in _paths(result))
        print(f"round {number} (load {result['load']['start']:.2f}): {walls}")
    return rounds


def _paths(result: dict[str, Timed]) -> list[str]:
    return [k for k in PATHS if k in result]


def summarise(rounds: list[dict[str, Timed]]) -> dict[str, dict[str, float]]:
    """Median, min and max wall time per path and the ratios to ``direct``."""
    out: dict[str, dict[str, float]] = {}
    for key in _paths(rounds[0]):
        walls = [r[key]["wall"] for r in rounds]
        cpus = [r[key]["cpu"] for r in rounds if "cpu" in r[key]]
        out[key] = {
            "median": statistics.median(walls),
            "min": min(walls),
            "max": max(walls),
            "cpu": statistics.median(cpus) if cpus else float("nan"),
            "auc": rounds[0][key]["auc"],
            "fit": statistics.median(r[key].get("fit", np.nan) for r in rounds),
            # Time outside estimator.fit, per round: barely moved by how much
            # CPU the (2-thread) fit got from a busy machine.
            "outside_fit": statistics.median(
                r[key]["wall"] - r[key].get("fit", np.nan) for r in rounds
            ),
        }
    for figures in out.values():
        figures["ratio"] = figures["median"] / out["direct"]["median"]
        figures["ratio_min"] = figures["min"] / out["direct"]["min"]
    return out


def train_steps(rounds: list[dict[str, Timed]]) -> list[tuple[str, float]]:
    """Seconds between ``train()``'s log lines, median over rounds.

    A step is named by the log line that ends it, so it covers the work done
    before that line was written; the last step ends when ``train()`` returns.
    """
    per_round = []
    for r in rounds:
        marks, previous, steps = r["train"]["marks"], 0.0, []
        for seconds, line in [*marks, (r["train"]["wall"], "(train() returns)")]:
            steps.append((line, seconds - previous))
            previous = seconds
        per_round.append(steps)
    if len({len(s) for s in per_round}) != 1:
        return per_round[0]
    return [
        (steps[0], statistics.median(s[i][1] for s in per_round))
        for i, steps in enumerate(per_round[0])
    ]


def profile_train(df: pd.DataFrame, args: argparse.Namespace) -> dict[str, Any]:
    """cProfile one extra ``train()`` call: Loom's functions and the top self-times."""
    profiler = cProfile.Profile()
    profiler.runcall(run_train, df, loom_params(args))
    stats = pstats.Stats(profiler)
    # ``stats`` and ``total_tt`` are documented in pstats but not in typeshed.
    table = stats.stats  # type: ignore[attr-defined]
    rows = [
        (_where(key), cc, tt, ct) for key, (cc, _nc, tt, ct, _callers) in table.items()
    ]
    loom_rows = [r for r in rows if r[0].startswith("loom/")]
    return {
        "total": stats.total_tt,  # type: ignore[attr-defined]
        "loom": sorted(loom_rows, key=lambda r: -r[3])[:18],
        "self": sorted(rows, key=lambda r: -r[2])[:15],
    }


def _where(key: tuple[str, int, str]) -> str:
    filename, line, name = key
    for marker in ("/site-packages/", "/src/"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
            break
    return f"{filename}:{line}({name})" if line else name


def _versions() -> str:
    import lightgbm
    import sklearn

    names = {"Python": platform.python_version(), "lightgbm": lightgbm.__version__}
    names |= {"scikit-learn": sklearn.__version__, "pandas": pd.__version__}
    names["numpy"] = np.__version__
    return ", ".join(f"{k} {v}" for k, v in names.items())


def measure(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Make the data, run the rounds (and the job path) and the profile."""
    df, make_s, _ = _clock(lambda: make_frame(args.rows, args.features))
    job = None if args.no_job else JobPath(tmp, df)
    try:
        rounds = run_rounds(args, df, job)
    finally:
        if job is not None:
            job.close()
    _, save_s, _ = _clock(lambda: rounds[-1]["train"]["bundle"].save(tmp / "bundle"))
    params, _ = lightgbm_params(loom_params(args))
    holdout = f"holdout {TEST_SIZE:.0%} stratified, seed {SEED}"
    return {
        "rounds": rounds,
        "summary": summarise(rounds),
        "train_steps": train_steps(rounds),
        "save_s": save_s,
        "import_s": job.import_s if job else None,
        "read_parquet_s": job.read_parquet_s if job else None,
        "profile": None if args.no_profile else profile_train(df, args),
        "meta": {"make_s": make_s, "params": params, "holdout": holdout},
    }


def main(argv: list[str] | None = None) -> Path:
    """Run the benchmark once, write ``training.md`` and return its path."""
    prefer_passive_wait()  # as Loom does; set before LightGBM loads, for every path
    args = parse_args(argv)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="loom-train-bench-") as tmp:
        doc = measure(args, Path(tmp))
    doc["meta"] |= {
        "started_at": started,
        "machine": f"{platform.node()}, {os.cpu_count()} CPUs, {platform.machine()}",
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
        "command": " ".join(
            ["python", "benchmarks/training.py", *(argv or sys.argv[1:])]
        ),
        "rows": args.rows,
        "features": args.features,
        "versions": _versions(),
        "omp": os.environ.get("OMP_WAIT_POLICY"),
    }
    text = markdown(doc)
    args.output.mkdir(parents=True, exist_ok=True)
    path = args.output / "training.md"
    path.write_text(text)
    print(text)
    return path


if __name__ == "__main__":
    main()
