"""The operator registry: look up pipeline operators by name and describe them.

Operator modules are imported lazily on first use so ``import loom`` stays light
(they pull in DuckDB, scikit-learn and jieba only when a pipeline runs).
"""

from __future__ import annotations

import importlib
import threading
from typing import Any, TypeVar

from loom.core.errors import InvalidInputError
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
_OPERATORS: dict[str, Operator] = {}
_LOCK = threading.RLock()
_loaded = False

OperatorT = TypeVar("OperatorT", bound=type[Operator])


def register(cls: OperatorT) -> OperatorT:
    """Class decorator adding an operator to the registry.

    Raises:
        ValueError: the name is taken by another class (a programming error).
    """
    with _LOCK:
        existing = _OPERATORS.get(cls.name)
        if existing is not None and type(existing) is not cls:
            raise ValueError(f"operator name {cls.name!r} is already registered")
        _OPERATORS[cls.name] = cls()
    return cls


def _ensure_loaded() -> None:
    global _loaded
    if _loaded:
        return
    with _LOCK:
        if not _loaded:
            for module in _MODULES:
                importlib.import_module(module)
            _loaded = True


def known_operator(name: str) -> bool:
    """Whether ``name`` is a registered operator."""
    _ensure_loaded()
    return name in _OPERATORS


def get_operator(name: str) -> Operator:
    """The operator registered as ``name``.

    Raises:
        InvalidInputError: unknown name; the message lists the valid ones.
    """
    _ensure_loaded()
    operator = _OPERATORS.get(name)
    if operator is None:
        raise InvalidInputError(
            f"unknown operator '{name}'; choose one of: "
            f"{', '.join(sorted(_OPERATORS))}",
            details={"choices": sorted(_OPERATORS), "got": name},
        )
    return operator


def list_operators() -> list[Operator]:
    """Every operator, sorted by name (the UI palette)."""
    _ensure_loaded()
    return [_OPERATORS[name] for name in sorted(_OPERATORS)]


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
