"""First-order hidden Markov model tagger: counted or Baum-Welch, Viterbi decoding."""

from __future__ import annotations

import json
import warnings
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.registry import register
from loom.algorithms.text.sequence_features import EntityTags, entity_tags_field
from loom.algorithms.text.tokenize import split_tagged

ARRAYS_FILE = "hmm.npz"
VOCAB_FILE = "hmm.json"
UNK = "<UNK>"
# Baum-Welch can drive a probability to exactly zero; a floor keeps every
# path finite (log 0 would make Viterbi undefined on that sentence).
_FLOOR = 1e-12


class HmmParams(BaseModel):
    """Parameters of ``hmm_tagger``."""

    model_config = ConfigDict(extra="forbid")

    training: Literal["supervised", "baum_welch"] = Field(
        "supervised",
        description=(
            "supervised: smoothed counts from the tagged sentences; baum_welch: "
            "start from those counts, then refine by EM on the same sentences."
        ),
    )
    alpha: float = Field(
        0.01,
        ge=1e-6,
        le=10.0,
        description="Add-alpha smoothing of start, transition and emission counts.",
    )
    n_iter: int = Field(
        1,
        ge=1,
        le=200,
        description=(
            "Baum-Welch iterations (baum_welch only). EM maximises likelihood, not "
            "tagging accuracy: on tagged text each iteration tends to lower it."
        ),
    )
    entity_tags: EntityTags = entity_tags_field()


def _normalise(counts: np.ndarray) -> np.ndarray:
    result: np.ndarray = counts / counts.sum(axis=-1, keepdims=True)
    return result


