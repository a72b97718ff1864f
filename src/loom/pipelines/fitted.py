"""A fitted pipeline: the nodes from source to one output with their state, as JSON.

This is what a model bundle carries in front of its model so an endpoint can
accept raw rows. It replays the very SQL the full run used, with the same
state, on an in-memory DuckDB over the request's Arrow table, so online and
offline features agree by construction. Nothing is pickled: custom ``python``
nodes are re-imported by name. Row-choosing operators (split, resample) pass
request rows through; ``fit`` ports are not followed (their rows only fed the fit).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from loom.core.errors import InvalidInputError
from loom.pipelines._duck import table_schema
from loom.pipelines.graph import ancestors, topological_order
from loom.pipelines.operators import get_operator
from loom.pipelines.operators._sql import ident
from loom.pipelines.operators.base import FIT_PORT, Context, Frame
from loom.pipelines.operators.relational import SOURCE_PORT
from loom.pipelines.results import PipelineResult, json_records
from loom.pipelines.schema import DUCKDB_TYPES, Schema
from loom.pipelines.spec import PipelineSpec, split_ref

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

FORMAT_VERSION = 1

# One idle serving connection per thread: opening an in-memory DuckDB costs
# more than a small request's whole transform, so it is reused, emptied between
# calls (see ``_serving_connection``).
_SERVING = threading.local()


class FittedNode(BaseModel):
    """One node of a fitted pipeline: operator, canonical params, wiring and state."""

    id: str
    op: str
    params: dict[str, Any] = Field(default_factory=dict)
    inputs: dict[str, str] = Field(default_factory=dict)
    state: dict[str, Any] | None = None


class FittedPipeline(BaseModel):
    """The servable part of a pipeline run (see the module docstring).

    Attributes:
        name: the pipeline's name.
        output: ``"node.port"`` whose rows the pipeline returns.
        sources: source node id → the columns it expects ``[{name, type}]``.
        nodes: the nodes in run order.
        variables: the variable values the run used (SQL binds replay them).
    """

    format_version: int = FORMAT_VERSION
    name: str
    output: str
    sources: dict[str, list[dict[str, str]]]
    nodes: list[FittedNode]
    variables: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def from_run(
        cls, spec: PipelineSpec, result: PipelineResult, output: str
    ) -> FittedPipeline:
        """Cut the nodes feeding ``output`` out of a successful run.

        Raises:
            InvalidInputError: unknown output, or a needed node did not succeed.
        """
        spec = spec.canonical()
        node_id, port = split_ref(output)
        op = get_operator(spec.node(node_id).op)
        port = port or op.outputs[0]
        needed = ancestors(spec, node_id, skip_ports=frozenset({FIT_PORT}))
        nodes, sources = [], {}
        for nid in topological_order(spec):
            if nid not in needed:
                continue
            node, ran = spec.node(nid), result.nodes.get(nid)
            if ran is None or ran.status not in ("succeeded", "cached"):
                raise InvalidInputError(
                    f"node '{nid}' did not succeed in this run; cannot fit the "
                    f"pipeline to '{output}'"
                )
            if node.op == "source":
                sources[nid] = ran.schemas["output"]
            inputs = {p: r for p, r in node.inputs.items() if p != FIT_PORT}
            nodes.append(
                FittedNode(
                    id=nid,
                    op=node.op,
                    params=node.params,
                    inputs=inputs,
                    state=ran.state,
                )
            )
        return cls(
            name=spec.name,
            output=f"{node_id}.{port}",
            sources=sources,
            nodes=nodes,
            variables=result.variables,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form for the model bundle."""
        return self.model_dump(mode="json")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FittedPipeline:
        """Rebuild from ``to_dict()``.

        Raises:
            InvalidInputError: not a fitted pipeline, or a newer format.
        """
        if int(data.get("format_version", 0)) > FORMAT_VERSION:
            raise InvalidInputError(
                f"fitted pipeline format {data.get('format_version')} is newer than "
                f"this Loom ({FORMAT_VERSION})"
            )
        try:
            return cls.model_validate(dict(data))
        except Exception as exc:
            raise InvalidInputError(
                f"not a fitted pipeline: {str(exc).splitlines()[0]}"
            ) from None

    @property
    def input_schema(self) -> list[dict[str, str]]:
        """The columns of the (single) source: what an endpoint's request rows carry."""
        if len(self.sources) != 1:
            raise InvalidInputError(
                f"pipeline has {len(self.sources)} sources; pass a table per source"
            )
        return next(iter(self.sources.values()))

    def transform_records(
        self, records: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """Raw JSON rows of the single source → output rows (JSON-safe dicts)."""
        table = records_table(records, self.input_schema)
        return json_records(self.transform_table(table).to_pylist())

    def transform_table(
        self,
        table: pa.Table | None = None,
        *,
        sources: Mapping[str, pa.Table] | None = None,
    ) -> pa.Table:
        """Run the fitted nodes on Arrow input.

        Args:
            table: rows of the single source.
            sources: source node id → rows, for pipelines with several sources.

        Raises:
            InvalidInputError: a source table is missing, or a node fails (named).
        """
        given = dict(sources or {})
        if table is not None:
            given[next(iter(self.sources)) if len(self.sources) == 1 else ""] = table
        con = _serving_connection()
        reusable = False
        try:
            frames: dict[str, dict[str, Frame]] = {}
            for node in self.nodes:
                frames[node.id] = self._run_node(con, node, frames, given)
            node_id, port = split_ref(self.output)
            out = con.sql(
                f"SELECT * FROM {ident(frames[node_id][port or 'output'].table)}"
            ).to_arrow_table()
            reusable = _emptied(con)
            return out
        finally:
            if reusable:
                _SERVING.con = con
            else:
                con.close()

    def _run_node(
        self,
        con: duckdb.DuckDBPyConnection,
        node: FittedNode,
        frames: dict[str, dict[str, Frame]],
        given: dict[str, pa.Table],
    ) -> dict[str, Frame]:
        op = get_operator(node.op)
        params = op.parse_params(node.params)
        inputs: dict[str, Frame] = {}
        for port, ref in node.inputs.items():
            upstream, up_port = split_ref(ref)
            inputs[port] = frames[upstream][up_port or next(iter(frames[upstream]))]
        if node.op == "source":
            if node.id not in given:
                raise InvalidInputError(f"no rows given for source node '{node.id}'")
            inputs[SOURCE_PORT] = _source_frame(
                con, node.id, given[node.id], self.sources[node.id]
            )
        ctx = Context(con=con, node_id=node.id, variables=self.variables, serving=True)
        try:
            queries = op.apply(ctx, inputs, params, node.state or {})
            out = {}
            for port, query in queries.items():
                table = f"n__{node.id}__{port}"
                con.execute(f"CREATE TABLE {ident(table)} AS {query.sql}", query.params)
                out[port] = Frame(table, table_schema(con, table))
            return out
        except InvalidInputError:
            raise
        except Exception as exc:
            raise InvalidInputError(
                f"fitted pipeline node '{node.id}' ({node.op}) failed: "
                f"{str(exc).splitlines()[0]}"
            ) from None


def _serving_connection() -> duckdb.DuckDBPyConnection:
    """This thread's idle serving connection, taken out of the slot, or a new one.

    Taking it out means a nested call (a custom node serving another pipeline)
    gets its own connection instead of sharing half-built tables.
    """
    import duckdb

    con: duckdb.DuckDBPyConnection | None = getattr(_SERVING, "con", None)
    _SERVING.con = None
    if con is not None:
        return con
    con = duckdb.connect(
        ":memory:",
        config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        },
    )
    # As the engine's connections (_duck.connect): a timestamp must cast the
    # same online as in the offline run, whatever the server's time zone.
    con.execute("SET TimeZone = 'UTC'")
    return con


