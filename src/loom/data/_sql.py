"""SQL sources: connect through SQLAlchemy and stream a query into Arrow batches."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loom.core.errors import InvalidInputError, LoomError
from loom.data._duck import first_line
from loom.data.schemas import SqlSource, redact_url

if TYPE_CHECKING:
    import pyarrow as pa
    from sqlalchemy.engine import URL, Engine

BATCH_ROWS = 10_000


def _wrapped(query: str) -> str:
    # Wrapping the query as a subquery means only a single SELECT (or WITH …
    # SELECT) can run: DDL, DML and stacked statements are syntax errors.
    return f"SELECT * FROM ({query.strip().rstrip(';')}) AS loom_source"


def make_engine(source: SqlSource, resolve: Callable[[str | Path], Path]) -> Engine:
    """An engine for ``source``; SQLite files must lie inside the data roots.

    SQLite databases are opened read-only, because SQLite would otherwise
    create an empty database for a mistyped path.
    """
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    shown = redact_url(source.url)
    try:
        url: URL = make_url(source.url)
        if url.get_backend_name() == "sqlite" and url.database not in (
            None,
            "",
            ":memory:",
        ):
            path = resolve(Path(str(url.database).removeprefix("file:")))
            url = url.set(database=f"file:{path}", query={"mode": "ro", "uri": "true"})
        return create_engine(url, poolclass=NullPool)
    except LoomError:
        raise
    except Exception as exc:
        raise InvalidInputError(
            f"invalid SQL url '{shown}': {first_line(str(exc))}",
            details={"url": shown},
        ) from exc


def _db_error(exc: Exception, source: SqlSource) -> InvalidInputError:
    orig = getattr(exc, "orig", None) or exc
    return InvalidInputError(
        f"SQL source '{redact_url(source.url)}' failed: {first_line(str(orig))}",
        details={"url": redact_url(source.url)},
    )


def check_sql(source: SqlSource, resolve: Callable[[str | Path], Path]) -> None:
    """Connect and run the query with ``LIMIT 0`` so nothing is fetched."""
    from sqlalchemy import text

    engine = make_engine(source, resolve)
    try:
        with engine.connect() as conn:
            conn.execute(text(_wrapped(source.query) + " LIMIT 0")).close()
    except Exception as exc:
        raise _db_error(exc, source) from exc
    finally:
        engine.dispose()


def stream_sql(
    source: SqlSource, resolve: Callable[[str | Path], Path]
) -> Iterator[pa.RecordBatch]:
    """Yield the query result as Arrow batches (one empty batch if no rows).

    ``stream_results`` asks the driver for a server-side cursor (psycopg) or lazy
    stepping (sqlite3), so at most ``BATCH_ROWS`` rows are held at a time.
    """
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    engine = make_engine(source, resolve)
    try:
        with engine.connect() as conn:
            result = conn.execution_options(
                stream_results=True, yield_per=BATCH_ROWS
            ).execute(text(_wrapped(source.query)))
            names = list(result.keys())
            _check_names(names)
            empty = True
            for rows in result.partitions(BATCH_ROWS):
                empty = False
                yield rows_to_batch(names, rows)
            if empty:
                yield rows_to_batch(names, [])
    except SQLAlchemyError as exc:
        raise _db_error(exc, source) from exc
    finally:
        engine.dispose()


def _check_names(names: Sequence[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name.lower() in seen:
            raise InvalidInputError(
                f"SQL query returns column '{name}' twice; give each column a "
                "distinct alias (SELECT a AS a1, …)",
                details={"column": name},
            )
        seen.add(name.lower())


def rows_to_batch(names: Sequence[str], rows: Sequence[Any]) -> pa.RecordBatch:
    """Build an Arrow batch; a column Arrow cannot type becomes strings."""
    import pyarrow as pa

    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    arrays = [_to_array(list(values)) for values in columns]
    return pa.RecordBatch.from_arrays(arrays, names=list(names))


def _to_array(values: list[Any]) -> pa.Array:
    import pyarrow as pa

    if any(isinstance(v, dict | list) for v in values):
        values = [None if v is None else json.dumps(v, default=str) for v in values]
    try:
        return pa.array(values)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return pa.array([None if v is None else str(v) for v in values], pa.string())


def unify_schemas(schemas: Sequence[pa.Schema]) -> pa.Schema:
    """One schema for all batches: numbers widen, conflicts and all-null → string."""
    import pyarrow as pa
    import pyarrow.types as t

    fields = []
    for index, name in enumerate(schemas[0].names):
        types = {s.field(index).type for s in schemas} - {pa.null()}
        if len(types) == 1:
            chosen = types.pop()
        elif types and all(t.is_integer(x) for x in types):
            chosen = pa.int64()
        elif types and all(
            t.is_integer(x) or t.is_floating(x) or t.is_decimal(x) for x in types
        ):
            chosen = pa.float64()
        else:
            chosen = pa.string()
        fields.append(pa.field(name, chosen))
    return pa.schema(fields)


def cast_batch(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """``batch`` in ``schema``'s types (values that do not fit become strings)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrays = []
    for column, field in zip(batch.columns, schema, strict=True):
        if column.type == field.type:
            arrays.append(column)
        elif pa.types.is_string(field.type) and not pa.types.is_null(column.type):
            arrays.append(
                pa.array(
                    [None if v is None else str(v) for v in column.to_pylist()],
                    pa.string(),
                )
            )
        else:
            arrays.append(pc.cast(column, field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _is_number(arrow_type: pa.DataType) -> bool:
    import pyarrow.types as t

    return bool(
        t.is_integer(arrow_type)
        or t.is_floating(arrow_type)
        or t.is_decimal(arrow_type)
    )
