"""The operator contract: typed ports, a parameter model, schema inference, SQL.

Every operator is described by data (name, summary, ports, a pydantic
``Params`` model) so the UI palette, the CLI and validation read the same
declaration. Work is expressed as SQL over DuckDB tables so that the engine can
stream it out of core and the fitted pipeline can replay it on one row.
"""

from __future__ import annotations

import re
import types
import typing
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import annotated_types
from pydantic import BaseModel, ConfigDict, ValidationError

from loom.core.errors import InvalidInputError
from loom.pipelines.schema import Schema

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
FIT_PORT = "fit"


class OperatorParams(BaseModel):
    """Base of every ``Params`` model: unknown keys are errors, not ignored."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class Frame:
    """A table an operator reads: its name in the DuckDB connection and schema."""

    table: str
    schema: Schema


@dataclass(frozen=True)
class Query:
    """One output of an operator: a SELECT plus the values of its ``$name`` binds."""

    sql: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    """What an operator may touch while fitting or applying.

    Attributes:
        con: the DuckDB connection holding the input tables.
        node_id: the node being run (for log lines and table names).
        variables: the run's variable values (bound, never pasted, into SQL).
        log: appends a line to the node's log.
        serving: True inside a fitted pipeline replaying on request rows; row
            operators that only make sense on training data pass rows through.
        sample_rows: the cap in-memory operators use when they fetch rows to fit.
        row_order: False when nothing downstream observes the order of this
            node's output rows (a full run's group ending in an aggregate), so
            the operator may use order-changing plans such as joins.
    """

    con: duckdb.DuckDBPyConnection
    node_id: str
    variables: dict[str, Any] = field(default_factory=dict)
    log: Callable[[str], None] = lambda _line: None
    serving: bool = False
    sample_rows: int = 200_000
    row_order: bool = True
    _counter: int = 0

    def new_table(self, stem: str) -> str:
        """A fresh table name owned by this node."""
        self._counter += 1
        return f"{self.node_id}__{stem}_{self._counter}"

    def register(self, data: pa.Table | pa.RecordBatchReader, stem: str) -> str:
        """Expose Arrow data as a table name; a reader is consumed once, lazily."""
        name = self.new_table(stem)
        self.con.register(name, data)
        return name

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple]:
        """Run a (small) SELECT, e.g. a fit's aggregates, and return its rows."""
        return self.con.execute(sql, dict(params or {})).fetchall()

    def fetch(
        self, frame: Frame, columns: list[str], *, limit: int | None = None
    ) -> pa.Table:
        """Load columns into memory: only declared in-memory operators call this."""
        from loom.pipelines.operators._sql import ident

        cols = ", ".join(ident(c) for c in columns) or "*"
        cap = f" LIMIT {int(limit)}" if limit else ""
        return self.con.sql(
            f"SELECT {cols} FROM {ident(frame.table)}{cap}"
        ).to_arrow_table()


