"""The vector search service: collections per workspace, behind the REST API.

The engine (``Collection`` under a ``VectorManager``) owns rows, index and
durability on disk; the database row (``SqlVectorCollection``) owns the id,
the per-workspace unique name, the advice and the last evaluation. Every call
resolves the database row first, so another workspace's collection is a 404
before the engine is touched, and the manager is always given the caller's
workspace id, so one workspace can never open another's directory.
"""

from __future__ import annotations

import builtins
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loom.core.errors import ConflictError, InvalidInputError, NotFoundError
from loom.core.ids import new_id
from loom.core.pages import Page
from loom.storage.db import Database
from loom.vectors.advisor import suggest_index
from loom.vectors.collection import Collection
from loom.vectors.embedder import (
    check_dim,
    embed_texts,
    embedding_dim,
    read_embedder,
    resolve_embedder,
    write_embedder,
)
from loom.vectors.evaluate import evaluate
from loom.vectors.jobs import FillIngester, spool_dir
from loom.vectors.manager import VectorManager
from loom.vectors.orm import SqlVectorCollection
from loom.vectors.results import SearchResult
from loom.vectors.schema import CollectionSchema, IndexSpec
from loom.vectors.schemas import (
    AdvicePublic,
    CollectionCreate,
    CollectionPublic,
    EmbedderPublic,
    EvaluateRequest,
    FillRequest,
    GetItem,
    GetRequest,
    GetResponse,
    Hit,
    IndexAdvicePublic,
    IndexArg,
    RangeSearchRequest,
    SearchOptions,
)
from loom.vectors.sharding import AnyCollection

if TYPE_CHECKING:
    from loom.training.bundle_cache import BundleCache

MIB = 2**20


