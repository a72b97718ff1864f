"""Wire schemas for dataset sources and column profiles (pydantic + stdlib only)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, Field

from loom.core.errors import InvalidInputError

DataFormat = Literal["csv", "parquet", "jsonl"]

# Extension → format; compression suffixes are stripped first because DuckDB
# reads gzip/zstd-compressed text transparently.
FORMAT_BY_EXTENSION: dict[str, DataFormat] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}
_COMPRESSION_SUFFIXES = (".gz", ".zst")


def infer_format(name: str, declared: DataFormat | None = None) -> DataFormat:
    """The format of a file: the declared one, else the one its extension implies.

    Args:
        name: a file name, path or URL (only its final suffix matters).
        declared: the format the user named, which always wins.

    Raises:
        InvalidInputError: the extension is not one Loom can import.
    """
    if declared is not None:
        return declared
    lowered = urlsplit(name).path.lower() if "://" in name else name.lower()
    for suffix in _COMPRESSION_SUFFIXES:
        lowered = lowered.removesuffix(suffix)
    for extension, fmt in FORMAT_BY_EXTENSION.items():
        if lowered.endswith(extension):
            return fmt
    supported = ", ".join(FORMAT_BY_EXTENSION)
    raise InvalidInputError(
        f"cannot tell the format of '{name}' from its extension; supported "
        f"extensions: {supported} (or set format to csv, parquet or jsonl)",
        details={"value": name, "choices": list(FORMAT_BY_EXTENSION)},
    )


class FileSource(BaseModel):
    """A file inside the configured data roots."""

    kind: Literal["file"] = "file"
    path: str
    format: DataFormat | None = None
    delimiter: str | None = Field(default=None, min_length=1, max_length=1)
    header: bool = True

    def resolved_format(self) -> DataFormat:
        """The declared format, else the one the extension implies."""
        return infer_format(self.path, self.format)


class SqlSource(BaseModel):
    """The result of a read-only query against a SQLAlchemy-reachable database."""

    kind: Literal["sql"] = "sql"
    url: str
    query: str = Field(min_length=1)

    def redacted(self) -> SqlSource:
        """A copy whose URL shows ``***`` instead of the password (safe to store)."""
        return self.model_copy(update={"url": redact_url(self.url)})


class UrlSource(BaseModel):
    """A file behind any fsspec URL (``s3://``, ``memory://``, ``file://`` …)."""

    kind: Literal["url"] = "url"
    url: str
    format: DataFormat | None = None
    storage_options: dict[str, Any] = Field(default_factory=dict)

    def resolved_format(self) -> DataFormat:
        """The declared format, else the one the URL's extension implies."""
        return infer_format(self.url, self.format)

    def redacted(self) -> UrlSource:
        """A copy with the URL password and every storage option value masked."""
        return self.model_copy(
            update={
                "url": redact_url(self.url),
                "storage_options": dict.fromkeys(self.storage_options, "***"),
            }
        )


class ImageFolderSource(BaseModel):
    """A folder of labelled images, ``<path>/<label>/<file>.png``, in the data roots.

    Each image becomes a row of pixel columns (the layout ``cnn_classifier``
    reads) plus ``label`` and ``path``.
    """

    kind: Literal["image_folder"] = "image_folder"
    path: str
    size: str | None = Field(
        default=None,
        pattern=r"^[1-9][0-9]{0,3}x[1-9][0-9]{0,3}$",
        description="HEIGHTxWIDTH to resize to; default: the first image's size.",
    )
    mode: Literal["L", "RGB"] = "L"


DatasetSource = Annotated[
    FileSource | SqlSource | UrlSource | ImageFolderSource,
    Field(discriminator="kind"),
]


def redact_url(url: str) -> str:
    """``url`` with the password of its ``user:password@`` part replaced by ``***``.

    Done with ``urlsplit`` rather than SQLAlchemy's ``make_url`` so the SDK, which
    imports this module, does not need SQLAlchemy.
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


JsonScalar = str | int | float | bool | None


class ColumnStats(BaseModel):
    """Summary statistics of one column; fields that do not apply are None."""

    min: JsonScalar = None
    max: JsonScalar = None
    mean: float | None = None
    std: float | None = None
    distinct_count: int | None = None
    top_values: list[dict[str, Any]] | None = None


class ColumnSchema(BaseModel):
    """One column of a dataset version: name, types, nulls and statistics."""

    name: str
    logical_type: Literal[
        "integer", "float", "boolean", "string", "datetime", "date", "other"
    ]
    physical_type: str
    null_count: int
    stats: ColumnStats = Field(default_factory=ColumnStats)
