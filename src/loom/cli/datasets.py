"""``loom dataset …``: import, import-images, list, show, versions, preview."""

from __future__ import annotations

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

app = typer.Typer(help="Import and inspect datasets.", no_args_is_help=True)


def _summary(ds: object) -> None:
    from loom.data.dataset_schemas import DatasetPublic

    assert isinstance(ds, DatasetPublic)
    v = ds.latest_version
    print_fields(
        {
            "id": ds.id,
            "name": ds.name,
            "version": v.version if v else None,
            "rows": v.row_count if v else None,
            "content_hash": v.content_hash if v else None,
        }
    )
    if v:
        print()
        rows = [
            [
                c.name,
                c.logical_type,
                c.null_count,
                c.stats.min,
                c.stats.max,
                c.stats.mean,
            ]
            for c in v.columns
        ]
        print_table(rows, ["column", "type", "nulls", "min", "max", "mean"])


@app.command("import")
@handle_errors
def import_(
    source: str = typer.Argument(
        ..., help="File path (inside the data roots), or URL with --url."
    ),
    name: str = typer.Option(
        None, "--name", "-n", help="Dataset name (default: file stem)."
    ),
    format: str = typer.Option(
        None, "--format", help="csv, parquet or jsonl (default: by extension)."
    ),
    sql: str = typer.Option(
        None, "--sql", help="Treat SOURCE as a SQLAlchemy URL and run this query."
    ),
    url: bool = typer.Option(
        False, "--url", help="Treat SOURCE as an fsspec URL (s3://…)."
    ),
    upload: bool = typer.Option(
        False, "--upload", help="Upload the local file to the server."
    ),
    json_out: bool = JsonOption,
) -> None:
    """Import a file, a SQL query result or a URL as a new dataset version."""
    client = Client()
    ds_name = name or Path(source).stem
    if sql:
        result = client.datasets.import_sql(ds_name, source, sql)
    elif url:
        result = client.datasets.import_url(ds_name, source, format=format)
    elif upload:
        result = client.datasets.upload(ds_name, source)
    else:
        result = client.datasets.import_file(ds_name, source, format=format)
    if json_out:
        print_json(result)
    else:
        _summary(result)


@app.command("import-images")
@handle_errors
def import_images(
    folder: str = typer.Argument(
        ..., help="Folder (inside the data roots) holding <label>/<image> files."
    ),
    name: str = typer.Option(
        None, "--name", "-n", help="Dataset name (default: folder name)."
    ),
    size: str = typer.Option(
        None, "--size", help="HEIGHTxWIDTH to resize to (default: first image's)."
    ),
    mode: str = typer.Option("L", "--mode", help="L (grey) or RGB."),
    json_out: bool = JsonOption,
) -> None:
    """Import an image folder as pixel columns + label + path (for cnn_classifier)."""
    local = Path(folder).expanduser()
    if not local.is_absolute() and local.exists():
        local = local.resolve()
    source = {"kind": "image_folder", "path": str(local), "size": size, "mode": mode}
    ds = Client().datasets.import_source(name or local.name, source)
    if json_out:
        return print_json(ds)
    from loom.data.dataset_schemas import DatasetPublic

    assert isinstance(ds, DatasetPublic)
    v = ds.latest_version
    print_fields(
        {
            "id": ds.id,
            "name": ds.name,
            "version": v.version if v else None,
            "images": v.row_count if v else None,
            "pixel columns": len(v.columns) - 2 if v else None,
        }
    )


@app.command("list")
@handle_errors
def list_(json_out: bool = JsonOption) -> None:
    """List datasets."""
    items = Client().datasets.list()
    if json_out:
        return print_json(items)
    rows = [
        [
            d.name,
            d.id,
            d.latest_version.version if d.latest_version else None,
            d.latest_version.row_count if d.latest_version else None,
            d.updated_at.isoformat(timespec="seconds"),
        ]
        for d in items
    ]
    print_table(rows, ["name", "id", "version", "rows", "updated"])


@app.command("show")
@handle_errors
def show(dataset: str, json_out: bool = JsonOption) -> None:
    """Show a dataset's latest version and schema."""
    ds = Client().datasets.get(dataset)
    print_json(ds) if json_out else _summary(ds)


@app.command("versions")
@handle_errors
def versions(dataset: str, json_out: bool = JsonOption) -> None:
    """List a dataset's versions."""
    items = Client().datasets.versions(dataset)
    if json_out:
        return print_json(items)
    print_table(
        [
            [
                v.version,
                v.row_count,
                v.content_hash[:12],
                v.created_at.isoformat(timespec="seconds"),
            ]
            for v in items
        ],
        ["version", "rows", "hash", "created"],
    )


@app.command("preview")
@handle_errors
def preview(
    dataset: str,
    version: int = typer.Option(None, "--version", "-v"),
    limit: int = typer.Option(10, "--limit"),
    json_out: bool = JsonOption,
) -> None:
    """Show sampled rows of a dataset version."""
    result = Client().datasets.preview(dataset, version)
    if json_out:
        return print_json(result)
    print_table(
        [[r.get(c) for c in result.columns] for r in result.rows[:limit]],
        result.columns,
    )
