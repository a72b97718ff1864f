"""word2vec word embeddings (gensim): CBOW or skip-gram, negative sampling or HS."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.embeddings.common import (
    WordEmbeddingModel,
    read_settings,
    write_settings,
)
from loom.algorithms.registry import register
from loom.algorithms.text.tokenize import Tokenizer
from loom.core.errors import InvalidInputError

VECTORS_FILE = "word2vec.bin"
MIN_ALPHA = 0.0001
EpochCallback = Callable[[int, dict[str, float]], None]


class Word2VecParams(BaseModel):
    """Parameters of ``word2vec``; names follow gensim's where they exist."""

    model_config = ConfigDict(extra="forbid")

    architecture: Literal["cbow", "skipgram"] = Field(
        "cbow",
        description="cbow predicts a word from its context (fast); skipgram "
        "predicts the context from the word (better for rare words).",
    )
    objective: Literal["negative_sampling", "hierarchical_softmax"] = Field(
        "negative_sampling",
        description="Output layer: sampled negative words, or a Huffman-tree softmax.",
    )
    negative: int = Field(
        5,
        ge=1,
        le=50,
        description="Noise words drawn per positive (negative sampling).",
    )
    window: int = Field(5, ge=1, le=50, description="Context words on each side.")
    min_count: int = Field(
        2, ge=1, le=10_000, description="Ignore words seen fewer times than this."
    )
    vector_size: int = Field(100, ge=2, le=1_000, description="Vector dimension.")
    epochs: int = Field(
        30,
        ge=1,
        le=500,
        description="Passes over the corpus (small corpora need many; large ones few).",
    )
    alpha: float = Field(
        0.025, ge=1e-5, le=1.0, description="Initial learning rate (decays linearly)."
    )
    sample: float = Field(
        1e-3,
        ge=0.0,
        le=1.0,
        description="Down-sampling threshold for very frequent words (0: off).",
    )
    workers: int = Field(
        1,
        ge=1,
        le=64,
        description="Training threads; 1 (the default) makes runs reproducible "
        "for a seed, more threads are faster but order-dependent.",
    )
    tokenizer: Tokenizer = Field(
        "auto",
        description="auto: jieba for text with Chinese characters, else lower-cased "
        "words without English stop words; whitespace: split on spaces; jieba.",
    )


