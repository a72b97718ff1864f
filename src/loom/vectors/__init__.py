"""Vector search: Milvus-style collections on faiss-cpu, in process.

Key names: ``Collection`` (create/open, insert/upsert/delete, filtered top-k
and range search, train/rebuild in the background, snapshots), its
``CollectionSchema`` / ``FieldSpec`` / ``IndexSpec`` (Faiss factory strings),
``VectorManager`` (collections per workspace under one root), ``evaluate``
(recall@k against exact search, latency, memory) and ``suggest_index`` (which
spec, and why). Filters use a small safe language (``loom.vectors.filters``).
Durability: a write is fsynced to a CRC-framed WAL before it is acknowledged;
snapshots are atomic and the WAL replays on open.

Non-goals here: HTTP, the SDK and the CLI (they sit on these classes), DB
tables, embedding jobs and sharding across a Ray cluster. Importing this
package imports faiss; ``loom.vectors.schema`` alone does not.
"""

from loom.vectors.advisor import IndexAdvice, suggest_index
from loom.vectors.collection import Collection
from loom.vectors.evaluate import EvaluationReport, evaluate
from loom.vectors.filters import CompiledFilter, compile_filter
from loom.vectors.manager import VectorManager
from loom.vectors.results import GetResult, RangeResult, RebuildTask, SearchResult
from loom.vectors.schema import (
    CollectionSchema,
    CollectionStats,
    FieldSpec,
    IndexSpec,
)

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
