"""Import engine on local files: round trips, dialects, hashing, roots, bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sklearn import datasets

from loom.core.errors import AccessOutsideRootsError, InvalidInputError
from loom.data.importing import (
    check_source,
    import_source,
    profile_parquet,
    resolve_in_roots,
    sample_preview,
    write_frame_parquet,
)
from loom.data.schemas import FileSource


@pytest.fixture
def iris() -> pd.DataFrame:
    bunch = datasets.load_iris(as_frame=True)
    frame = bunch.frame.rename(
        columns=lambda c: c.replace(" (cm)", "").replace(" ", "_")
    )
    frame["species"] = [str(bunch.target_names[t]) for t in frame.pop("target")]
    return frame


@pytest.fixture
def wine() -> pd.DataFrame:
    frame = datasets.load_wine(as_frame=True).frame
    return frame.rename(columns=lambda c: c.replace("/", "_"))


def _import(path: Path, root: Path, **kwargs: Any):
    workdir = root / "work"
    return import_source(
        FileSource(path=str(path), **kwargs), data_roots=[root], workdir=workdir
    )


def _columns(result) -> dict[str, Any]:
    return {c.name: c for c in result.columns}


def test_import_csv_round_trips_iris_with_types_and_stats(
    tmp_path: Path, iris: pd.DataFrame
) -> None:
    path = tmp_path / "iris.csv"
    iris.to_csv(path, index=False)
    result = _import(path, tmp_path)
    assert result.row_count == 150
    assert result.parquet_path == tmp_path / "work" / "data.parquet"
    assert result.size_bytes == result.parquet_path.stat().st_size
    cols = _columns(result)
    assert list(cols) == list(iris.columns)
    assert cols["sepal_length"].logical_type == "float"
    assert cols["species"].logical_type == "string"
    assert cols["species"].physical_type == "string"
    stats = cols["sepal_length"].stats
    assert stats.min == pytest.approx(iris.sepal_length.min())
    assert stats.max == pytest.approx(iris.sepal_length.max())
    assert stats.mean == pytest.approx(iris.sepal_length.mean())
    assert stats.std == pytest.approx(iris.sepal_length.std())
    top = cols["species"].stats.top_values
    assert top == [
        {"value": v, "count": 50} for v in ("setosa", "versicolor", "virginica")
    ]
    assert all(c.null_count == 0 for c in result.columns)
    back = pd.read_parquet(result.parquet_path)
    pd.testing.assert_frame_equal(back, iris, check_dtype=False)


def test_import_parquet_keeps_nulls_and_integer_types(
    tmp_path: Path, wine: pd.DataFrame
) -> None:
    frame = wine.copy()
    frame.loc[::10, "alcohol"] = math.nan
    frame["when"] = pd.date_range("2024-01-01", periods=len(frame), freq="h")
    path = tmp_path / "wine.parquet"
    frame.to_parquet(path, index=False)
    result = _import(path, tmp_path)
    cols = _columns(result)
    assert result.row_count == 178
    assert cols["alcohol"].null_count == len(frame.loc[::10])
    assert cols["target"].logical_type == "integer"
    assert cols["target"].stats.distinct_count == 3
    assert cols["when"].logical_type == "datetime"
    assert cols["when"].stats.min == "2024-01-01T00:00:00"
    row = result.preview[0]
    assert isinstance(row["when"], str)
    json.dumps(result.preview, allow_nan=False)


def test_import_jsonl_round_trips_records(tmp_path: Path, iris: pd.DataFrame) -> None:
    path = tmp_path / "iris.jsonl"
    iris.to_json(path, orient="records", lines=True)
    result = _import(path, tmp_path)
    cols = _columns(result)
    assert result.row_count == 150
    assert cols["petal_width"].logical_type == "float"
    assert cols["species"].stats.distinct_count == 3


@pytest.mark.parametrize(
    ("delimiter", "suffix"), [(";", ".csv"), ("\t", ".tsv"), ("|", ".txt")]
)
def test_import_csv_detects_the_delimiter(
    tmp_path: Path, iris: pd.DataFrame, delimiter: str, suffix: str
) -> None:
    path = tmp_path / f"iris{suffix}"
    iris.to_csv(path, index=False, sep=delimiter)
    result = _import(path, tmp_path)
    assert [c.name for c in result.columns] == list(iris.columns)
    assert _columns(result)["petal_length"].logical_type == "float"


def test_import_csv_honours_explicit_delimiter_and_no_header(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("1;a\n2;b\n3;c\n")
    result = _import(path, tmp_path, delimiter=";", header=False)
    assert result.row_count == 3
    assert [c.logical_type for c in result.columns] == ["integer", "string"]


def test_import_same_data_twice_gives_the_same_hash(
    tmp_path: Path, wine: pd.DataFrame
) -> None:
    path = tmp_path / "wine.csv"
    wine.to_csv(path, index=False)
    first = _import(path, tmp_path)
    first_hash = first.content_hash
    first.parquet_path.rename(tmp_path / "first.parquet")
    second = import_source(
        FileSource(path=str(path)), data_roots=[tmp_path], workdir=tmp_path / "other"
    )
    assert second.content_hash == first_hash
    assert (tmp_path / "first.parquet").read_bytes() == second.parquet_path.read_bytes()
    wine.iloc[:-1].to_csv(path, index=False)
    assert _import(path, tmp_path).content_hash != first_hash


def test_preview_is_a_deterministic_sample_in_file_order(
    tmp_path: Path, wine: pd.DataFrame
) -> None:
    path = tmp_path / "wine.parquet"
    write_frame_parquet(wine.reset_index(names="row"), path)
    one = sample_preview(path, 20, seed=3)
    assert one == sample_preview(path, 20, seed=3)
    assert one != sample_preview(path, 20, seed=4)
    rows = [r["row"] for r in one]
    assert rows == sorted(rows) and len(set(rows)) == 20
    assert list(one[0]) == ["row", *wine.columns]
    assert len(sample_preview(path, 1000)) == len(wine)


def test_write_frame_parquet_is_deterministic_and_profiles(
    tmp_path: Path, iris: pd.DataFrame
) -> None:
    first = write_frame_parquet(iris, tmp_path / "a.parquet")
    assert first == write_frame_parquet(iris.copy(), tmp_path / "b.parquet")
    rows, columns = profile_parquet(tmp_path / "a.parquet")
    assert rows == 150 and [c.name for c in columns] == list(iris.columns)


def test_resolve_in_roots_rejects_paths_outside(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "secret.csv").write_text("a\n1\n")
    (root / "link.csv").symlink_to(tmp_path / "secret.csv")
    for path in ("/etc/passwd", root / ".." / "secret.csv", root / "link.csv"):
        with pytest.raises(
            AccessOutsideRootsError, match="outside the configured data roots"
        ):
            resolve_in_roots(path, [root])
    with pytest.raises(AccessOutsideRootsError, match="'/etc/passwd' is outside"):
        check_source(FileSource(path="/etc/passwd"), data_roots=[root])


def test_resolve_in_roots_reports_missing_files_and_accepts_inside(
    tmp_path: Path,
) -> None:
    with pytest.raises(InvalidInputError, match="file not found"):
        resolve_in_roots(tmp_path / "nope.csv", [tmp_path])
    (tmp_path / "ok.csv").write_text("a\n1\n")
    assert (
        resolve_in_roots(tmp_path / "sub" / ".." / "ok.csv", [tmp_path])
        == (tmp_path / "ok.csv").resolve()
    )


def test_file_source_rejects_unknown_extension_listing_supported(
    tmp_path: Path,
) -> None:
    (tmp_path / "data.xlsx").write_bytes(b"x")
    with pytest.raises(InvalidInputError, match=r"supported extensions: \.csv"):
        check_source(
            FileSource(path=str(tmp_path / "data.xlsx")), data_roots=[tmp_path]
        )


_ROWS = "\n".join(f"{i},{i * 1.5}" for i in range(25_000))
MALFORMED = {
    "too_many_fields": (
        "bad.csv",
        "id,price\n1,2\n3,4\n5,6,7\n8,9\n",
        r"line 4: expected 2 fields, found 3",
    ),
    "too_few_fields": (
        "bad.csv",
        "a,b,c\n1,2,3\n4,5\n",
        r"line 3: expected 3 fields, found 2",
    ),
    "late_non_numeric": (
        "bad.csv",
        f"id,price\n{_ROWS}\n25000,abc\n",
        r"line 25002, column 'price': could not convert 'abc' to DOUBLE",
    ),
    "late_too_many_fields": (
        "bad.csv",
        f"id,price\n{_ROWS}\n1,2,3\n",
        r"line 25002: expected 2 fields",
    ),
    "unterminated_quote": (
        "bad.csv",
        'a,b\n1,x\n2,"y\n3,z\n',
        r"line 3: unterminated quoted field",
    ),
    "empty_file": ("bad.csv", "", r"line 1: the file is empty"),
    "duplicate_columns": (
        "bad.csv",
        "a,b,a\n1,2,3\n",
        r"line 1, column 'a': duplicate column name",
    ),
    "jsonl_not_json": (
        "bad.jsonl",
        '{"a": 1}\n{"a": 2}\n{"a": 3,\n',
        r"JSONL error at line 3: not valid JSON",
    ),
    "jsonl_late_type": (
        "bad.jsonl",
        '{"a": 1}\n' * 25_000 + '{"a": "x"}\n',
        r"line 25001, column 'a': could not convert 'x'",
    ),
    "jsonl_empty": ("bad.jsonl", "\n\n", r"JSONL error at line 1: the file is empty"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_import_malformed_file_names_the_line_and_leaves_nothing(
    tmp_path: Path, case: str
) -> None:
    name, content, expected = MALFORMED[case]
    path = tmp_path / name
    path.write_text(content)
    workdir = tmp_path / "work"
    with pytest.raises(InvalidInputError, match=expected):
        import_source(
            FileSource(path=str(path)), data_roots=[tmp_path], workdir=workdir
        )
    assert list(workdir.rglob("*")) == []


def test_import_corrupt_parquet_fails_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 definitely not parquet")
    with pytest.raises(InvalidInputError, match="Parquet error"):
        _import(path, tmp_path)
    assert list((tmp_path / "work").rglob("*")) == []


def test_import_file_with_glob_characters_in_its_name(
    tmp_path: Path, iris: pd.DataFrame
) -> None:
    path = tmp_path / "iris [copy].csv"
    iris.to_csv(path, index=False)
    (tmp_path / "iris c.csv").write_text("x\n1\n")
    result = _import(path, tmp_path)
    assert result.row_count == 150
    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == ["data.parquet"]
