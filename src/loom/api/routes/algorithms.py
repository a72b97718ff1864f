"""The algorithm catalog: what can be trained, and each algorithm's parameters."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from loom.api.deps import CurrentPrincipal
from loom.core.pages import Page

router = APIRouter(prefix="/algorithms", tags=["algorithms"])


@router.get("")
def list_algorithms(
    _principal: CurrentPrincipal, task: str | None = None
) -> Page[dict[str, Any]]:
    """Every registered algorithm with its parameter schema, optionally of one task."""
    from loom.algorithms.base import Task
    from loom.algorithms.registry import describe, list_algorithms
    from loom.core.errors import InvalidInputError

    if task is not None and task not in {t.value for t in Task}:
        choices = ", ".join(t.value for t in Task)
        raise InvalidInputError(f"unknown task '{task}'; choose one of: {choices}")
    items = [describe(a) for a in list_algorithms(Task(task) if task else None)]
    return Page[dict[str, Any]](items=items, total=len(items))


@router.get("/{name}")
def get_algorithm(name: str, _principal: CurrentPrincipal) -> dict[str, Any]:
    """One algorithm's description and parameters."""
    from loom.algorithms.registry import describe, get_algorithm

    return describe(get_algorithm(name))
