"""Single-row predict throughput and p50/p99 latency: Loom vs bare FastAPI vs MLflow.

One run, one machine, one model, one payload row, all on 127.0.0.1:

1. A temporary ``LOOM_HOME``; ``loom server`` starts, and the SDK imports the
   iris demo CSV, trains ``logistic_regression``, registers and deploys it and
   issues an endpoint token. The server is then restarted so it is measured as
   a serving process, not one that has just trained.
2. The bare FastAPI app (``bare_app.py``; its ``def`` route is the baseline, its
   ``async def`` twin a reference ceiling) and ``mlflow models serve`` (from
   ``benchmarks/.venv-mlflow``) serve the very same fitted estimator, read from
   Loom's artifact directory.
3. Every peer must give the same prediction for the row; then ``wrk`` measures
   each, one server at a time, at 1 and 16 connections (warm-up first), in
   ``--rounds`` rounds (order rotated); each figure reported is the median over
   rounds, every round is kept in the JSON.
4. Figures, ratios and the target verdict go to ``results/serving.json`` and
   ``results/serving.md`` and into ``README.md``.

Run: ``.venv/bin/python benchmarks/serving.py [--quick]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import loadgen
import peers
import report

RESULTS = peers.BENCH_DIR / "results"
CONNECTIONS = (1, 16)
ROW_INDEX = 75  # an iris row the model is not certain about (non-trivial probas)
MLFLOW_BODIES = ("inputs", "dataframe_records")


def parse_args() -> argparse.Namespace:
    """Command-line options (defaults give the full, reported run)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 2 s per measurement"
    )
    parser.add_argument("--duration", type=float, default=None, help="seconds")
    parser.add_argument(
        "--rounds",
        type=int,
        default=None,
        help="measurements per peer and connection count; the median is "
        "reported (default 3, 1 with --quick)",
    )
    parser.add_argument("--warmup", type=float, default=None, help="seconds")
    parser.add_argument(
        "--mlflow-body",
        choices=MLFLOW_BODIES,
        default="inputs",
        help="MLflow request format (default: inputs, its one-row fast path)",
    )
    parser.add_argument(
        "--mlflow-workers",
        type=int,
        default=None,
        help="uvicorn workers for MLflow (default: MLflow's own default)",
    )
    parser.add_argument(
        "--output", type=Path, default=RESULTS, help="where results are written"
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=600.0,
        help="before each measurement, wait up to this many seconds for other "
        "work on the machine to stop (default 600)",
    )
    args = parser.parse_args()
    args.duration = args.duration or (2.0 if args.quick else 10.0)
    args.warmup = args.warmup or (1.0 if args.quick else 2.0)
    args.rounds = args.rounds or (1 if args.quick else 3)
    return args


def setup_loom(url: str, token: str, home: Path) -> dict[str, Any]:
    """Import iris, train, register, deploy, issue an endpoint token (via the SDK).

    Returns:
        ``endpoint``, ``token`` (endpoint-scoped), ``run_id``, ``model_dir``,
        ``metrics``, ``features`` and ``labels`` of the deployed model.
    """
    from loom import Client
    from loom.training.bundle import ModelBundle

    with Client(url, token) as client:
        client.datasets.import_file("iris", home / "data" / "iris.csv")
        run = client.runs.create(
            dataset="iris", target="species", algorithm="logistic_regression"
        )
        client.models.register("iris-logreg", run.id)
        client.endpoints.deploy("iris-logreg", "iris-logreg", version=1)
        endpoint_token = client.endpoints.create_token("iris-logreg", "bench").token
        workspace = client.whoami().workspace.id
    runs_dir = home / "artifacts" / "workspaces" / workspace / "runs"
    model_dir = runs_dir / run.id / "model"
    if not (model_dir / "bundle.json").exists():
        found = sorted(home.glob(f"artifacts/**/{run.id}/model/bundle.json"))
        if not found:
            raise RuntimeError(f"no model directory for run {run.id} under {home}")
        model_dir = found[0].parent
    bundle = ModelBundle.load(model_dir)
    return {
        "endpoint": "iris-logreg",
        "token": endpoint_token,
        "run_id": run.id,
        "model_dir": model_dir,
        "metrics": run.metrics,
        "features": bundle.features,
        "labels": bundle.labels,
        "estimator": repr(bundle.estimator),
    }


def payload_row(csv_path: Path, features: list[str]) -> dict[str, float]:
    """Row ``ROW_INDEX`` of the iris CSV, as ``{feature: float}`` in model order."""
    with csv_path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {name: float(rows[ROW_INDEX][name]) for name in features}


