"""Filter language: parse errors, and filtered search against brute force."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from loom.core.errors import InvalidInputError
from loom.vectors import segment as segment_module
from loom.vectors.collection import Collection
from loom.vectors.filters import compile_filter
from tests.vectors.conftest import CATEGORIES, TAGS, Rows, make_schema

TYPES = make_schema().field_types()
Predicate = Callable[[dict[str, Any]], bool]


def _cmp(value: Any, op: str, literal: Any) -> bool:
    if value is None:
        return False
    return {
        "==": value == literal,
        "!=": value != literal,
        "<": value < literal,
        "<=": value <= literal,
        ">": value > literal,
        ">=": value >= literal,
    }[op]


def _atom(rng: random.Random) -> tuple[str, Predicate]:
    """One random predicate and its plain-Python meaning (the reference)."""
    op = rng.choice(["==", "!=", "<", "<=", ">", ">="])
    kind = rng.randrange(8)
    if kind == 0:
        x = round(rng.uniform(0, 200), 1)
        return f"price {op} {x}", lambda r: _cmp(r["price"], op, x)
    if kind == 1:
        n = rng.randrange(20)
        return f"qty {op} {n}", lambda r: _cmp(r["qty"], op, n)
    if kind == 2:
        word = rng.choice([*CATEGORIES, "absent"])
        return f'cat {op} "{word}"', lambda r: _cmp(r["cat"], op, word)
    if kind == 3:
        words = rng.sample(CATEGORIES, 2)
        neg = rng.random() < 0.5
        text = f"cat {'not in' if neg else 'in'} {words}".replace("'", '"')
        return text, lambda r: r["cat"] is not None and ((r["cat"] in words) != neg)
    if kind == 4:
        nums = rng.sample(range(20), 3)
        return f"qty in {nums}", lambda r: r["qty"] is not None and r["qty"] in nums
    if kind == 5:
        tag = rng.choice(TAGS)
        if rng.random() < 0.5:
            return (
                f'"{tag}" in tags',
                lambda r: r["tags"] is not None and tag in r["tags"],
            )
        return (
            f"'{tag}' not in tags",
            lambda r: r["tags"] is not None and tag not in r["tags"],
        )
    if kind == 6:
        return "on_sale", lambda r: r["on_sale"] is True
    flag = rng.random() < 0.5
    text = f"on_sale == {'true' if flag else 'false'}"
    return text, lambda r: r["on_sale"] is not None and r["on_sale"] == flag


def _expression(rng: random.Random, depth: int = 0) -> tuple[str, Predicate]:
    if depth >= 2 or rng.random() < 0.35:
        return _atom(rng)
    choice = rng.randrange(3)
    left, lf = _expression(rng, depth + 1)
    if choice == 2:
        return f"not ({left})", lambda r: not lf(r)
    right, rf = _expression(rng, depth + 1)
    if choice == 0:
        return f"({left}) and ({right})", lambda r: lf(r) and rf(r)
    return f"({left}) or {right}", lambda r: lf(r) or rf(r)


def _expressions(n: int, seed: int) -> list[tuple[str, Predicate]]:
    rng = random.Random(seed)
    return [_expression(rng) for _ in range(n)]


def _load(tmp_path: Path, rows: Rows, index: str) -> Collection:
    collection = Collection.create(
        tmp_path / index.replace(",", "_"), make_schema(index)
    )
    collection.insert(rows.ids, rows.vectors, rows.fields)
    if index.startswith("IVF"):
        collection.train()
    return collection


@pytest.mark.parametrize("threshold", [0, segment_module.EXACT_FILTER_ROWS])
def test_filter_flat_top_k_equals_exact_search_over_matching_rows(
    tmp_path: Path,
    rows: Rows,
    seed: int,
    threshold: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Threshold 0: the filter runs inside Faiss as a selector; default: exact scan.
    monkeypatch.setattr(segment_module, "EXACT_FILTER_ROWS", threshold)
    collection = _load(tmp_path, rows, "Flat")
    queries = rows.vectors[:3] + 0.1
    for text, predicate in _expressions(30, seed):
        selected = np.array([predicate(r) for r in rows.fields])
        result = collection.search(queries, 10, filter=text)
        sub = rows.vectors[selected]
        d2 = ((queries[:, None, :] - sub[None]) ** 2).sum(-1)
        expected = rows.ids[selected][np.argsort(d2, axis=1)[:, :10]]
        n_hits = min(10, int(selected.sum()))
        assert (result.ids[:, :n_hits] == expected[:, :n_hits]).all(), text
        assert (result.ids[:, n_hits:] == -1).all(), text


@pytest.mark.parametrize("index", ["IVF32,Flat", "HNSW16"])
def test_filter_ann_results_satisfy_filter_and_fill_k(
    tmp_path: Path, rows: Rows, seed: int, index: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Threshold 0 forces the selector path, so the fallback rule is exercised too.
    monkeypatch.setattr(segment_module, "EXACT_FILTER_ROWS", 0)
    collection = _load(tmp_path, rows, index)
    by_id = dict(zip(rows.ids.tolist(), rows.fields, strict=True))
    queries = rows.vectors[10:14]
    for text, predicate in _expressions(30, seed + 1):
        n_match = sum(predicate(r) for r in rows.fields)
        result = collection.search(queries, 10, filter=text, fields=["cat"])
        for row in result.ids:
            found = row[row >= 0].tolist()
            assert len(found) == min(10, n_match), text
            assert all(predicate(by_id[i]) for i in found), text


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("colour == 'red'", "unknown field 'colour'; fields are ['cat', 'on_sale'"),
        ('price < "x"', "type mismatch: field 'price' is float"),
        ("price <", "expected a value"),
        ("price = 3", "unknown operator '='"),
        ("price && 3", "unknown operator '&&'"),
        ("(price < 3", "expected ')'"),
        ("price < 3 qty > 1", "unexpected 'qty'"),
        ("'sale' in cat", "needs a tags field"),
        ("tags == 'x'", "type mismatch: field 'tags' is tags"),
        ("on_sale < true", "type mismatch"),
        ("qty in [1, 'a']", "type mismatch"),
        ("", "empty expression"),
        ("price < 3 @", "unexpected character '@'"),
    ],
)
def test_compile_filter_rejects_bad_expressions_naming_the_problem(
    text: str, fragment: str
) -> None:
    with pytest.raises(InvalidInputError, match="position") as info:
        compile_filter(text, TYPES)
    assert fragment in info.value.message


def test_compile_filter_reports_character_position() -> None:
    with pytest.raises(InvalidInputError) as info:
        compile_filter("qty > 1 and price < 'x'", TYPES)
    assert info.value.message.endswith("at position 20")


def test_compile_filter_accepts_negative_numbers_and_escapes() -> None:
    compile_filter("price >-3 and cat != 'it\\'s' and not on_sale", TYPES)
