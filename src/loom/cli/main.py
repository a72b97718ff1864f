"""The ``loom`` root command and the server command."""

from __future__ import annotations

import typer

from loom.cli import (
    algorithms,
    datasets,
    embeddings,
    endpoints,
    jobs,
    models,
    pipelines,
    runs,
    vectors,
)
from loom.cli.output import handle_errors

app = typer.Typer(
    help="Loom: data in, model trained, tracked, registered and served.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(datasets.app, name="dataset")
app.add_typer(algorithms.app, name="algorithms")
app.add_typer(runs.app, name="runs")
app.add_typer(models.app, name="model")
app.add_typer(endpoints.app, name="endpoints")
app.add_typer(jobs.app, name="jobs")
app.add_typer(vectors.app, name="vectors")
app.add_typer(pipelines.app, name="pipeline")
app.add_typer(embeddings.app, name="embeddings")
app.command("train")(handle_errors(runs.train))
app.command("deploy")(handle_errors(endpoints.deploy))
app.command("predict")(handle_errors(endpoints.predict))
app.command("batch-predict")(handle_errors(endpoints.batch_predict))


@app.command("server")
def server(
    host: str = typer.Option(None, "--host", help="Default LOOM_HOST or 127.0.0.1."),
    port: int = typer.Option(None, "--port", help="Default LOOM_PORT or 8700."),
) -> None:
    """Start the Loom server (API, job dispatcher and web UI)."""
    import uvicorn

    from loom.api.app import create_app
    from loom.core.config import Settings

    settings = Settings()
    if host is not None:
        settings.host = host
    if port is not None:
        settings.port = port
    print(
        f"Loom {settings.server_url}  home={settings.home}  "
        f"db={settings.resolved_database_url}"
    )
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
    )


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