def bodies(row: dict[str, float], mlflow_body: str) -> dict[str, str]:
    """The exact request body each peer gets (compact JSON, same row)."""
    dump = json.dumps
    mlflow = (
        {"inputs": [list(row.values())]}
        if mlflow_body == "inputs"
        else {"dataframe_records": [row]}
    )
    return {
        "loom": dump({"records": [row]}, separators=(",", ":")),
        "bare": dump({"records": [row]}, separators=(",", ":")),
        "mlflow": dump(mlflow, separators=(",", ":")),
    }


def check_answer(
    peer: str, url: str, body: str, token: str | None, labels: list[Any]
) -> dict[str, Any]:
    """POST the row once and return the predicted label (all peers must agree)."""
    answer = peers.http_json(url, json.loads(body), token)
    prediction = answer["predictions"][0]
    if peer == "mlflow":  # MLflow returns the estimator's class code
        prediction = labels[int(prediction)]
    return {"prediction": prediction, "answer": answer}


PeerSpec = tuple[str, Callable[[int], tuple[peers.Server, str]], str, str | None]


def peer_specs(
    tmp: Path, model: dict[str, Any], body: dict[str, str], args: argparse.Namespace
) -> list[PeerSpec]:
    """``(name, make(port) -> (server, url), body, token)`` for every peer."""
    home, logs, mlflow_dir = tmp / "home", tmp / "logs", tmp / "mlflow-model"
    path = f"/api/v1/endpoints/{model['endpoint']}/predict"

    def loom(port: int) -> tuple[peers.Server, str]:
        return peers.loom_server(home, port, logs), f"http://127.0.0.1:{port}{path}"

    def bare(mode: str) -> Callable[[int], tuple[peers.Server, str]]:
        def make(port: int) -> tuple[peers.Server, str]:
            server = peers.bare_server(model["model_dir"], port, logs, mode)
            return server, f"http://127.0.0.1:{port}/predict"

        return make

    def mlflow(port: int) -> tuple[peers.Server, str]:
        server = peers.mlflow_server(mlflow_dir, port, logs, args.mlflow_workers)
        return server, f"http://127.0.0.1:{port}/invocations"

    return [
        ("loom", loom, body["loom"], model["token"]),
        ("bare", bare("sync"), body["bare"], None),
        ("bare_async", bare("async"), body["bare"], None),
        ("mlflow", mlflow, body["mlflow"], None),
    ]


def run_rounds(specs: list[PeerSpec], ctx: dict[str, Any]) -> None:
    """Measure every peer at every connection count, ``--rounds`` times.

    Each round starts and stops every server in turn (one server up at a time);
    the order rotates between rounds so no peer always follows the same one.
    The first answer of each peer is kept to check they agree.
    """
    args = ctx["args"]
    options = {
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "wait_quiet_s": args.wait_quiet,
    }
    for rnd in range(args.rounds):
        print(f"round {rnd + 1}/{args.rounds}", flush=True)
        shift = rnd % len(specs)
        for name, make, body, token in specs[shift:] + specs[:shift]:
            server, url = make(peers.free_port())
            with server:
                answer = check_answer(name, url, body, token, ctx["model"]["labels"])
                ctx["answers"].setdefault(name, answer)
                for conns in CONNECTIONS:
                    figures = loadgen.measure(
                        ctx["wrk"],
                        url,
                        server_cpu=server.cpu_seconds,
                        connections=conns,
                        options=options | {"body": body, "token": token},
                    )
                    ctx["rounds"].setdefault(name, {}).setdefault(f"c{conns}", [])
                    ctx["rounds"][name][f"c{conns}"].append(figures)
                    print_line(name, conns, figures)


def print_line(name: str, conns: int, figures: dict[str, Any]) -> None:
    """One progress line per measurement."""
    print(
        f"  {name:10s} c={conns:<2d} {figures['rps']:7.0f} req/s  "
        f"p50 {figures['p50_ms']:6.2f} ms  p99 {figures['p99_ms']:7.2f} ms  "
        f"errors {sum(figures['errors'].values())}  "
        f"other CPU {figures['other_cpu_cores']:.2f}  "
        f"calib {figures['cpu_calibration_ms']:.0f} ms",
        flush=True,
    )


