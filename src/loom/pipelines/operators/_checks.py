"""Column checks shared by ``output_schema`` methods: present, and of a usable type."""

from __future__ import annotations

from collections.abc import Iterable

from loom.core.errors import InvalidInputError
from loom.pipelines.schema import NUMERIC_TYPES, Schema


def need(
    schema: Schema,
    columns: Iterable[str],
    *,
    types: Iterable[str] | None = None,
    port: str = "input",
    purpose: str = "",
) -> None:
    """Check that each column exists upstream and (optionally) has an allowed type.

    A column absent from an *open* schema is accepted: it may be one of the
    data-dependent columns an upstream operator adds.

    Raises:
        InvalidInputError: names the column, the available columns or the type.
    """
    allowed = tuple(types) if types is not None else None
    for column in columns:
        kind = schema.type_of(column)
        if kind is None:
            if schema.open:
                continue
            raise InvalidInputError(
                f"column '{column}' does not exist in '{port}'; available: "
                f"{', '.join(schema.names) or 'none'}",
                details={"column": column, "available": schema.names},
            )
        if allowed is not None and kind not in allowed:
            raise InvalidInputError(
                f"column '{column}' is {kind}; {purpose or 'this operator'} needs "
                f"{' or '.join(allowed)}",
                details={"column": column, "type": kind, "allowed": list(allowed)},
            )


def need_numeric(schema: Schema, columns: Iterable[str], purpose: str) -> None:
    """``need`` restricted to integer, number and boolean columns."""
    need(schema, columns, types=sorted(NUMERIC_TYPES), purpose=purpose)


def default_columns(
    schema: Schema, columns: list[str] | None, numeric: bool
) -> list[str]:
    """The columns to work on: those given, or every (numeric) column."""
    if columns:
        return list(columns)
    return [c.name for c in schema.columns if not numeric or c.type in NUMERIC_TYPES]


def fresh(schema: Schema, name: str) -> str:
    """``name``, checked not to collide with an existing column.

    Raises:
        InvalidInputError: the output column would overwrite an input column.
    """
    if schema.has(name):
        raise InvalidInputError(
            f"output column '{name}' already exists; rename the input or change the "
            "prefix",
            details={"column": name},
        )
    return name
