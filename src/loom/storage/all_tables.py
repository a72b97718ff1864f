"""Imports every capability's tables so Alembic and tests see one complete metadata."""

from loom.auth.orm import SqlApiToken, SqlWorkspace
from loom.data.orm import SqlDataset, SqlDatasetVersion
from loom.jobs.orm import SqlJob
from loom.pipelines.orm import SqlPipeline, SqlPipelineRun, SqlPipelineVersion
from loom.registry.orm import SqlModelAlias, SqlModelVersion, SqlRegisteredModel
from loom.serving.orm import SqlEndpoint
from loom.storage.orm_base import Base
from loom.tracking.orm import SqlExperiment, SqlRun, SqlRunEpoch
from loom.vectors.orm import SqlVectorCollection

metadata = Base.metadata

__all__ = [
    "SqlApiToken",
    "SqlDataset",
    "SqlDatasetVersion",
    "SqlEndpoint",
    "SqlExperiment",
    "SqlJob",
    "SqlModelAlias",
    "SqlModelVersion",
    "SqlPipeline",
    "SqlPipelineRun",
    "SqlPipelineVersion",
    "SqlRegisteredModel",
    "SqlRun",
    "SqlRunEpoch",
    "SqlVectorCollection",
    "SqlWorkspace",
    "metadata",
]
