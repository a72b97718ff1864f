"""Text: English TF-IDF equals scikit-learn's TfidfVectorizer; Chinese tokens come from jieba."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.pipelines.helpers import run_op


@pytest.fixture(scope="module")
def docs_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Sentences of scikit-learn's bundled data set descriptions (real English text)."""
    from sklearn import datasets

    text = " ".join(
        getattr(datasets, f"load_{n}")().DESCR
        for n in ("iris", "wine", "diabetes", "breast_cancer")
    )
    lines = [
        line.strip()
        for line in text.replace("\n\n", ". ").split(". ")
        if len(line.strip()) > 20
    ]
    path = tmp_path_factory.mktemp("text") / "docs.parquet"
    pd.DataFrame({"body": lines[:150]}).to_parquet(path, index=False)
    return path


def test_tfidf_equals_sklearn_vectorizer(tmp_path: Path, docs_path: Path) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = pd.read_parquet(docs_path)["body"][:40]
    path = tmp_path / "docs40.parquet"
    docs.to_frame().to_parquet(path)
    out, result = run_op(
        tmp_path,
        {"docs": path},
        "text",
        {"column": "body", "top_k": 2000, "ngram_max": 2},
        dataset="docs",
    )
    vectorizer = TfidfVectorizer(ngram_range=(1, 2))
    expected = vectorizer.fit_transform(docs).toarray()
    vocab = vectorizer.get_feature_names_out().tolist()
    state = result.node("n").state
    assert state is not None and sorted(state["idf"]) == vocab
    np.testing.assert_allclose([state["idf"][t] for t in vocab], vectorizer.idf_)
    mine = out[[f"body_tfidf_{t}" for t in vocab]].to_numpy()
    np.testing.assert_allclose(mine, expected, atol=1e-12)


def test_tfidf_top_k_keeps_the_most_frequent_terms(
    tmp_path: Path, docs_path: Path
) -> None:
    from sklearn.feature_extraction.text import CountVectorizer

    _, result = run_op(
        tmp_path,
        {"docs": docs_path},
        "text",
        {"column": "body", "top_k": 10},
        dataset="docs",
    )
    counts = CountVectorizer().fit(pd.read_parquet(docs_path)["body"])
    totals = np.asarray(
        counts.transform(pd.read_parquet(docs_path)["body"]).sum(axis=0)
    ).ravel()
    ranked = sorted(zip(-totals, counts.get_feature_names_out(), strict=True))[:10]
    assert sorted(result.node("n").state["idf"]) == sorted(t for _, t in ranked)


def test_chinese_tokens_and_char_ngrams(tmp_path: Path) -> None:
    import jieba

    sentences = [
        "我爱北京天安门",
        "机器学习平台支持特征处理",
        "今天天气很好\uff0c我们去公园",
    ]
    path = tmp_path / "zh.parquet"
    pd.DataFrame({"t": sentences}).to_parquet(path)
    out, _ = run_op(
        tmp_path / "w",
        {"zh": path},
        "text",
        {"column": "t", "language": "zh", "output": "tokens"},
        dataset="zh",
    )
    expected = [
        [w for w in jieba.lcut(s) if w.strip() and w != "\uff0c"] for s in sentences
    ]
    assert [list(t) for t in out["t_tokens"]] == expected
    chars, _ = run_op(
        tmp_path / "c",
        {"zh": path},
        "text",
        {
            "column": "t",
            "analyzer": "char",
            "ngram_min": 2,
            "ngram_max": 2,
            "output": "tokens",
        },
        dataset="zh",
    )
    assert list(chars["t_tokens"][0]) == [
        "我爱",
        "爱北",
        "北京",
        "京天",
        "天安",
        "安门",
    ]


def test_fitted_tfidf_on_raw_records_equals_the_full_run(
    tmp_path: Path, docs_path: Path
) -> None:
    from loom.pipelines import FittedPipeline, Pipeline, run_pipeline
    from loom.pipelines.builder import Text

    spec = (
        Pipeline("t")
        .source("raw", dataset="docs")
        .then("tfidf", Text(column="body", top_k=30))
        .spec()
    )
    result = run_pipeline(spec, sources={"docs": docs_path}, workdir=tmp_path)
    fitted = FittedPipeline.from_dict(
        FittedPipeline.from_run(spec, result, "tfidf").to_dict()
    )
    docs = pd.read_parquet(docs_path)
    online = fitted.transform_records(docs.to_dict(orient="records"))
    assert online == pd.read_parquet(result.output_path("tfidf")).to_dict(
        orient="records"
    )
