"""Shared data for vector tests: seeded rows with every field type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from loom.vectors.schema import CollectionSchema

CATEGORIES = ["shoes", "hats", "bags", "socks", "belts"]
TAGS = ["sale", "new", "eco", "gift", "vip", "last"]
FIELDS = [
    {"name": "price", "type": "float"},
    {"name": "qty", "type": "int"},
    {"name": "cat", "type": "string"},
    {"name": "on_sale", "type": "bool"},
    {"name": "tags", "type": "tags"},
]


@dataclass
class Rows:
    """Ids, vectors and row-wise field dicts for a test collection."""

    ids: np.ndarray
    vectors: np.ndarray
    fields: list[dict[str, Any]]


def make_rows(n: int, dim: int, seed: int, start: int = 0) -> Rows:
    """Seeded rows; about 10% of each field is null."""
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    fields: list[dict[str, Any]] = []
    for _ in range(n):
        row: dict[str, Any] = {
            "price": round(float(rng.uniform(0, 200)), 2),
            "qty": int(rng.integers(0, 20)),
            "cat": CATEGORIES[int(rng.integers(0, len(CATEGORIES)))],
            "on_sale": bool(rng.random() < 0.3),
            "tags": [t for t in TAGS if rng.random() < 0.25],
        }
        for name in list(row):
            if rng.random() < 0.1:
                row[name] = None
        fields.append(row)
    return Rows(np.arange(start, start + n, dtype=np.int64), vectors, fields)


def make_schema(
    index: str = "Flat", dim: int = 16, metric: str = "l2"
) -> CollectionSchema:
    """A schema with one field of every type."""
    return CollectionSchema.model_validate(
        {
            "name": "items",
            "dim": dim,
            "metric": metric,
            "fields": FIELDS,
            "index": index,
        }
    )


@pytest.fixture
def rows(seed: int) -> Rows:
    """3,000 seeded rows of dimension 16."""
    return make_rows(3000, 16, seed)
