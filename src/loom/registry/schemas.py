"""Wire schemas for registered models and versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

MODEL_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$"
ALIAS_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,99}$"


class ModelRegister(BaseModel):
    """Register a finished run's model as the next version of a named model."""

    name: str = Field(pattern=MODEL_NAME_PATTERN)
    run_id: str
    description: str = ""


class AliasSet(BaseModel):
    """Point an alias at a version."""

    version: int = Field(ge=1)


class ModelVersionPublic(BaseModel):
    """One immutable version with its lineage."""

    model_name: str
    version: int
    run_id: str
    algorithm: str
    task: str
    dataset_id: str
    dataset_version: int
    input_schema: list[dict[str, Any]]
    metrics: dict[str, float]
    created_at: datetime
    aliases: list[str]


class ModelPublic(BaseModel):
    """A registered model with its versions and aliases."""

    id: str
    name: str
    description: str
    created_at: datetime
    latest_version: int | None
    aliases: dict[str, int]
    versions: list[ModelVersionPublic]
