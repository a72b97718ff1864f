"""Wire models of the vector search REST API (what the SDK and the UI exchange).

Pydantic only, no faiss: the SDK imports these without the native library.
Field names follow the REST contract the UI is built against; change them only
together with the UI.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from loom.vectors.schema import (
    MAX_SHARDS,
    NAME_PATTERN,
    FieldSpec,
    IndexSpec,
    Metric,
)

IndexArg = str | IndexSpec | None
FieldsPayload = dict[str, list[Any]] | list[dict[str, Any]] | None


class _Strict(BaseModel):
    # Unknown keys are typos ("filters", "topk"): refuse them instead of ignoring.
    model_config = ConfigDict(extra="forbid")


class CollectionCreate(_Strict):
    """``POST /collections``: a schema, and either an index spec or a budget."""

    name: str = Field(pattern=NAME_PATTERN)
    dim: int = Field(ge=1, le=4096)
    metric: Metric = "l2"
    fields: list[FieldSpec] = Field(default_factory=list)
    index: IndexArg = None
    expected_rows: int | None = Field(default=None, ge=1)
    memory_budget_mb: float | None = Field(default=None, gt=0)
    # > 1: that many Ray actors (see loom.vectors.sharding); 1 never uses Ray.
    shards: int = Field(default=1, ge=1, le=MAX_SHARDS)


class AdvicePublic(BaseModel):
    """Why Loom chose the index (only when the caller left ``index`` null)."""

    index: IndexSpec
    reason: str


class IndexAdvicePublic(BaseModel):
    """``GET /vector-index-advice``: a spec, its size and where to start tuning."""

    index: IndexSpec
    reason: str
    estimated_index_bytes: int
    nprobe: int | None = None
    ef_search: int | None = None


class StatsPublic(BaseModel):
    """Size, memory and index state of a collection, as the UI shows it."""

    count: int
    memory_bytes: dict[str, int]
    is_trained: bool
    rebuilding: bool
    tombstones: int
    wal_bytes: int
    shards: int = 1


class EmbedderPublic(BaseModel):
    """The embedding model a collection was filled with (search accepts text).

    Recorded by a successful fill from a model; ``artifact_key`` is where the
    server loads the model from to embed text queries.
    """

    model: str | None = None
    version: int | None = None
    run_id: str
    text_field: str
    dim: int
    artifact_key: str


class CollectionPublic(BaseModel):
    """A collection as callers see it."""

    id: str
    name: str
    dim: int
    metric: Metric
    fields: list[FieldSpec]
    index: IndexSpec
    advice: AdvicePublic | None = None
    stats: StatsPublic
    last_evaluation: dict[str, Any] | None = None
    created_at: datetime
    shards: int = 1
    embedder: EmbedderPublic | None = None


class WriteRequest(_Strict):
    """JSON body of insert / upsert: ids, vectors and optional scalar fields."""

    ids: list[int]
    vectors: list[list[float]]
    fields: FieldsPayload = None


class WriteResult(BaseModel):
    """How many rows were written, and the collection's count afterwards."""

    written: int
    count: int


class DeleteRequest(_Strict):
    """Delete by ids or by a filter expression (exactly one of them)."""

    ids: list[int] | None = None
    filter: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> DeleteRequest:
        if (self.ids is None) == (self.filter is None):
            raise ValueError("give exactly one of 'ids' and 'filter'")
        return self


class DeleteResult(BaseModel):
    """How many rows died, and the count afterwards."""

    deleted: int
    count: int


class GetRequest(_Strict):
    """Rows by id; ``fields`` null returns every field."""

    ids: list[int]
    fields: list[str] | None = None
    include_vectors: bool = False


class GetItem(BaseModel):
    """One stored row."""

    id: int
    vector: list[float] | None = None
    fields: dict[str, Any]


class GetResponse(BaseModel):
    """Rows found, in the order asked, and the ids that are absent."""

    items: list[GetItem]
    missing: list[int]


