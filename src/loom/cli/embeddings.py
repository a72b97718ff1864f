"""``loom embeddings …``: neighbours, analogies and similarities of a trained run."""

from __future__ import annotations

import typer

from loom.cli.output import JsonOption, handle_errors, print_json, print_table
from loom.client import Client

app = typer.Typer(help="Query trained embedding models.", no_args_is_help=True)


@app.command("similar")
@handle_errors
def similar(
    run_id: str = typer.Argument(..., metavar="RUN"),
    words: list[str] = typer.Argument(..., metavar="WORD..."),
    minus: list[str] = typer.Option(
        [], "--minus", help="Subtract this word (an analogy); repeat."
    ),
    topn: int = typer.Option(10, "--topn", help="How many neighbours."),
    json_out: bool = JsonOption,
) -> None:
    """Nearest words: `similar RUN king woman --minus man` looks for queen."""
    found = Client().embeddings.similar(run_id, words, minus, topn=topn)
    if json_out:
        print_json([{"word": w, "score": s} for w, s in found])
        return
    print_table([(w, f"{s:.4f}") for w, s in found], ["word", "score"])


@app.command("similarity")
@handle_errors
def similarity(
    run_id: str = typer.Argument(..., metavar="RUN"),
    a: str = typer.Argument(..., help="A word (word models) or a text."),
    b: str = typer.Argument(..., help="A word (word models) or a text."),
    json_out: bool = JsonOption,
) -> None:
    """Cosine similarity of two words or texts."""
    value = Client().embeddings.similarity(run_id, a, b)
    if json_out:
        print_json({"similarity": value})
        return
    typer.echo(f"{value:.4f}")
