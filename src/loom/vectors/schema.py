"""What a collection is: name, dimension, metric, scalar fields and index spec.

Pydantic only (no faiss import), so the SDK and the REST layer can build and
validate schemas without the native library; whether the factory string
actually builds is checked by ``loom.vectors.index.check_index_spec`` when a
collection is created or rebuilt.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Metric = Literal["l2", "ip", "cosine"]
FieldType = Literal["int", "float", "string", "bool", "tags"]

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
MAX_SHARDS = 64
# Names the engine uses for its own columns in snapshots and results.
RESERVED_FIELD_NAMES = frozenset({"id", "distance", "vector", "_id", "_alive"})


class FieldSpec(BaseModel):
    """One scalar field stored next to each vector (Milvus calls them scalars).

    ``tags`` is a list of strings per row, queried with ``"sale" in tags``.
    Every field is nullable: a row that omits it stores null, and comparisons
    against null are false.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=NAME_PATTERN)
    type: FieldType

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value in RESERVED_FIELD_NAMES:
            raise ValueError(
                f"field name {value!r} is reserved; "
                f"avoid {sorted(RESERVED_FIELD_NAMES)}"
            )
        return value


class IndexSpec(BaseModel):
    """A Faiss ``index_factory`` string plus Loom's exact re-ranking switch.

    ``refine=True`` re-ranks ``refine_factor * k`` candidates from the index
    with exact distances on the stored float32 vectors. That is what Faiss's
    ``IndexRefineFlat`` does; Loom does it itself because the collection keeps
    the raw vectors anyway (for rebuilds and exact fallbacks), so wrapping the
    index would store them twice, and ``IndexRefineFlat`` in faiss 1.15 can
    neither remove ids nor take a filter in generic search parameters.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    factory: str = Field(default="Flat", min_length=1, max_length=200)
    refine: bool = False
    refine_factor: int = Field(default=4, ge=1, le=64)

    @field_validator("factory")
    @classmethod
    def _strip(cls, value: str) -> str:
        # Faiss rejects inner spaces ("IVF64, Flat"); normalise before storing.
        return value.replace(" ", "")


class CollectionSchema(BaseModel):
    """The definition of a collection; immutable except for its index spec.

    Metric ``cosine`` is stored as inner product over L2-normalised vectors:
    vectors are normalised on insert and queries on search, so distances are
    cosine similarities (higher is closer). ``l2`` distances are *squared*
    Euclidean distances (lower is closer), as Faiss returns them; ``ip`` is the
    raw inner product (higher is closer).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=NAME_PATTERN)
    dim: int = Field(ge=1, le=4096)
    metric: Metric = "l2"
    fields: tuple[FieldSpec, ...] = ()
    index: IndexSpec = IndexSpec()
    # 1 = one in-process ``Collection`` (never imports Ray); more = that many
    # Ray actors, rows routed by a hash of the id (``loom.vectors.sharding``).
    shards: int = Field(default=1, ge=1, le=MAX_SHARDS)

    @field_validator("index", mode="before")
    @classmethod
    def _index_from_string(cls, value: Any) -> Any:
        # Accept the bare factory string, the common case in JSON and the CLI.
        return IndexSpec(factory=value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _unique_fields(self) -> CollectionSchema:
        names = [f.name for f in self.fields]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate field names: {duplicates}")
        return self

    @property
    def higher_is_closer(self) -> bool:
        """Whether a larger distance value means a better match (ip, cosine)."""
        return self.metric != "l2"

    def field_types(self) -> dict[str, FieldType]:
        """Field name → type, in declaration order."""
        return {f.name: f.type for f in self.fields}

    def with_index(self, index: IndexSpec) -> CollectionSchema:
        """A copy of this schema with another index spec (used by rebuild)."""
        return self.model_copy(update={"index": index})


class CollectionStats(BaseModel):
    """A collection's size, index state and memory, for the API and the UI.

    ``memory_bytes`` splits into the index, the raw float32 vectors Loom keeps
    for exact search and rebuilds, the scalar fields and the id map.
    """

    name: str
    dim: int
    metric: Metric
    index: IndexSpec
    count: int
    slots: int
    tombstones: int
    is_trained: bool
    indexed: int
    nlist: int
    memory_bytes: dict[str, int]
    wal_bytes: int
    wal_seq: int
    snapshot_seq: int
    rebuilding: bool
    shards: int = 1