class Operator(ABC):
    """A pipeline operator (subclass, set the class attributes, ``@register``).

    Class attributes:
        name: registry key used in specs.
        summary: one line for the palette.
        version: bump when the output for the same input and parameters
            changes; it is part of the cache key.
        inputs / outputs: port names (every port carries a table).
        optional_inputs: ports that may stay unconnected.
        stateful: fits state on data (``fit``) and applies it with SQL; such
            operators also take an optional ``fit`` port: the rows to fit on
            (a split's ``train``), defaulting to ``input``.
        in_memory: loads (a sample of) its input into memory; said so in the
            palette because it bounds the data size.
        serving_passthrough: in a fitted pipeline, passes request rows through
            (split, resample).
        variadic_inputs: accepts any port names (``sql``: each is a table name).
        Params: the parameter model.
    """

    name: ClassVar[str]
    summary: ClassVar[str]
    version: ClassVar[str] = "1"
    inputs: ClassVar[tuple[str, ...]] = ("input",)
    outputs: ClassVar[tuple[str, ...]] = ("output",)
    optional_inputs: ClassVar[tuple[str, ...]] = ()
    stateful: ClassVar[bool] = False
    in_memory: ClassVar[bool] = False
    serving_passthrough: ClassVar[bool] = False
    variadic_inputs: ClassVar[bool] = False
    Params: ClassVar[type[BaseModel]]

    @property
    def all_inputs(self) -> tuple[str, ...]:
        """Declared ports plus ``fit`` for stateful operators."""
        extra = (FIT_PORT,) if self.stateful else ()
        return self.inputs + self.optional_inputs + extra

    @property
    def required_inputs(self) -> tuple[str, ...]:
        """Ports that must be connected."""
        return self.inputs

    def parse_params(self, raw: Mapping[str, Any]) -> BaseModel:
        """Check parameters, in the algorithm catalog's message style.

        Raises:
            InvalidInputError: unknown parameter (lists the valid ones) or a bad
                value ("The 'x' parameter of op must be …; got ….").
        """
        fields = self.Params.model_fields
        unknown = sorted(set(raw) - set(fields))
        if unknown:
            raise InvalidInputError(
                f"unknown parameter{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(repr(u) for u in unknown)} for {self.name}; "
                f"valid parameters: {', '.join(fields)}",
                details={"unknown": unknown, "valid": list(fields)},
            )
        try:
            return self.Params.model_validate(dict(raw))
        except ValidationError as exc:
            error = exc.errors()[0]
            loc = error["loc"]
            if loc and loc[0] in fields:
                key = str(loc[0])
                text = constraint_text(fields[key].annotation, fields[key].metadata)
                raise InvalidInputError(
                    f"The '{key}' parameter of {self.name} must be {text}; "
                    f"got {raw.get(key)!r}.",
                    details={"parameter": key, "got": raw.get(key)},
                ) from None
            raise InvalidInputError(
                f"invalid parameters for {self.name}: {error['msg']}"
            ) from None

    @abstractmethod
    def output_schema(
        self, inputs: dict[str, Schema], params: Any
    ) -> dict[str, Schema]:
        """The output schemas, from input schemas alone.

        Raises:
            InvalidInputError: a needed column is missing or has the wrong type
                (the message names the column); the validator adds the node.
        """

    def schema_with(
        self, inputs: dict[str, Schema], params: Any, variables: dict[str, Any]
    ) -> dict[str, Schema]:
        """``output_schema`` with the run's variables bound (sql, filter use them)."""
        return self.output_schema(inputs, params)

    def fit(
        self, ctx: Context, inputs: dict[str, Frame], params: Any
    ) -> dict[str, Any]:
        """Learn JSON-safe state from the ``fit`` rows (stateful operators only)."""
        return {}

    @abstractmethod
    def apply(
        self, ctx: Context, inputs: dict[str, Frame], params: Any, state: dict[str, Any]
    ) -> dict[str, Query]:
        """The SELECT producing each output port from the inputs (and state)."""

    def variables_used(self, params: Any) -> set[str]:
        """``${name}`` placeholders in string parameters (part of the cache key)."""
        found: set[str] = set()
        for value in params.model_dump().values():
            if isinstance(value, str):
                found.update(VARIABLE.findall(value))
        return found


def constraint_text(annotation: Any, metadata: list[Any]) -> str:
    """Describe what a field accepts, in scikit-learn's words."""
    nullable = False
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        nullable = len(members) < len(typing.get_args(annotation))
        annotation = members[0] if len(members) == 1 else annotation
    text = _type_text(annotation)
    low = next((m.ge for m in metadata if isinstance(m, annotated_types.Ge)), None)
    high = next((m.le for m in metadata if isinstance(m, annotated_types.Le)), None)
    if low is not None or high is not None:
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        text += f" in the range [{lo}, {hi}]"
    return f"{text} or None" if nullable else text


def _type_text(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin is Literal:
        choices = typing.get_args(annotation)
        return (
            f"a {type(choices[0]).__name__} among {{{', '.join(map(repr, choices))}}}"
        )
    if origin is list:
        (item,) = typing.get_args(annotation) or (Any,)
        return f"a list of {_type_text(item).removeprefix('a ').removeprefix('an ')}"
    if origin is dict:
        return "a mapping"
    names = {int: "an int", float: "a float", bool: "a bool", str: "a str"}
    return names.get(annotation, f"a {getattr(annotation, '__name__', annotation)}")


def describe_params(model: type[BaseModel]) -> list[dict[str, Any]]:
    """One form row per parameter: name, type text, default, description."""
    rows = []
    for key, info in model.model_fields.items():
        rows.append(
            {
                "name": key,
                "accepts": constraint_text(info.annotation, info.metadata),
                "default": None
                if info.is_required()
                else info.get_default(call_default_factory=True),
                "required": info.is_required(),
                "description": info.description or "",
            }
        )
    return rows
