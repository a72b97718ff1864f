"""Rows of a vector collection: insert, upsert, delete, get, search, range search.

Insert/upsert and search accept JSON or a binary body (Arrow IPC stream for
rows, ``.npy`` for queries) chosen by ``Content-Type``; search answers an
Arrow IPC stream when the caller's ``Accept`` asks for one. Those handlers
read the raw body themselves, after ``collection_dep`` has resolved the
collection (404 first), and run the engine call in the thread pool so a large
batch never stalls the event loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from loom.api.deps import CurrentPrincipal, StateDep, authenticate_request, get_state
from loom.api.routes.vectors import CollectionDep, vector_service
from loom.core.errors import InvalidInputError, PermissionDeniedError
from loom.vectors.binary import (
    ARROW_STREAM,
    NPY,
    read_arrow_rows,
    read_npy,
    search_results_to_arrow,
)
from loom.vectors.schemas import (
    DeleteRequest,
    DeleteResult,
    GetRequest,
    GetResponse,
    RangeSearchRequest,
    RangeSearchResponse,
    SearchOptions,
    SearchRequest,
    SearchResponse,
    WriteRequest,
    WriteResult,
)

if TYPE_CHECKING:
    from loom.vectors.sharding import AnyCollection

router = APIRouter(tags=["vectors"])
# Search authenticates inside its handler (as predict does) and is included
# without router dependencies: each sync dependency is a thread-pool hop and the
# collection lookup a database query, ~1 ms together against a 0.05-0.3 ms search.
search_router = APIRouter(tags=["vectors"])
M = TypeVar("M", bound=BaseModel)


def _body_doc(model: type[BaseModel], binary: str, note: str) -> dict[str, Any]:
    """OpenAPI for a body read by hand: the JSON model or the binary format."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": model.model_json_schema()},
                binary: {
                    "schema": {"type": "string", "format": "binary"},
                    "example": note,
                },
            },
        }
    }


def _request_error(exc: ValidationError, where: str) -> RequestValidationError:
    """A model's errors as FastAPI's own 422 (``where``: "body" or "query")."""
    return RequestValidationError(
        [{**e, "loc": (where, *e["loc"])} for e in exc.errors()]
    )


