"""SQL text helpers: quoting, bound variables, and the guard on user-written SQL.

User SQL (the ``sql`` operator, ``filter`` expressions) runs inside the
engine's DuckDB, which can read files and attach databases. The guard parses
the text with DuckDB itself and admits exactly one SELECT whose tables are the
node's named inputs, so no file, extension or database is reachable from it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from loom.core.errors import InvalidInputError

if TYPE_CHECKING:
    import duckdb

_QUOTED_VARIABLE = re.compile(r"'\$\{([A-Za-z_][A-Za-z0-9_]*)\}'")
_BARE_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_FORBIDDEN_FUNCTIONS = frozenset(
    {"getenv", "current_setting", "read_text", "read_blob"}
)


def ident(name: str) -> str:
    """A double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def star_except(columns: Iterable[str]) -> str:
    """``*`` without ``columns`` (``* EXCLUDE (…)``), or plain ``*`` when none.

    The select list of every operator that adds columns and may drop its inputs.
    """
    names = ", ".join(ident(c) for c in columns)
    return f"* EXCLUDE ({names})" if names else "*"


def literal(value: Any) -> str:
    """A SQL literal for a value Loom itself produced (fitted state, params)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "'NaN'::DOUBLE"
        if math.isinf(value):
            return "'Infinity'::DOUBLE" if value > 0 else "'-Infinity'::DOUBLE"
        return f"{value!r}::DOUBLE"
    return "'" + str(value).replace("'", "''") + "'"


def bind_variables(text: str, values: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Turn ``${name}`` (quoted or bare) into a ``$name`` bind and collect values.

    ``'${d}'`` becomes ``$d`` too, so the common habit of quoting a date
    placeholder still binds the value as data instead of leaving a literal.

    Raises:
        InvalidInputError: a placeholder names no variable of the run.
    """
    used = set(_BARE_VARIABLE.findall(text))
    missing = sorted(used - set(values))
    if missing:
        raise InvalidInputError(
            f"undefined variable ${{{missing[0]}}}; defined: "
            f"{', '.join(sorted(values)) or 'none'}",
            details={"variable": missing[0]},
        )
    text = _QUOTED_VARIABLE.sub(lambda m: "$" + m.group(1), text)
    text = _BARE_VARIABLE.sub(lambda m: "$" + m.group(1), text)
    return text, {name: values[name] for name in used}


def check_select(
    con: duckdb.DuckDBPyConnection, sql: str, tables: Iterable[str], what: str
) -> None:
    """Admit one SELECT over ``tables`` only.

    Raises:
        InvalidInputError: several statements, a non-SELECT (DDL, COPY, ATTACH,
            INSTALL, LOAD, PRAGMA…), a table function (read_csv, …), a table or
            file that is not one of the inputs, or a forbidden function.
    """
    try:
        statements = con.extract_statements(sql)
    except Exception as exc:
        raise InvalidInputError(f"{what}: {_first_line(exc)}") from None
    if len(statements) != 1:
        raise InvalidInputError(
            f"{what} must be a single SELECT statement; got {len(statements)} "
            "statements"
        )
    kind = str(statements[0].type).rsplit(".", 1)[-1]
    if kind != "SELECT":
        raise InvalidInputError(f"{what} must be a SELECT statement; got {kind}")
    rows = con.execute("SELECT json_serialize_sql($q)", {"q": sql}).fetchall()
    tree = json.loads(rows[0][0]) if rows else {"error": True}
    if tree.get("error"):
        raise InvalidInputError(f"{what}: {tree.get('error_message', 'cannot parse')}")
    _check_tree(tree, tables, what)


def _check_tree(tree: dict[str, Any], tables: Iterable[str], what: str) -> None:
    """Walk DuckDB's parse tree: only input tables and CTEs, no table functions."""
    tables = list(tables)
    allowed = {t.lower() for t in tables}
    ctes = {str(name).lower() for name in _cte_names(tree)}
    for node in _walk(tree):
        node_type = node.get("type")
        if node_type == "TABLE_FUNCTION":
            func = node.get("function", {}).get("function_name", "?")
            raise InvalidInputError(
                f"{what} may not call table function {func}(); read only the inputs: "
                f"{', '.join(sorted(tables))}"
            )
        if node_type == "BASE_TABLE":
            name = str(node.get("table_name", ""))
            if (
                name.lower() not in allowed | ctes
                or node.get("catalog_name")
                or node.get("schema_name")
            ):
                raise InvalidInputError(
                    f"{what} reads '{name}', which is not an input; inputs: "
                    f"{', '.join(sorted(tables))}"
                )
        if (
            node.get("class") == "FUNCTION"
            and str(node.get("function_name", "")).lower() in _FORBIDDEN_FUNCTIONS
        ):
            raise InvalidInputError(f"{what} may not call {node['function_name']}()")


def _walk(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _walk(child)
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child)


def _cte_names(tree: Any) -> Iterator[str]:
    for node in _walk(tree):
        cte_map = node.get("cte_map")
        if isinstance(cte_map, dict):
            for entry in cte_map.get("map", []):
                yield entry.get("key", "")


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def duck_error(exc: Exception) -> str:
    """DuckDB's message, first line only (its hints are multi-line)."""
    return _first_line(exc)
