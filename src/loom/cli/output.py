"""CLI printing: JSON for machines, tables for people, one-line errors."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar

import typer
from pydantic import BaseModel

from loom.client import LoomAPIError

P = ParamSpec("P")
R = TypeVar("R")

JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON.")


def to_data(obj: Any) -> Any:
    """Pydantic models (and lists of them) as plain JSON-ready data."""
    if isinstance(obj, BaseModel):
        return obj.model_dump(mode="json")
    if isinstance(obj, list):
        return [to_data(o) for o in obj]
    return obj


def print_json(obj: Any) -> None:
    """Print ``obj`` as indented JSON."""
    print(json.dumps(to_data(obj), indent=2, default=str))


def print_table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> None:
    """Print rows as an aligned text table."""
    cells = [[_fmt(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    print("  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True)))
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


def print_fields(fields: dict[str, Any]) -> None:
    """Print ``key: value`` lines."""
    width = max(len(k) for k in fields) if fields else 0
    for key, value in fields.items():
        print(f"{key.ljust(width)}  {_fmt(value)}")


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    return str(value)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn API errors into one clear line on stderr and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except LoomAPIError as exc:
            print(f"error: {exc.detail}", file=sys.stderr)
            raise typer.Exit(1) from None
        except (OSError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            raise typer.Exit(1) from None

    return wrapper


def parse_params(pairs: list[str]) -> dict[str, Any]:
    """``["k=v", …]`` → dict; values stay strings (the server coerces them)."""
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--param expects key=value; got {pair!r}")
        params[key.strip()] = value.strip()
    return params