def _parse(model: type[M], body: bytes) -> M:
    """Validate a JSON body; errors read like FastAPI's own (422, field named)."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise _request_error(exc, "body") from None


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _write(request: Request, collection: AnyCollection, *, replace: bool) -> Any:
    body = await request.body()
    ids: Any
    vectors: Any
    columns: Any
    if _content_type(request) == ARROW_STREAM:
        ids, vectors, fields = read_arrow_rows(body)
        columns = fields or None
    else:
        parsed = _parse(WriteRequest, body)
        ids, vectors, columns = parsed.ids, parsed.vectors, parsed.fields
    write = collection.upsert if replace else collection.insert
    written = await run_in_threadpool(write, ids, vectors, columns)
    return WriteResult(written=written, count=collection.count())


# Insert and upsert take the same body; build its OpenAPI schema once.
_WRITE_DOC = _body_doc(
    WriteRequest,
    ARROW_STREAM,
    "Arrow IPC stream: id int64, vector fixed_size_list<float32>[dim], fields",
)


@router.post(
    "/collections/{name}/insert",
    response_model=WriteResult,
    openapi_extra=_WRITE_DOC,
)
async def insert_rows(
    request: Request, collection: CollectionDep, principal: CurrentPrincipal
) -> Any:
    """Add rows; an id that already exists fails the whole call (409)."""
    return await _write(request, collection, replace=False)


@router.post(
    "/collections/{name}/upsert",
    response_model=WriteResult,
    openapi_extra=_WRITE_DOC,
)
async def upsert_rows(
    request: Request, collection: CollectionDep, principal: CurrentPrincipal
) -> Any:
    """Add rows or replace existing ones (vector and every field)."""
    return await _write(request, collection, replace=True)


@router.post("/collections/{name}/delete")
def delete_rows(
    collection: CollectionDep, body: DeleteRequest, principal: CurrentPrincipal
) -> DeleteResult:
    """Delete by ids (absent ids are ignored) or by a filter expression."""
    if body.ids is not None:
        deleted = collection.delete(body.ids)
    else:
        deleted = collection.delete_where(body.filter or "")
    return DeleteResult(deleted=deleted, count=collection.count())


@router.post("/collections/{name}/get")
def get_rows(
    collection: CollectionDep,
    body: GetRequest,
    principal: CurrentPrincipal,
    state: StateDep,
) -> GetResponse:
    """Rows by id in the order asked; absent ids are listed in ``missing``."""
    return vector_service(state).fetch(collection, body)


def _binary_options(request: Request) -> SearchOptions:
    """Search settings from the query string (binary bodies carry only vectors)."""
    params: dict[str, Any] = dict(request.query_params)
    fields = [
        f
        for value in request.query_params.getlist("fields")
        for f in value.split(",")
        if f
    ]
    params["fields"] = fields
    try:
        return SearchOptions.model_validate(params)
    except ValidationError as exc:
        raise _request_error(exc, "query") from None


def _resolve_cold(request: Request, name: str) -> AnyCollection:
    """Authenticate and find the collection through the database (thread pool)."""
    principal = authenticate_request(request)
    if principal.scope == "endpoint":
        raise PermissionDeniedError("this endpoint token can only call predict")
    state = get_state(request)
    with state.db.session() as session:
        return vector_service(state).open(session, principal.workspace_id, name)


def _resolve_warm(request: Request, name: str) -> AnyCollection | None:
    """The collection from memory when the caller's token is cached.

    A token older than the cache's TTL (but within ``max_stale_s``) is still
    served and re-checked in the background, as predict does, so a search
    never waits on the database once the token has been seen.
    """
    state = get_state(request)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or state.vectors is None:
        return None
    cached = state.principals.peek(token.strip())
    if cached is None or cached[0].scope == "endpoint":
        return None
    if not cached[1]:  # stale: serve it, re-check off the request (as predict)
        state.principals.refresh_in_background(token.strip(), state.db)
    return state.vectors.peek(cached[0].workspace_id, name)


def _is_quick(collection: Any, queries: Any, options: SearchOptions) -> bool:
    """Whether to search on the event loop instead of the thread pool.

    The hop to a pool thread and back, plus waking Faiss's OpenMP team there,
    cost more than a single ANN query itself on these 2 busy cores; a search
    the collection judges quick (well under 1 ms) runs inline. Anything else
    (batches, filters, exact scans, Flat) keeps the loop free. A collection
    without ``is_quick_search`` (e.g. sharded) always goes to the pool.
    """
    quick = getattr(collection, "is_quick_search", None)
    if quick is None or queries is None:  # text queries: the model runs first
        return False
    shape = getattr(queries, "shape", None)
    nq = (shape[0] if len(shape) == 2 else 1) if shape is not None else len(queries)
    if nq > 4:
        return False
    return bool(quick(nq, **options.tuning()))


@search_router.post(
    "/collections/{name}/search",
    response_model=SearchResponse,
    openapi_extra=_body_doc(SearchRequest, NPY, "(nq, dim) float32 .npy array"),
)
async def search(name: str, request: Request) -> Response:
    """Top-k neighbours per query, filtered; JSON or an Arrow IPC stream.

    Binary: send a ``.npy`` body (``application/x-npy``) with the options as
    query parameters (``?k=10&filter=…&fields=a,b``), and ``Accept:
    application/vnd.apache.arrow.stream`` for long-format results (query,
    rank, id, distance, fields).
    """
    collection = _resolve_warm(request, name)
    if collection is None:
        collection = await run_in_threadpool(_resolve_cold, request, name)
    body = await request.body()
    ids = None
    if _content_type(request) == NPY:
        queries: Any = read_npy(body)
        options: SearchOptions = _binary_options(request)
    else:
        parsed = _parse(SearchRequest, body)
        queries, ids, options = parsed.vectors, parsed.ids, parsed
    service = vector_service(get_state(request))
    result = None
    if ids is None and _is_quick(collection, queries, options):
        result, took_ms = service.search(collection, queries, options, wait=False)
    if result is None:  # not quick, or a write arrived since the check
        result, took_ms = await run_in_threadpool(
            service.search, collection, queries, options, ids
        )
    assert result is not None
    headers = {"X-Loom-Strategy": result.strategy, "X-Loom-Took-Ms": f"{took_ms:.3f}"}
    if ARROW_STREAM in request.headers.get("accept", ""):
        content = search_results_to_arrow(result.ids, result.distances, result.fields)
        return Response(content, media_type=ARROW_STREAM, headers=headers)
    payload = {
        "results": result.hits(),
        "strategy": result.strategy,
        "took_ms": took_ms,
    }
    return Response(
        orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY),
        media_type="application/json",
        headers=headers,
    )


@router.post("/collections/{name}/range-search")
def range_search(
    collection: CollectionDep,
    body: RangeSearchRequest,
    principal: CurrentPrincipal,
    state: StateDep,
) -> RangeSearchResponse:
    """Every row within ``radius`` of each query (squared L2 below it,
    inner product / cosine similarity above it)."""
    if not body.vectors:
        raise InvalidInputError("vectors must hold at least one query")
    return RangeSearchResponse(
        results=vector_service(state).range_search(collection, body)
    )
