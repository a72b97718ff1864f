"""The ``batch.predict`` job: score a dataset version, store the result as a dataset."""

from __future__ import annotations

from typing import Any

from loom.core.ids import new_id
from loom.data import service as data_service
from loom.jobs.context import JobContext
from loom.registry import service as registry_service

BATCH_ROWS = 50_000


def run_batch_prediction(ctx: JobContext) -> dict[str, Any]:
    """Stream the input Parquet in batches through the model into a new dataset.

    Rows are scored in batches of ``BATCH_ROWS`` so memory stays bounded for large
    datasets; predictions (and class probabilities) are appended as columns.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from loom.data.importing import profile_parquet, sample_preview
    from loom.training.bundle import ModelBundle

    p = ctx.params
    with ctx.db.session() as session:
        model, version = registry_service.resolve_version_row(
            session,
            workspace_id=ctx.workspace_id,
            ref=p["model_id"],
            version=p["model_version"],
        )
        model_key, model_name = version.artifact_key, model.name
        data = data_service.get_version_row(
            session,
            workspace_id=ctx.workspace_id,
            ref=p["dataset_id"],
            version=p["dataset_version"],
        )
        data_key = data.artifact_key
    with ctx.artifacts.local_path(model_key) as path:
        bundle = ModelBundle.load(path)
    out_path = ctx.workdir / "scored.parquet"
    writer: pq.ParquetWriter | None = None
    rows = 0
    with ctx.artifacts.local_path(data_key) as data_path:
        for batch in pq.ParquetFile(data_path).iter_batches(batch_size=BATCH_ROWS):
            frame = batch.to_pandas()
            predictions, probabilities = bundle.predict_frame(frame)
            # A tagger predicts one tag list per row: stored as a space-joined
            # string, the same shape as the tags it was trained on.
            frame["prediction"] = [
                " ".join(p) if isinstance(p, list) else p for p in predictions
            ]
            if probabilities is not None:
                for label in probabilities[0] if probabilities else []:
                    frame[f"probability_{label}"] = [
                        row[label] for row in probabilities
                    ]
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(out_path, table.schema, compression="zstd")
            writer.write_table(table)
            rows += len(frame)
            ctx.log(f"scored {rows} rows")
            ctx.check_cancelled()
    if writer is not None:
        writer.close()
    row_count, columns = profile_parquet(out_path)
    content_hash = _sha256(out_path)
    with ctx.db.session() as session:
        existing = data_service.find_dataset(
            session, workspace_id=ctx.workspace_id, ref=p["output_name"]
        )
        dataset_id = existing.id if existing else new_id("ds")
    key = data_service.dataset_artifact_key(ctx.workspace_id, dataset_id, content_hash)
    ctx.artifacts.put_file(out_path, key)
    with ctx.db.session() as session:
        dataset_id, number = data_service.register_version(
            session,
            workspace_id=ctx.workspace_id,
            name=p["output_name"],
            description=f"scored by {model_name} v{version.version}",
            dataset_id=dataset_id,
            content_hash=content_hash,
            row_count=row_count,
            size_bytes=out_path.stat().st_size,
            columns=[c.model_dump(mode="json") for c in columns],
            preview=sample_preview(out_path, 50),
            source={
                "kind": "batch_prediction",
                "model": model_name,
                "model_version": version.version,
            },
            artifact_key=key,
            job_id=ctx.job_id,
        )
    return {"dataset_id": dataset_id, "version": number, "rows": row_count}


def _sha256(path: Any) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
