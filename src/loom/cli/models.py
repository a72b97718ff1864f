"""``loom model …``: register, list, show, alias, export."""

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

app = typer.Typer(help="The model registry.", no_args_is_help=True)


@app.command("register")
@handle_errors
def register(
    run_id: str = typer.Option(..., "--run", "-r"),
    name: str = typer.Option(..., "--name", "-n"),
    alias: str = typer.Option(
        None, "--alias", help="Also point this alias at the new version."
    ),
    json_out: bool = JsonOption,
) -> None:
    """Register a run's model as the next version of NAME."""
    client = Client()
    version = client.models.register(name, run_id)
    if alias:
        client.models.set_alias(name, alias, version.version)
        version = client.models.version(name, version.version)
    print_json(version) if json_out else print(
        f"registered {name} version {version.version}"
    )


@app.command("list")
@handle_errors
def list_(json_out: bool = JsonOption) -> None:
    """List registered models."""
    items = Client().models.list()
    if json_out:
        return print_json(items)
    print_table(
        [[m.name, m.latest_version, m.aliases] for m in items],
        ["name", "latest", "aliases"],
    )


@app.command("show")
@handle_errors
def show(model: str, json_out: bool = JsonOption) -> None:
    """Show a model's versions and aliases."""
    m = Client().models.get(model)
    if json_out:
        return print_json(m)
    print_fields({"name": m.name, "id": m.id, "aliases": m.aliases})
    print()
    print_table(
        [
            [
                v.version,
                v.algorithm,
                v.run_id,
                f"{v.dataset_id} v{v.dataset_version}",
                v.metrics,
            ]
            for v in m.versions
        ],
        ["version", "algorithm", "run", "dataset", "metrics"],
    )


@app.command("alias")
@handle_errors
def alias(model: str, alias: str, version: int, json_out: bool = JsonOption) -> None:
    """Point ALIAS of MODEL at VERSION."""
    m = Client().models.set_alias(model, alias, version)
    print_json(m) if json_out else print(f"{model}@{alias} -> version {version}")


@app.command("export")
@handle_errors
def export(
    model: str,
    version: int,
    format: str = typer.Option(
        "onnx", "--format", "-f", help="onnx or torchscript (neural models only)."
    ),
    output: str = typer.Option(
        None, "--output", "-o", help="Zip to write; default MODEL-vN-FORMAT.zip."
    ),
) -> None:
    """Download VERSION of a neural MODEL as ONNX or TorchScript (a zip with
    preprocessing.json and a README saying how to feed it)."""
    path = output or f"{model}-v{version}-{format}.zip"
    written = Client().models.export(model, version, format, path)
    print(f"wrote {written}")
