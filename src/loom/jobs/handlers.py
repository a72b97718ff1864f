"""Job types and the functions that run them.

Handlers are named by import path and imported only inside the worker, so the
server process never loads pandas/scikit-learn just to queue a job.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from loom.core.errors import InvalidInputError

if TYPE_CHECKING:
    from loom.jobs.context import JobContext

Handler = Callable[["JobContext"], dict[str, Any]]

_HANDLERS: dict[str, str] = {
    "dataset.import": "loom.data.jobs:run_import",
    "training.run": "loom.tracking.jobs:run_training",
    "batch.predict": "loom.serving.jobs:run_batch_prediction",
    "diagnostics.sleep": "loom.jobs.diagnostics:run_sleep",
    "vectors.fill": "loom.vectors.jobs:run_fill",
    "pipelines.run": "loom.pipelines.jobs:run_pipeline_job",
}


def register_handler(job_type: str, target: str) -> None:
    """Register ``module:function`` as the handler of ``job_type``."""
    _HANDLERS[job_type] = target


def ensure_known_type(job_type: str) -> None:
    """Reject a job type nobody handles, before it is queued."""
    if job_type not in _HANDLERS:
        choices = ", ".join(sorted(_HANDLERS))
        raise InvalidInputError(
            f"unknown job type '{job_type}'; choose one of: {choices}"
        )


def resolve_handler(job_type: str) -> Handler:
    """Import and return the handler function for ``job_type``."""
    ensure_known_type(job_type)
    module_name, _, attr = _HANDLERS[job_type].partition(":")
    handler: Handler = getattr(importlib.import_module(module_name), attr)
    return handler
