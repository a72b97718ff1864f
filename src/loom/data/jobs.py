"""The ``dataset.import`` job: read the source, store Parquet, register the version."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from loom.core.ids import new_id
from loom.data import service
from loom.data.dataset_schemas import DatasetImport
from loom.data.schemas import DatasetSource, SqlSource, UrlSource
from loom.jobs.context import JobContext


def redact_source(source: DatasetSource) -> dict[str, Any]:
    """The source as stored in metadata: passwords and storage secrets masked."""
    if isinstance(source, SqlSource | UrlSource):
        source = source.redacted()
    return source.model_dump(mode="json")


def run_import(ctx: JobContext) -> dict[str, Any]:
    """Import a source as a new dataset version.

    The Parquet file is put into the artifact store first and the version row is
    committed last, so a failure at any step registers nothing.
    """
    from loom.data.importing import check_source, import_source

    request = DatasetImport.model_validate(ctx.params)
    source: DatasetSource = TypeAdapter(DatasetSource).validate_python(
        ctx.params["source"]
    )
    roots = ctx.settings.resolved_data_roots
    ctx.log(f"checking source ({source.kind})")
    check_source(source, data_roots=roots)
    ctx.log("importing")
    result = import_source(source, data_roots=roots, workdir=ctx.workdir, log=ctx.log)
    ctx.log(
        f"{result.row_count} rows, {len(result.columns)} columns, "
        f"{result.size_bytes} bytes"
    )
    ctx.check_cancelled()
    with ctx.db.session() as session:
        existing = service.find_dataset(
            session, workspace_id=ctx.workspace_id, ref=request.name
        )
        dataset_id = existing.id if existing else new_id("ds")
    key = service.dataset_artifact_key(
        ctx.workspace_id, dataset_id, result.content_hash
    )
    ctx.artifacts.put_file(result.parquet_path, key)
    with ctx.db.session() as session:
        dataset_id, version = service.register_version(
            session,
            workspace_id=ctx.workspace_id,
            name=request.name,
            description=request.description,
            dataset_id=dataset_id,
            content_hash=result.content_hash,
            row_count=result.row_count,
            size_bytes=result.size_bytes,
            columns=[c.model_dump(mode="json") for c in result.columns],
            preview=result.preview,
            source=redact_source(source),
            artifact_key=key,
            job_id=ctx.job_id,
        )
    ctx.log(f"registered dataset {request.name} version {version}")
    return {"dataset_id": dataset_id, "version": version, "rows": result.row_count}
