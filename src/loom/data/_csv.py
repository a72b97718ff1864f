"""CSV and JSONL reading through DuckDB, with errors that name the line and column.

DuckDB's sniffer is good at well-formed files but, given a malformed one, it
can silently fall back to a one-column reading or skip leading rows. So Loom
fixes what it can decide itself (no skipped rows, an explicit header flag,
RFC 4180 quoting) and, when DuckDB's error carries no line number, re-reads the
file with Python's ``csv`` module to find the first bad line.
"""

from __future__ import annotations

import contextlib
import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loom.core.errors import InvalidInputError
from loom.data._duck import first_line, literal

if TYPE_CHECKING:
    import duckdb

CANDIDATE_DELIMITERS = (",", ";", "\t", "|")
# A quoted field longer than this is taken to be an unterminated quote.
_MAX_FIELD_CHARS = 10 * 1024 * 1024
_LINE = re.compile(r"\bLine:? (\d+)", re.IGNORECASE)
_COLUMN = re.compile(r'converting column "(.+?)"')
_CONVERT = re.compile(r"Could not convert string \"(.*?)\" to '(\w+)'")
_JSON_LINE = re.compile(r"in line (\d+): (.+?)\.?\s*$", re.MULTILINE)


@dataclass(frozen=True)
class CsvDialect:
    """How to split a CSV file: decided once, then given to DuckDB explicitly."""

    delimiter: str
    quote: str = '"'
    escape: str = '"'
    header: bool = True
    buffer_size: int = 32 * 1024 * 1024

    def read_sql(self, path: Path) -> str:
        """A ``SELECT`` over the file; types are still sniffed by DuckDB."""
        return (
            f"SELECT * FROM read_csv({literal(str(path))},"
            f" delim={literal(self.delimiter)},"
            f" quote={literal(self.quote)}, escape={literal(self.escape)},"
            f" header={str(self.header).lower()}, skip=0, comment='',"
            " strict_mode=true, null_padding=false, ignore_errors=false,"
            f" buffer_size={self.buffer_size})"
        )


