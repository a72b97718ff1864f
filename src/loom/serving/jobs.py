"""The ``batch.predict`` job: score a dataset version, store the result as a dataset."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from loom.core.errors import InvalidInputError
from loom.core.ids import new_id
from loom.data import service as data_service
from loom.jobs.context import JobContext
from loom.pipelines.spec import split_ref
from loom.registry import service as registry_service

if TYPE_CHECKING:
    from loom.training.bundle import ModelBundle

BATCH_ROWS = 50_000


def run_batch_prediction(ctx: JobContext) -> dict[str, Any]:
    """Stream the input Parquet in batches through the model into a new dataset.

    Rows are scored in batches of ``BATCH_ROWS`` so memory stays bounded for large
    datasets; predictions (and class probabilities) are appended as columns.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from loom.data._parquet import sha256_file
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
        data_key, data_source = data.artifact_key, dict(data.source or {})
    with ctx.artifacts.local_path(model_key) as path:
        bundle = ModelBundle.load(path)
    out_path = ctx.workdir / "scored.parquet"
    writer: pq.ParquetWriter | None = None
    rows = 0
    with ctx.artifacts.local_path(data_key) as data_path:
        parquet = pq.ParquetFile(data_path)
        preprocessed = False
        if bundle.preprocess is not None:
            preprocessed, why = input_is_preprocessed(
                bundle, parquet.schema_arrow.names, data_source
            )
            ctx.log(why)
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
            frame = batch.to_pandas()
            predictions, probabilities = bundle.predict_frame(
                frame, preprocessed=preprocessed
            )
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
    content_hash = sha256_file(out_path)
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


def input_is_preprocessed(
    bundle: ModelBundle, columns: list[str], source: Mapping[str, Any]
) -> tuple[bool, str]:
    """Whether a batch input already holds the model's pipeline output.

    A model with a pipeline in front scores raw rows by running the pipeline
    first, but a dataset the pipeline itself wrote (its test split, say) must
    not be transformed twice. Rules, first match wins:

    1. lineage: a version written by the same pipeline at the same node as the
       model's training data (``split.test`` for a model trained on
       ``split.train``) is already transformed;
    2. columns: every raw source column (target aside) present → raw rows;
    3. columns: every model feature present → already transformed.

    Raw wins over features in rule 2 because a pipeline that rewrites columns
    in place (impute, scale) keeps their names: only lineage can tell those apart.

    Returns:
        ``(preprocessed, a log line saying which rule chose)``.

    Raises:
        InvalidInputError: neither the raw columns nor the features are all there.
    """
    pipeline = bundle.preprocess
    assert pipeline is not None
    node = split_ref(pipeline.output)[0]
    if (
        source.get("kind") == "pipeline"
        and source.get("pipeline") == pipeline.name
        and split_ref(str(source.get("output", "")))[0] == node
    ):
        return True, (
            f"input was written by pipeline '{pipeline.name}' at node '{node}': "
            "scoring its features directly"
        )
    present = set(columns)
    raw = [c["name"] for c in bundle.input_schema]
    missing_raw = [c for c in raw if c not in present]
    if not missing_raw:
        return False, (
            f"input has the raw columns of pipeline '{pipeline.name}': "
            "running it before the model"
        )
    missing_features = [c for c in bundle.features if c not in present]
    if not missing_features:
        return True, "input has the model's features: scoring them directly"
    raise InvalidInputError(
        f"input has neither the raw columns of pipeline '{pipeline.name}' (missing "
        f"'{missing_raw[0]}') nor the model's features (missing "
        f"'{missing_features[0]}')"
    )
