"""The generic list envelope every listing returns."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """A list of items and how many there are in all."""

    items: list[T]
    total: int