def require_not_empty(path: Path, kind: str) -> None:
    """Refuse a file with no bytes (or only whitespace) before DuckDB guesses at it."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    if not head.strip():
        raise InvalidInputError(
            f"{kind} error at line 1: the file is empty ({path.name})"
        )


def detect_dialect(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    delimiter: str | None,
    header: bool,
    buffer_size: int,
) -> CsvDialect:
    """The delimiter and quoting of ``path``; the header is checked for duplicates."""
    if delimiter is not None:
        dialect = CsvDialect(delimiter, header=header, buffer_size=buffer_size)
    else:
        dialect = _sniff(con, path, header, buffer_size) or CsvDialect(
            _guess_delimiter(path), header=header, buffer_size=buffer_size
        )
    if header:
        _check_header(path, dialect)
    return dialect


def _sniff(
    con: duckdb.DuckDBPyConnection, path: Path, header: bool, buffer_size: int
) -> CsvDialect | None:
    flag = str(header).lower()
    try:
        rows = con.execute(
            "SELECT Delimiter, Quote, Escape, Columns FROM sniff_csv("
            f"{literal(str(path))}, skip=0, header={flag}, comment='',"
            f" buffer_size={buffer_size})"
        ).fetchall()
    except Exception:  # a malformed sample: the caller falls back and diagnoses
        return None
    row = rows[0] if rows else None
    if row is None or len(row[3]) < 2 or row[0] not in CANDIDATE_DELIMITERS:
        return None  # a one-column reading usually means an inconsistent file
    quote = row[1] if row[1] and row[1] != "(empty)" else '"'
    escape = row[2] if row[2] and row[2] != "(empty)" else quote
    return CsvDialect(row[0], quote, escape, header, buffer_size)


def _guess_delimiter(path: Path) -> str:
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        first = handle.readline()
    counts = {d: first.count(d) for d in CANDIDATE_DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


@contextlib.contextmanager
def _reader(path: Path, dialect: CsvDialect) -> Iterator[Any]:
    old_limit = csv.field_size_limit()
    csv.field_size_limit(_MAX_FIELD_CHARS)
    try:
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            yield csv.reader(
                handle,
                delimiter=dialect.delimiter,
                quotechar=dialect.quote,
                doublequote=dialect.escape == dialect.quote,
                escapechar=None if dialect.escape == dialect.quote else dialect.escape,
                strict=True,
            )
    finally:
        csv.field_size_limit(old_limit)


def _check_header(path: Path, dialect: CsvDialect) -> None:
    with _reader(path, dialect) as reader:
        try:
            names: list[str] = next(reader, [])
        except csv.Error:
            return  # diagnosed with its line number when the data is read
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        # DuckDB column names are case-insensitive, so 'A' and 'a' clash too.
        key = name.strip().lower()
        if key and key in seen:
            raise InvalidInputError(
                f"CSV error at line 1, column '{name}': duplicate column name "
                f"(columns {seen[key]} and {position}); rename one of them",
                details={"line": 1, "column": name},
            )
        seen[key] = position


def find_csv_error(path: Path, dialect: CsvDialect) -> str | None:
    """The first structural problem in the file, or None if every row is sound.

    Only run after DuckDB has failed, so the slow Python pass costs nothing on
    the happy path.
    """
    expected: int | None = None
    with _reader(path, dialect) as reader:
        start = 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return None
            except csv.Error as exc:
                detail = (
                    "unterminated quoted field"
                    if "field" in str(exc) or "end of data" in str(exc)
                    else str(exc)
                )
                return f"CSV error at line {start}: {detail}"
            if row:
                expected = expected or len(row)
                if len(row) != expected:
                    return (
                        f"CSV error at line {start}: expected {expected} fields, "
                        f"found {len(row)}"
                    )
            start = reader.line_num + 1


def csv_error(exc: Exception, path: Path, dialect: CsvDialect) -> InvalidInputError:
    """Translate a DuckDB CSV failure into one line naming the line and column."""
    message = str(exc)
    line = _LINE.search(message)
    if line is None:
        found = find_csv_error(path, dialect)
        return InvalidInputError(found or f"CSV error: {first_line(message)}")
    number = int(line.group(1))
    column = _COLUMN.search(message)
    convert = _CONVERT.search(message)
    if column and convert:
        text = (
            f"CSV error at line {number}, column '{column.group(1)}': could not "
            f"convert '{convert.group(1)}' to {convert.group(2)}"
        )
        return InvalidInputError(
            text, details={"line": number, "column": column.group(1)}
        )
    counts = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
    if counts:
        detail = f"expected {counts.group(1)} fields, found {counts.group(2)}"
    elif "unterminated quote" in message:
        detail = "unterminated quoted field"
    else:
        detail = _duck_detail(message)
    return InvalidInputError(
        f"CSV error at line {number}: {detail}", details={"line": number}
    )


def _duck_detail(message: str) -> str:
    for text in message.splitlines()[1:]:
        if text.strip() and not text.startswith(("Original Line", "CSV Error")):
            return text.strip()
    return first_line(message)


def jsonl_read_sql(path: Path) -> str:
    """A ``SELECT`` over a newline-delimited JSON file (one object per line)."""
    return (
        f"SELECT * FROM read_json({literal(str(path))}, format='newline_delimited',"
        " records=true)"
    )


def jsonl_error(exc: Exception, path: Path) -> InvalidInputError:
    """Translate a DuckDB JSON failure into one line naming the line (and key)."""
    message = str(exc)
    match = _JSON_LINE.search(message)
    if match is None or "Malformed JSON" in message:
        # DuckDB counts lines of a record cut off at the end of the file
        # differently; a line-by-line parse is the ground truth for JSONL.
        found = find_jsonl_error(path)
        return InvalidInputError(found or f"JSONL error: {first_line(message)}")
    number, detail = int(match.group(1)), match.group(2)
    if detail.lower().startswith("unexpected"):
        detail = f"not valid JSON ({detail})"
    cast = re.search(r'Failed to cast value to (\w+): "?(.*?)"?$', detail)
    key = _key_holding(path, number, cast.group(2)) if cast else None
    if cast and key is not None:
        text = (
            f"JSONL error at line {number}, column '{key}': could not convert "
            f"'{cast.group(2)}' to {cast.group(1)}"
        )
        return InvalidInputError(text, details={"line": number, "column": key})
    text = f"JSONL error at line {number}: {detail}"
    return InvalidInputError(text, details={"line": number})


def _key_holding(path: Path, number: int, value: str) -> str | None:
    """The key of line ``number`` whose value prints as ``value`` (for messages)."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        for current, text in enumerate(handle, start=1):
            if current < number:
                continue
            with contextlib.suppress(ValueError, AttributeError):
                for key, item in json.loads(text).items():
                    if str(item) == value or json.dumps(item) == value:
                        return str(key)
            return None
    return None


def find_jsonl_error(path: Path) -> str | None:
    """The first line that is not a JSON object, or None."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                return f"JSONL error at line {number}: not valid JSON ({exc.msg})"
            if not isinstance(value, dict):
                got = type(value).__name__
                return (
                    f"JSONL error at line {number}: expected a JSON object, got {got}"
                )
    return None
