"""Vector collections: create, list, show, drop, advice, rebuild, evaluate, fill.

The row-level calls (insert, upsert, delete, get, search, range search) are in
``vectors_data.py``. Every route resolves the collection through
``collection_dep`` *before* the body is validated, so a collection of another
workspace is a 404 whatever the body holds, and a bad body on a collection
the caller owns is a 422 that names the field.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status

from loom.api.deps import CurrentPrincipal, SessionDep, StateDep
from loom.api.state import LoomState
from loom.core.errors import ConflictError
from loom.core.pages import Page
from loom.jobs import queue
from loom.jobs.schemas import JobPublic
from loom.vectors.evaluate import EvaluationReport
from loom.vectors.schemas import (
    CollectionCreate,
    CollectionPublic,
    EvaluateRequest,
    FillRequest,
    IndexAdvicePublic,
    RebuildAccepted,
    RebuildRequest,
)
from loom.vectors.service import VectorService, advise, to_index_spec
from loom.vectors.sharding import AnyCollection

router = APIRouter(tags=["vectors"])


def vector_service(state: LoomState) -> VectorService:
    """The server's vector service (opened in the app's lifespan)."""
    if state.vectors is None:
        raise ConflictError("vector search is not running on this server")
    return state.vectors


def collection_dep(
    name: str, principal: CurrentPrincipal, session: SessionDep, state: StateDep
) -> AnyCollection:
    """The caller's open collection ``name``, or 404."""
    return vector_service(state).open(session, principal.workspace_id, name)


CollectionDep = Annotated[AnyCollection, Depends(collection_dep)]


@router.post("/collections", status_code=status.HTTP_201_CREATED)
def create_collection(
    body: CollectionCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    state: StateDep,
) -> CollectionPublic:
    """Create a collection; with ``index`` null Loom chooses one and says why."""
    return vector_service(state).create(session, principal.workspace_id, body)


@router.get("/collections")
def list_collections(
    principal: CurrentPrincipal, session: SessionDep, state: StateDep
) -> Page[CollectionPublic]:
    """The workspace's collections with their stats and last evaluation."""
    return vector_service(state).list(session, principal.workspace_id)


@router.get("/collections/{name}")
def get_collection(
    name: str,
    _collection: CollectionDep,
    principal: CurrentPrincipal,
    session: SessionDep,
    state: StateDep,
) -> CollectionPublic:
    """One collection: schema, index, stats (count, memory, rebuilding…)."""
    service = vector_service(state)
    return service.public(service.row(session, principal.workspace_id, name))


@router.delete("/collections/{name}", status_code=status.HTTP_204_NO_CONTENT)
def drop_collection(
    name: str,
    _collection: CollectionDep,
    principal: CurrentPrincipal,
    session: SessionDep,
    state: StateDep,
) -> None:
    """Delete the collection, its rows, index and write-ahead log."""
    vector_service(state).drop(session, principal.workspace_id, name)


@router.get("/vector-index-advice")
def index_advice(
    principal: CurrentPrincipal,
    rows: Annotated[int, Query(ge=1)],
    dim: Annotated[int, Query(ge=1, le=4096)],
    memory_budget_mb: Annotated[float | None, Query(gt=0)] = None,
    recall_target: Annotated[float, Query(gt=0, le=1)] = 0.95,
) -> IndexAdvicePublic:
    """Which index suits ``rows`` vectors of ``dim`` within a memory budget, and why."""
    return advise(rows, dim, memory_budget_mb, recall_target)


@router.post("/collections/{name}/rebuild", status_code=status.HTTP_202_ACCEPTED)
def rebuild_collection(
    collection: CollectionDep,
    principal: CurrentPrincipal,
    body: RebuildRequest | None = None,
) -> RebuildAccepted:
    """Rebuild the index (optionally with a new spec) in the background.

    Searches keep answering from the old index until the new one is swapped
    in; ``stats.rebuilding`` is true meanwhile.
    """
    collection.rebuild(to_index_spec(body.index) if body else None)
    return RebuildAccepted()


@router.post("/collections/{name}/train", status_code=status.HTTP_202_ACCEPTED)
def train_collection(
    collection: CollectionDep, principal: CurrentPrincipal
) -> RebuildAccepted:
    """Train an IVF/PQ index on a sample of the rows (a rebuild, in the background)."""
    collection.rebuild()
    return RebuildAccepted()


@router.post("/collections/{name}/evaluate", response_model=EvaluationReport)
def evaluate_collection(
    name: str,
    _collection: CollectionDep,
    principal: CurrentPrincipal,
    session: SessionDep,
    state: StateDep,
    body: EvaluateRequest | None = None,
) -> dict[str, Any]:
    """Recall@k against exact search, latency percentiles and QPS; kept as
    the collection's ``last_evaluation``."""
    return vector_service(state).evaluate(
        session, principal.workspace_id, name, body or EvaluateRequest()
    )


@router.post("/collections/{name}/fill", status_code=status.HTTP_202_ACCEPTED)
def fill_collection(
    collection: CollectionDep,
    body: FillRequest,
    principal: CurrentPrincipal,
    session: SessionDep,
    state: StateDep,
) -> JobPublic:
    """Fill the collection from a dataset version (a job): its vectors, or a
    text column embedded by an embedding model (task and dimension checked
    here, a 422 before anything is written)."""
    from loom.data import service as data_service

    data_service.get_version_row(
        session,
        workspace_id=principal.workspace_id,
        ref=body.dataset,
        version=body.dataset_version,
    )
    schema = collection.schema
    embedder = None
    if body.text_column is not None:
        embedder = vector_service(state).fill_embedder(
            session, principal.workspace_id, collection, body
        )
    params = {
        "collection": schema.name,
        "dim": schema.dim,
        "metric": schema.metric,
        **body.model_dump(),
        "embedder": embedder,
    }
    job = queue.enqueue(
        session,
        workspace_id=principal.workspace_id,
        job_type="vectors.fill",
        params=params,
    )
    if state.dispatcher is not None:
        state.dispatcher.wake()
    return job