def _emptied(con: duckdb.DuckDBPyConnection) -> bool:
    """Drop every table and registered view a call left; False if any remains.

    UDFs (the text tokenisers) stay: they are keyed by their parameters and
    reused. A connection that cannot be proven empty is closed, not reused.
    """
    try:
        views = con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal AND temporary"
        ).fetchall()
        for (view,) in views:
            con.unregister(view)
        tables = con.execute(
            "SELECT database_name, schema_name, table_name FROM duckdb_tables()"
        ).fetchall()
        for database, schema, name in tables:
            con.execute(f"DROP TABLE {ident(database)}.{ident(schema)}.{ident(name)}")
        left = con.execute(
            "SELECT (SELECT count(*) FROM duckdb_tables()) + (SELECT count(*) FROM "
            "duckdb_views() WHERE NOT internal)"
        ).fetchall()[0][0]
    except Exception:  # any doubt means a fresh connection
        return False
    return left == 0


def records_table(
    records: Sequence[Mapping[str, Any]], columns: list[dict[str, str]]
) -> pa.Table:
    """Arrow columns from JSON rows; absent keys are null, odd mixes become text.

    Types are fixed afterwards by SQL casts to the source schema, so a record
    holding ``3`` for a float column or ``"2024-01-31"`` for a date still works.
    """
    import pyarrow as pa

    arrays = {}
    for column in columns:
        values = [row.get(column["name"]) for row in records]
        try:
            arrays[column["name"]] = pa.array(values)
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            arrays[column["name"]] = pa.array(
                [None if v is None else str(v) for v in values], pa.string()
            )
    return pa.table(arrays) if arrays else pa.table({})


def _source_frame(
    con: duckdb.DuckDBPyConnection,
    node_id: str,
    table: pa.Table,
    columns: list[dict[str, str]],
) -> Frame:
    raw = f"raw__{node_id}"
    con.register(raw, table)
    present = set(table.column_names)
    select = []
    for column in columns:
        name, kind = column["name"], DUCKDB_TYPES[column["type"]]
        value = ident(name) if name in present else "NULL"
        select.append(f"CAST({value} AS {kind}) AS {ident(name)}")
    name = f"src__{node_id}"
    try:
        con.execute(
            f"CREATE TABLE {ident(name)} AS SELECT {', '.join(select)} FROM "
            f"{ident(raw)}"
        )
    except Exception as exc:  # a value of the wrong type: say which, do not guess
        raise InvalidInputError(
            f"input rows do not fit the source schema: {str(exc).splitlines()[0]}"
        ) from None
    finally:
        con.unregister(raw)
    schema = Schema.of([(c["name"], c["type"]) for c in columns])
    return Frame(name, schema)
