"""``loom algorithms …``: the catalog."""

from __future__ import annotations

import typer

from loom.cli.output import (
    JsonOption,
    handle_errors,
    print_fields,
    print_json,
    print_table,
)
from loom.client import Client

app = typer.Typer(help="The algorithm catalog.", no_args_is_help=True)


@app.command("list")
@handle_errors
def list_(
    task: str = typer.Option(None, "--task"), json_out: bool = JsonOption
) -> None:
    """List algorithms."""
    items = Client().algorithms.list(task)
    if json_out:
        return print_json(items)
    print_table(
        [[a["name"], a["task"], a["summary"]] for a in items],
        ["name", "task", "summary"],
    )


@app.command("show")
@handle_errors
def show(name: str, json_out: bool = JsonOption) -> None:
    """Show an algorithm's parameters."""
    a = Client().algorithms.get(name)
    if json_out:
        return print_json(a)
    print_fields({"name": a["name"], "task": a["task"], "summary": a["summary"]})
    print()
    print_table(
        [
            [
                p["name"],
                p["type"],
                p["default"],
                p.get("minimum"),
                p.get("maximum"),
                p.get("choices"),
                p.get("description"),
            ]
            for p in a["params"]
        ],
        ["param", "type", "default", "min", "max", "choices", "description"],
    )