def run_all(args: argparse.Namespace, wrk: str, tmp: Path) -> dict[str, Any]:
    """Prepare Loom's model, then measure Loom, bare FastAPI and MLflow."""
    home, logs = tmp / "home", tmp / "logs"
    logs.mkdir(parents=True)
    port = peers.free_port()
    print("preparing: loom server, import iris, train, register, deploy", flush=True)
    with peers.loom_server(home, port, logs):
        creds = json.loads((home / "credentials").read_text())
        model = setup_loom(f"http://127.0.0.1:{port}", creds["token"], home)
    row = payload_row(home / "data" / "iris.csv", model["features"])
    body = bodies(row, args.mlflow_body)
    mlflow_version = peers.save_mlflow_model(
        model["model_dir"] / "estimator.joblib", tmp / "mlflow-model"
    )
    ctx: dict[str, Any] = {"args": args, "wrk": wrk, "model": model}
    ctx |= {"answers": {}, "rounds": {}}
    run_rounds(peer_specs(tmp, model, body, args), ctx)
    ctx["results"] = report.summarise(ctx["rounds"])
    ctx |= {"row": row, "bodies": body, "mlflow_version": mlflow_version}
    return ctx


def build_document(ctx: dict[str, Any], started: str, wrk: str) -> dict[str, Any]:
    """The results JSON: meta, per-peer figures, ratios and the verdict."""
    import fastapi
    import sklearn
    import uvicorn

    args, model = ctx["args"], ctx["model"]
    predictions = {p: a["prediction"] for p, a in ctx["answers"].items()}
    if len(set(map(str, predictions.values()))) != 1:
        raise RuntimeError(f"the peers disagree on the prediction: {predictions}")
    workers = args.mlflow_workers or f"MLflow default ({os.cpu_count()} = CPU count)"
    meta = {
        "started_at": started,
        "machine": f"{platform.node()}, {os.cpu_count()} CPUs, {platform.machine()}",
        "quick": args.quick,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "rounds": args.rounds,
        "connections": {"c1": "wrk -t1 -c1", "c16": "wrk -t2 -c16"},
        "versions": {
            "python": peers.this_python(),
            "scikit-learn": sklearn.__version__,
            "fastapi": fastapi.__version__,
            "uvicorn": uvicorn.__version__,
            "mlflow": ctx["mlflow_version"],
            "wrk": loadgen.wrk_version(wrk),
        },
        "model": {k: model[k] for k in ("run_id", "metrics", "features", "labels")}
        | {"estimator": model["estimator"], "prediction": predictions["loom"]},
        "payload_row": ctx["row"],
        "bodies": ctx["bodies"],
        "mlflow_body": args.mlflow_body,
        "mlflow_workers": workers,
        "answers": {p: a["answer"] for p, a in ctx["answers"].items()},
        "setup_note": (
            "Loom: `loom server` (1 uvicorn worker), endpoint-scoped bearer token. "
            "Bare: FastAPI + uvicorn 1 worker, pydantic body, `def` route "
            "(threadpool) calling predict_proba, label = argmax (Loom's model "
            "work); bare async: the same route as `async def` (on the event loop). "
            "MLflow: `mlflow models serve --env-manager "
            f"local` ({workers} workers), body `{args.mlflow_body}`, pyfunc calls "
            "predict only. Same estimator, same row, wrk and server share 2 cores."
        ),
    }
    ratio_table = report.ratios(ctx["results"])
    return {
        "meta": meta,
        "results": ctx["results"],
        "rounds": ctx["rounds"],
        "ratios": ratio_table,
        "verdict": report.verdict(ctx["results"], ratio_table),
    }


def write_results(doc: dict[str, Any], out_dir: Path) -> str:
    """Write ``serving.json`` and ``serving.md`` (atomically) and refresh the README."""
    out_dir.mkdir(parents=True, exist_ok=True)
    table = report.markdown(doc)
    for name, text in (
        ("serving.json", json.dumps(doc, indent=2) + "\n"),
        ("serving.md", "# Serving benchmark\n\n" + table),
    ):
        tmp = out_dir / f"{name}.tmp"
        tmp.write_text(text)
        tmp.replace(out_dir / name)
    if out_dir.resolve() == RESULTS.resolve():
        report.update_readme(peers.BENCH_DIR / "README.md", table)
    return table


def main() -> None:
    """Run the whole benchmark once and print the table."""
    args = parse_args()
    wrk = loadgen.require_wrk()
    peers.require_mlflow_venv()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="loom-bench-") as tmp:
        try:
            ctx = run_all(args, wrk, Path(tmp))
        except Exception:
            logs = Path(tmp) / "logs"
            for log in sorted(logs.glob("*.log")) if logs.exists() else []:
                print(f"--- {log.name} (tail)\n{log.read_text()[-2000:]}")
            raise
    doc = build_document(ctx, started, wrk)
    doc["meta"]["wall_s"] = round(time.monotonic() - t0, 1)
    print()
    print(write_results(doc, args.output))
    print(f"written to {args.output}/serving.json and serving.md")


if __name__ == "__main__":
    main()
