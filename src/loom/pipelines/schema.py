"""Table schemas that flow between pipeline nodes: a list of named, typed columns.

Validation runs on schemas alone (no data), so every operator must be able to
say what it produces from what it receives. Seven portable types are enough for
that, and they map one-to-one onto JSON-schema-style names the UI can show.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    import pyarrow as pa

ColumnType = Literal[
    "integer", "number", "boolean", "string", "date", "timestamp", "list"
]
COLUMN_TYPES: tuple[str, ...] = (
    "integer",
    "number",
    "boolean",
    "string",
    "date",
    "timestamp",
    "list",
)
NUMERIC_TYPES = frozenset({"integer", "number", "boolean"})

# DuckDB type for each portable type: what `cast` and empty validation tables use.
DUCKDB_TYPES: dict[str, str] = {
    "integer": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "string": "VARCHAR",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "list": "VARCHAR[]",
}
_INTEGER = re.compile(r"^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|U?HUGEINT|UBIGINT)$")


class Column(BaseModel):
    """One column of a node's output."""

    model_config = ConfigDict(frozen=True)

    name: str
    type: ColumnType


class Schema(BaseModel):
    """The columns of one table, in order.

    ``open`` is True when an operator adds columns whose names depend on the
    data (one-hot categories, a TF-IDF vocabulary): validation then cannot
    prove that a downstream column is missing, so it does not claim so.
    """

    model_config = ConfigDict(frozen=True)

    columns: tuple[Column, ...] = ()
    open: bool = False

    @classmethod
    def of(cls, pairs: Sequence[tuple[str, str]], *, open: bool = False) -> Schema:
        """Build from ``[(name, type), …]``."""
        return cls(
            columns=tuple(Column(name=n, type=t) for n, t in pairs),  # type: ignore[arg-type]
            open=open,
        )

    @property
    def names(self) -> list[str]:
        """Column names in order."""
        return [c.name for c in self.columns]

    def type_of(self, name: str) -> str | None:
        """The type of column ``name``, or None when absent."""
        for column in self.columns:
            if column.name == name:
                return column.type
        return None

    def has(self, name: str) -> bool:
        """Whether the column exists (an open schema may still gain it)."""
        return self.type_of(name) is not None

    def as_records(self) -> list[dict[str, str]]:
        """``[{name, type}]``, the JSON shape the API and UI use."""
        return [{"name": c.name, "type": c.type} for c in self.columns]

    def without(self, names: Collection[str]) -> Schema:
        """A copy lacking the named columns; openness is kept (``drop_original``)."""
        return Schema(
            columns=tuple(c for c in self.columns if c.name not in names),
            open=self.open,
        )

    def replace(
        self, pairs: Sequence[tuple[str, str]], *, open: bool | None = None
    ) -> Schema:
        """A copy where listed columns get new types and new names are appended."""
        new = dict(pairs)
        cols = [(c.name, new.pop(c.name, c.type)) for c in self.columns]
        cols += list(new.items())
        return Schema.of(cols, open=self.open if open is None else open)


def portable_type(duckdb_type: str) -> str:
    """Map a DuckDB type name onto the seven portable types.

    Anything exotic (structs, maps, enums, blobs) reads as ``string``: the
    pipeline can still carry it, and ``cast`` can make it useful.
    """
    text = duckdb_type.upper().strip()
    if text.endswith("]"):
        return "list"
    if _INTEGER.match(text):
        return "integer"
    if text in ("FLOAT", "DOUBLE", "REAL") or text.startswith("DECIMAL"):
        return "number"
    if text == "BOOLEAN":
        return "boolean"
    if text == "DATE":
        return "date"
    if text.startswith("TIMESTAMP"):
        return "timestamp"
    return "string"


def arrow_type(column_type: str) -> pa.DataType:
    """The Arrow type used to build input tables from JSON records."""
    import pyarrow as pa

    return {
        "integer": pa.int64(),
        "number": pa.float64(),
        "boolean": pa.bool_(),
        "string": pa.string(),
        "date": pa.date32(),
        "timestamp": pa.timestamp("us"),
        "list": pa.list_(pa.string()),
    }[column_type]


def arrow_schema(schema: Schema) -> pa.Schema:
    """``schema`` as an Arrow schema."""
    import pyarrow as pa

    return pa.schema([pa.field(c.name, arrow_type(c.type)) for c in schema.columns])
