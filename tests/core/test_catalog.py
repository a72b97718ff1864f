"""Catalog: lazy loading on first lookup, duplicate names refused, clear errors."""

from __future__ import annotations

import pytest

from loom.core.catalog import Catalog
from loom.core.errors import InvalidInputError


class _Entry:
    pass


class _Other:
    pass


def test_catalog_imports_its_modules_on_first_lookup_only() -> None:
    # json.decoder's import registers nothing; what matters is when it runs.
    catalog: Catalog[object] = Catalog("thing", ["json.decoder"])
    assert not catalog._loaded
    catalog.add("a", _Entry())
    assert not catalog._loaded  # adding does not load
    assert "a" in catalog and catalog._loaded
    assert [type(e) for e in catalog.entries()] == [_Entry]


def test_catalog_refuses_a_second_class_under_one_name() -> None:
    catalog: Catalog[object] = Catalog("thing", [])
    catalog.add("a", _Entry())
    catalog.add("a", _Entry())  # re-importing the same class is fine
    with pytest.raises(ValueError, match="thing name 'a' is already registered"):
        catalog.add("a", _Other())


def test_unknown_name_lists_the_choices() -> None:
    catalog: Catalog[object] = Catalog("operator", [])
    catalog.add("b", _Entry())
    catalog.add("a", _Entry())
    with pytest.raises(
        InvalidInputError, match="unknown operator 'z'; choose one of: a, b"
    ):
        catalog.get("z")
    catalog.discard("a")
    assert [type(e) for e in catalog.entries()] == [_Entry]
