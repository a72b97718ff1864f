"""Vector search: Milvus-style collections on faiss-cpu, in process.

Key names: ``Collection`` (create/open, insert/upsert/delete, filtered top-k
and range search, train/rebuild in the background, snapshots), its
``CollectionSchema`` / ``FieldSpec`` / ``IndexSpec`` (Faiss factory strings),
``VectorManager`` (collections per workspace under one root), ``evaluate``
(recall@k against exact search, latency, memory) and ``suggest_index`` (which
spec, and why). Filters use a small safe language (``loom.vectors.filters``).
Durability: a write is fsynced to a CRC-framed WAL before it is acknowledged;
snapshots are atomic and the WAL replays on open.

Beside the engine: ``ShardedCollection`` (``sharding.py``) spreads one
collection over Ray actors with the same methods, and ``embedder.py`` fills a
collection from an embedding model and embeds text queries; the service layer
(``service.py``) ties collections to workspaces, the database and jobs.
HTTP, the SDK and the CLI sit on these classes. Importing this package's
names imports faiss on first use; ``loom.vectors.schema`` and
``loom.vectors.orm`` never do, and nothing imports Ray unless a collection
has more than one shard.
"""

from importlib import import_module
from typing import Any

# Names resolve on first use (PEP 562): the database layer imports
# ``loom.vectors.orm`` in every process (server, workers, CLI), and that must
# not load faiss just to describe a table.
_EXPORTS = {
    "IndexAdvice": "loom.vectors.advisor",
    "suggest_index": "loom.vectors.advisor",
    "Collection": "loom.vectors.collection",
    "EvaluationReport": "loom.vectors.evaluate",
    "evaluate": "loom.vectors.evaluate",
    "CompiledFilter": "loom.vectors.filters",
    "compile_filter": "loom.vectors.filters",
    "VectorManager": "loom.vectors.manager",
    "GetResult": "loom.vectors.results",
    "RangeResult": "loom.vectors.results",
    "RebuildTask": "loom.vectors.results",
    "SearchResult": "loom.vectors.results",
    "CollectionSchema": "loom.vectors.schema",
    "CollectionStats": "loom.vectors.schema",
    "FieldSpec": "loom.vectors.schema",
    "IndexSpec": "loom.vectors.schema",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'loom.vectors' has no attribute {name!r}")


__all__ = [
    "Collection",
    "CollectionSchema",
    "CollectionStats",
    "CompiledFilter",
    "EvaluationReport",
    "FieldSpec",
    "GetResult",
    "IndexAdvice",
    "IndexSpec",
    "RangeResult",
    "RebuildTask",
    "SearchResult",
    "VectorManager",
    "compile_filter",
    "evaluate",
    "suggest_index",
]
