"""``TextNeuralEstimator``: raw text in, class probabilities out, tokeniser inside.

It is a ``NeuralEstimator`` whose rows are documents: ``fit`` builds a
``TextVocabulary`` from the training documents, turns each into token ids
(right-padded with ``<pad>`` = 0 up to the longest document, at most
``max_length`` tokens) and trains with the same ``Trainer``, validation split,
seeding, checkpoints and ``on_epoch``/``should_stop`` hooks as the MLP and CNN.
Every network cuts a batch down to its own longest document
(``trim_padding``), so batches are padded per batch, and masks keep padding out
of pooling and attention. The vocabulary is stored as JSON beside the
``state_dict``: nothing is pickled.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.exceptions import NotFittedError
from torch import nn

from loom.algorithms.neural.estimator import NeuralEstimator, history_report
from loom.algorithms.neural.pretrained_vectors import (
    InitialVectors,
    initial_vectors,
    load_table,
)
from loom.algorithms.neural.summary import layer_summary
from loom.algorithms.neural.text_vocab import (
    CLS,
    PAD,
    SPECIALS,
    UNK,
    TextVocabulary,
)
from loom.core.errors import InvalidInputError

VOCAB_FILE = "text_vocab.json"
PREDICT_BATCH = 256


def trim_padding(ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Cut right-padded ids to the batch's longest document.

    Returns:
        ``(ids, mask, lengths)``: ids ``(B, L)`` with ``L`` the longest real
        length, ``mask`` True at real tokens, and each row's length (≥ 1).
    """
    ids = ids.long()
    lengths = (ids != PAD).sum(dim=1).clamp(min=1)
    ids = ids[:, : int(lengths.max())]
    return ids, ids != PAD, lengths


