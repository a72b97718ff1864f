"""``loom jobs …``: list, show, logs, cancel, retry."""

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

app = typer.Typer(help="Background jobs.", no_args_is_help=True)


@app.command("list")
@handle_errors
def list_(
    state: str = typer.Option(None, "--state"),
    type: str = typer.Option(None, "--type"),
    json_out: bool = JsonOption,
) -> None:
    """List jobs, newest first."""
    items = Client().jobs.list(state=state, type=type)
    if json_out:
        return print_json(items)
    print_table(
        [
            [
                j.id,
                j.type,
                j.state.value,
                j.attempts,
                j.created_at.isoformat(timespec="seconds"),
                j.error,
            ]
            for j in items
        ],
        ["id", "type", "state", "attempts", "created", "error"],
    )


@app.command("show")
@handle_errors
def show(job_id: str, json_out: bool = JsonOption) -> None:
    """Show one job."""
    job = Client().jobs.get(job_id)
    print_json(job) if json_out else print_fields(job.model_dump())


@app.command("logs")
@handle_errors
def logs(job_id: str, json_out: bool = JsonOption) -> None:
    """Print a job's log."""
    text = Client().jobs.logs(job_id)
    print_json({"job_id": job_id, "logs": text}) if json_out else print(text, end="")


@app.command("cancel")
@handle_errors
def cancel(job_id: str, json_out: bool = JsonOption) -> None:
    """Cancel a queued or running job."""
    job = Client().jobs.cancel(job_id)
    print_json(job) if json_out else print(f"{job.id} {job.state.value}")


@app.command("retry")
@handle_errors
def retry(job_id: str, json_out: bool = JsonOption) -> None:
    """Queue a failed or cancelled job again."""
    job = Client().jobs.retry(job_id)
    print_json(job) if json_out else print(f"{job.id} {job.state.value}")
