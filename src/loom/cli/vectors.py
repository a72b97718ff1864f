"""``loom vectors …``: collections, bulk writes from files, search, evaluate.

Files are read here and sent as Arrow IPC in batches, so a large ``.npy`` or
Parquet file never becomes one giant request (or JSON text).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import typer

from loom.cli.output import (
    JsonOption,
    handle_errors,
    print_fields,
    print_json,
    print_table,
)
from loom.client import Client

app = typer.Typer(help="Vector collections and search.", no_args_is_help=True)
BATCH = 50_000


def _summary(c: Any) -> dict[str, Any]:
    evaluation = c.last_evaluation or {}
    shards = f", {c.shards} shards" if c.shards > 1 else ""
    return {
        "name": c.name,
        "dim": c.dim,
        "metric": c.metric,
        "index": c.index.factory + (" +refine" if c.index.refine else "") + shards,
        "count": c.stats.count,
        "memory_mib": round(c.stats.memory_bytes.get("total", 0) / 2**20, 2),
        "recall": evaluation.get("recall_at_k"),
        "rebuilding": c.stats.rebuilding,
    }


@app.command("create")
@handle_errors
def create(
    name: str,
    dim: int = typer.Option(..., "--dim"),
    metric: str = typer.Option("l2", "--metric", help="l2, ip or cosine."),
    field: list[str] = typer.Option(
        [], "--field", help="NAME:TYPE (int, float, string, bool, tags); repeat."
    ),
    index: str = typer.Option(
        None, "--index", help="A Faiss factory string; omit to let Loom choose."
    ),
    refine: bool = typer.Option(False, "--refine", help="Re-rank exactly."),
    expected_rows: int = typer.Option(None, "--expected-rows"),
    memory_budget_mb: float = typer.Option(None, "--memory-budget-mb"),
    shards: int = typer.Option(1, "--shards", help=">1: Ray actors on the server."),
    json_out: bool = JsonOption,
) -> None:
    """Create a collection (``--shards N`` spreads it over a Ray cluster)."""
    fields = []
    for spec in field:
        fname, sep, ftype = spec.partition(":")
        if not sep:
            raise ValueError(f"--field expects NAME:TYPE; got {spec!r}")
        fields.append({"name": fname, "type": ftype})
    spec_arg: Any = {"factory": index, "refine": refine} if index else None
    created = Client().vectors.create(
        name,
        dim,
        metric,
        fields,
        spec_arg,
        expected_rows=expected_rows,
        memory_budget_mb=memory_budget_mb,
        shards=shards,
    )
    if json_out:
        return print_json(created)
    print_fields(_summary(created))
    if created.advice:
        print(f"why: {created.advice.reason}")


@app.command("list")
@handle_errors
def list_(json_out: bool = JsonOption) -> None:
    """List the workspace's collections."""
    items = Client().vectors.list()
    if json_out:
        return print_json(items)
    rows = [list(_summary(c).values()) for c in items]
    headers = ["name", "dim", "metric", "index", "count", "MiB", "recall", "rebuild"]
    print_table(rows, headers)


@app.command("show")
@handle_errors
def show(name: str, json_out: bool = JsonOption) -> None:
    """Show a collection: schema, index, stats and last evaluation."""
    info = Client().vectors.get(name)
    print_json(info) if json_out else print_fields(_summary(info))


@app.command("drop")
@handle_errors
def drop(name: str, json_out: bool = JsonOption) -> None:
    """Delete a collection and everything in it."""
    Client().vectors.drop(name)
    print_json({"dropped": name}) if json_out else print(f"dropped {name}")


def _table(path: Path) -> Any:
    """A Parquet or CSV file as a pandas frame."""
    import pandas as pd

    if path.suffix.lower() == ".csv":
        return pd.read_csv(path)
    return pd.read_parquet(path)


def _read_rows(
    file: Path,
    ids_from: Path | None,
    fields_file: Path | None,
    id_column: str,
    vector_column: str,
) -> tuple[np.ndarray, np.ndarray, dict[str, list[Any]] | None]:
    """Ids, vectors and field columns from ``.npy`` (+ side files) or Parquet."""
    if file.suffix.lower() == ".npy":
        vectors = np.load(file, allow_pickle=False)
        if ids_from is None:
            ids = np.arange(len(vectors), dtype=np.int64)
        elif ids_from.suffix.lower() == ".npy":
            ids = np.load(ids_from, allow_pickle=False)
        else:
            ids = _table(ids_from)[id_column].to_numpy()
        fields = None
        if fields_file is not None:
            frame = _table(fields_file).drop(columns=[id_column], errors="ignore")
            fields = {c: frame[c].tolist() for c in frame.columns}
        return np.asarray(ids, dtype=np.int64), vectors, fields
    frame = _table(file)
    for needed in (id_column, vector_column):
        if needed not in frame.columns:
            raise ValueError(f"{file} has no column {needed!r}; use --id-column etc.")
    vectors = np.stack([np.asarray(v, dtype=np.float32) for v in frame[vector_column]])
    rest = frame.drop(columns=[id_column, vector_column])
    fields = {c: rest[c].tolist() for c in rest.columns} or None
    return frame[id_column].to_numpy().astype(np.int64), vectors, fields


