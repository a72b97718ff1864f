"""The operator registry: look up pipeline operators by name and describe them.

Operator modules are imported lazily on first use so ``import loom`` stays light
(they pull in DuckDB, scikit-learn and jieba only when a pipeline runs).
"""

from __future__ import annotations

from typing import Any, TypeVar

from loom.core.catalog import Catalog
from loom.pipelines.operators.base import (
    Context,
    Frame,
    Operator,
    OperatorParams,
    Query,
    describe_params,
)

__all__ = [
    "Context",
    "Frame",
    "Operator",
    "OperatorParams",
    "Query",
    "describe_operator",
    "get_operator",
    "known_operator",
    "list_operators",
    "register",
]

_MODULES: tuple[str, ...] = (
    "loom.pipelines.operators.relational",
    "loom.pipelines.operators.combine",
    "loom.pipelines.operators.split",
    "loom.pipelines.operators.preprocess",
    "loom.pipelines.operators.encode",
    "loom.pipelines.operators.bucketize",
    "loom.pipelines.operators.text",
    "loom.pipelines.operators.learned",
    "loom.pipelines.operators.custom",
)
_OPERATORS: Catalog[Operator] = Catalog("operator", _MODULES)

OperatorT = TypeVar("OperatorT", bound=type[Operator])


def register(cls: OperatorT) -> OperatorT:
    """Class decorator adding an operator to the registry.

    Raises:
        ValueError: the name is taken by another class (a programming error).
    """
    _OPERATORS.add(cls.name, cls())
    return cls


def known_operator(name: str) -> bool:
    """Whether ``name`` is a registered operator."""
    return name in _OPERATORS


def get_operator(name: str) -> Operator:
    """The operator registered as ``name``.

    Raises:
        InvalidInputError: unknown name; the message lists the valid ones.
    """
    return _OPERATORS.get(name)


def list_operators() -> list[Operator]:
    """Every operator, sorted by name (the UI palette)."""
    return _OPERATORS.entries()


def describe_operator(operator: Operator) -> dict[str, Any]:
    """JSON-safe palette entry: ports, flags and the parameter form."""
    return {
        "name": operator.name,
        "summary": operator.summary,
        "version": operator.version,
        "inputs": list(operator.inputs),
        "optional_inputs": [
            p for p in operator.all_inputs if p not in operator.required_inputs
        ],
        "outputs": list(operator.outputs),
        "stateful": operator.stateful,
        "in_memory": operator.in_memory,
        "params": describe_params(operator.Params),
        "params_schema": operator.Params.model_json_schema(),
    }
