"""The custom Python operator: a function ``module:function`` applied per Arrow batch.

The function is imported by name from the Python path, never unpickled, so a
pipeline spec stays plain data that can be reviewed. It receives one
``pyarrow.Table`` per batch and returns a table with the declared columns; the
batches stream from DuckDB and back, so the data never has to fit in memory.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator
from typing import Any

from pydantic import Field

from loom.core.errors import InvalidInputError
from loom.pipelines.operators import register
from loom.pipelines.operators._sql import ident
from loom.pipelines.operators.base import (
    Context,
    Frame,
    Operator,
    OperatorParams,
    Query,
)
from loom.pipelines.schema import Column, Schema, arrow_schema

_REFERENCE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


def load_function(reference: str) -> Callable[..., Any]:
    """Import ``module:function``.

    Raises:
        InvalidInputError: malformed reference, module not importable, or no
            such callable (the message names the reference).
    """
    if not _REFERENCE.match(reference):
        raise InvalidInputError(
            "The 'function' parameter of python must look like 'module:function'; got "
            f"{reference!r}."
        )
    module_name, _, attr = reference.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InvalidInputError(
            f"cannot import module '{module_name}' for python operator: {exc}"
        ) from None
    func = getattr(module, attr, None)
    if not callable(func):
        raise InvalidInputError(f"module '{module_name}' has no function '{attr}'")
    return func


@register
class Python(Operator):
    """Run a user function on each batch; its output must match the declared schema."""

    name = "python"
    summary = (
        "A custom function 'module:function' taking and returning a pyarrow Table per "
        "batch."
    )

    class Params(OperatorParams):
        function: str = Field(
            description="'module:function', importable on the workers' Python path."
        )
        output_schema: list[Column] = Field(
            min_length=1, description="Declared output columns [{name, type}]."
        )
        batch_rows: int = Field(
            default=65_536, ge=1, le=10_000_000, description="Rows per call."
        )

    def output_schema(
        self, inputs: dict[str, Schema], params: Any
    ) -> dict[str, Schema]:
        load_function(params.function)
        return {"output": Schema(columns=tuple(params.output_schema))}

    def apply(
        self, ctx: Context, inputs: dict[str, Frame], params: Any, state: dict[str, Any]
    ) -> dict[str, Query]:
        import pyarrow as pa

        func = load_function(params.function)
        schema = arrow_schema(Schema(columns=tuple(params.output_schema)))
        cursor = (
            ctx.con.cursor()
        )  # a second connection: the main one runs the output query
        reader = cursor.sql(
            f"SELECT * FROM {ident(inputs['input'].table)}"
        ).to_arrow_reader(params.batch_rows)

        def batches() -> Iterator[pa.RecordBatch]:
            try:
                for batch in reader:
                    out = func(pa.Table.from_batches([batch]))
                    if not isinstance(out, pa.Table):
                        raise InvalidInputError(
                            f"{params.function} returned {type(out).__name__}, not a "
                            "pyarrow.Table"
                        )
                    missing = [n for n in schema.names if n not in out.column_names]
                    if missing:
                        raise InvalidInputError(
                            f"{params.function} did not return declared column "
                            f"'{missing[0]}'"
                        )
                    yield from out.select(schema.names).cast(schema).to_batches()
            finally:
                cursor.close()

        name = ctx.register(
            pa.RecordBatchReader.from_batches(schema, batches()), "python"
        )
        return {"output": Query(f"SELECT * FROM {ident(name)}")}