def _write(op: str, name: str, file: Path, **kwargs: Any) -> dict[str, int]:
    ids, vectors, fields = _read_rows(file, **kwargs)
    client = Client()
    write = client.vectors.upsert if op == "upsert" else client.vectors.insert
    written, answer = 0, {"count": 0}
    for start in range(0, len(ids), BATCH):
        part = slice(start, start + BATCH)
        chunk = {k: v[part] for k, v in fields.items()} if fields else None
        answer = write(name, ids[part], vectors[part], chunk)
        written += answer["written"]
    return {"written": written, "count": answer["count"]}


IdsFrom = typer.Option(None, "--ids-from", help=".npy, Parquet or CSV of ids.")
FieldsFrom = typer.Option(None, "--fields", help="Parquet/CSV of field columns.")
IdColumn = typer.Option("id", "--id-column")
VectorColumn = typer.Option("vector", "--vector-column")


def _file_command(op: str, doc: str) -> None:
    def command(
        name: str,
        file: Path = typer.Argument(..., help=".npy vectors or Parquet (id + list)."),
        ids_from: Path = IdsFrom,
        fields_file: Path = FieldsFrom,
        id_column: str = IdColumn,
        vector_column: str = VectorColumn,
        json_out: bool = JsonOption,
    ) -> None:
        result = _write(
            op,
            name,
            file,
            ids_from=ids_from,
            fields_file=fields_file,
            id_column=id_column,
            vector_column=vector_column,
        )
        print_json(result) if json_out else print_fields(result)

    command.__doc__ = doc
    app.command(op)(handle_errors(command))


_file_command("insert", "Insert rows from a file (.npy: ids default to row numbers).")
_file_command("upsert", "Insert or replace rows from a file.")


@app.command("delete")
@handle_errors
def delete(
    name: str,
    ids: str = typer.Option(None, "--ids", help="Comma-separated ids."),
    filter: str = typer.Option(None, "--filter", help='e.g. category == "shoes"'),
    json_out: bool = JsonOption,
) -> None:
    """Delete rows by id or by filter."""
    id_list = [int(i) for i in ids.split(",") if i.strip()] if ids else None
    result = Client().vectors.delete(name, ids=id_list, filter=filter)
    print_json(result) if json_out else print_fields(result)


@app.command("get")
@handle_errors
def get(
    name: str,
    ids: str = typer.Argument(..., help="Comma-separated ids."),
    vectors: bool = typer.Option(False, "--vectors", help="Include the vectors."),
    json_out: bool = JsonOption,
) -> None:
    """Fetch rows by id."""
    result = Client().vectors.fetch(
        name, [int(i) for i in ids.split(",") if i.strip()], include_vectors=vectors
    )
    if json_out:
        return print_json(result)
    print_table([[i["id"], i["fields"]] for i in result["items"]], ["id", "fields"])
    if result["missing"]:
        print(f"missing: {result['missing']}")


@app.command("search")
@handle_errors
def search(
    name: str,
    vector: str = typer.Option(None, "--vector", help='"0.1,0.2,…"'),
    id: int = typer.Option(None, "--id", help="Search with a stored row's vector."),
    file: Path = typer.Option(None, "--file", help="(nq, dim) .npy of queries."),
    text: str = typer.Option(None, "--text", help="Embedded by the fill's model."),
    k: int = typer.Option(10, "--k"),
    filter: str = typer.Option(None, "--filter"),
    nprobe: int = typer.Option(None, "--nprobe"),
    ef_search: int = typer.Option(None, "--ef-search"),
    rerank: int = typer.Option(None, "--rerank"),
    fields: str = typer.Option("", "--fields", help="Comma-separated field names."),
    exact: bool = typer.Option(False, "--exact", help="Brute force (ground truth)."),
    json_out: bool = JsonOption,
) -> None:
    """Top-k neighbours of a vector, a stored row, a file of queries or a text."""
    if sum(x is not None for x in (vector, id, file, text)) != 1:
        raise ValueError("give exactly one of --vector, --id, --file and --text")
    queries: Any = None
    if vector is not None:
        queries = [float(x) for x in vector.split(",") if x.strip()]
    elif file is not None:
        queries = np.load(file, allow_pickle=False)
    names = [f for f in fields.split(",") if f]
    found = Client().vectors.search(
        name,
        queries,
        ids=[id] if id is not None else None,
        text=text,
        k=k,
        filter=filter,
        nprobe=nprobe,
        ef_search=ef_search,
        rerank=rerank,
        fields=names,
        exact=exact,
    )
    rows = [
        [q, r, int(found.ids[q, r]), float(found.distances[q, r])]
        + [found.fields[n][q][r] for n in names]
        for q in range(found.ids.shape[0])
        for r in range(found.ids.shape[1])
        if found.ids[q, r] >= 0
    ]
    if json_out:
        keys = ["query", "rank", "id", "distance", *names]
        return print_json(
            {
                "results": [dict(zip(keys, row, strict=True)) for row in rows],
                "strategy": found.strategy,
                "took_ms": found.took_ms,
            }
        )
    print_table(rows, ["query", "rank", "id", "distance", *names])
    print(f"strategy {found.strategy}, {found.took_ms:.2f} ms")


