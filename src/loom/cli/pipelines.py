"""``loom pipeline …``: validate, create, update, list, show, quick, run, schedule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from loom.cli.output import (
    JsonOption,
    handle_errors,
    print_fields,
    print_json,
    print_table,
)
from loom.client import Client

app = typer.Typer(help="Feature pipelines.", no_args_is_help=True)
PREVIEW_ROWS = 3


def _read(file: Path) -> str:
    """A pipeline file's text (YAML or JSON; the server reads both)."""
    if not file.is_file():
        raise ValueError(f"no pipeline file at {file}")
    return file.read_text(encoding="utf-8")


def _pairs(values: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{option} expects key=value; got {item!r}")
        pairs[key.strip()] = value.strip()
    return pairs


def _variables(values: list[str]) -> dict[str, Any]:
    """``--var k=v``: JSON scalars (numbers, true/false) keep their type."""
    parsed: dict[str, Any] = {}
    for key, text in _pairs(values, "--var").items():
        try:
            value = json.loads(text)
        except ValueError:
            value = text
        parsed[key] = value if isinstance(value, bool | int | float | str) else text
    return parsed


def _print_nodes(nodes: dict[str, Any]) -> None:
    print_table(
        [
            [
                node_id,
                n["status"],
                None if n.get("duration_s") is None else round(n["duration_s"], 3),
                ", ".join(f"{p}={r}" for p, r in n.get("rows", {}).items()),
                n.get("error"),
            ]
            for node_id, n in nodes.items()
        ],
        ["node", "status", "seconds", "rows", "error"],
    )


class _Follower:
    """Prints each node's status change once (``--follow``); JSON lines with --json."""

    def __init__(self, json_out: bool) -> None:
        self.json_out = json_out
        self.seen: dict[str, str] = {}

    def __call__(self, run: Any) -> None:
        for node_id, node in run.nodes.items():
            if self.seen.get(node_id) == node.status:
                continue
            self.seen[node_id] = node.status
            if self.json_out:
                print(json.dumps({"node": node_id, **node.model_dump()}), flush=True)
                continue
            extra = [] if node.duration_s is None else [f"{node.duration_s:.2f}s"]
            extra += [f"{p}={r} rows" for p, r in node.rows.items()]
            if node.fused_into:
                extra.append(f"fused into {node.fused_into}")
            if node.error:
                extra.append(node.error)
            print(f"{node_id}: {node.status} {' '.join(extra)}".rstrip(), flush=True)


@app.command("validate")
@handle_errors
def validate(
    target: str = typer.Argument(..., help="A YAML/JSON file, or a stored pipeline."),
    json_out: bool = JsonOption,
) -> None:
    """Validate a pipeline file (or a stored pipeline) against your datasets."""
    client = Client()
    path = Path(target)
    if path.is_file():
        report = client.pipelines.validate(_read(path))
    else:
        stored = client.pipelines.get(target)
        report = client.pipelines.validate(stored.spec)
    if json_out:
        print_json(report)
    elif report.issues:
        rows = [
            [i["severity"], i["code"], i.get("node"), i.get("column"), i["message"]]
            for i in report.issues
        ]
        print_table(rows, ["severity", "code", "node", "column", "message"])
    else:
        print("valid")
    if not report.valid:
        raise typer.Exit(1)


@app.command("create")
@handle_errors
def create(
    name: str,
    file: Path,
    description: str = typer.Option("", "--description"),
    json_out: bool = JsonOption,
) -> None:
    """Store the pipeline in FILE as NAME (version 1)."""
    pipeline = Client().pipelines.create(name, _read(file), description=description)
    if json_out:
        return print_json(pipeline)
    print_fields({"name": pipeline.name, "version": pipeline.version})


@app.command("update")
@handle_errors
def update(
    name: str,
    file: Path = typer.Argument(None, help="New spec (YAML/JSON)."),
    description: str = typer.Option(None, "--description"),
    json_out: bool = JsonOption,
) -> None:
    """Store a new version of NAME when FILE changed it."""
    spec = _read(file) if file is not None else None
    pipeline = Client().pipelines.update(name, spec, description=description)
    if json_out:
        return print_json(pipeline)
    print_fields({"name": pipeline.name, "version": pipeline.version})


@app.command("list")
@handle_errors
def list_(json_out: bool = JsonOption) -> None:
    """List pipelines."""
    items = Client().pipelines.list()
    if json_out:
        return print_json(items)
    print_table(
        [
            [
                p.name,
                p.version,
                len(p.spec.get("nodes", [])),
                p.schedule.cron if p.schedule else None,
                p.last_run.state.value if p.last_run else None,
            ]
            for p in items
        ],
        ["name", "version", "nodes", "schedule", "last run"],
    )


@app.command("show")
@handle_errors
def show(
    name: str,
    version: int = typer.Option(None, "--version"),
    json_out: bool = JsonOption,
) -> None:
    """Show a pipeline: version, nodes, schedule, last run."""
    p = Client().pipelines.get(name, version)
    if json_out:
        return print_json(p)
    print_fields(
        {
            "name": p.name,
            "version": p.version,
            "spec_hash": p.spec_hash[:12],
            "schedule": p.schedule.cron if p.schedule else None,
            "last run": p.last_run.id if p.last_run else None,
        }
    )
    print()
    rows = [[n["id"], n["op"], n.get("inputs")] for n in p.spec.get("nodes", [])]
    print_table(rows, ["node", "op", "inputs"])


@app.command("quick")
@handle_errors
def quick(
    name: str,
    rows: int = typer.Option(1000, "--rows", help="Rows sampled per source."),
    random: bool = typer.Option(False, "--random", help="Random rows, not the head."),
    seed: int = typer.Option(0, "--seed"),
    var: list[str] = typer.Option([], "--var", help="Variable k=v (repeatable)."),
    json_out: bool = JsonOption,
) -> None:
    """Run NAME on a sample; per node: status, duration, rows and first rows."""
    result = Client().pipelines.quick(
        name,
        rows=rows,
        mode="random" if random else "head",
        seed=seed,
        variables=_variables(var),
    )
    if json_out:
        return print_json(result.raw)
    _print_nodes(result.raw["nodes"])
    for node in result.nodes.values():
        if node.previews:
            print(f"\n{node.id}:")
            print(node.preview.head(PREVIEW_ROWS).to_string(index=False))
    if result.status != "succeeded":
        raise typer.Exit(1)


@app.command("run")
@handle_errors
def run(
    name: str,
    output: list[str] = typer.Option(
        ..., "--output", help="node.port=dataset (repeatable)."
    ),
    var: list[str] = typer.Option([], "--var", help="Variable k=v (repeatable)."),
    follow: bool = typer.Option(
        False, "--follow", "-f", help="Print node transitions as they happen."
    ),
    json_out: bool = JsonOption,
) -> None:
    """Run NAME fully, wait, and print each node's status."""
    result = Client().pipelines.run(
        name,
        outputs=_pairs(output, "--output"),
        variables=_variables(var),
        on_update=_Follower(json_out) if follow else None,
    )
    if json_out:
        print_json(result)
    else:
        print_fields({"run": result.id, "state": result.state.value})
        print()
        _print_nodes({k: v.model_dump() for k, v in result.nodes.items()})
        for ref, out in result.outputs.items():
            print(f"{ref} -> dataset {out.dataset} version {out.version}")
        if result.error:
            print(f"error: {result.error}")
    if result.state.value != "succeeded":
        raise typer.Exit(1)


@app.command("runs")
@handle_errors
def runs(name: str, json_out: bool = JsonOption) -> None:
    """A pipeline's run history, newest first."""
    items = Client().pipelines.runs(name)
    if json_out:
        return print_json(items)
    print_table(
        [
            [
                r.id,
                r.version,
                r.state.value,
                r.trigger,
                r.created_at.isoformat(timespec="seconds"),
                r.error,
            ]
            for r in items
        ],
        ["id", "version", "state", "trigger", "created", "error"],
    )


@app.command("schedule")
@handle_errors
def schedule(
    name: str,
    cron: str = typer.Option(..., "--cron", help="5 fields, e.g. '0 2 * * *'."),
    output: list[str] = typer.Option(
        ..., "--output", help="node.port=dataset (repeatable)."
    ),
    timezone: str = typer.Option("UTC", "--timezone"),
    var: list[str] = typer.Option(
        [], "--var", help="k=template; {{ds}} is the run date (repeatable)."
    ),
    webhook: str = typer.Option(None, "--webhook", help="Alert webhook URL."),
    email: list[str] = typer.Option([], "--email", help="Alert address."),
    on_success: bool = typer.Option(
        False, "--on-success", help="Alert on success too."
    ),
    json_out: bool = JsonOption,
) -> None:
    """Schedule full runs of NAME with cron."""
    result = Client().pipelines.schedule(
        name,
        cron=cron,
        outputs=_pairs(output, "--output"),
        timezone=timezone,
        variables=_pairs(var, "--var"),
        webhook_url=webhook,
        email=email,
        alert_on=["failure", "success"] if on_success else ["failure"],
    )
    if json_out:
        return print_json(result)
    print_fields({"cron": result.cron, "next run": result.next_run_at})


@app.command("unschedule")
@handle_errors
def unschedule(name: str, json_out: bool = JsonOption) -> None:
    """Stop scheduling NAME."""
    Client().pipelines.unschedule(name)
    if json_out:
        return print_json({"pipeline": name, "schedule": None})
    print(f"{name}: schedule removed")