class HmmTagger(BaseEstimator):  # type: ignore[misc]
    """Tags = hidden states, tokens = emitted symbols; decoded with Viterbi.

    hmmlearn has no supervised fit, so the counting is ours: start, transition
    and emission counts from the tagged sentences, each plus ``alpha``. Words
    unseen in training are mapped to one ``<UNK>`` symbol whose emission count
    per tag is the number of words seen only once (hapax) with that tag, the
    usual estimate of how often each tag produces a new word. ``baum_welch``
    then runs hmmlearn's ``CategoricalHMM.fit`` (EM) from those counts and puts
    the counted ``<UNK>`` column back, since EM never sees that symbol. On the
    People's Daily sample each EM pass costs about 1.5 points of token accuracy
    (Merialdo's 1994 finding: likelihood and tag accuracy part ways), so the
    default is a single pass.
    """

    def __init__(
        self,
        training: str = "supervised",
        alpha: float = 0.01,
        n_iter: int = 1,
        random_state: int = 0,
    ) -> None:
        self.training = training
        self.alpha = alpha
        self.n_iter = n_iter
        self.random_state = random_state

    def fit(self, X: Sequence[str], y: Sequence[str]) -> HmmTagger:
        """Fit on sentences of space-separated tokens and matching tags.

        Raises:
            InvalidInputError: a sentence whose tag count differs from its tokens.
        """
        sentences, tags = split_tagged(list(X), list(y))
        self.tags_ = sorted({t for row in tags for t in row})
        counts = Counter(w for row in sentences for w in row)
        self.vocab_ = sorted(counts)
        self._index_vocab()
        tag_index = {t: j for j, t in enumerate(self.tags_)}
        states = [np.array([tag_index[t] for t in row], dtype=np.int64) for row in tags]
        symbols = [self._encode(row) for row in sentences]
        self._count(states, symbols, [counts[w] == 1 for w in self.vocab_])
        if self.training == "baum_welch":
            self._baum_welch([s for s in symbols if len(s)])
        return self

    def _index_vocab(self) -> None:
        self._word_index = {w: j for j, w in enumerate(self.vocab_)}

    def _encode(self, tokens: Sequence[str]) -> np.ndarray:
        unk = len(self.vocab_)
        return np.array([self._word_index.get(w, unk) for w in tokens], dtype=np.int64)

    def _count(
        self, states: list[np.ndarray], symbols: list[np.ndarray], hapax: list[bool]
    ) -> None:
        n_tags, n_words = len(self.tags_), len(self.vocab_)
        start = np.zeros(n_tags)
        trans = np.zeros((n_tags, n_tags))
        emit = np.zeros((n_tags, n_words + 1))
        for row_states, row_symbols in zip(states, symbols, strict=True):
            if not len(row_states):
                continue
            start[row_states[0]] += 1
            np.add.at(trans, (row_states[:-1], row_states[1:]), 1)
            np.add.at(emit, (row_states, row_symbols), 1)
        emit[:, n_words] = emit[:, np.flatnonzero(hapax)].sum(axis=1)
        self.startprob_ = _normalise(start + self.alpha)
        self.transmat_ = _normalise(trans + self.alpha)
        self.emissionprob_ = _normalise(emit + self.alpha)

    def _hmm(self, n_iter: int = 1) -> Any:
        from hmmlearn.hmm import CategoricalHMM

        model = CategoricalHMM(
            n_components=len(self.tags_),
            n_features=len(self.vocab_) + 1,
            n_iter=n_iter,
            params="ste",
            init_params="",
            random_state=self.random_state,
        )
        model.startprob_ = self.startprob_
        model.transmat_ = self.transmat_
        model.emissionprob_ = self.emissionprob_
        return model

    def _baum_welch(self, symbols: list[np.ndarray]) -> None:
        counted_unk = self.emissionprob_[:, -1].copy()
        model = self._hmm(self.n_iter)
        with warnings.catch_warnings(), np.errstate(divide="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            model.fit(np.concatenate(symbols)[:, None], [len(s) for s in symbols])
        emit = np.maximum(model.emissionprob_, _FLOOR)
        emit[:, -1] = counted_unk
        self.startprob_ = _normalise(np.maximum(model.startprob_, _FLOOR))
        self.transmat_ = _normalise(np.maximum(model.transmat_, _FLOOR))
        self.emissionprob_ = _normalise(emit)

    def predict(self, X: Sequence[str]) -> list[list[str]]:
        """The most likely tag sequence (Viterbi) of each sentence."""
        check_is_fitted(self, "emissionprob_")
        sentences = [str(text).split() for text in X]
        filled = [s for s in sentences if s]
        if not filled:
            return [[] for _ in sentences]
        symbols = [self._encode(s) for s in filled]
        _, states = self._hmm().decode(
            np.concatenate(symbols)[:, None],
            [len(s) for s in symbols],
            algorithm="viterbi",
        )
        decoded = iter(states.tolist())
        return [[self.tags_[next(decoded)] for _ in s] for s in sentences]


@register
class HmmTaggerAlgorithm(Algorithm):
    """``hmm_tagger``: saved as NumPy arrays plus a JSON vocabulary, no pickle."""

    name: ClassVar[str] = "hmm_tagger"
    task: ClassVar[Task] = Task.SEQUENCE_LABELING
    summary: ClassVar[str] = (
        "First-order hidden Markov model tagger (counted or Baum-Welch, Viterbi)."
    )
    Params: ClassVar[type[BaseModel]] = HmmParams

    def build(self, params: BaseModel, seed: int) -> HmmTagger:
        """Return an unfitted ``HmmTagger`` (``entity_tags`` only affects metrics)."""
        assert isinstance(params, HmmParams)
        return HmmTagger(
            training=params.training,
            alpha=params.alpha,
            n_iter=params.n_iter,
            random_state=seed,
        )

    def save_estimator(self, estimator: Any, directory: Path) -> None:
        """Probabilities to ``hmm.npz``; tags, vocabulary and settings to JSON."""
        np.savez(
            directory / ARRAYS_FILE,
            startprob=estimator.startprob_,
            transmat=estimator.transmat_,
            emissionprob=estimator.emissionprob_,
        )
        state = {
            "params": estimator.get_params(),
            "tags": estimator.tags_,
            "vocab": estimator.vocab_,
        }
        (directory / VOCAB_FILE).write_text(json.dumps(state, ensure_ascii=False))

    def load_estimator(self, directory: Path) -> HmmTagger:
        """Rebuild a fitted ``HmmTagger`` from the arrays and the JSON."""
        state = json.loads((directory / VOCAB_FILE).read_text())
        estimator = HmmTagger(**state["params"])
        estimator.tags_ = list(state["tags"])
        estimator.vocab_ = list(state["vocab"])
        estimator._index_vocab()
        with np.load(directory / ARRAYS_FILE, allow_pickle=False) as arrays:
            estimator.startprob_ = arrays["startprob"]
            estimator.transmat_ = arrays["transmat"]
            estimator.emissionprob_ = arrays["emissionprob"]
        return estimator
