"""User SQL: variables are bound as data, and only one SELECT over the inputs may run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from loom.core.errors import InvalidInputError
from loom.pipelines import PipelineSpec, run_pipeline


def sql_spec(
    query: str, variables: dict[str, Any] | None = None, op: str = "sql"
) -> PipelineSpec:
    key, port = ("query", "rows") if op == "sql" else ("condition", "input")
    return PipelineSpec.model_validate(
        {
            "name": "s",
            "variables": variables or {},
            "nodes": [
                {"id": "raw", "op": "source", "params": {"dataset": "penguins"}},
                {"id": "q", "op": op, "params": {key: query}, "inputs": {port: "raw"}},
            ],
        }
    )


def test_a_variable_with_quotes_stays_data(
    tmp_path: Path, sources: dict[str, Path]
) -> None:
    evil = "Dream' OR '1'='1"
    for op, text in [
        ("sql", "SELECT * FROM rows WHERE island = ${island}"),
        ("filter", "island = '${island}'"),
    ]:
        result = run_pipeline(
            sql_spec(text, {"island": evil}, op), sources=sources, workdir=tmp_path / op
        )
        assert result.status == "succeeded"
        assert result.node("q").rows == {"output": 0}
    dream = run_pipeline(
        sql_spec("island = ${island}", {"island": "Dream"}, "filter"),
        sources=sources,
        workdir=tmp_path / "d",
    )
    assert dream.node("q").rows == {"output": 124}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "SELECT * FROM rows; DROP TABLE rows",
            "must be a single SELECT statement; got 2 statements",
        ),
        ("DROP TABLE rows", "must be a SELECT statement; got DROP"),
        ("COPY rows TO '/tmp/leak.csv'", "must be a SELECT statement; got COPY"),
        ("ATTACH '/tmp/other.db' AS other", "must be a SELECT statement; got ATTACH"),
        ("INSTALL httpfs", "must be a SELECT statement; got"),
        ("LOAD httpfs", "must be a SELECT statement; got"),
        (
            "SELECT * FROM read_csv('/etc/passwd')",
            "may not call table function read_csv()",
        ),
        (
            "SELECT * FROM rows, read_parquet('/tmp/x.parquet')",
            "may not call table function read_parquet()",
        ),
        (
            "SELECT * FROM '/etc/passwd'",
            "reads '/etc/passwd', which is not an input; inputs: rows",
        ),
        (
            "SELECT * FROM duckdb_settings()",
            "may not call table function duckdb_settings()",
        ),
        ("SELECT getenv('HOME') AS h FROM rows", "may not call getenv()"),
    ],
)
def test_sql_rejects_anything_but_one_select_over_the_inputs(
    tmp_path: Path, sources: dict[str, Path], query: str, message: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        run_pipeline(sql_spec(query), sources=sources, workdir=tmp_path)
    assert caught.value.message.startswith("node 'q' (sql): the SQL")
    assert message in caught.value.message
    assert not Path("/tmp/leak.csv").exists()


def test_filter_rejects_a_subquery_that_reads_files(
    tmp_path: Path, sources: dict[str, Path]
) -> None:
    spec = sql_spec("island IN (SELECT * FROM read_text('/etc/passwd'))", op="filter")
    with pytest.raises(
        InvalidInputError, match="may not call table function read_text"
    ):
        run_pipeline(spec, sources=sources, workdir=tmp_path)


def test_sql_may_use_ctes_and_several_named_inputs(
    tmp_path: Path, sources: dict[str, Path]
) -> None:
    spec = PipelineSpec.model_validate(
        {
            "name": "s",
            "nodes": [
                {"id": "raw", "op": "source", "params": {"dataset": "penguins"}},
                {
                    "id": "q",
                    "op": "sql",
                    "params": {
                        "query": "WITH m AS (SELECT species, avg(body_mass_g) AS mean FROM a GROUP BY 1) SELECT b.species, m.mean FROM b JOIN m USING (species) ORDER BY 1 LIMIT 5"
                    },
                    "inputs": {"a": "raw", "b": "raw"},
                },
            ],
        }
    )
    result = run_pipeline(spec, sources=sources, workdir=tmp_path)
    assert result.status == "succeeded" and result.node("q").rows == {"output": 5}
    assert result.node("q").schemas["output"] == [
        {"name": "species", "type": "string"},
        {"name": "mean", "type": "number"},
    ]
