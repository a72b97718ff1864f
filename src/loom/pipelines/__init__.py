"""Feature pipelines: a DAG of typed operators, validated, quick-run, run and fitted.

Key names: ``PipelineSpec`` / ``NodeSpec`` (the stored form, ``canonical_json``),
``Pipeline`` (the SDK builder), ``validate`` / ``raise_if_invalid`` (schema-only
checks), ``run_pipeline`` (quick and full runs, caching), ``PipelineResult``,
``FittedPipeline`` (the servable, JSON-only slice), and the operator registry in
``loom.pipelines.operators``.

Non-goals here: the REST API, CLI, UI editor, job wiring, dataset registration,
scheduling and alerts; they sit on these functions.
"""

from __future__ import annotations

from loom.pipelines._duck import parquet_schema
from loom.pipelines.builder import Pipeline, Step
from loom.pipelines.engine import Sample, run_pipeline
from loom.pipelines.fitted import FittedNode, FittedPipeline
from loom.pipelines.results import NodeResult, PipelineResult
from loom.pipelines.schema import Column, Schema
from loom.pipelines.spec import NodeSpec, PipelineSpec, load_spec, loads_spec, read_spec
from loom.pipelines.validate import (
    Issue,
    check,
    raise_if_invalid,
    source_refs,
    validate,
)

__all__ = [
    "Column",
    "FittedNode",
    "FittedPipeline",
    "Issue",
    "NodeResult",
    "NodeSpec",
    "Pipeline",
    "PipelineResult",
    "PipelineSpec",
    "Sample",
    "Schema",
    "Step",
    "check",
    "load_spec",
    "loads_spec",
    "parquet_schema",
    "raise_if_invalid",
    "read_spec",
    "run_pipeline",
    "source_refs",
    "validate",
]