class VectorService:
    """The server's vector collections: the manager, the database and fill ingest.

    Args:
        root: where collections live (``$LOOM_HOME/vectors``).
        db: the metadata store.
        snapshot_interval_s: how often dirty collections are snapshotted.
    """

    def __init__(
        self,
        root: Path,
        db: Database,
        *,
        snapshot_interval_s: float = 60.0,
        bundles: BundleCache | None = None,
    ) -> None:
        self.db = db
        # (workspace id, name) of collections whose database row was seen: the
        # search hot path skips the database for them. Creates and drops go
        # through this object (one server process), so it cannot go stale.
        self._known: set[tuple[str, str]] = set()
        self.manager = VectorManager(root, snapshot_interval_s=snapshot_interval_s)
        # Embedding models for text fills and text queries: the server's one
        # model cache (None: this service cannot embed text).
        self._bundles = bundles
        self._embedders: dict[Path, EmbedderPublic | None] = {}
        self.ingester = FillIngester(self, spool_dir(root.parent))
        self.ingester.start()

    def close(self) -> None:
        """Stop ingesting, then snapshot and close every open collection."""
        self.ingester.stop()
        self.manager.close_all()

    # ------------------------------------------------------------ resolving
    def row(
        self, session: Session, workspace_id: str, name: str
    ) -> SqlVectorCollection:
        """The caller's collection row, or 404 (other workspaces look absent)."""
        row = session.scalar(
            select(SqlVectorCollection).where(
                SqlVectorCollection.workspace_id == workspace_id,
                SqlVectorCollection.name == name,
            )
        )
        if row is None:
            raise NotFoundError(f"no collection {name!r} in this workspace")
        return row

    def open(self, session: Session, workspace_id: str, name: str) -> AnyCollection:
        """The caller's open collection, or 404."""
        if (workspace_id, name) not in self._known:
            self.row(session, workspace_id, name)
            self._known.add((workspace_id, name))
        return self.manager.get(workspace_id, name)

    def peek(self, workspace_id: str, name: str) -> AnyCollection | None:
        """The open collection when known without the database, else None."""
        if (workspace_id, name) not in self._known:
            return None
        return self.manager.get(workspace_id, name)

    def public(self, row: SqlVectorCollection) -> CollectionPublic:
        """A row and its live collection's stats, as callers see them."""
        collection = self.manager.get(row.workspace_id, row.name)
        stats = collection.stats()
        schema = collection.schema
        return CollectionPublic(
            id=row.id,
            name=row.name,
            dim=schema.dim,
            metric=schema.metric,
            fields=list(schema.fields),
            index=stats.index,
            advice=AdvicePublic.model_validate(row.advice) if row.advice else None,
            stats=stats.model_dump(
                include={
                    "count",
                    "memory_bytes",
                    "is_trained",
                    "rebuilding",
                    "tombstones",
                    "wal_bytes",
                    "shards",
                }
            ),
            last_evaluation=row.last_evaluation,
            created_at=row.created_at,
            shards=schema.shards,
            embedder=self.embedder_of(collection),
        )

    # ----------------------------------------------------------- lifecycle
    def create(
        self, session: Session, workspace_id: str, request: CollectionCreate
    ) -> CollectionPublic:
        """Create a collection; with ``index`` null, Loom chooses and says why."""
        existing = session.scalar(
            select(SqlVectorCollection.id).where(
                SqlVectorCollection.workspace_id == workspace_id,
                SqlVectorCollection.name == request.name,
            )
        )
        if existing is not None:
            raise ConflictError(
                f"collection {request.name!r} already exists in this workspace"
            )
        advice = None
        index = to_index_spec(request.index)
        if index is None:
            chosen = advise(
                request.expected_rows or 10_000, request.dim, request.memory_budget_mb
            )
            index = chosen.index
            advice = AdvicePublic(index=chosen.index, reason=chosen.reason)
        schema = CollectionSchema(
            name=request.name,
            dim=request.dim,
            metric=request.metric,
            fields=tuple(request.fields),
            index=index,
            shards=request.shards,
        )
        row = SqlVectorCollection(
            id=new_id("vc"),
            workspace_id=workspace_id,
            name=request.name,
            advice=advice.model_dump(mode="json") if advice else None,
        )
        session.add(row)
        session.flush()  # the unique constraint decides a concurrent create
        self.manager.create(workspace_id, schema)
        return self.public(row)

    def list(self, session: Session, workspace_id: str) -> Page[CollectionPublic]:
        """The workspace's collections, by name."""
        rows = session.scalars(
            select(SqlVectorCollection)
            .where(SqlVectorCollection.workspace_id == workspace_id)
            .order_by(SqlVectorCollection.name)
        ).all()
        items = [self.public(r) for r in rows]
        return Page[CollectionPublic](items=items, total=len(items))

    def drop(self, session: Session, workspace_id: str, name: str) -> None:
        """Delete the collection's rows, index, WAL and database row."""
        row = self.row(session, workspace_id, name)
        session.delete(row)
        session.flush()
        self._known.discard((workspace_id, name))
        self._embedders.pop(self.manager.root / workspace_id / name, None)
        self.manager.drop(workspace_id, name)

    # --------------------------------------------------------------- reads
    def fetch(self, collection: AnyCollection, request: GetRequest) -> GetResponse:
        """Rows by id, with vectors when asked."""
        found = collection.get(
            request.ids, request.fields, include_vectors=request.include_vectors
        )
        vectors = found.vectors.tolist() if found.vectors is not None else None
        items = [
            GetItem(
                id=i,
                vector=vectors[n] if vectors is not None else None,
                fields={name: values[n] for name, values in found.fields.items()},
            )
            for n, i in enumerate(found.ids.tolist())
        ]
        return GetResponse(items=items, missing=found.missing)

    def search(
        self,
        collection: AnyCollection,
        queries: Any,
        options: SearchOptions,
        ids: builtins.list[int] | None = None,
        *,
        wait: bool = True,
    ) -> tuple[SearchResult | None, float]:
        """Top-k for vectors (or the stored vectors of ``ids``, or the embedded
        ``options.text`` of a ``SearchRequest``), and the ms taken.

        ``wait=False`` (the event loop's quick path) answers ``(None, ms)``
        instead of waiting when a write holds or awaits the collection.
        """
        start = time.perf_counter()
        if ids is not None:
            queries = stored_vectors(collection, ids)
        texts = getattr(options, "text", None)
        if texts is not None:
            queries = self.embed_queries(collection, texts)
        args = (queries, options.k)
        kwargs = {"fields": options.fields, **options.tuning()}
        # Only a plain collection has a non-waiting search (sharded ones never
        # run on the event loop: they have no is_quick_search).
        result: SearchResult | None
        if not wait and isinstance(collection, Collection):
            result = collection.search_now(*args, **kwargs)
        else:
            result = collection.search(*args, **kwargs)
        return result, (time.perf_counter() - start) * 1000

    def range_search(
        self, collection: AnyCollection, request: RangeSearchRequest
    ) -> builtins.list[builtins.list[Hit]]:
        """Hits within the radius of each query."""
        found = collection.range_search(
            request.vectors,
            request.radius,
            filter=request.filter,
            nprobe=request.nprobe,
            ef_search=request.ef_search,
            fields=request.fields,
        )
        return [
            [
                Hit(
                    id=i,
                    distance=d,
                    fields={n: v[j] for n, v in r.fields.items()},
                )
                for j, (i, d) in enumerate(
                    zip(r.ids.tolist(), r.distances.tolist(), strict=True)
                )
            ]
            for r in found
        ]

    def evaluate(
        self,
        session: Session,
        workspace_id: str,
        name: str,
        request: EvaluateRequest,
    ) -> dict[str, Any]:
        """Measure recall/latency and keep the report as ``last_evaluation``."""
        row = self.row(session, workspace_id, name)
        collection = self.manager.get(workspace_id, name)
        report = evaluate(
            collection,
            sample=request.sample,
            k=request.k,
            nprobe=request.nprobe,
            ef_search=request.ef_search,
            rerank=request.rerank,
        ).model_dump(mode="json")
        row.last_evaluation = report
        return report

    # ----------------------------------------------------------- embedders
    def embedder_of(self, collection: AnyCollection) -> EmbedderPublic | None:
        """The embedding model a collection was filled with (cached)."""
        directory = collection.directory
        if directory not in self._embedders:
            self._embedders[directory] = read_embedder(directory)
        return self._embedders[directory]

    def record_embedder(
        self, collection: AnyCollection, embedder: dict[str, Any]
    ) -> None:
        """Remember the model a fill used, so searches may send text."""
        public = EmbedderPublic.model_validate(embedder)
        write_embedder(collection.directory, public)
        self._embedders[collection.directory] = public

    def embed_queries(
        self, collection: AnyCollection, texts: builtins.list[str]
    ) -> Any:
        """Query vectors for ``texts`` from the collection's embedding model."""
        embedder = self.embedder_of(collection)
        if embedder is None:
            raise InvalidInputError(
                f"collection {collection.schema.name!r} has no embedding model; "
                "fill it from a text column with a model, or search with vectors"
            )
        if not texts:
            raise InvalidInputError("text must hold at least one query")
        return embed_texts(self._bundle(embedder.artifact_key), texts)

    def _bundle(self, artifact_key: str) -> Any:
        if self._bundles is None:
            raise ConflictError("this server cannot load models for vector search")
        return self._bundles.get(artifact_key)

    def fill_embedder(
        self,
        session: Session,
        workspace_id: str,
        collection: AnyCollection,
        request: FillRequest,
    ) -> dict[str, Any]:
        """The ``embedder`` job parameter of a fill from text, checked.

        Raises:
            InvalidInputError: not an embedding model, or its dimension is not
                the collection's (both named) — before anything is written.
        """
        assert request.text_column is not None
        embedder = resolve_embedder(
            session,
            workspace_id,
            model=request.model,
            model_version=request.model_version,
            run_id=request.run_id,
            text_field=request.text_column,
        )
        bundle = self._bundle(embedder["artifact_key"])
        embedder["dim"] = embedding_dim(bundle)
        check_dim(embedder, collection.schema.dim, collection.schema.name)
        return embedder


def to_index_spec(index: IndexArg) -> IndexSpec | None:
    """A factory string or an ``{factory, refine}`` object as an ``IndexSpec``."""
    if index is None or isinstance(index, IndexSpec):
        return index
    return IndexSpec(factory=index)


def advise(
    rows: int,
    dim: int,
    memory_budget_mb: float | None = None,
    recall_target: float = 0.95,
) -> IndexAdvicePublic:
    """Loom's index suggestion for ``rows`` vectors of ``dim`` within a budget."""
    budget = int(memory_budget_mb * MIB) if memory_budget_mb is not None else None
    advice = suggest_index(rows, dim, budget, recall_target)
    return IndexAdvicePublic.model_validate(advice.model_dump())


def stored_vectors(collection: AnyCollection, ids: list[int]) -> Any:
    """The stored vectors of ``ids`` (queries "more like this row")."""
    if not ids:
        raise InvalidInputError("ids must name at least one row")
    found = collection.get(ids, [], include_vectors=True)
    if found.missing:
        raise InvalidInputError(
            f"id {found.missing[0]} is not in collection {collection.schema.name!r}"
        )
    assert found.vectors is not None
    return found.vectors
