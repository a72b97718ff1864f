"""Import engine on SQL, fsspec and S3 sources, plus a larger-than-memory file."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import datasets

from loom.core.errors import AccessOutsideRootsError, InvalidInputError
from loom.data.importing import check_source, import_source
from loom.data.jobs import redact_source
from loom.data.schemas import FileSource, SqlSource, UrlSource


@pytest.fixture
def diabetes() -> pd.DataFrame:
    return datasets.load_diabetes(as_frame=True, scaled=False).frame


@pytest.fixture
def sqlite_url(tmp_path: Path, diabetes: pd.DataFrame) -> str:
    path = tmp_path / "warehouse.db"
    with sqlite3.connect(path) as conn:
        diabetes.to_sql("patients", conn, index=False)
        conn.execute("CREATE TABLE mixed (v)")
        conn.executemany(
            "INSERT INTO mixed VALUES (?)", [(None,), (1,), (2.5,), ("x",)]
        )
    return f"sqlite:///{path}"


def test_sql_source_imports_a_sqlite_query(
    tmp_path: Path, sqlite_url: str, diabetes: pd.DataFrame
) -> None:
    source = SqlSource(url=sqlite_url, query="SELECT * FROM patients WHERE age > 30;")
    check_source(source, data_roots=[tmp_path])
    result = import_source(source, data_roots=[tmp_path], workdir=tmp_path / "work")
    assert result.row_count == int((diabetes.age > 30).sum())
    cols = {c.name: c for c in result.columns}
    assert list(cols) == list(diabetes.columns)
    assert cols["target"].logical_type == "float"
    assert cols["target"].stats.mean == pytest.approx(
        diabetes.target[diabetes.age > 30].mean()
    )


def test_sql_source_mixed_types_become_strings_and_no_rows_keeps_columns(
    tmp_path: Path, sqlite_url: str
) -> None:
    mixed = import_source(
        SqlSource(url=sqlite_url, query="SELECT v FROM mixed"),
        data_roots=[tmp_path],
        workdir=tmp_path / "a",
    )
    assert (
        mixed.columns[0].logical_type == "string" and mixed.columns[0].null_count == 1
    )
    empty = import_source(
        SqlSource(url=sqlite_url, query="SELECT age, sex FROM patients WHERE 0"),
        data_roots=[tmp_path],
        workdir=tmp_path / "b",
    )
    assert empty.row_count == 0 and [c.name for c in empty.columns] == ["age", "sex"]


def test_sql_source_errors_are_one_line(tmp_path: Path, sqlite_url: str) -> None:
    with pytest.raises(InvalidInputError, match="no such table: nope") as info:
        check_source(
            SqlSource(url=sqlite_url, query="SELECT * FROM nope"), data_roots=[tmp_path]
        )
    assert "\n" not in info.value.message
    with pytest.raises(InvalidInputError, match="invalid SQL url"):
        check_source(
            SqlSource(url="nosuchdb://x/y", query="SELECT 1"), data_roots=[tmp_path]
        )
    with pytest.raises(InvalidInputError, match="syntax error"):
        check_source(
            SqlSource(url=sqlite_url, query="DROP TABLE patients"),
            data_roots=[tmp_path],
        )


def test_sql_source_sqlite_file_must_be_inside_roots(
    tmp_path: Path, sqlite_url: str
) -> None:
    elsewhere = tmp_path / "roots"
    elsewhere.mkdir()
    with pytest.raises(AccessOutsideRootsError):
        check_source(
            SqlSource(url=sqlite_url, query="SELECT 1"), data_roots=[elsewhere]
        )
    with pytest.raises(InvalidInputError, match="file not found"):
        check_source(
            SqlSource(url=f"sqlite:///{elsewhere}/missing.db", query="SELECT 1"),
            data_roots=[elsewhere],
        )
    assert not (elsewhere / "missing.db").exists()


def test_sql_source_redacted_hides_the_password() -> None:
    source = SqlSource(
        url="postgresql+psycopg://ann:s3cret@db:5432/x", query="SELECT 1"
    )
    assert source.redacted().url == "postgresql+psycopg://ann:***@db:5432/x"
    assert source.url.endswith("s3cret@db:5432/x")
    assert (
        "s3cret"
        not in UrlSource(url="s3://b/k.csv", storage_options={"secret": "s3cret"})
        .redacted()
        .model_dump_json()
    )


def test_redact_source_masks_url_passwords_and_storage_options() -> None:
    stored = redact_source(
        UrlSource(url="https://ann:s3cret@host/k.csv", storage_options={"key": "AKIA"})
    )
    assert stored["url"] == "https://ann:***@host/k.csv"
    assert stored["storage_options"] == {"key": "***"}
    assert redact_source(FileSource(path="a.csv"))["path"] == "a.csv"


@pytest.fixture
def memory_csv(diabetes: pd.DataFrame) -> Iterator[str]:
    import fsspec

    fs = fsspec.filesystem("memory")
    url = "memory://loom-tests/diabetes.csv"
    with fs.open(url, "w") as handle:
        diabetes.to_csv(handle, index=False)
    yield url
    fs.rm(url)


def test_url_source_imports_from_memory_filesystem(
    tmp_path: Path, memory_csv: str, diabetes: pd.DataFrame
) -> None:
    source = UrlSource(url=memory_csv)
    check_source(source, data_roots=[])
    result = import_source(source, data_roots=[], workdir=tmp_path / "work")
    assert result.row_count == len(diabetes)
    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == ["data.parquet"]
    with pytest.raises(InvalidInputError, match="file not found"):
        check_source(UrlSource(url="memory://loom-tests/none.csv"), data_roots=[])


def test_url_source_file_urls_obey_the_data_roots(
    tmp_path: Path, diabetes: pd.DataFrame
) -> None:
    diabetes.to_csv(tmp_path / "d.csv", index=False)
    inside = UrlSource(url=f"file://{tmp_path}/d.csv")
    assert (
        import_source(inside, data_roots=[tmp_path], workdir=tmp_path / "w").row_count
        == 442
    )
    with pytest.raises(AccessOutsideRootsError):
        check_source(
            UrlSource(url="file:///etc/passwd", format="csv"), data_roots=[tmp_path]
        )
    with pytest.raises(InvalidInputError, match="chained"):
        check_source(
            UrlSource(url="simplecache::file:///etc/hosts", format="csv"),
            data_roots=[tmp_path],
        )


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    pytest.importorskip("s3fs")
    server_module = pytest.importorskip("moto.server")
    server = server_module.ThreadedMotoServer(
        ip_address="127.0.0.1", port=0, verbose=False
    )
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def test_url_source_imports_from_s3_on_a_loopback_moto_server(
    tmp_path: Path,
    s3_endpoint: str,
    diabetes: pd.DataFrame,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import s3fs

    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    options = {
        "key": "testing",
        "secret": "testing",
        "client_kwargs": {"endpoint_url": s3_endpoint},
    }
    fs = s3fs.S3FileSystem(**options, skip_instance_cache=True)
    fs.mkdir("loom-bucket")
    with fs.open("loom-bucket/diabetes.parquet", "wb") as handle:
        diabetes.to_parquet(handle, index=False)
    source = UrlSource(url="s3://loom-bucket/diabetes.parquet", storage_options=options)
    check_source(source, data_roots=[])
    result = import_source(source, data_roots=[], workdir=tmp_path / "work")
    assert result.row_count == len(diabetes)
    missing = UrlSource(url="s3://loom-bucket/nope.csv", storage_options=options)
    with pytest.raises(InvalidInputError, match="file not found"):
        check_source(missing, data_roots=[])


@pytest.mark.postgres
def test_sql_source_imports_from_postgres(
    tmp_path: Path, fresh_postgres_db: str, diabetes: pd.DataFrame
) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(fresh_postgres_db)
    frame = diabetes.assign(label=np.where(diabetes.target > 140, "high", "low"))
    frame["seen_at"] = pd.Timestamp("2024-05-01", tz="UTC")
    frame.to_sql("patients", engine, index=False)
    engine.dispose()
    source = SqlSource(
        url=fresh_postgres_db, query="SELECT * FROM patients ORDER BY age"
    )
    check_source(source, data_roots=[])
    result = import_source(source, data_roots=[], workdir=tmp_path / "work")
    cols = {c.name: c for c in result.columns}
    assert result.row_count == len(frame)
    assert cols["label"].logical_type == "string"
    assert cols["seen_at"].logical_type == "datetime"
    with pytest.raises(InvalidInputError, match='relation "nope" does not exist'):
        check_source(
            SqlSource(url=fresh_postgres_db, query="SELECT * FROM nope"), data_roots=[]
        )
    bad_login = fresh_postgres_db.replace("postgres@", "nobody:pw@")
    with pytest.raises(InvalidInputError, match=r"nobody:\*\*\*@") as info:
        check_source(SqlSource(url=bad_login, query="SELECT 1"), data_roots=[])
    assert "pw@" not in info.value.message


@pytest.mark.slow
def test_import_csv_larger_than_the_duckdb_memory_limit(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    n = 1_150_000
    frame = pd.DataFrame(
        {
            "id": np.arange(n),
            "x": rng.normal(size=n),
            "label": rng.choice(["alpha", "beta", "gamma"], n),
            "text": [
                f"row-{i}-{v}"
                for i, v in zip(range(n), rng.integers(0, 10**9, n), strict=True)
            ],
        }
    )
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    assert path.stat().st_size > 3 * 20_000_000
    result = import_source(
        FileSource(path=str(path)),
        data_roots=[tmp_path],
        workdir=tmp_path / "work",
        memory_limit="20MB",
    )
    cols = {c.name: c for c in result.columns}
    assert result.row_count == n
    assert cols["text"].stats.distinct_count > n // 2
    assert {t["value"] for t in cols["label"].stats.top_values} == {
        "alpha",
        "beta",
        "gamma",
    }
    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == ["data.parquet"]
