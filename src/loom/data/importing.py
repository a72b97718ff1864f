"""The dataset import engine: check a source, stream it to Parquet, profile it.

Everything streams: CSV/JSONL/Parquet through DuckDB (bounded by a memory limit,
spilling to the workdir), SQL through a server-side cursor, so a source larger
than memory still imports. The Parquet output is written deterministically and
its sha256 is the version id.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loom.core.errors import AccessOutsideRootsError, InvalidInputError
from loom.data import _csv, _remote, _sql
from loom.data._duck import (
    DEFAULT_MEMORY_LIMIT,
    connect,
    csv_buffer_size,
    first_line,
    literal,
)
from loom.data._parquet import remove_quietly, sha256_file, write_batches
from loom.data._parquet import write_frame_parquet as write_frame_parquet
from loom.data._profile import profile_parquet as profile_parquet
from loom.data._profile import profile_with
from loom.data._profile import sample_preview as sample_preview
from loom.data.schemas import (
    ColumnSchema,
    DataFormat,
    DatasetSource,
    FileSource,
    ImageFolderSource,
    SqlSource,
)

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

__all__ = [
    "ImportResult",
    "check_source",
    "import_source",
    "profile_parquet",
    "resolve_in_roots",
    "sample_preview",
    "write_frame_parquet",
]

_ARROW_BATCH_ROWS = 65_536
_GLOB_CHARS = frozenset("*?[]{}")


def resolve_in_roots(path: str | Path, roots: Sequence[Path]) -> Path:
    """The real path of ``path`` if it lies inside one of ``roots``.

    Symlinks and ``..`` are resolved first, so neither can lead outside. The
    containment check comes before the existence check so that probing paths
    outside the roots reveals nothing about them.

    Raises:
        AccessOutsideRootsError: the resolved path is outside every root.
        InvalidInputError: the path does not exist or is not a regular file.
    """
    resolved = Path(path).expanduser().resolve()
    real_roots = [Path(root).expanduser().resolve() for root in roots]
    if not any(resolved.is_relative_to(root) for root in real_roots):
        listed = ", ".join(str(r) for r in real_roots) or "(none configured)"
        raise AccessOutsideRootsError(
            f"path '{path}' is outside the configured data roots: {listed}",
            details={"path": str(path), "roots": [str(r) for r in real_roots]},
        )
    details = {"path": str(path)}
    if not resolved.exists():
        raise InvalidInputError(f"file not found: {path}", details=details)
    if not resolved.is_file():
        raise InvalidInputError(
            f"not a regular file: {path}", details={"path": str(path)}
        )
    if not os.access(resolved, os.R_OK):
        raise InvalidInputError(
            f"file is not readable: {path}", details={"path": str(path)}
        )
    return resolved


def check_source(source: DatasetSource, *, data_roots: Sequence[Path]) -> None:
    """Quickly confirm the source exists and can be read, without importing it.

    Raises:
        AccessOutsideRootsError: a file (or ``file://`` URL / SQLite database)
            outside the data roots.
        InvalidInputError: missing file, bad URL, failed login, unknown table…,
            with the underlying message shortened to one line.
    """
    resolve = partial(resolve_in_roots, roots=data_roots)
    if isinstance(source, FileSource):
        resolve(source.path)
        source.resolved_format()
    elif isinstance(source, SqlSource):
        _sql.check_sql(source, resolve)
    elif isinstance(source, ImageFolderSource):
        from loom.data.images import check_image_folder

        check_image_folder(source, resolve)
    else:
        source.resolved_format()
        _remote.check_url(source, resolve)


@dataclass
class ImportResult:
    """What an import produced: the Parquet file and what was learnt about it."""

    parquet_path: Path
    row_count: int
    columns: list[ColumnSchema]
    preview: list[dict[str, Any]]
    content_hash: str
    size_bytes: int


def import_source(
    source: DatasetSource,
    *,
    data_roots: Sequence[Path],
    workdir: Path,
    preview_rows: int = 50,
    seed: int = 0,
    log: Callable[[str], None] = lambda _m: None,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
) -> ImportResult:
    """Materialise ``source`` as ``workdir/data.parquet`` and profile it.

    Args:
        source: where the data is.
        data_roots: the only local directories files may be read from.
        workdir: scratch directory owned by this import; DuckDB spills here.
        preview_rows: how many rows to sample for the preview.
        seed: seed of the preview sample.
        log: receives short progress lines for the job log.
        memory_limit: DuckDB's memory limit (e.g. ``"1GB"``); beyond it,
            operators spill to ``workdir``.

    Raises:
        InvalidInputError: malformed data, naming the line and column; the
            workdir then holds no Parquet file.
        AccessOutsideRootsError: a path outside the data roots.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    out = workdir / "data.parquet"
    temp_dir = workdir / ".duckdb-tmp"
    resolve = partial(resolve_in_roots, roots=data_roots)
    con = connect(temp_dir, memory_limit)
    run = _Run(con, resolve, workdir, out, log, csv_buffer_size(memory_limit))
    try:
        rows = _materialise(run, source)
        log(f"wrote {rows} rows; profiling columns")
        row_count, columns = profile_with(con, out)
        preview = sample_preview(out, preview_rows, seed)
        content_hash = sha256_file(out)
    except BaseException:
        remove_quietly(out)
        raise
    finally:
        con.close()
        shutil.rmtree(temp_dir, ignore_errors=True)
    return ImportResult(
        parquet_path=out,
        row_count=row_count,
        columns=columns,
        preview=preview,
        content_hash=content_hash,
        size_bytes=out.stat().st_size,
    )


@dataclass(frozen=True)
class _Run:
    """What the steps of one import share."""

    con: duckdb.DuckDBPyConnection
    resolve: Callable[[str | Path], Path]
    workdir: Path
    out: Path
    log: Callable[[str], None]
    buffer_size: int


def _materialise(run: _Run, source: DatasetSource) -> int:
    if isinstance(source, SqlSource):
        run.log("streaming SQL query result")
        return _import_sql(source, run.resolve, run.workdir, run.out)
    if isinstance(source, FileSource):
        path = run.resolve(source.path)
        return _import_file(run, path, source.resolved_format(), source)
    if isinstance(source, ImageFolderSource):
        from loom.data.images import import_image_folder

        return import_image_folder(source, run.resolve, run.out, run.log)
    fmt = source.resolved_format()
    local = run.workdir / f"download.{fmt}"
    try:
        size = _remote.download(source, run.resolve, local)
        run.log(f"downloaded {size} bytes")
        return _import_file(run, local, fmt, FileSource(path=str(local)))
    finally:
        remove_quietly(local)


def _import_file(run: _Run, path: Path, fmt: DataFormat, options: FileSource) -> int:
    """Stream one local file through DuckDB into ``run.out``."""
    con, out, log = run.con, run.out, run.log
    safe = _glob_safe(path, run.workdir)
    try:
        if fmt == "csv":
            _csv.require_not_empty(path, "CSV")
            dialect = _csv.detect_dialect(
                con, safe, options.delimiter, options.header, run.buffer_size
            )
            log(f"reading CSV (delimiter {dialect.delimiter!r})")
            return _copy(
                con,
                dialect.read_sql(safe),
                out,
                lambda e: _csv.csv_error(e, safe, dialect),
            )
        if fmt == "jsonl":
            _csv.require_not_empty(path, "JSONL")
            log("reading JSONL")
            return _copy(
                con, _csv.jsonl_read_sql(safe), out, lambda e: _csv.jsonl_error(e, safe)
            )
        log("reading Parquet")
        query = f"SELECT * FROM read_parquet({literal(str(safe))})"
        return _copy(con, query, out, _parquet_error)
    finally:
        if safe != path:
            remove_quietly(safe)


def _parquet_error(exc: Exception) -> InvalidInputError:
    return InvalidInputError(f"Parquet error: {first_line(str(exc))}")


def _glob_safe(path: Path, workdir: Path) -> Path:
    """A path DuckDB will not glob-expand (it treats ``*?[]{}`` as patterns)."""
    if not _GLOB_CHARS.intersection(str(path)):
        return path
    link = workdir / ("source" + "".join(path.suffixes[-2:]))
    remove_quietly(link)
    link.symlink_to(path)
    return link


def _copy(
    con: duckdb.DuckDBPyConnection,
    query: str,
    out: Path,
    translate: Callable[[Exception], InvalidInputError],
) -> int:
    """Run ``query`` as a stream of Arrow batches into the deterministic writer."""
    import duckdb
    import pyarrow as pa

    try:
        reader = con.sql(query).to_arrow_reader(_ARROW_BATCH_ROWS)
        _check_unique(reader.schema.names)
        return write_batches(reader, reader.schema, out)
    except (duckdb.Error, pa.ArrowException, OSError) as exc:
        # Resource failures are not the user's data: let them surface as-is.
        if isinstance(exc, duckdb.OutOfMemoryException | duckdb.IOException):
            raise
        if isinstance(exc, OSError) and exc.errno is not None:
            raise
        raise translate(exc) from exc


def _check_unique(names: Sequence[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name.lower() in seen:
            raise InvalidInputError(
                f"column '{name}' appears twice; column names must be unique",
                details={"column": name},
            )
        seen.add(name.lower())


def _import_sql(
    source: SqlSource, resolve: Callable[[str | Path], Path], workdir: Path, out: Path
) -> int:
    """Spill batches to Arrow IPC files, then write them with one unified schema.

    Python drivers give values, not column types, and a first batch of NULLs
    (or ints followed by floats) would fix the wrong Parquet type. Spilling to
    disk keeps memory bounded while the schema is settled over all rows.
    """
    import pyarrow as pa

    spill = workdir / ".sql-spill"
    shutil.rmtree(spill, ignore_errors=True)
    spill.mkdir(parents=True)
    try:
        files: list[Path] = []
        schemas: list[pa.Schema] = []
        for batch in _sql.stream_sql(source, resolve):
            file = spill / f"{len(files):08d}.arrow"
            with pa.ipc.new_file(str(file), batch.schema) as writer:
                writer.write_batch(batch)
            files.append(file)
            schemas.append(batch.schema)
        schema = _sql.unify_schemas(schemas)
        return write_batches(_read_spilled(files, schema), schema, out)
    finally:
        shutil.rmtree(spill, ignore_errors=True)


def _read_spilled(files: list[Path], schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    import pyarrow as pa

    for file in files:
        with pa.memory_map(str(file)) as source:
            reader = pa.ipc.open_file(source)
            for index in range(reader.num_record_batches):
                yield _sql.cast_batch(reader.get_batch(index), schema)
