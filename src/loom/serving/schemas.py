"""Wire schemas for endpoints, predictions and batch scoring."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, model_validator

ENDPOINT_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$"


class _VersionOrAlias(BaseModel):
    version: int | None = Field(default=None, ge=1)
    alias: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> _VersionOrAlias:
        if self.version is not None and self.alias is not None:
            raise ValueError("give either 'version' or 'alias', not both")
        return self


class EndpointCreate(_VersionOrAlias):
    """Deploy a model version (or whatever an alias points at) to a named endpoint."""

    name: str = Field(pattern=ENDPOINT_NAME_PATTERN)
    model: str


class EndpointUpdate(_VersionOrAlias):
    """Redeploy an endpoint to another version or alias."""

    model: str | None = None


class EndpointPublic(BaseModel):
    """An endpoint and the version it serves."""

    id: str
    name: str
    model_name: str
    model_version: int
    alias: str | None
    state: str
    task: str
    input_schema: list[dict[str, Any]]
    url: str
    created_at: datetime
    updated_at: datetime


class EndpointTokenCreate(BaseModel):
    """Issue a token that can only call predict on one endpoint."""

    name: str = Field(default="endpoint", min_length=1, max_length=200)


class PredictResponse(BaseModel):
    """Predictions for the posted records, in order."""

    predictions: list[Any]
    probabilities: list[dict[str, float]] | None = None
    model_name: str
    model_version: int


class BatchPredictionCreate(_VersionOrAlias):
    """Score a dataset version with a model; the result is stored as a dataset."""

    model: str
    dataset: str
    dataset_version: int | None = None
    output_name: str = Field(pattern=ENDPOINT_NAME_PATTERN)
