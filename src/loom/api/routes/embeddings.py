"""Similarity queries against a trained embedding run: neighbours, pairs, vectors.

Every route resolves the run through ``embedding_model`` *before* the body is
validated, so another workspace's run is a 404 whatever the body holds. The
run's model is loaded once per artifact key and kept in a small LRU cache
(a run's model never changes once written).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from loom.algorithms.base import Task
from loom.api.deps import CurrentPrincipal, SessionDep, StateDep
from loom.core.errors import ConflictError, InvalidInputError
from loom.tracking import service

router = APIRouter(tags=["embeddings"])


def embedding_model(
    run_id: str, principal: CurrentPrincipal, session: SessionDep, state: StateDep
) -> Any:
    """The fitted embedding estimator of the caller's run ``run_id``.

    Raises:
        NotFoundError: no such run in the caller's workspace.
        ConflictError: the run has no model yet.
        InvalidInputError: the run did not train an embedding model.
    """
    row = service.get_run_row(
        session, workspace_id=principal.workspace_id, run_id=run_id
    )
    if not row.artifact_key:
        raise ConflictError(f"run {run_id} has no model yet; wait for it to succeed")
    bundle = state.runtimes.bundles.get(row.artifact_key)
    if bundle.task != Task.EMBEDDING:
        raise InvalidInputError(
            f"run {run_id} trained {bundle.algorithm} ({bundle.task}), "
            "not an embedding model"
        )
    return bundle.estimator


ModelDep = Annotated[Any, Depends(embedding_model)]


def _word_model(model: Any, run_id: str) -> Any:
    if getattr(model, "kind", None) != "word":
        raise InvalidInputError(
            f"run {run_id} is a document embedding model; word queries need "
            "word2vec or fasttext_vectors"
        )
    return model


class SimilarRequest(BaseModel):
    """Nearest words to ``sum(positive) - sum(negative)``."""

    model_config = ConfigDict(extra="forbid")

    positive: list[str] = Field(min_length=1, max_length=20)
    negative: list[str] = Field(default_factory=list, max_length=20)
    topn: int = Field(10, ge=1, le=200)


class SimilarWord(BaseModel):
    """One neighbour and its cosine similarity."""

    word: str
    score: float


class SimilarResponse(BaseModel):
    """Neighbours, most similar first."""

    items: list[SimilarWord]


class SimilarityRequest(BaseModel):
    """Two words (word models) or two texts (document models)."""

    model_config = ConfigDict(extra="forbid")

    a: str = Field(max_length=100_000)
    b: str = Field(max_length=100_000)


class SimilarityResponse(BaseModel):
    """Cosine similarity of ``a`` and ``b``."""

    similarity: float


class VectorsRequest(BaseModel):
    """Texts to embed."""

    model_config = ConfigDict(extra="forbid")

    texts: list[str] = Field(max_length=1_000)


class VectorsResponse(BaseModel):
    """One vector per text."""

    dimension: int
    vectors: list[list[float]]


@router.post("/runs/{run_id}/embeddings/similar")
def similar_words(
    run_id: str, body: SimilarRequest, model: ModelDep
) -> SimilarResponse:
    """Nearest neighbours of a word, or an analogy when ``negative`` is given
    (``positive=[king, woman], negative=[man]`` looks for queen). A word the
    model has no vector for is a 422 naming it."""
    found = _word_model(model, run_id).most_similar(
        body.positive, body.negative, topn=body.topn
    )
    return SimilarResponse(items=[SimilarWord(word=w, score=s) for w, s in found])


@router.post("/runs/{run_id}/embeddings/similarity")
def similarity(
    run_id: str, body: SimilarityRequest, model: ModelDep
) -> SimilarityResponse:
    """Cosine similarity of two words (word models) or two texts (documents)."""
    return SimilarityResponse(similarity=model.similarity(body.a, body.b))


@router.post("/runs/{run_id}/embeddings/vectors")
def vectors(run_id: str, body: VectorsRequest, model: ModelDep) -> VectorsResponse:
    """The embedding of each text (word models: mean of the token vectors)."""
    matrix = model.embed(body.texts)
    return VectorsResponse(dimension=int(model.dimension), vectors=matrix.tolist())
