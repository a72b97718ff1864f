"""``loom train`` and ``loom runs …``: start, list, show, compare."""

from __future__ import annotations

import time

import typer

from loom.cli.output import (
    JsonOption,
    handle_errors,
    parse_params,
    print_fields,
    print_json,
    print_table,
)
from loom.cli.training_options import training_options
from loom.client import Client
from loom.tracking.schemas import RunEpochPublic, RunPublic

app = typer.Typer(help="Training runs.", no_args_is_help=True)


def show_run(run: RunPublic) -> None:
    """Print a run for people."""
    print_fields(
        {
            "id": run.id,
            "name": run.name,
            "state": run.state.value,
            "algorithm": run.algorithm,
            "dataset": f"{run.dataset_name} v{run.dataset_version}",
            "target": run.target,
            "params": run.params,
            "cv_folds": run.cv_folds,
            "duration_s": run.duration_s,
            "error": run.error,
        }
    )
    if run.metrics:
        print()
        print_table([[k, v] for k, v in run.metrics.items()], ["metric", "value"])
    advice = (run.details or {}).get("advice") or []
    if advice:
        print()
        print("Advice")
        for finding in advice:
            print(f"[{finding.get('severity')}] {finding.get('title')}")
            print(f"    {finding.get('evidence')}")
            print(f"    What to do: {finding.get('remedy')}")


def train(
    dataset: str = typer.Option(..., "--dataset", "-d"),
    algorithm: str = typer.Option(..., "--algorithm", "-a"),
    target: str = typer.Option(None, "--target", "-t"),
    features: str = typer.Option(
        None,
        "--features",
        "-f",
        help="Comma-separated feature columns or patterns (e.g. 'pixel_*'); "
        "default: every column but the target.",
    ),
    param: list[str] = typer.Option([], "--param", "-p", help="key=value, repeatable."),
    cv: int = typer.Option(None, "--cv", help="k-fold cross-validation folds."),
    test_size: float = typer.Option(0.2, "--test-size"),
    seed: int = typer.Option(42, "--seed"),
    experiment: str = typer.Option("Default", "--experiment"),
    group: str = typer.Option(
        None, "--group", help="Group column: its rows stay in one fold."
    ),
    standardize: bool = typer.Option(
        False, "--standardize", help="Centre and scale numeric features."
    ),
    class_weight: str = typer.Option(
        None, "--class-weight", help="'balanced' weights classes by inverse frequency."
    ),
    resample: str = typer.Option(
        None, "--resample", help="random_over, random_under or smote."
    ),
    threshold: str = typer.Option(
        None, "--threshold", help="Tune the binary threshold: f1 or cost."
    ),
    cost_ratio: float = typer.Option(
        1.0, "--cost-ratio", help="False-negative cost / false-positive cost."
    ),
    select: str = typer.Option(
        None,
        "--select",
        help="Feature selection: variance, chi2, mutual_info, rfecv, l1, "
        "tree_importance.",
    ),
    select_k: int = typer.Option(None, "--select-k", help="Columns to keep."),
    select_threshold: float = typer.Option(
        None, "--select-threshold", help="Variance threshold."
    ),
    learning_curve: bool = typer.Option(False, "--learning-curve"),
    validation_curve: str = typer.Option(
        None, "--validation-curve", help="param=v1,v2,... e.g. max_depth=2,4,8"
    ),
    no_wait: bool = typer.Option(False, "--no-wait", help="Return once queued."),
    json_out: bool = JsonOption,
) -> None:
    """Train an algorithm on a dataset and wait for its metrics."""
    options = training_options(
        group=group,
        standardize=standardize,
        class_weight=class_weight,
        resample=resample,
        threshold=threshold,
        cost_ratio=cost_ratio,
        select=select,
        select_k=select_k,
        select_threshold=select_threshold,
        learning_curve=learning_curve,
        validation_curve=validation_curve,
    )
    client = Client()
    chosen = _feature_columns(client, dataset, features) if features else None
    run = client.runs.create(
        dataset=dataset,
        algorithm=algorithm,
        target=target,
        params=parse_params(param),
        cv_folds=cv,
        options=options,
        test_size=test_size,
        seed=seed,
        experiment=experiment,
        wait=not no_wait,
        **({"features": chosen} if chosen else {}),
    )
    print_json(run) if json_out else show_run(run)


