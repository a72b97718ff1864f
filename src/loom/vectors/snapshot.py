"""Atomic snapshots of a segment: data files first, the manifest last.

Each data file (Faiss index, its id map, raw vectors as ``.npy`` unless the
index holds them, as Flat and HNSW-Flat do, ids and fields as Arrow IPC) is
written to a temporary name, fsynced and renamed with ``os.replace``. Then
``manifest.json`` is replaced the same way; it names the files and the WAL
sequence number the snapshot covers, so it is the commit point: a crash
before it leaves the previous manifest and its files intact, and the WAL
replays on top. Files no manifest names are deleted afterwards.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.ipc as ipc

from loom.vectors.fields import (
    Column,
    NumericColumn,
    StringColumn,
    TagsColumn,
    Vocabulary,
    new_column,
)
from loom.vectors.idmap import IdMap
from loom.vectors.index import FaissIndex
from loom.vectors.schema import CollectionSchema, FieldType
from loom.vectors.segment import Segment
from loom.vectors.wal import fsync_dir

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


def write_atomic(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write ``path`` through a temp file, fsync, then rename over the target."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with tmp.open("wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def read_manifest(directory: Path) -> dict[str, Any] | None:
    """The committed manifest, or None for a collection never snapshotted."""
    path = directory / MANIFEST
    return orjson.loads(path.read_bytes()) if path.exists() else None


def write_snapshot(directory: Path, segment: Segment, wal_seq: int) -> dict[str, Any]:
    """Persist ``segment`` as covering WAL records up to ``wal_seq``.

    Returns:
        The manifest that was committed.
    """
    tag = f"{wal_seq:012d}-{uuid.uuid4().hex[:6]}"
    files = {
        "index": f"index-{tag}.faiss",
        "index_slots": f"index_slots-{tag}.npy",
        "rows": f"rows-{tag}.arrow",
    }
    if not segment.index_holds_vectors:  # Flat / HNSW-Flat: inside the index
        files["vectors"] = f"vectors-{tag}.npy"
    index_tmp = directory / f".{files['index']}.tmp"
    slots_tmp = directory / f".{files['index_slots']}.tmp"
    segment.index.save(index_tmp, slots_tmp)
    for tmp, final in ((index_tmp, files["index"]), (slots_tmp, files["index_slots"])):
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, directory / final)
    if "vectors" in files:
        write_atomic(
            directory / files["vectors"], lambda fh: np.save(fh, segment.vectors.view)
        )
    table = _rows_table(segment)

    def write_rows(fh: IO[bytes]) -> None:
        with ipc.new_file(fh, table.schema) as writer:
            writer.write_table(table)

    write_atomic(directory / files["rows"], write_rows)
    manifest = {
        "format": FORMAT_VERSION,
        "schema": segment.schema.model_dump(mode="json"),
        "wal_seq": wal_seq,
        "tombstones": segment.tombstones,
        "files": files,
    }

    def write_manifest(fh: IO[bytes]) -> None:
        fh.write(orjson.dumps(manifest))

    write_atomic(directory / MANIFEST, write_manifest)
    fsync_dir(directory)
    _remove_unreferenced(directory, set(files.values()))
    return manifest


def _remove_unreferenced(directory: Path, keep: set[str]) -> None:
    for path in directory.iterdir():
        stale_data = (
            path.suffix in {".faiss", ".npy", ".arrow"} and path.name not in keep
        )
        if stale_data or path.name.endswith(".tmp"):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def load_snapshot(directory: Path, manifest: dict[str, Any]) -> Segment:
    """Rebuild the segment a manifest describes."""
    schema = CollectionSchema.model_validate(manifest["schema"])
    files = manifest["files"]
    segment = Segment(schema)
    segment.index = FaissIndex.load(
        schema.dim,
        schema.metric,
        schema.index.factory,
        directory / files["index"],
        directory / files["index_slots"],
    )
    if not segment.index_holds_vectors:
        segment.vectors.extend(np.load(directory / files["vectors"]))
    with pa.memory_map(str(directory / files["rows"]), "r") as source:
        table = ipc.open_file(source).read_all()
    ids = table.column("_id").to_numpy().astype(np.int64)
    alive = table.column("_alive").to_numpy(zero_copy_only=False).astype(bool)
    segment.slot_ids.extend(ids)
    segment.alive.extend(alive)
    live = np.flatnonzero(alive)
    segment.id_map = IdMap.from_arrays(ids[live], live.astype(np.int64))
    for name, ftype in schema.field_types().items():
        segment.fields.columns[name] = _column_from_arrow(
            ftype, table.column(name).combine_chunks()
        )
    segment.tombstones = int(manifest["tombstones"])
    segment.bulk_rows = segment.count  # unknown history: treat as built
    return segment


def _rows_table(segment: Segment) -> pa.Table:
    arrays: dict[str, pa.Array] = {
        "_id": pa.array(segment.slot_ids.view, pa.int64()),
        "_alive": pa.array(segment.alive.view, pa.bool_()),
    }
    for name, column in segment.fields.columns.items():
        arrays[name] = _column_to_arrow(column)
    return pa.table(arrays)


def _dictionary(codes: np.ndarray, vocab: Vocabulary) -> pa.Array:
    indices = pa.array(codes, pa.int32(), mask=codes < 0)
    return pa.DictionaryArray.from_arrays(indices, pa.array(vocab.words, pa.string()))


def _column_to_arrow(column: Column) -> pa.Array:
    if isinstance(column, NumericColumn):
        return pa.array(column.values.view, mask=~column.valid.view)
    if isinstance(column, StringColumn):
        return _dictionary(column.codes.view, column.vocab)
    assert isinstance(column, TagsColumn)
    values = _dictionary(column.value_codes.view, column.vocab)
    offsets = pa.array(column.offsets.view.astype(np.int32), pa.int32())
    return pa.ListArray.from_arrays(offsets, values, mask=pa.array(~column.valid.view))


def _codes_and_vocab(array: pa.Array) -> tuple[np.ndarray, Vocabulary]:
    if not pa.types.is_dictionary(array.type):
        array = array.dictionary_encode()
    codes = array.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    return codes.astype(np.int32), Vocabulary(array.dictionary.to_pylist())


def _column_from_arrow(ftype: FieldType, array: pa.Array) -> Column:
    column = new_column(ftype)
    valid = array.is_valid().to_numpy(zero_copy_only=False).astype(bool)
    if isinstance(column, NumericColumn):
        values = array.fill_null(False if ftype == "bool" else 0)
        column.values.extend(values.to_numpy(zero_copy_only=False))
        column.valid.extend(valid)
    elif isinstance(column, StringColumn):
        codes, column.vocab = _codes_and_vocab(array)
        column.codes.extend(codes)
    else:
        assert isinstance(column, TagsColumn)
        offsets = array.offsets.to_numpy().astype(np.int64)
        codes, column.vocab = _codes_and_vocab(array.values)
        counts = np.diff(offsets)
        column.offsets.extend(offsets[1:])
        column.valid.extend(valid)
        column.value_codes.extend(codes)
        column.value_slots.extend(np.repeat(np.arange(len(counts)), counts))
    return column