class Word2VecEmbedding(WordEmbeddingModel):
    """gensim ``Word2Vec`` trained one epoch at a time.

    gensim's callbacks cannot end training early, so ``fit`` calls ``train``
    once per epoch with that epoch's slice of the linear learning-rate decay
    (the same schedule as one multi-epoch call), reads the epoch's loss
    (``compute_loss=True``; gensim resets it per ``train`` call), reports it to
    ``on_epoch`` and checks ``should_stop`` before the next epoch. Only the word
    vectors are kept (``KeyedVectors``): that is all a served model needs.
    """

    def __init__(
        self,
        architecture: str = "cbow",
        objective: str = "negative_sampling",
        negative: int = 5,
        window: int = 5,
        min_count: int = 2,
        vector_size: int = 100,
        epochs: int = 30,
        alpha: float = 0.025,
        sample: float = 1e-3,
        workers: int = 1,
        tokenizer: Tokenizer = "auto",
        random_state: int = 0,
    ) -> None:
        self.architecture = architecture
        self.objective = objective
        self.negative = negative
        self.window = window
        self.min_count = min_count
        self.vector_size = vector_size
        self.epochs = epochs
        self.alpha = alpha
        self.sample = sample
        self.workers = workers
        self.tokenizer = tokenizer
        self.random_state = random_state
        self.on_epoch: EpochCallback | None = None
        self.should_stop: Callable[[], bool] | None = None

    def fit(self, X: Sequence[str], y: Any = None) -> Word2VecEmbedding:
        """Train on raw documents.

        Raises:
            InvalidInputError: no word is seen ``min_count`` times.
        """
        from gensim.models import Word2Vec

        sentences = [t for t in self.tokens(X) if t]
        hs = self.objective == "hierarchical_softmax"
        model = Word2Vec(
            vector_size=self.vector_size,
            window=self.window,
            min_count=self.min_count,
            sg=int(self.architecture == "skipgram"),
            hs=int(hs),
            negative=0 if hs else self.negative,
            alpha=self.alpha,
            min_alpha=MIN_ALPHA,
            sample=self.sample,
            workers=self.workers,
            seed=self.random_state,
            compute_loss=True,
        )
        model.build_vocab(sentences)
        if not model.wv.index_to_key:
            raise InvalidInputError(
                f"no word occurs min_count={self.min_count} times "
                f"in {len(sentences)} documents; lower min_count or add text"
            )
        self.epoch_losses_: list[float] = []
        self._train_epochs(model, sentences)
        self.model_ = model.wv
        return self

    def _train_epochs(self, model: Any, sentences: list[list[str]]) -> None:
        step = (self.alpha - MIN_ALPHA) / self.epochs
        for epoch in range(self.epochs):
            if epoch and self.should_stop is not None and self.should_stop():
                break
            start = self.alpha - step * epoch
            model.train(
                sentences,
                total_examples=model.corpus_count,
                epochs=1,
                start_alpha=start,
                end_alpha=start - step,
                compute_loss=True,
            )
            loss = float(model.get_latest_training_loss())
            self.epoch_losses_.append(loss)
            if self.on_epoch is not None:
                self.on_epoch(epoch, {"train_loss": loss, "lr": start})

    @property
    def dimension(self) -> int:
        """The vector size."""
        return int(self.vector_size)

    def vocabulary(self) -> list[str]:
        """Words, most frequent first (gensim's order)."""
        return list(self.model_.index_to_key)

    def vectors(self) -> np.ndarray:
        """The word vectors, in vocabulary order."""
        return np.asarray(self.model_.vectors)

    def word_vector(self, word: str) -> np.ndarray | None:
        """The word's vector; None for an out-of-vocabulary word."""
        index = self.model_.key_to_index.get(word)
        return None if index is None else np.asarray(self.model_.vectors[index])

    def most_similar(
        self, positive: Sequence[str], negative: Sequence[str] = (), topn: int = 10
    ) -> list[tuple[str, float]]:
        """gensim's ``most_similar`` (3CosAdd); see the base class for errors."""
        if not positive:
            raise InvalidInputError("give at least one positive word")
        for word in (*positive, *negative):
            self.require_vector(word)
        found = self.model_.most_similar(
            positive=[w.strip().lower() for w in positive],
            negative=[w.strip().lower() for w in negative],
            topn=topn,
        )
        return [(str(w), float(s)) for w, s in found]


@register
class Word2VecAlgorithm(Algorithm):
    """word2vec: dense word vectors from a word's contexts (Mikolov et al. 2013).

    Saved as gensim's binary word2vec format plus JSON settings: nothing is
    unpickled when loading.
    """

    name: ClassVar[str] = "word2vec"
    task: ClassVar[Task] = Task.EMBEDDING
    summary: ClassVar[str] = (
        "word2vec word embeddings (gensim): CBOW or skip-gram over one text column."
    )
    Params: ClassVar[type[BaseModel]] = Word2VecParams

    def build(self, params: BaseModel, seed: int) -> Word2VecEmbedding:
        """An unfitted ``Word2VecEmbedding`` seeded with ``seed``."""
        assert isinstance(params, Word2VecParams)
        return Word2VecEmbedding(**params.model_dump(), random_state=seed)

    def save_estimator(self, estimator: Any, directory: Path) -> None:
        """Binary word2vec vectors and the JSON settings (with the epoch losses)."""
        estimator.model_.save_word2vec_format(
            str(directory / VECTORS_FILE), binary=True
        )
        write_settings(estimator, directory, epoch_losses=estimator.epoch_losses_)

    def load_estimator(self, directory: Path) -> Word2VecEmbedding:
        """Read the vectors back with ``load_word2vec_format`` (no pickle)."""
        from gensim.models import KeyedVectors

        state = read_settings(directory)
        estimator = Word2VecEmbedding(**state["params"])
        estimator.epoch_losses_ = list(state.get("epoch_losses", []))
        estimator.model_ = KeyedVectors.load_word2vec_format(
            str(directory / VECTORS_FILE), binary=True
        )
        return estimator