def _feature_columns(client: Client, dataset: str, spec: str) -> list[str]:
    """Names from ``--features``; patterns expand against the dataset's columns.

    Raises:
        ValueError: a pattern that matches no column (named).
    """
    from fnmatch import fnmatchcase

    items = [item.strip() for item in spec.split(",") if item.strip()]
    if not any(ch in item for item in items for ch in "*?["):
        return items
    latest = client.datasets.get(dataset).latest_version
    columns = [c.name for c in latest.columns] if latest else []
    chosen: list[str] = []
    for item in items:
        matched = [c for c in columns if fnmatchcase(c, item)]
        if not matched:
            raise ValueError(f"--features: '{item}' matches no column")
        chosen += [c for c in matched if c not in chosen]
    return chosen


@app.command("list")
@handle_errors
def list_(
    experiment: str = typer.Option(None, "--experiment"), json_out: bool = JsonOption
) -> None:
    """List runs, newest first."""
    items = Client().runs.list(experiment)
    if json_out:
        return print_json(items)
    rows = [
        [
            r.id,
            r.name,
            r.state.value,
            r.algorithm,
            f"{r.dataset_name} v{r.dataset_version}",
            next(iter(r.metrics.items()), ("", None))[1],
        ]
        for r in items
    ]
    print_table(rows, ["id", "name", "state", "algorithm", "dataset", "main metric"])


@app.command("show")
@handle_errors
def show(
    run_id: str,
    follow: bool = typer.Option(
        False, "--follow", "-f", help="Print epochs as they train, until the run ends."
    ),
    json_out: bool = JsonOption,
) -> None:
    """Show a run's parameters and metrics (with --follow, tail its epochs first)."""
    run = follow_epochs(Client(), run_id) if follow else Client().runs.get(run_id)
    print_json(run) if json_out else show_run(run)


@app.command("stop")
@handle_errors
def stop(run_id: str, json_out: bool = JsonOption) -> None:
    """Stop a running run gracefully: it keeps its best epoch and succeeds."""
    run = Client().runs.stop(run_id)
    if json_out:
        return print_json(run)
    print(f"stop requested for run {run.id}; it ends after the current batch")


def follow_epochs(client: Client, run_id: str, poll_s: float = 1.0) -> RunPublic:
    """Print each new epoch as one line until the run ends; return the ended run.

    The run's state is read before its epochs, so the last epochs written
    before the run ended are always printed.
    """
    last: int | None = None
    header = False
    while True:
        run = client.runs.get(run_id)
        for epoch in client.runs.epochs(run_id, after=last):
            if not header:
                print(
                    f"{'epoch':>5}  {'train_loss':>10}  {'val_loss':>10}  "
                    f"{'val_metric':>18}  {'lr':>9}"
                )
                header = True
            print(epoch_line(epoch))
            last = epoch.epoch
        if run.state.is_finished:
            print()
            return run
        time.sleep(poll_s)


def epoch_line(epoch: RunEpochPublic) -> str:
    """epoch, train_loss, val_loss, the validation metric and lr, aligned."""
    m = epoch.metrics
    metric = next(
        (
            f"{k[4:]}={v:.4f}"
            for k, v in m.items()
            if k.startswith("val_") and k != "val_loss" and v is not None
        ),
        "-",
    )
    return (
        f"{epoch.epoch:>5}  {_num(m.get('train_loss')):>10}  "
        f"{_num(m.get('val_loss')):>10}  {metric:>18}  {_num(m.get('lr'), 'g'):>9}"
    )


def _num(value: float | None, kind: str = ".4f") -> str:
    return "-" if value is None else format(value, kind)


@app.command("compare")
@handle_errors
def compare(run_ids: list[str], json_out: bool = JsonOption) -> None:
    """Compare runs side by side."""
    result = Client().runs.compare(run_ids)
    if json_out:
        return print_json(result)
    headers = ["", *[r.id for r in result.runs]]
    rows: list[list[object]] = [["algorithm", *[r.algorithm for r in result.runs]]]
    rows += [
        [f"param.{p}", *[r.params.get(p) for r in result.runs]]
        for p in result.param_names
    ]
    rows += [[m, *[r.metrics.get(m) for r in result.runs]] for m in result.metric_names]
    print_table(rows, headers)
