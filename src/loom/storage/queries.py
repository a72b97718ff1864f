"""Query shapes every capability repeats: find by id-or-name, next version number."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

RowT = TypeVar("RowT")


def find_by_ref(
    session: Session, table: type[RowT], *, workspace_id: str, ref: str
) -> RowT | None:
    """The row whose id or name is ``ref`` in the workspace, or None.

    Scoping by workspace here is what makes another workspace's objects invisible.
    """
    cls: Any = table
    return session.scalar(
        select(cls).where(
            cls.workspace_id == workspace_id, (cls.id == ref) | (cls.name == ref)
        )
    )


def next_number(
    session: Session, column: InstrumentedAttribute[int], *where: Any
) -> int:
    """One more than the largest ``column`` value among rows matching ``where``."""
    return int(session.scalar(select(func.max(column)).where(*where)) or 0) + 1
