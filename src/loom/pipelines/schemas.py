"""Wire schemas of the pipelines API: requests, stored pipelines, runs, schedules.

Request models ignore unknown keys and give every field a default where the
contract allows it, so that a call on another workspace's pipeline answers 404
(the lookup runs first) rather than a body-shape 422; the service checks what
must be present once the pipeline is known.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlparse

from pydantic import BaseModel, Field, computed_field, field_validator

from loom.jobs.schemas import JobState

PIPELINE_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$"
VariableValue = bool | int | float | str
AlertOn = Literal["failure", "success"]


def _failure_only() -> list[AlertOn]:
    return ["failure"]


class SpecInput(BaseModel):
    """A spec given either as a JSON object (``spec``) or as YAML text (``yaml``)."""

    spec: dict[str, Any] | None = None
    yaml: str | None = Field(default=None, max_length=1_000_000)


class PipelineValidate(SpecInput):
    """Validate a spec against the workspace's datasets without storing it."""

    variables: dict[str, VariableValue] = Field(default_factory=dict)


class ValidationReport(BaseModel):
    """Every issue, each port's inferred schema and the canonical stored form."""

    valid: bool
    issues: list[dict[str, Any]]
    schemas: dict[str, dict[str, list[dict[str, str]]]]
    canonical_json: str | None = None


class PipelineCreate(SpecInput):
    """Store a new pipeline (version 1)."""

    name: str = Field(pattern=PIPELINE_NAME_PATTERN)
    description: str = Field(default="", max_length=10_000)


class PipelineUpdate(SpecInput):
    """A new spec (a new version unless it is unchanged) and/or a description."""

    description: str | None = Field(default=None, max_length=10_000)


class SampleRequest(BaseModel):
    """Quick mode's sample: the first or random ``rows`` rows of every source."""

    mode: Literal["head", "random"] = "head"
    rows: int = Field(default=1000, ge=1, le=10_000)
    seed: int = Field(default=0, ge=0)


class QuickRequest(BaseModel):
    """Run on a sample, synchronously."""

    variables: dict[str, VariableValue] = Field(default_factory=dict)
    sample: SampleRequest | None = None


class RunRequest(BaseModel):
    """Start a full run; ``outputs`` maps ``node.port`` to a dataset name."""

    variables: dict[str, VariableValue] = Field(default_factory=dict)
    outputs: dict[str, str] = Field(default_factory=dict)


class ScheduleAlerts(BaseModel):
    """Who hears about a scheduled run's end, and on which outcomes."""

    webhook_url: str | None = Field(default=None, max_length=2000)
    email: list[str] = Field(default_factory=list, max_length=50)
    on: list[AlertOn] = Field(default_factory=_failure_only)

    @field_validator("webhook_url")
    @classmethod
    def _http_only(cls, value: str | None) -> str | None:
        # file:, gopher: and friends would let a schedule read or poke at
        # things on the server; alerts only ever need plain HTTP(S).
        if value is not None:
            parsed = urlparse(value)
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                raise ValueError(
                    f"webhook_url must be an http:// or https:// URL; got {value!r}"
                )
        return value

    @field_validator("email")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            local, at, domain = address.partition("@")
            if (
                not at
                or not local
                or "." not in domain
                or any(c in address for c in " \r\n,<>")
            ):
                raise ValueError(f"not an e-mail address: {address!r}")
        return value


class ScheduleSpec(BaseModel):
    """A cron schedule of full runs.

    ``variables`` values are templates: ``{{ds}}`` becomes the run date
    (YYYY-MM-DD in ``timezone``) and ``{{ts}}`` the scheduled time (ISO 8601).
    """

    cron: str = Field(default="", max_length=200)
    timezone: str = Field(default="UTC", max_length=64)
    variables: dict[str, str] = Field(default_factory=dict)
    outputs: dict[str, str] = Field(default_factory=dict)
    alerts: ScheduleAlerts | None = None
    enabled: bool = True


class SchedulePublic(ScheduleSpec):
    """A stored schedule and when it next fires (None while disabled)."""

    next_run_at: datetime | None = None


class NodeRunPublic(BaseModel):
    """One node of a full run, as the run view draws it."""

    status: str = Field(
        description="queued, running, succeeded, failed, cached or skipped."
    )
    op: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    duration_s: float | None = None
    rows: dict[str, int] = Field(default_factory=dict)
    error: str | None = None
    fused_into: str | None = Field(
        default=None,
        description="The written node whose single query computed this one.",
    )
    log: list[str] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cached(self) -> bool:
        """Reused from the cache (the status says so; kept for API callers)."""
        return self.status == "cached"


class OutputRef(BaseModel):
    """The dataset version a run output was registered as."""

    dataset: str
    version: int


class PipelineRunPublic(BaseModel):
    """A full run; ``state`` is its job's state."""

    id: str
    pipeline: str
    version: int
    state: JobState
    job_id: str
    error: str | None = None
    variables: dict[str, Any]
    nodes: dict[str, NodeRunPublic]
    outputs: dict[str, OutputRef]
    requested_outputs: dict[str, str] = Field(default_factory=dict)
    trigger: Literal["manual", "schedule"]
    created_at: datetime
    finished_at: datetime | None = None


class PipelinePublic(BaseModel):
    """A stored pipeline at one version."""

    id: str
    name: str
    description: str
    version: int
    latest_version: int
    spec: dict[str, Any]
    spec_hash: str
    created_at: datetime
    updated_at: datetime
    schedule: SchedulePublic | None = None
    last_run: PipelineRunPublic | None = None
