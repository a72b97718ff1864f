"""``loom train`` and ``loom runs …``: start, list, show, compare."""

from __future__ import annotations

import typer

from loom.cli.output import (
    JsonOption,
    handle_errors,
    parse_params,
    print_fields,
    print_json,
    print_table,
)
from loom.client import Client
from loom.tracking.schemas import RunPublic

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


def train(
    dataset: str = typer.Option(..., "--dataset", "-d"),
    algorithm: str = typer.Option(..., "--algorithm", "-a"),
    target: str = typer.Option(None, "--target", "-t"),
    param: list[str] = typer.Option([], "--param", "-p", help="key=value, repeatable."),
    cv: int = typer.Option(None, "--cv", help="k-fold cross-validation folds."),
    test_size: float = typer.Option(0.2, "--test-size"),
    seed: int = typer.Option(42, "--seed"),
    experiment: str = typer.Option("Default", "--experiment"),
    no_wait: bool = typer.Option(False, "--no-wait", help="Return once queued."),
    json_out: bool = JsonOption,
) -> None:
    """Train an algorithm on a dataset and wait for its metrics."""
    run = Client().runs.create(
        dataset=dataset,
        algorithm=algorithm,
        target=target,
        params=parse_params(param),
        cv_folds=cv,
        test_size=test_size,
        seed=seed,
        experiment=experiment,
        wait=not no_wait,
    )
    print_json(run) if json_out else show_run(run)


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
def show(run_id: str, json_out: bool = JsonOption) -> None:
    """Show a run's parameters and metrics."""
    run = Client().runs.get(run_id)
    print_json(run) if json_out else show_run(run)


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
