"""Text runs end to end: ``train()`` → outcome → bundle save/load → predict.

Real data: gensim's Lee corpus for LDA and People's Daily (January 1998) for
the taggers; span and report arithmetic checked on hand-made cases.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from loom.core.errors import InvalidInputError
from loom.tracking.schemas import RunCreate
from loom.tracking.service import _validate
from loom.training import sequence_metrics as sm
from loom.training.bundle import ModelBundle
from loom.training.fitting import TrainingSpec, train
from loom.training.options import TrainingOptions
from loom.training.text_encoding import TextColumnEncoder
from tests.fixtures.peoples_daily import load_peoples_daily


@pytest.fixture(scope="module")
def lee_df() -> pd.DataFrame:
    from gensim.test.utils import datapath

    with open(datapath("lee_background.cor"), encoding="utf-8") as handle:
        documents = handle.read().splitlines()
    return pd.DataFrame({"id": range(len(documents)), "text": documents})


@pytest.fixture(scope="module")
def daily() -> pd.DataFrame:
    return load_peoples_daily(600)


def _roundtrip(bundle: ModelBundle, tmp_path: Path) -> ModelBundle:
    bundle.save(tmp_path / "bundle")
    loaded = ModelBundle.load(tmp_path / "bundle")
    assert isinstance(loaded.encoder, TextColumnEncoder)
    assert loaded.input_schema == bundle.input_schema
    return loaded


# -- spans and reports on hand cases ----------------------------------------------------


def test_prefixed_spans_follow_bio_bioes_and_bilou() -> None:
    tags = ["I-PER", "I-PER", "O", "B-LOC", "E-LOC", "S-ORG", "B-PER", "B-PER"]
    assert sm.prefixed_spans(tags) == {
        (0, 2, "PER"),
        (3, 5, "LOC"),
        (5, 6, "ORG"),
        (6, 7, "PER"),
        (7, 8, "PER"),
    }
    assert sm.prefixed_spans(["B-PER", "I-LOC", "U-ORG", "B-X", "L-X"]) == {
        (0, 1, "PER"),
        (1, 2, "LOC"),
        (2, 3, "ORG"),
        (3, 5, "X"),
    }
    assert sm.is_prefixed(["O", "B-PER"]) and not sm.is_prefixed(["nr", "Ng"])
    assert not sm.is_prefixed(["O"])


def test_run_spans_group_repeated_entity_tags() -> None:
    tags = ["nr", "nr", "v", "ns", "nt", "nt", "n"]
    types = sm.entity_types("nr,ns,nt")
    assert sm.run_spans(tags, types) == {(0, 2, "nr"), (3, 4, "ns"), (4, 6, "nt")}
    assert (5, 6, "v") not in sm.run_spans(tags, None)
    assert (2, 3, "v") in sm.run_spans(tags, sm.entity_types("all"))


def test_entity_report_counts_exact_span_matches() -> None:
    true = [["B-PER", "I-PER", "O", "B-LOC"]]
    predicted = [["B-PER", "I-PER", "O", "B-ORG"]]
    rows, metrics = sm.entity_report(true, predicted)
    assert metrics == {
        "entity_precision": 0.5,
        "entity_recall": 0.5,
        "entity_f1": 0.5,
    }
    by_type = {row["type"]: row for row in rows}
    assert by_type["PER"]["f1"] == 1.0 and by_type["LOC"]["support"] == 1
    assert by_type["ORG"]["precision"] == 0.0 and by_type["ORG"]["support"] == 0
    # A person split differently is a miss on both sides.
    _, split = sm.entity_report([["nr", "nr", "v"]], [["nr", "v", "v"]])
    assert split["entity_f1"] == 0.0
    assert sm.entity_report([["n", "v"]], [["n", "v"]]) == ([], {})


def test_tag_report_gives_per_tag_and_averaged_f1() -> None:
    rows, averages = sm.tag_report([["a", "a", "b"]], [["a", "b", "b"]])
    assert rows == [
        {"tag": "a", "precision": 1.0, "recall": 0.5, "f1": 2 / 3, "support": 2},
        {"tag": "b", "precision": 0.5, "recall": 1.0, "f1": 2 / 3, "support": 1},
    ]
    assert averages == pytest.approx({"tag_macro_f1": 2 / 3, "tag_weighted_f1": 2 / 3})
    assert sm.token_accuracy([["a", "a", "b"]], [["a", "b", "b"]]) == 2 / 3


# -- topic modelling -------------------------------------------------------------------


def test_train_lda_reports_topics_and_serves_mixtures(
    lee_df: pd.DataFrame, tmp_path: Path
) -> None:
    lines: list[str] = []
    spec = TrainingSpec(
        algorithm="lda",
        params={"num_topics": 8},
        target=None,
        options=TrainingOptions(standardize=True),
    )
    outcome = train(lee_df, spec, lines.append)
    assert set(outcome.metrics) == {"perplexity", "coherence_u_mass", "coherence_c_v"}
    assert all(math.isfinite(v) for v in outcome.metrics.values())
    assert (outcome.n_train, outcome.n_test, outcome.cv_metrics) == (300, 60, None)
    assert any("do not apply to text tasks" in line for line in lines)
    details = outcome.details
    assert len(details["topics"]) == 8 and len(details["topics"][0]["words"]) == 10
    assert [d["row"] for d in details["document_topics"]] == list(range(50))
    assert sum(details["document_topics"][0]["topics"].values()) == pytest.approx(1.0)
    assert details["train_metrics"]["perplexity"] > 1.0
    loaded = _roundtrip(outcome.bundle, tmp_path)
    result = loaded.predict_records([{"text": lee_df["text"][0]}])
    first = details["document_topics"][0]["topics"]
    assert result["predictions"] == [int(max(first, key=first.__getitem__))]
    assert result["probabilities"][0] == pytest.approx(first)
    assert loaded.predict_records([]) == {"predictions": [], "probabilities": []}
    predictions, probabilities = loaded.predict_frame(lee_df.head(3))
    assert len(predictions) == 3 and probabilities is not None


def test_train_lda_rejects_unusable_text(lee_df: pd.DataFrame) -> None:
    with pytest.raises(InvalidInputError, match="'id' must hold text"):
        train(
            lee_df,
            TrainingSpec(algorithm="lda", params={}, target=None, features=["id"]),
        )
    two = lee_df.assign(title="x")
    with pytest.raises(InvalidInputError, match="string columns: text, title"):
        train(two, TrainingSpec(algorithm="lda", params={}, target=None))
    stop_words = pd.DataFrame({"text": ["the and of it", "is was 1999", "", None]})
    with pytest.raises(InvalidInputError, match="no document has any token"):
        train(stop_words, TrainingSpec(algorithm="lda", params={}, target=None))
    few = pd.DataFrame({"text": ["bank rates cut", "bank rates rise", "bank cut"] * 3})
    with pytest.raises(InvalidInputError, match="num_topics=10 is more than"):
        train(few, TrainingSpec(algorithm="lda", params={"no_above": 1.0}, target=None))


# -- sequence labelling -------------------------------------------------------------------


def test_train_hmm_holdout_scores_tags_and_entities(
    daily: pd.DataFrame, tmp_path: Path
) -> None:
    spec = TrainingSpec(algorithm="hmm_tagger", params={}, target="tags")
    outcome = train(daily, spec)
    metrics = outcome.metrics
    assert metrics["token_accuracy"] > 0.82, metrics
    assert metrics["entity_f1"] > 0.6, metrics
    assert {"tag_macro_f1", "tag_weighted_f1", "entity_precision"} <= set(metrics)
    assert (outcome.n_train, outcome.n_test) == (480, 120)
    details = outcome.details
    assert details["evaluated_on"] == "holdout"
    assert {r["type"] for r in details["entity_report"]} == {"nr", "ns", "nt"}
    assert {"tag", "precision", "recall", "f1", "support"} == set(
        details["tag_report"][0]
    )
    assert details["train_metrics"]["token_accuracy"] > metrics["token_accuracy"]
    loaded = _roundtrip(outcome.bundle, tmp_path)
    result = loaded.predict_records([{"tokens": "江 泽民 在 北京 发表 讲话"}])
    assert len(result["predictions"][0]) == 6 and result["probabilities"] is None
    assert loaded.labels == outcome.bundle.labels and "nr" in (loaded.labels or [])
    with pytest.raises(InvalidInputError, match="record 0: missing column 'tokens'"):
        loaded.predict_records([{"text": "江 泽民"}])
    with pytest.raises(InvalidInputError, match="expects a string; got 5"):
        loaded.predict_records([{"tokens": 5}])


def test_train_crf_cross_validates_over_sentences(
    daily: pd.DataFrame, tmp_path: Path
) -> None:
    frame = daily.head(150)
    spec = TrainingSpec(
        algorithm="crf_tagger",
        params={"max_iterations": 20, "entity_tags": "all"},
        target="tags",
        cv_folds=3,
    )
    outcome = train(frame, spec)
    assert outcome.cv_metrics is not None
    assert len(outcome.cv_metrics["token_accuracy"]) == 3
    assert (outcome.n_train, outcome.n_test) == (150, 150)
    assert outcome.details["evaluated_on"] == "cross_validation"
    assert 0.6 < outcome.metrics["token_accuracy"] <= 1.0
    assert "v" in {r["type"] for r in outcome.details["entity_report"]}  # "all"
    loaded = _roundtrip(outcome.bundle, tmp_path)
    predictions, probabilities = loaded.predict_frame(frame.head(4))
    assert [len(p) for p in predictions] == [
        len(t.split()) for t in frame["tokens"][:4]
    ]
    assert probabilities is None


def test_train_tagger_checks_its_rows(daily: pd.DataFrame) -> None:
    lines: list[str] = []
    frame = daily.head(40).copy()
    frame.loc[2, "tokens"] = "  "
    frame.loc[5, "tags"] = frame.loc[5, "tags"] + " n"
    spec = TrainingSpec(algorithm="hmm_tagger", params={}, target="tags")
    n = len(frame.loc[5, "tokens"].split())
    with pytest.raises(InvalidInputError, match=f"row 6: {n} tokens but {n + 1} tags"):
        train(frame, spec, lines.append)
    assert "dropped 1 rows with empty 'tokens' or tags" in lines
    with pytest.raises(InvalidInputError, match="needs a target column"):
        train(daily, TrainingSpec(algorithm="hmm_tagger", params={}, target=None))
    numbers = daily.head(10).assign(tags=range(10))
    with pytest.raises(InvalidInputError, match="'tags' must hold space-separated"):
        train(numbers, spec)


def test_text_column_encoder_state_and_frames() -> None:
    encoder = TextColumnEncoder().fit(pd.DataFrame({"t": ["a b", None]}), ["t"])
    state = encoder.to_dict()
    assert state["kind"] == "text" and state["missing_in_training"] is True
    again = TextColumnEncoder.from_dict(state)
    assert again.transform_frame(pd.DataFrame({"t": ["x", None], "o": [1, 2]})) == [
        "x",
        "",
    ]
    assert again.feature_names_out == ["t"]
    with pytest.raises(InvalidInputError, match="unknown column 'o'"):
        again.transform_records([{"t": "x", "o": 1}])
    with pytest.raises(InvalidInputError, match="missing column 't'"):
        again.transform_frame(pd.DataFrame({"o": [1]}))


def test_run_request_validation_checks_text_columns() -> None:
    version = SimpleNamespace(
        columns=[
            {"name": "tokens", "logical_type": "string"},
            {"name": "tags", "logical_type": "string"},
            {"name": "n", "logical_type": "integer"},
        ]
    )

    def request(**fields: object) -> RunCreate:
        return RunCreate.model_validate({"dataset": "d", **fields})

    assert _validate(request(algorithm="crf_tagger", target="tags"), version)[0] == (
        "sequence_labeling"
    )
    with pytest.raises(InvalidInputError, match="needs a target column"):
        _validate(request(algorithm="hmm_tagger"), version)
    with pytest.raises(InvalidInputError, match="exactly one text column; got 2"):
        _validate(request(algorithm="lda"), version)
    with pytest.raises(InvalidInputError, match="'n' must hold text"):
        _validate(request(algorithm="lda", features=["n"]), version)
    with pytest.raises(InvalidInputError, match="'n' must hold space-separated"):
        _validate(request(algorithm="hmm_tagger", target="n"), version)
