"""HMM and CRF taggers on People's Daily (January 1998), with measured floors.

Split: the first 80% of a fixed prefix of the corpus trains, the rest tests.
Measured on 2 cores (see the report): supervised HMM on 4,000 sentences, token
accuracy 0.898, nr/ns/nt entity F1 0.737; on 1,500 sentences HMM 0.865 vs CRF
(40 L-BFGS iterations, ~5 s of CPU) 0.899, entity F1 0.709 vs 0.819; Baum-Welch
(one pass) on 800 sentences 0.801 vs 0.816 supervised. Floors sit about 2
points below the measured figures.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loom.algorithms.registry import get_algorithm, validate_params
from loom.algorithms.text.crf import CrfTagger
from loom.algorithms.text.hmm import HmmTagger
from loom.algorithms.text.sequence_features import char_type, token_features
from loom.core.errors import InvalidInputError
from loom.training import sequence_metrics
from tests.fixtures.peoples_daily import load_peoples_daily

Split = tuple[list[str], list[str], list[str], list[list[str]]]


def _split(n_sentences: int) -> Split:
    frame: pd.DataFrame = load_peoples_daily(n_sentences)
    cut = int(len(frame) * 0.8)
    tokens, tags = frame["tokens"].tolist(), frame["tags"].tolist()
    return tokens[:cut], tags[:cut], tokens[cut:], [t.split() for t in tags[cut:]]


def _score(model: HmmTagger | CrfTagger, split: Split) -> dict[str, float]:
    predicted = model.predict(split[2])
    assert [len(p) for p in predicted] == [len(g) for g in split[3]]
    return sequence_metrics.evaluate(split[3], predicted)[0]


@pytest.fixture(scope="module")
def mid_split() -> Split:
    return _split(1_500)


@pytest.fixture(scope="module")
def mid_hmm(mid_split: Split) -> HmmTagger:
    return HmmTagger().fit(mid_split[0], mid_split[1])


def test_hmm_supervised_tags_peoples_daily_above_floor() -> None:
    split = _split(4_000)
    metrics = _score(HmmTagger().fit(split[0], split[1]), split)
    assert metrics["token_accuracy"] > 0.88, metrics
    assert metrics["entity_f1"] > 0.72, metrics
    assert metrics["tag_weighted_f1"] > 0.87, metrics


def test_crf_beats_hmm_on_the_same_sentences(
    mid_split: Split, mid_hmm: HmmTagger
) -> None:
    crf = CrfTagger(max_iterations=40).fit(mid_split[0], mid_split[1])
    hmm_metrics, crf_metrics = _score(mid_hmm, mid_split), _score(crf, mid_split)
    assert crf_metrics["token_accuracy"] > 0.88, crf_metrics
    assert crf_metrics["token_accuracy"] > hmm_metrics["token_accuracy"] + 0.02
    assert crf_metrics["entity_f1"] > 0.80, crf_metrics
    assert crf_metrics["entity_f1"] > hmm_metrics["entity_f1"]


def test_hmm_baum_welch_refines_without_collapsing() -> None:
    split = _split(800)
    supervised = HmmTagger().fit(split[0], split[1])
    refined = HmmTagger(training="baum_welch", n_iter=1).fit(split[0], split[1])
    for matrix in (refined.startprob_, refined.transmat_, refined.emissionprob_):
        np.testing.assert_allclose(matrix.sum(axis=-1), 1.0)
    assert not np.allclose(refined.transmat_, supervised.transmat_)
    base = _score(supervised, split)["token_accuracy"]
    after = _score(refined, split)["token_accuracy"]
    assert after > 0.78 and after > base - 0.04, (base, after)


def test_hmm_tags_unknown_words_and_empty_sentences(mid_hmm: HmmTagger) -> None:
    tags = mid_hmm.predict(["江 泽民 在 北京 会见 了 佐藤夫子", ""])
    assert tags[0][:2] == ["nr", "nr"] and tags[0][3] == "ns"
    assert len(tags[0]) == 7 and tags[1] == []
    assert "佐藤夫子" not in mid_hmm.vocab_  # decoded through the <UNK> emission


def test_hmm_unknown_emission_follows_hapax_tags(mid_hmm: HmmTagger) -> None:
    unknown = dict(zip(mid_hmm.tags_, mid_hmm.emissionprob_[:, -1], strict=True))
    # New words are mostly nouns and names, almost never punctuation.
    assert unknown["n"] > unknown["w"] * 100
    assert unknown["nr"] > unknown["u"] * 100


def test_taggers_reject_mismatched_tags_naming_the_row() -> None:
    with pytest.raises(InvalidInputError, match="row 2: 3 tokens but 2 tags"):
        HmmTagger().fit(["a b", "a b c"], ["n v", "n v"])
    with pytest.raises(InvalidInputError, match="row 1: 1 tokens but 2 tags"):
        CrfTagger().fit(["a"], ["n v"])


def test_crf_features_describe_shape_and_context() -> None:
    assert [
        char_type(t)
        for t in [
            "\uff11\uff19\uff19\uff18",
            "1998",
            "北京",
            "Beijing",
            "\uff0c",
            "ab1",
        ]
    ] == [
        "digit",
        "digit",
        "cjk",
        "latin",
        "punct",
        "mixed",
    ]
    first = token_features(["江", "泽民", "讲话"], 0, window=2)
    assert first["BOS"] is True and "EOS" not in first
    assert (first["w-1"], first["w+1"], first["w+2"]) == ("<s>", "泽民", "讲话")
    last = token_features(["江", "泽民", "讲话"], 2, window=1)
    assert last["EOS"] is True and last["w+1"] == "</s>" and last["s1"] == "话"


@pytest.mark.parametrize("name", ["hmm_tagger", "crf_tagger"])
def test_tagger_catalog_entries_save_without_pickle(name: str, tmp_path: Path) -> None:
    split = _split(120)
    algorithm = get_algorithm(name)
    model = algorithm.build(validate_params(name, {"entity_tags": "all"}), 42)
    model.fit(split[0], split[1])
    algorithm.save_estimator(model, tmp_path)
    assert not list(tmp_path.glob("*.joblib")) and not list(tmp_path.glob("*.pkl"))
    loaded = algorithm.load_estimator(tmp_path)
    assert loaded.predict(split[2]) == model.predict(split[2])
