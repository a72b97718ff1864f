"""``bilstm_crf_tagger`` on People's Daily (January 1998) with nr/ns/nt as BIO entities.

The corpus tags every word with its part of speech; persons (nr), places (ns)
and organisations (nt) become B-/I-PER, LOC and ORG (a run of the same tag is
one entity, as ``sequence_metrics.run_spans`` reads them) and every other tag O.
Split: the first 80% of a fixed prefix trains, the rest tests.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from loom.algorithms.neural.bilstm_crf_tagger import BiLstmCrfTagger
from loom.algorithms.registry import get_algorithm, validate_params
from loom.core.errors import InvalidInputError
from loom.training import sequence_metrics
from loom.training.bundle import ModelBundle
from loom.training.fitting import TrainingSpec, train
from tests.fixtures.peoples_daily import load_peoples_daily

ENTITY_KINDS = {"nr": "PER", "ns": "LOC", "nt": "ORG"}
Split = tuple[list[str], list[str], list[str], list[list[str]]]


def to_bio(tags: list[str]) -> list[str]:
    """nr/ns/nt runs as B-/I- entities, every other part of speech as O."""
    bio, previous = [], None
    for tag in tags:
        kind = ENTITY_KINDS.get(tag)
        prefix = "I-" if tag == previous else "B-"
        bio.append("O" if kind is None else prefix + kind)
        previous = tag
    return bio


def _bio_frame(n_sentences: int) -> pd.DataFrame:
    frame = load_peoples_daily(n_sentences)
    tags = [" ".join(to_bio(t.split())) for t in frame["tags"]]
    return frame.assign(tags=tags)


def _split(n_sentences: int) -> Split:
    frame = _bio_frame(n_sentences)
    cut = int(len(frame) * 0.8)
    tokens, tags = frame["tokens"].tolist(), frame["tags"].tolist()
    return tokens[:cut], tags[:cut], tokens[cut:], [t.split() for t in tags[cut:]]


def _tagger(**params: object) -> BiLstmCrfTagger:
    valid = validate_params("bilstm_crf_tagger", params)
    return get_algorithm("bilstm_crf_tagger").build(valid, 0)


@pytest.fixture(scope="module")
def small_split() -> Split:
    return _split(300)


@pytest.fixture(scope="module")
def small_model(small_split: Split) -> BiLstmCrfTagger:
    return _tagger(epochs=3).fit(small_split[0], small_split[1])


def test_to_bio_turns_runs_into_entities() -> None:
    assert to_bio(["nr", "nr", "v", "ns", "nt", "nt", "n"]) == [
        "B-PER",
        "I-PER",
        "O",
        "B-LOC",
        "B-ORG",
        "I-ORG",
        "O",
    ]


@pytest.mark.slow
def test_bilstm_crf_finds_peoples_daily_entities_above_floor() -> None:
    # Measured (1,200 training sentences, 4 epochs, character CNN on, ~20 s
    # on a busy 2-core machine): entity F1 0.79, token accuracy 0.988; the
    # word-only network reaches 0.72. A model that only learns "O" scores 0.
    split = _split(1_500)
    model = _tagger(epochs=4, char_features=True).fit(split[0], split[1])
    predicted = model.predict(split[2])
    assert [len(p) for p in predicted] == [len(g) for g in split[3]]
    metrics = sequence_metrics.evaluate(split[3], predicted)[0]
    assert metrics["entity_f1"] > 0.7, metrics
    assert metrics["token_accuracy"] > 0.97, metrics
    assert {"PER", "LOC"} <= {kind for row in predicted for kind in _kinds(row)}


def _kinds(tags: list[str]) -> set[str]:
    return {t[2:] for t in tags if t != "O"}


def test_bilstm_crf_save_load_gives_identical_tags(
    small_split: Split, tmp_path: Path
) -> None:
    algorithm = get_algorithm("bilstm_crf_tagger")
    params = validate_params("bilstm_crf_tagger", {"epochs": 2, "char_features": True})
    model = algorithm.build(params, 3).fit(small_split[0][:120], small_split[1][:120])
    algorithm.save_estimator(model, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bilstm_crf.json",
        "weights.pt",
    ]
    loaded = algorithm.load_estimator(tmp_path)
    assert loaded.predict(small_split[2]) == model.predict(small_split[2])
    assert loaded.tags_ == model.tags_ and loaded.chars_ == model.chars_
    assert loaded.report()["epochs_run"] == 2


def test_bilstm_crf_tags_unknown_words_and_empty_sentences(
    small_model: BiLstmCrfTagger,
) -> None:
    tags = small_model.predict(["江 泽民 在 北京 会见 了 佐藤夫子", "", "  "])
    assert len(tags[0]) == 7 and tags[1] == [] and tags[2] == []
    assert "佐藤夫子" not in small_model.vocab_  # read as <unk>
    assert set(tags[0]) <= set(small_model.tags_)


def test_bilstm_crf_never_predicts_an_impossible_bio_move(
    small_model: BiLstmCrfTagger, small_split: Split
) -> None:
    for row in small_model.predict(small_split[2]):
        for before, tag in zip(["O", *row], row, strict=False):
            if tag.startswith("I-"):
                assert before[2:] == tag[2:], row


def test_bilstm_crf_checks_inputs() -> None:
    with pytest.raises(NotFittedError):
        _tagger().predict(["江 泽民"])
    with pytest.raises(InvalidInputError, match="row 2: 3 tokens but 2 tags"):
        _tagger().fit(["a b", "a b c"], ["O O", "O O"])
    with pytest.raises(InvalidInputError, match="at least 1 tagged sentence"):
        _tagger().fit(["", " "], ["", ""])


def test_bilstm_crf_early_stopping_monitors_entity_f1_and_stop_request(
    small_split: Split,
) -> None:
    rows: list[dict[str, float]] = []
    model = _tagger(epochs=3, early_stopping=True, validation_fraction=0.2)
    model.on_epoch = lambda epoch, row: rows.append(row)
    model.fit(small_split[0], small_split[1])
    assert len(rows) == 3 and all("val_entity_f1" in row for row in rows)
    assert model.report()["best_epoch"] in (0, 1, 2)
    stopped = _tagger(epochs=5)
    stopped.on_epoch = lambda epoch, row: rows.append(row)
    stopped.should_stop = lambda: len(rows) >= 4  # after one epoch of this fit
    stopped.fit(small_split[0], small_split[1])
    assert stopped.state["stopped_by_request"] and len(stopped.state["history"]) == 1
    assert len(stopped.predict(small_split[2][:3])) == 3


def test_train_bilstm_crf_through_the_text_flow(tmp_path: Path) -> None:
    frame = _bio_frame(200)
    epochs: list[int] = []
    spec = TrainingSpec(
        algorithm="bilstm_crf_tagger", params={"epochs": 2}, target="tags"
    )
    outcome = train(frame, spec, on_epoch=lambda epoch, row: epochs.append(epoch))
    assert epochs == [0, 1]  # only the stored fit streams its epochs
    assert {"token_accuracy", "entity_f1"} <= set(outcome.metrics)
    assert (outcome.n_train, outcome.n_test) == (160, 40)
    assert outcome.details["report"]["epochs_run"] == 2  # the run page's history
    outcome.bundle.save(tmp_path / "bundle")
    loaded = ModelBundle.load(tmp_path / "bundle")
    result = loaded.predict_records([{"tokens": "江 泽民 在 北京 发表 讲话"}])
    assert len(result["predictions"][0]) == 6 and result["probabilities"] is None
    assert "B-PER" in (loaded.labels or [])
