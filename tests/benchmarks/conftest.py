"""The benchmark scripts live in benchmarks/ as plain scripts; ``bench`` imports one."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

BENCH_DIR = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], ModuleType]:
    """Import a script from benchmarks/ by module name (they import each other bare)."""
    monkeypatch.syspath_prepend(str(BENCH_DIR))
    return importlib.import_module
