"""Text features: tokens (English by regex, Chinese by jieba), n-grams and TF-IDF.

Tokenising is a Python function registered as a DuckDB scalar function, so
rows stream through it and never sit in memory together. The vocabulary (top-k
terms by corpus frequency) and the smoothed idf are fitted with GROUP BY; the
weights are then SQL arithmetic. The numbers follow scikit-learn's
``TfidfVectorizer`` defaults (smooth idf, raw counts, L2 row norm).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable
from typing import Any, Literal

from pydantic import Field

from loom.core.errors import InvalidInputError
from loom.pipelines.operators import register
from loom.pipelines.operators._checks import fresh, need
from loom.pipelines.operators._sql import ident, literal
from loom.pipelines.operators.base import (
    Context,
    Frame,
    Operator,
    OperatorParams,
    Query,
)
from loom.pipelines.operators.preprocess import fit_frame
from loom.pipelines.schema import Schema

WORD = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern
WHITESPACE = re.compile(r"\s\s+")
HAS_WORD = re.compile(r"\w")


def tokenizer(
    language: str, analyzer: str, ngram_min: int, ngram_max: int
) -> Callable[[str | None], list[str]]:
    """The function turning one text into its terms (lower-cased)."""

    def words(text: str) -> list[str]:
        if language == "zh":
            import jieba

            return [
                w
                for w in (t.strip() for t in jieba.lcut(text))
                if w and HAS_WORD.search(w)
            ]
        return WORD.findall(text)

    def terms(text: str | None) -> list[str]:
        text = (text or "").lower()
        if analyzer == "char":
            text = WHITESPACE.sub(" ", text)
            units: list[str] = list(text)
            joiner = ""
        else:
            units = words(text)
            joiner = " "
        out: list[str] = []
        for n in range(ngram_min, ngram_max + 1):
            out += [joiner.join(units[i : i + n]) for i in range(len(units) - n + 1)]
        return out

    return terms


def _function_name(params: Any) -> str:
    key = f"{params.language}|{params.analyzer}|{params.ngram_min}|{params.ngram_max}"
    return "loom_terms_" + hashlib.sha1(key.encode()).hexdigest()[:10]


def ensure_function(ctx: Context, params: Any) -> str:
    """Register this configuration's tokenizer on the connection (once)."""
    import duckdb

    name = _function_name(params)
    exists = ctx.rows(
        "SELECT count(*) FROM duckdb_functions() WHERE function_name = $n", {"n": name}
    )[0][0]
    if not exists:
        fn = tokenizer(
            params.language, params.analyzer, params.ngram_min, params.ngram_max
        )
        # "special" (a string) is accepted by DuckDB 1.x and 2.x alike; the stubs
        # only list the 2.x enum. Null texts reach the function as None → no terms.
        ctx.con.create_function(  # type: ignore[call-overload]
            name,
            fn,
            [duckdb.sqltype("VARCHAR")],
            duckdb.sqltype("VARCHAR[]"),
            null_handling="special",
            side_effects=False,
        )
    return name


@register
class Text(Operator):
    """Tokens or TF-IDF weights of one text column."""

    name = "text"
    summary = (
        "Tokenise text (English regex, Chinese jieba), word/char n-grams, TF-IDF over "
        "a top-k vocabulary."
    )
    stateful = True

    class Params(OperatorParams):
        column: str = Field(description="The text column.")
        language: Literal["en", "zh"] = Field(
            default="en", description="en: regex words; zh: jieba words."
        )
        analyzer: Literal["word", "char"] = Field(
            default="word", description="Word or character n-grams."
        )
        ngram_min: int = Field(default=1, ge=1, le=5, description="Shortest n-gram.")
        ngram_max: int = Field(default=1, ge=1, le=5, description="Longest n-gram.")
        output: Literal["tfidf", "tokens"] = Field(
            default="tfidf", description="TF-IDF columns, or a token list column."
        )
        top_k: int = Field(
            default=100,
            ge=1,
            le=2000,
            description="Vocabulary size (most frequent terms).",
        )
        drop_original: bool = Field(
            default=False, description="Remove the text column."
        )

    def output_schema(
        self, inputs: dict[str, Schema], params: Any
    ) -> dict[str, Schema]:
        schema = inputs["input"]
        need(schema, [params.column], types=["string"], purpose="text")
        if params.ngram_min > params.ngram_max:
            raise InvalidInputError(
                "The 'ngram_min' parameter of text must be <= ngram_max "
                f"({params.ngram_max}); got {params.ngram_min}."
            )
        base = schema
        if params.drop_original:
            base = Schema.of(
                [(c.name, c.type) for c in schema.columns if c.name != params.column],
                open=schema.open,
            )
        if params.output == "tokens":
            return {
                "output": base.replace(
                    [(fresh(base, f"{params.column}_tokens"), "list")]
                )
            }
        return {"output": base.replace([], open=True)}

    def fit(
        self, ctx: Context, inputs: dict[str, Frame], params: Any
    ) -> dict[str, Any]:
        if params.output == "tokens":
            return {}
        fn = ensure_function(ctx, params)
        table = ident(fit_frame(inputs).table)
        n_docs = ctx.rows(f"SELECT count(*) FROM {table}")[0][0]
        rows = ctx.rows(
            "WITH docs AS (SELECT row_number() OVER () AS doc, "
            f"{fn}({ident(params.column)}) AS t FROM {table}), "
            "terms AS (SELECT doc, unnest(t) AS term FROM docs) "
            "SELECT term, count(*) AS tf, count(DISTINCT doc) AS df FROM terms "
            f"GROUP BY term ORDER BY tf DESC, term LIMIT {int(params.top_k)}"
        )
        idf = {
            str(t): math.log((1 + n_docs) / (1 + df)) + 1.0 for t, _, df in sorted(rows)
        }
        ctx.log(f"vocabulary of {len(idf)} terms from {n_docs} documents")
        return {"idf": idf}

    def apply(
        self, ctx: Context, inputs: dict[str, Frame], params: Any, state: dict[str, Any]
    ) -> dict[str, Query]:
        fn = ensure_function(ctx, params)
        col = ident(params.column)
        table = ident(inputs["input"].table)
        drop = f" EXCLUDE ({col})" if params.drop_original else ""
        if params.output == "tokens":
            out = ident(f"{params.column}_tokens")
            return {
                "output": Query(f"SELECT *{drop}, {fn}({col}) AS {out} FROM {table}")
            }
        names = [ident(f"{params.column}_tfidf_{t}") for t in state["idf"]]
        raw = ", ".join(
            f"COALESCE(map_extract_value(__loom_t, {literal(t)}), 0) * "
            f"{literal(float(w))} AS {n}"
            for (t, w), n in zip(state["idf"].items(), names, strict=True)
        )
        if not names:
            return {"output": Query(f"SELECT *{drop} FROM {table}")}
        norm = "sqrt(list_sum([" + ", ".join(f"{n} * {n}" for n in names) + "]))"
        scaled = ", ".join(
            f"CASE WHEN __loom_norm = 0 THEN 0.0 ELSE {n} / __loom_norm END AS {n}"
            for n in names
        )
        sql = (
            f"SELECT * EXCLUDE (__loom_norm) REPLACE ({scaled}) FROM ("
            f"SELECT *, {norm} AS __loom_norm FROM ("
            f"SELECT * EXCLUDE (__loom_t), {raw} FROM (SELECT *{drop}, "
            f"list_aggregate({fn}({col}), 'histogram') AS __loom_t FROM {table})))"
        )
        return {"output": Query(sql)}
