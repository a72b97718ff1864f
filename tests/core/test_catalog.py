"""Catalog: lazy loading on first lookup, duplicate names refused, clear errors."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from loom.core.catalog import Catalog
from loom.core.errors import InvalidInputError


class _Entry:
    pass


class _Other:
    pass


def test_catalog_imports_its_modules_on_first_lookup_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A module nobody imported yet, so sys.modules shows when the catalog imports it.
    probe = "loom_catalog_probe"
    (tmp_path / f"{probe}.py").write_text('"""Registers nothing."""\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, probe, raising=False)
    catalog: Catalog[object] = Catalog("thing", [probe])
    try:
        assert not catalog._loaded
        catalog.add("a", _Entry())
        assert not catalog._loaded  # adding does not load
        assert probe not in sys.modules
        assert "a" in catalog and catalog._loaded
        assert probe in sys.modules
        assert [type(e) for e in catalog.entries()] == [_Entry]
    finally:
        sys.modules.pop(probe, None)


def test_catalog_refuses_a_second_class_under_one_name() -> None:
    catalog: Catalog[object] = Catalog("thing", [])
    catalog.add("a", _Entry())
    catalog.add("a", _Entry())  # re-importing the same class is fine
    with pytest.raises(ValueError, match="thing name 'a' is already registered"):
        catalog.add("a", _Other())


def test_catalog_unknown_name_lists_the_choices() -> None:
    catalog: Catalog[object] = Catalog("operator", [])
    catalog.add("b", _Entry())
    catalog.add("a", _Entry())
    with pytest.raises(
        InvalidInputError, match="unknown operator 'z'; choose one of: a, b"
    ):
        catalog.get("z")
    catalog.discard("a")
    assert [type(e) for e in catalog.entries()] == [_Entry]
