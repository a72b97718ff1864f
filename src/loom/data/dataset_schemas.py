"""Wire schemas for datasets and their versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from loom.data.schemas import ColumnSchema, DatasetSource

DATASET_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$"


class DatasetImport(BaseModel):
    """Import data from a source into a (new version of a) named dataset."""

    name: str = Field(pattern=DATASET_NAME_PATTERN)
    source: DatasetSource
    description: str = ""


class DatasetVersionPublic(BaseModel):
    """One immutable, content-hashed version of a dataset."""

    version: int
    content_hash: str
    row_count: int
    size_bytes: int
    columns: list[ColumnSchema]
    source: dict[str, Any]
    created_at: datetime
    job_id: str | None = None


class DatasetPublic(BaseModel):
    """A dataset and its newest version."""

    id: str
    name: str
    description: str
    created_at: datetime
    updated_at: datetime
    latest_version: DatasetVersionPublic | None = None


class DatasetPreview(BaseModel):
    """A sampled preview of a dataset version."""

    dataset_id: str
    version: int
    columns: list[str]
    rows: list[dict[str, Any]]
