"""The vector collection table: what the database knows about each collection.

The engine keeps the schema, rows and index on disk under the vector root; the
database row gives the collection its id, creation time, per-workspace unique
name (enforced by a constraint, so two concurrent creates cannot both win),
the index advice Loom gave when it chose the spec and the last evaluation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from loom.core.clock import utcnow
from loom.storage.orm_base import Base


class SqlVectorCollection(Base):
    """One vector collection of a workspace."""

    __tablename__ = "vector_collections"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    name: Mapped[str] = mapped_column(String(63))
    advice: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    last_evaluation: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