@app.command("rebuild")
@handle_errors
def rebuild(
    name: str,
    index: str = typer.Option(None, "--index", help="A new Faiss factory string."),
    wait: bool = typer.Option(True, "--wait/--no-wait"),
    json_out: bool = JsonOption,
) -> None:
    """Rebuild the index in the background (searches keep answering)."""
    info = Client().vectors.rebuild(name, index, wait=wait)
    print_json(info) if json_out else print_fields(_summary(info))


@app.command("evaluate")
@handle_errors
def evaluate(
    name: str,
    sample: int = typer.Option(100, "--sample"),
    k: int = typer.Option(10, "--k"),
    nprobe: int = typer.Option(None, "--nprobe"),
    ef_search: int = typer.Option(None, "--ef-search"),
    rerank: int = typer.Option(None, "--rerank"),
    json_out: bool = JsonOption,
) -> None:
    """Recall@k against exact search, latency percentiles and QPS."""
    report = Client().vectors.evaluate(
        name, sample=sample, k=k, nprobe=nprobe, ef_search=ef_search, rerank=rerank
    )
    if json_out:
        return print_json(report)
    latency = report["latency_ms"]
    print_fields(
        {
            "index": report["index"]["factory"],
            f"recall@{k}": report["recall_at_k"],
            "p50 ms": latency["p50"],
            "p95 ms": latency["p95"],
            "p99 ms": latency["p99"],
            "batch QPS": report["batch_qps"],
            "count": report["count"],
        }
    )


@app.command("advise")
@handle_errors
def advise(
    rows: int = typer.Option(..., "--rows"),
    dim: int = typer.Option(..., "--dim"),
    memory_budget_mb: float = typer.Option(None, "--memory-budget-mb"),
    recall_target: float = typer.Option(0.95, "--recall-target"),
    json_out: bool = JsonOption,
) -> None:
    """Suggest an index for a collection size and memory budget, and say why."""
    advice = Client().vectors.advice(rows, dim, memory_budget_mb, recall_target)
    if json_out:
        return print_json(advice)
    print_fields(
        {
            "index": advice.index.factory,
            "refine": advice.index.refine,
            "nprobe": advice.nprobe,
            "ef_search": advice.ef_search,
            "index MiB": round(advice.estimated_index_bytes / 2**20, 1),
        }
    )
    print(f"why: {advice.reason}")


@app.command("fill")
@handle_errors
def fill(
    name: str,
    dataset: str = typer.Option(..., "--dataset"),
    id_column: str = typer.Option(..., "--id-column"),
    vector_column: str = typer.Option(None, "--vector-column"),
    vector_columns: str = typer.Option(
        None, "--vector-columns", help="Comma-separated numeric columns."
    ),
    field_columns: str = typer.Option("", "--field-columns"),
    dataset_version: int = typer.Option(None, "--dataset-version"),
    mode: str = typer.Option("upsert", "--mode", help="upsert or insert."),
    text_column: str = typer.Option(None, "--text-column", help="Embed this."),
    model: str = typer.Option(None, "--model", help="Embedding model (registered)."),
    model_version: int = typer.Option(None, "--model-version"),
    run_id: str = typer.Option(None, "--run-id", help="Embedding model (a run)."),
    wait: bool = typer.Option(True, "--wait/--no-wait"),
    json_out: bool = JsonOption,
) -> None:
    """Fill a collection from a dataset's vectors, or its texts embedded by a
    model (a background job)."""
    job = Client().vectors.fill(
        name,
        dataset=dataset,
        id_column=id_column,
        vector_column=vector_column,
        vector_columns=vector_columns.split(",") if vector_columns else None,
        field_columns=[c for c in field_columns.split(",") if c],
        dataset_version=dataset_version,
        mode=mode,
        text_column=text_column,
        model=model,
        model_version=model_version,
        run_id=run_id,
        wait=wait,
    )
    print_json(job) if json_out else print(f"{job.id} {job.state.value} {job.result}")