class TextNeuralEstimator(NeuralEstimator):
    """A neural text classifier: ``fit(texts, y)``, ``predict_proba(texts)``.

    Subclasses implement ``build_network(vocab_size, n_outputs)``. Parameters
    read here: ``language``, ``min_count``, ``max_vocab``, ``max_length`` and,
    for n-gram models, ``word_ngrams``, ``char_ngram_min/max``, ``buckets``.
    """

    # True: fastText-style inputs (words + hashed n-grams), False: word sequence.
    bag_of_ngrams: ClassVar[bool] = False
    # True: a ``<cls>`` token opens every document (BERT-style pooling).
    prepend_cls: ClassVar[bool] = False

    def __init__(
        self, params: dict[str, Any], classification: bool = True, seed: int = 0
    ) -> None:
        super().__init__(params, classification, seed)
        self.vocab_: TextVocabulary | None = None
        # Pretrained starting vectors, set by ``fit`` and used once by ``initialise``.
        self._initial: InitialVectors | None = None

    def input_scale(self, X: np.ndarray) -> tuple[list[float], list[float]]:
        """Token ids are categorical: nothing to standardise (never called)."""
        return [], []

    def _vocabulary(self) -> TextVocabulary:
        p = self.params
        return TextVocabulary(
            language=p["language"],
            min_count=p["min_count"],
            max_vocab=p["max_vocab"],
            word_ngrams=p.get("word_ngrams", 1),
            char_ngrams=(p.get("char_ngram_min", 0), p.get("char_ngram_max", 0)),
            buckets=p.get("buckets", 0),
        )

    # -- fitting --------------------------------------------------------------

    def fit(self, X: Any, y: Any) -> TextNeuralEstimator:
        """Build the vocabulary from ``X`` (documents), then train on class codes.

        Raises:
            InvalidInputError: a non-string document, lengths that differ, fewer
                than 2 classes, or no token reaching ``min_count``.
        """
        texts = _texts(X)
        y = np.asarray(y)
        if len(texts) != len(y):
            raise InvalidInputError(
                f"got {len(texts)} documents but {len(y)} target values"
            )
        vocab = self._vocabulary()
        tokens = [vocab.tokens(t) for t in texts]
        self._initial = None
        name = self.params.get("pretrained_embeddings")
        if name:
            table = load_table(name)
            seen = len(vocab.fit(tokens, known=table.index).words)
            vocab.extend(table.words[: self.params.get("pretrained_vocab", 0)])
            self._initial = initial_vectors(
                table, vocab.words, first_word=len(SPECIALS), seen=seen
            )
        else:
            vocab.fit(tokens)
        self.vocab_ = vocab
        self.state = {"n_features": vocab.size}
        if self._initial is not None:
            self.state["pretrained_coverage"] = round(self._initial.coverage, 4)
        targets = self._encode_targets(y)
        self._train(self._ids(tokens), targets, y)
        return self

    def initialise(self, network: nn.Module) -> None:
        """Copy the pretrained vectors into the word table (frozen on request)."""
        if self._initial is None:
            return
        table = network.word_table
        with torch.no_grad():
            rows = torch.from_numpy(self._initial.ids)
            table.weight[rows] = torch.from_numpy(self._initial.vectors)
        table.weight.requires_grad_(not self.params.get("freeze_embeddings", False))

    def _ids(self, tokens: Sequence[list[str]]) -> torch.Tensor:
        """``(n, L)`` right-padded ids, ``L`` the longest encoded document."""
        assert self.vocab_ is not None
        return padded_ids(
            self.vocab_,
            tokens,
            max_length=self.params["max_length"],
            bag_of_ngrams=self.bag_of_ngrams,
            prepend_cls=self.prepend_cls,
        )

    # -- predicting -----------------------------------------------------------

    def _outputs(self, X: Any) -> np.ndarray:
        """Class scores, computed in batches of similar length (then reordered)."""
        if self.network_ is None or self.vocab_ is None:
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet")
        texts = _texts(X)
        ids = self._ids([self.vocab_.tokens(t) for t in texts])
        order = np.argsort(-(ids != PAD).sum(dim=1).numpy(), kind="stable")
        out = np.zeros((len(texts), self.state["n_outputs"]), dtype=np.float64)
        with torch.no_grad():
            for begin in range(0, len(texts), PREDICT_BATCH):
                rows = order[begin : begin + PREDICT_BATCH]
                scores = self.network_(ids[torch.as_tensor(rows)])
                out[rows] = scores.numpy().astype(np.float64)
        return out

    # -- export ---------------------------------------------------------------

    def export_module(self) -> Any:
        """Token ids ``(batch, length)`` in, class probabilities out, vocabulary
        and tokenising facts alongside (see ``text_export``)."""
        if self.network_ is None or self.vocab_ is None:
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet")
        from loom.algorithms.neural.text_export import text_export_spec

        return text_export_spec(self)

    # -- reporting and storage ------------------------------------------------

    def report(self) -> dict[str, Any]:
        """Layer summary, per-epoch history, best epoch and vocabulary size."""
        assert self.network_ is not None
        assert self.vocab_ is not None
        # A row of <unk> ids (zeros would read as padding); recurrent layers
        # over a packed sequence report no shape.
        length = min(self.params["max_length"], 32) + int(self.prepend_cls)
        return {
            "summary": layer_summary(self.network_, torch.full((1, length), UNK)),
            **history_report(self.state),
            "vocab_size": len(self.vocab_.words),
            "pretrained_embeddings": self.params.get("pretrained_embeddings"),
            "pretrained_coverage": self.state.get("pretrained_coverage"),
            "hashed_buckets": self.vocab_.hashed_buckets,
            "language": self.vocab_.language,
            "max_length": self.params["max_length"],
        }

    def save_extra(self, directory: Path) -> None:
        """The vocabulary (tokeniser settings and words) as JSON."""
        assert self.vocab_ is not None
        (directory / VOCAB_FILE).write_text(
            json.dumps(self.vocab_.to_dict(), ensure_ascii=False)
        )

    def load_extra(self, directory: Path) -> None:
        """Read the vocabulary back before the network is rebuilt."""
        state = json.loads((directory / VOCAB_FILE).read_text())
        self.vocab_ = TextVocabulary.from_dict(state)


def padded_ids(
    vocab: TextVocabulary,
    tokens: Sequence[list[str]],
    *,
    max_length: int,
    bag_of_ngrams: bool,
    prepend_cls: bool,
) -> torch.Tensor:
    """``(n, L)`` ids right-padded with ``<pad>``, ``L`` the longest document.

    Shared by training, prediction and ``export.text_ids`` so an exported
    model is fed exactly the ids the estimator saw.
    """
    if bag_of_ngrams:
        rows = [vocab.ngram_ids(t, max_length) for t in tokens]
    else:
        rows = [vocab.word_ids(t, max_length) for t in tokens]
    if prepend_cls:
        rows = [[CLS, *row] for row in rows]
    out = torch.full((len(rows), max(map(len, rows))), PAD, dtype=torch.long)
    for i, row in enumerate(rows):
        out[i, : len(row)] = torch.as_tensor(row, dtype=torch.long)
    return out


def _texts(X: Any) -> list[str]:
    """Documents as a list of strings; a null reads as empty text."""
    if isinstance(X, str):
        raise InvalidInputError("expected a list of documents; got one string")
    texts = []
    for i, value in enumerate(X):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            texts.append("")
        elif isinstance(value, str):
            texts.append(value)
        else:
            raise InvalidInputError(
                f"document {i}: text classifiers read strings; got "
                f"{type(value).__name__} {value!r:.40}"
            )
    return texts
