"""``loom deploy``, ``predict``, ``batch-predict`` and ``loom endpoints …``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from loom.cli.output import (
    JsonOption,
    handle_errors,
    print_fields,
    print_json,
    print_table,
)
from loom.client import Client

app = typer.Typer(help="Online endpoints.", no_args_is_help=True)


def _model_ref(model: str) -> tuple[str, int | None, str | None]:
    """``name``, ``name:3`` or ``name@production`` → (name, version, alias)."""
    if "@" in model:
        name, alias = model.split("@", 1)
        return name, None, alias
    if ":" in model:
        name, version = model.split(":", 1)
        return name, int(version), None
    return model, None, None


def deploy(
    model: str = typer.Argument(..., help="NAME, NAME:VERSION or NAME@ALIAS."),
    name: str = typer.Option(..., "--name", "-n", help="Endpoint name."),
    json_out: bool = JsonOption,
) -> None:
    """Deploy a model version to a named endpoint (redeploys if it exists)."""
    client = Client()
    model_name, version, alias = _model_ref(model)
    existing = {e.name for e in client.endpoints.list()}
    if name in existing:
        ep = client.endpoints.update(
            name, model=model_name, version=version, alias=alias
        )
    else:
        ep = client.endpoints.deploy(name, model_name, version=version, alias=alias)
    print_json(ep) if json_out else print(
        f"endpoint {ep.name} serves {ep.model_name} v{ep.model_version} at {ep.url}"
    )


def predict(
    endpoint: str,
    data: str = typer.Option(
        None, "--data", help='JSON: a record, a list of records, or {"records": [...]}.'
    ),
    file: Path = typer.Option(
        None, "--file", help="A JSON file (or - for stdin) with the same shapes."
    ),
    json_out: bool = JsonOption,
) -> None:
    """Send records to an endpoint and print the predictions."""
    raw = (
        data
        if data is not None
        else (
            sys.stdin.read() if str(file) == "-" else file.read_text() if file else None
        )
    )
    if raw is None:
        raise ValueError("give --data or --file")
    payload = json.loads(raw)
    records = (
        payload.get("records", [payload]) if isinstance(payload, dict) else payload
    )
    result = Client().endpoints.predict(endpoint, records)
    if json_out:
        return print_json(result)
    for i, p in enumerate(result.predictions):
        proba = result.probabilities[i] if result.probabilities else None
        print(f"{p}" + (f"  {json.dumps(proba)}" if proba else ""))


def batch_predict(
    model: str = typer.Argument(..., help="NAME, NAME:VERSION or NAME@ALIAS."),
    dataset: str = typer.Option(..., "--dataset", "-d"),
    output: str = typer.Option(
        ..., "--output", "-o", help="Name of the scored dataset."
    ),
    json_out: bool = JsonOption,
) -> None:
    """Score a dataset with a model in a job; the result is a new dataset."""
    name, version, alias = _model_ref(model)
    job = Client().endpoints.batch_predict(
        model=name, version=version, alias=alias, dataset=dataset, output_name=output
    )
    print_json(job) if json_out else print(
        f"scored into dataset {output}: {job.result}"
    )


@app.command("list")
@handle_errors
def list_(json_out: bool = JsonOption) -> None:
    """List endpoints."""
    items = Client().endpoints.list()
    if json_out:
        return print_json(items)
    print_table(
        [[e.name, e.model_name, e.model_version, e.alias, e.url] for e in items],
        ["name", "model", "version", "alias", "url"],
    )


@app.command("show")
@handle_errors
def show(endpoint: str, json_out: bool = JsonOption) -> None:
    """Show an endpoint and its input schema."""
    ep = Client().endpoints.get(endpoint)
    print_json(ep) if json_out else print_fields(ep.model_dump())


@app.command("token")
@handle_errors
def token(
    endpoint: str,
    name: str = typer.Option("endpoint", "--name"),
    json_out: bool = JsonOption,
) -> None:
    """Issue a predict-only token for an endpoint (shown once)."""
    tok = Client().endpoints.create_token(endpoint, name)
    print_json(tok) if json_out else print(tok.token)


@app.command("delete")
@handle_errors
def delete(endpoint: str, json_out: bool = JsonOption) -> None:
    """Delete an endpoint."""
    Client().endpoints.delete(endpoint)
    print_json({"deleted": endpoint}) if json_out else print(f"deleted {endpoint}")
