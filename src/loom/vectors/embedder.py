"""Embedding models behind a collection: resolve, load once, embed texts.

A collection filled from an embedding-task model (issue 5's ``word2vec``,
``fasttext_vectors``, ``tfidf_vectors``, ``sentence_encoder``) records that
model in ``embedder.json`` in its directory (next to the engine's files, which
snapshots never remove), so searches can send text: the server embeds it with
the same model the rows were embedded with. The bundle's estimator exposes
``embed(texts) -> (n, d)``; that is the whole contract used here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from loom.core.errors import ConflictError, InvalidInputError
from loom.vectors.schemas import EmbedderPublic

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


EMBEDDER_FILE = "embedder.json"
EMBEDDING_TASK = "embedding"
# Embedding models kept loaded for text fills and text queries.
CACHE_SIZE = 8


def resolve_embedder(
    session: Session,
    workspace_id: str,
    *,
    model: str | None,
    model_version: int | None,
    run_id: str | None,
    text_field: str,
) -> dict[str, Any]:
    """The model version (or run) to embed with, checked to be an embedding model.

    Returns the ``EmbedderPublic`` fields except ``dim`` (known once loaded).

    Raises:
        NotFoundError: no such model, version or run in the workspace.
        InvalidInputError: the model's task is not ``embedding``.
        ConflictError: the run has no saved model (not succeeded).
    """
    if model is not None:
        from loom.registry import service as registry_service

        found, version = registry_service.resolve_version_row(
            session, workspace_id=workspace_id, ref=model, version=model_version
        )
        name, number, run, task = (
            found.name,
            version.version,
            version.run_id,
            version.task,
        )
        key: str | None = version.artifact_key
        what = f"model {name!r} version {number}"
    else:
        from loom.tracking.service import get_run_row

        row = get_run_row(session, workspace_id=workspace_id, run_id=str(run_id))
        name, number, run, task, key = None, None, row.id, row.task, row.artifact_key
        what = f"run {row.id}"
    if task != EMBEDDING_TASK:
        raise InvalidInputError(
            f"{what} is a {task} model; filling from text needs an "
            f"{EMBEDDING_TASK} model"
        )
    if key is None:
        raise ConflictError(f"{what} has no saved model; wait for the run to succeed")
    return {
        "model": name,
        "version": number,
        "run_id": run,
        "text_field": text_field,
        "artifact_key": key,
    }


def embed_texts(bundle: Any, texts: list[Any]) -> NDArray[np.float32]:
    """(n, d) float32 embeddings of ``texts`` (null texts embed as "")."""
    clean = ["" if t is None else str(t) for t in texts]
    return np.asarray(bundle.estimator.embed(clean), dtype=np.float32).reshape(
        len(clean), -1
    )


def embedding_dim(bundle: Any) -> int:
    """The model's output dimension, from embedding one probe text."""
    return int(embed_texts(bundle, ["dimension probe"]).shape[1])


def check_dim(embedder: dict[str, Any], dim: int, collection: str) -> None:
    """Refuse a model whose vectors do not fit the collection (names both)."""
    if embedder["dim"] != dim:
        who = (
            f"model {embedder['model']!r} version {embedder['version']}"
            if embedder.get("model")
            else f"run {embedder['run_id']}"
        )
        raise InvalidInputError(
            f"{who} embeds into {embedder['dim']} dimensions, collection "
            f"{collection!r} has dimension {dim}"
        )


def read_embedder(directory: Path) -> EmbedderPublic | None:
    """The embedder a collection directory recorded, if any."""
    path = directory / EMBEDDER_FILE
    if not path.exists():
        return None
    return EmbedderPublic.model_validate(json.loads(path.read_text()))


def write_embedder(directory: Path, embedder: EmbedderPublic) -> None:
    """Atomically, like the engine's own files (the snapshot module loads faiss)."""
    from loom.vectors.snapshot import write_atomic

    data = embedder.model_dump_json().encode()

    def write(fh: IO[bytes]) -> None:
        fh.write(data)

    write_atomic(directory / EMBEDDER_FILE, write)
