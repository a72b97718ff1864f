"""``BiLstmCrfTagger``: vocabularies, fitting, Viterbi tagging and storage."""

from __future__ import annotations

import itertools
import json
import math
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
from sklearn.exceptions import NotFittedError

from loom.algorithms.neural.bilstm_crf_network import (
    PAD,
    UNK,
    BucketTrainer,
    NegativeLogLikelihood,
    TaggerNetwork,
    tag_metric,
)
from loom.algorithms.neural.crf_layer import bio_forbidden
from loom.algorithms.neural.estimator import (
    fitted_state,
    history_report,
    json_safe,
    load_weights,
    save_weights,
    trainer_config,
)
from loom.algorithms.neural.training_loop import EpochCallback, seed_everything
from loom.algorithms.text.tokenize import split_tagged
from loom.core.errors import InvalidInputError

STATE_FILE = "bilstm_crf.json"
MAX_CHARS = 10  # characters per token read by the character encoder
PREDICT_BATCH = 128


class BiLstmCrfTagger:
    """Sentence tagger with ``fit(texts, tag_texts)`` / ``predict(texts)``.

    Sentences are strings of space-separated tokens (tags likewise), as for
    ``crf_tagger``. The vocabularies come from the training sentences only;
    words below ``min_count`` and unseen words read as ``<unk>``. Training
    minimises the CRF's negative log-likelihood with ``Trainer``; with early
    stopping a seeded share of sentences is held out and the epoch with the
    best validation entity F1 is kept.

    Attributes the caller may set before ``fit``: ``on_epoch`` and
    ``should_stop`` (as for ``NeuralEstimator``).
    """

    def __init__(self, params: dict[str, Any], seed: int = 0) -> None:
        self.params = dict(params)
        self.seed = seed
        self.on_epoch: EpochCallback | None = None
        self.should_stop: Callable[[], bool] | None = None
        self.state: dict[str, Any] = {}
        self.network_: TaggerNetwork | None = None

    # -- vocabularies and tensors ---------------------------------------------

    def _build_vocab(self, sentences: list[list[str]], tags: list[list[str]]) -> None:
        counts = Counter(w for row in sentences for w in row)
        chars = Counter(c for w in counts for c in w)
        self.tags_ = sorted({t for row in tags for t in row})
        self.vocab_ = sorted(
            w for w, n in counts.items() if n >= self.params["min_count"]
        )
        self.chars_ = sorted(chars) if self.params["char_features"] else []
        self._index()

    def _index(self) -> None:
        self._words = {w: i + 2 for i, w in enumerate(self.vocab_)}
        self._chars = {c: i + 2 for i, c in enumerate(self.chars_)}

    def _encode(self, sentences: Sequence[list[str]]) -> torch.Tensor:
        """(N, T, 1 + C) word and character ids, PAD beyond each sentence."""
        width = 1 + (MAX_CHARS if self.chars_ else 0)
        longest = max(len(s) for s in sentences)
        ids = torch.zeros(len(sentences), longest, width, dtype=torch.long)
        for i, sentence in enumerate(sentences):
            ids[i, : len(sentence), 0] = torch.tensor(
                [self._words.get(w, UNK) for w in sentence]
            )
            if self.chars_:
                for t, word in enumerate(sentence):
                    codes = [self._chars.get(c, UNK) for c in word[:MAX_CHARS]]
                    ids[i, t, 1 : 1 + len(codes)] = torch.tensor(codes)
        return ids

    def _targets(self, tags: Sequence[list[str]], longest: int) -> torch.Tensor:
        index = {t: j for j, t in enumerate(self.tags_)}
        target = torch.full((len(tags), longest), -1, dtype=torch.long)
        for i, row in enumerate(tags):
            target[i, : len(row)] = torch.tensor([index[t] for t in row])
        return target

    def _forbidden(self, tags: list[list[str]]) -> tuple[torch.Tensor, torch.Tensor]:
        """BIO-impossible moves, minus any the training tags actually make."""
        k = len(self.tags_)
        if not self.params["constrain_bio"]:
            return torch.zeros(k, dtype=torch.bool), torch.zeros(k, k, dtype=torch.bool)
        start, trans = bio_forbidden(self.tags_)
        index = {t: j for j, t in enumerate(self.tags_)}
        for row in tags:
            start[index[row[0]]] = False
            for a, b in itertools.pairwise(row):
                trans[index[a], index[b]] = False
        return start, trans

    def _network(self, forbidden: tuple[torch.Tensor, torch.Tensor]) -> TaggerNetwork:
        sizes = {
            "words": len(self.vocab_) + 2,
            "chars": len(self.chars_) + 2,
            "tags": len(self.tags_),
        }
        return TaggerNetwork(sizes, self.params, forbidden)

    # -- fitting ----------------------------------------------------------------

    def fit(self, X: Sequence[str], y: Sequence[str]) -> BiLstmCrfTagger:
        """Fit on sentences of space-separated tokens and matching tags.

        Raises:
            InvalidInputError: a sentence whose tag count differs from its
                tokens, or no sentence with a token.
        """
        sentences, tags = split_tagged(list(X), list(y))
        pairs = [(s, t) for s, t in zip(sentences, tags, strict=True) if s]
        if not pairs:
            raise InvalidInputError(
                "bilstm_crf_tagger needs at least 1 tagged sentence"
            )
        sentences, tags = [s for s, _ in pairs], [t for _, t in pairs]
        self._build_vocab(sentences, tags)
        forbidden = self._forbidden(tags)
        ids = self._encode(sentences)
        target = self._targets(tags, ids.shape[1])
        train, val = self._split(len(sentences))
        seed_everything(self.seed)
        network = self._network(forbidden)
        trainer = self._trainer(network, [tags[i] for i in val] if val else None)
        history = trainer.fit(
            ids[train],
            target[train],
            ids[val] if val else None,
            target[val] if val else None,
        )
        self.state = {
            "forbidden_start": forbidden[0].tolist(),
            "forbidden_trans": forbidden[1].tolist(),
            **fitted_state(history, trainer.device),
        }
        self.network_ = network.cpu().eval()
        return self

    def _split(self, n: int) -> tuple[list[int], list[int]]:
        """Training and validation sentences (seeded; none without early stopping)."""
        if not self.params["early_stopping"] or n < 2:
            return list(range(n)), []
        n_val = min(n - 1, math.ceil(self.params["validation_fraction"] * n))
        order = torch.randperm(n, generator=torch.Generator().manual_seed(self.seed))
        return sorted(order[n_val:].tolist()), sorted(order[:n_val].tolist())

    def _trainer(
        self, network: TaggerNetwork, val_tags: list[list[str]] | None
    ) -> BucketTrainer:
        config = trainer_config(self.params, self.seed)
        metric, name = None, "metric"
        if val_tags is not None:
            from loom.training import sequence_metrics

            entity_tags = self.params["entity_tags"]
            entities = bool(
                sequence_metrics.entity_report(val_tags, val_tags, entity_tags)[0]
            )
            metric = tag_metric(network.crf, self.tags_, entity_tags, entities)
            name = "entity_f1" if entities else "token_accuracy"
        return BucketTrainer(
            network,
            NegativeLogLikelihood(network.crf),
            config,
            metric=metric,
            metric_name=name,
            higher_is_better=True,
            on_epoch=self.on_epoch,
            should_stop=self.should_stop,
        )

    # -- predicting ---------------------------------------------------------------

    def predict(self, X: Sequence[str]) -> list[list[str]]:
        """The Viterbi tag sequence of each sentence (space-separated tokens)."""
        if self.network_ is None:
            raise NotFittedError("this BiLstmCrfTagger is not fitted yet")
        sentences = [str(text).split() for text in X]
        result: list[list[str]] = [[] for _ in sentences]
        order = sorted(
            (i for i, s in enumerate(sentences) if s), key=lambda i: len(sentences[i])
        )
        with torch.no_grad():
            for begin in range(0, len(order), PREDICT_BATCH):
                chunk = order[begin : begin + PREDICT_BATCH]
                ids = self._encode([sentences[i] for i in chunk])
                emissions = self.network_(ids)
                mask = ids[:, : emissions.shape[1], 0] != PAD
                for i, path in zip(
                    chunk, self.network_.crf.decode(emissions, mask), strict=True
                ):
                    result[i] = [self.tags_[j] for j in path]
        return result

    # -- export -------------------------------------------------------------------

    def export_module(self) -> Any:
        """Ids ``(batch, length, 1 + C)`` in, per-token emissions out; the CRF
        scores and vocabularies ride along (Viterbi runs outside the graph)."""
        if self.network_ is None:
            raise NotFittedError("this BiLstmCrfTagger is not fitted yet")
        from loom.algorithms.neural.text_export import tagger_export_spec

        return tagger_export_spec(self, MAX_CHARS)

    # -- reporting and storage ----------------------------------------------------

    def report(self) -> dict[str, Any]:
        """Layer parameter counts, per-epoch history and best epoch."""
        if self.network_ is None:
            raise NotFittedError("this BiLstmCrfTagger is not fitted yet")
        layers = [
            {
                "layer": name,
                "type": type(module).__name__,
                "parameters": sum(p.numel() for p in module.parameters()),
            }
            for name, module in self.network_.named_children()
        ]
        return {
            "summary": {
                "layers": layers,
                "total_parameters": sum(p.numel() for p in self.network_.parameters()),
            },
            **history_report(self.state),
            "vocabulary_size": len(self.vocab_),
        }

    def save(self, directory: Path) -> None:
        """``state_dict`` to ``weights.pt``; vocabularies, tags and settings to JSON."""
        if self.network_ is None:
            raise NotFittedError("cannot save an unfitted BiLstmCrfTagger")
        save_weights(self.network_, directory)
        saved = {
            "params": self.params,
            "seed": self.seed,
            "vocab": self.vocab_,
            "chars": self.chars_,
            "tags": self.tags_,
            "state": self.state,
        }
        text = json.dumps(json_safe(saved), ensure_ascii=False, allow_nan=False)
        (directory / STATE_FILE).write_text(text, encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> BiLstmCrfTagger:
        """Rebuild the network from the JSON and load its weights (``weights_only``)."""
        saved = json.loads((directory / STATE_FILE).read_text(encoding="utf-8"))
        tagger = cls(saved["params"], saved["seed"])
        tagger.vocab_, tagger.chars_ = saved["vocab"], saved["chars"]
        tagger.tags_, tagger.state = saved["tags"], saved["state"]
        tagger._index()
        forbidden = (
            torch.tensor(tagger.state["forbidden_start"], dtype=torch.bool),
            torch.tensor(tagger.state["forbidden_trans"], dtype=torch.bool),
        )
        tagger.network_ = load_weights(tagger._network(forbidden), directory)
        return tagger
