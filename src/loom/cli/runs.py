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
from loom.cli.training_options import training_options
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
    run = Client().runs.create(
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