class SearchOptions(_Strict):
    """Settings shared by JSON and binary searches (binary: query parameters)."""

    k: int = Field(default=10, ge=1, le=16_384)
    filter: str | None = None
    nprobe: int | None = Field(default=None, ge=1)
    ef_search: int | None = Field(default=None, ge=1)
    rerank: int | None = Field(default=None, ge=1, le=16_384)
    fields: list[str] = Field(default_factory=list)
    exact: bool = False

    def tuning(self) -> dict[str, Any]:
        """How to search (not ``k`` nor ``fields``): the keyword arguments
        ``Collection.search`` and ``Collection.is_quick_search`` share."""
        return {
            "filter": self.filter,
            "nprobe": self.nprobe,
            "ef_search": self.ef_search,
            "rerank": self.rerank,
            "exact": self.exact,
        }


class SearchRequest(SearchOptions):
    """Query vectors, ids whose stored vectors are the queries, or texts.

    ``text`` works on a collection filled from an embedding model: the server
    embeds each text with that model (see ``CollectionPublic.embedder``).
    """

    vectors: list[list[float]] | None = None
    ids: list[int] | None = None
    text: list[str] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> SearchRequest:
        given = [self.vectors, self.ids, self.text]
        if sum(v is not None for v in given) != 1:
            raise ValueError("give exactly one of 'vectors', 'ids' and 'text'")
        return self


class Hit(BaseModel):
    """One neighbour: its id, distance (see the metric) and requested fields."""

    id: int
    distance: float
    fields: dict[str, Any] = Field(default_factory=dict)


class SearchResponse(BaseModel):
    """Hits per query, best first; ``strategy`` says index or exact scan."""

    results: list[list[Hit]]
    strategy: str
    took_ms: float


class RangeSearchRequest(_Strict):
    """Every row within ``radius`` (squared L2 below, similarity above)."""

    vectors: list[list[float]]
    radius: float
    filter: str | None = None
    fields: list[str] = Field(default_factory=list)
    nprobe: int | None = Field(default=None, ge=1)
    ef_search: int | None = Field(default=None, ge=1)


class RangeSearchResponse(BaseModel):
    """Hits per query, best first."""

    results: list[list[Hit]]


class RebuildRequest(_Strict):
    """Rebuild with the current spec (null) or a new one."""

    index: IndexArg = None


class RebuildAccepted(BaseModel):
    """The rebuild started; ``stats.rebuilding`` turns false when it is done."""

    rebuilding: bool = True


class EvaluateRequest(_Strict):
    """Recall@k of the index against exact search on ``sample`` stored rows."""

    sample: int = Field(default=100, ge=1, le=10_000)
    k: int = Field(default=10, ge=1, le=1_000)
    nprobe: int | None = Field(default=None, ge=1)
    ef_search: int | None = Field(default=None, ge=1)
    rerank: int | None = Field(default=None, ge=1)


class FillRequest(_Strict):
    """Fill a collection from a dataset version: its vectors, or its texts
    embedded by a model.

    Vectors come from ``vector_column`` (a list column), ``vector_columns``
    (numeric columns), or ``text_column`` embedded by an embedding-task model:
    a registered ``model`` (``model_version`` null: the latest) or a ``run_id``.
    """

    dataset: str
    dataset_version: int | None = Field(default=None, ge=1)
    id_column: str
    vector_column: str | None = None
    vector_columns: list[str] | None = None
    field_columns: list[str] = Field(default_factory=list)
    mode: Literal["upsert", "insert"] = "upsert"
    text_column: str | None = None
    model: str | None = None
    model_version: int | None = Field(default=None, ge=1)
    run_id: str | None = None

    @model_validator(mode="after")
    def _one_vector_source(self) -> FillRequest:
        sources = [self.vector_column, self.vector_columns, self.text_column]
        if sum(s is not None for s in sources) != 1:
            raise ValueError(
                "give exactly one of 'vector_column', 'vector_columns' and "
                "'text_column'"
            )
        if self.vector_columns is not None and not self.vector_columns:
            raise ValueError("vector_columns must name at least one column")
        has_model = self.model is not None or self.run_id is not None
        if self.text_column is not None and (self.model is None) == (
            self.run_id is None
        ):
            raise ValueError("text_column needs exactly one of 'model' and 'run_id'")
        if self.text_column is None and has_model:
            raise ValueError("'model' and 'run_id' go with 'text_column'")
        return self
