"""fastText subword word embeddings (the ``fasttext`` package), answering OOV words."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.embeddings.common import (
    WordEmbeddingModel,
    read_settings,
    write_settings,
)
from loom.algorithms.registry import register
from loom.algorithms.text.tokenize import Tokenizer
from loom.core.errors import InvalidInputError

MODEL_FILE = "fasttext.bin"


class FastTextVectorParams(BaseModel):
    """Parameters of ``fasttext_vectors``; names follow the fastText CLI."""

    model_config = ConfigDict(extra="forbid")

    architecture: Literal["skipgram", "cbow"] = Field(
        "skipgram", description="skipgram or cbow, as in word2vec."
    )
    dim: int = Field(100, ge=2, le=1_000, description="Vector dimension.")
    epoch: int = Field(5, ge=1, le=500, description="Passes over the corpus.")
    lr: float = Field(0.05, ge=1e-4, le=5.0, description="Initial learning rate.")
    ws: int = Field(5, ge=1, le=50, description="Context window on each side.")
    min_count: int = Field(
        2, ge=1, le=10_000, description="Ignore words seen fewer times than this."
    )
    minn: int = Field(
        3, ge=0, le=10, description="Shortest character n-gram (0: no subwords)."
    )
    maxn: int = Field(6, ge=0, le=10, description="Longest character n-gram.")
    bucket: int = Field(
        100_000,
        ge=1_000,
        le=10_000_000,
        description="Hash buckets shared by the character n-grams.",
    )
    tokenizer: Tokenizer = Field(
        "auto",
        description="auto: jieba for text with Chinese characters, else lower-cased "
        "words without English stop words; whitespace: split on spaces; jieba.",
    )

    @model_validator(mode="after")
    def _ngram_range(self) -> FastTextVectorParams:
        if self.maxn and self.maxn < self.minn:
            raise ValueError(f"maxn ({self.maxn}) must be >= minn ({self.minn})")
        return self


class FastTextVectors(WordEmbeddingModel):
    """fastText word vectors: a word is the mean of its character n-gram vectors.

    That makes an out-of-vocabulary word (a typo, an unseen inflection) answer
    with a vector built from the n-grams it shares with known words.

    Trained with gensim's implementation of the fastText algorithm, not the
    ``fasttext`` package: with one thread that package initialises only a
    tenth of its input matrix (``DenseMatrix::uniform`` fills one block per
    thread) and the rest is left as it was, so runs differed and sometimes
    diverged to NaN; with several threads training is order-dependent.
    gensim (one worker, seeded) is reproducible, and the model is still saved
    in fastText's own ``.bin`` format, which the ``fasttext`` package loads.
    """

    def __init__(
        self,
        architecture: str = "skipgram",
        dim: int = 100,
        epoch: int = 5,
        lr: float = 0.05,
        ws: int = 5,
        min_count: int = 2,
        minn: int = 3,
        maxn: int = 6,
        bucket: int = 100_000,
        tokenizer: Tokenizer = "auto",
        random_state: int = 0,
    ) -> None:
        self.architecture = architecture
        self.dim = dim
        self.epoch = epoch
        self.lr = lr
        self.ws = ws
        self.min_count = min_count
        self.minn = minn
        self.maxn = maxn
        self.bucket = bucket
        self.tokenizer = tokenizer
        self.random_state = random_state

    def fit(self, X: Sequence[str], y: Any = None) -> FastTextVectors:
        """Train on raw documents.

        Raises:
            InvalidInputError: no word is seen ``min_count`` times.
        """
        from gensim.models import FastText

        sentences = [t for t in self.tokens(X) if t]
        model = FastText(
            vector_size=self.dim,
            window=self.ws,
            min_count=self.min_count,
            sg=int(self.architecture == "skipgram"),
            alpha=self.lr,
            min_n=self.minn,
            max_n=self.maxn if self.minn else 0,
            bucket=self.bucket,
            workers=1,
            seed=self.random_state,
        )
        model.build_vocab(sentences)
        if not model.wv.index_to_key:
            raise InvalidInputError(
                f"no word occurs min_count={self.min_count} times "
                f"in {len(sentences)} documents; lower min_count or add text"
            )
        model.train(sentences, total_examples=model.corpus_count, epochs=self.epoch)
        self.model_ = model
        return self

    @property
    def dimension(self) -> int:
        """The vector size."""
        return int(self.dim)

    def vocabulary(self) -> list[str]:
        """Words, most frequent first."""
        return list(self.model_.wv.index_to_key)

    def vectors(self) -> np.ndarray:
        """In-vocabulary word vectors, in vocabulary order."""
        return np.asarray(self.model_.wv.vectors)

    def word_vector(self, word: str) -> np.ndarray | None:
        """Any word's vector; unknown words are built from their subwords.

        None only when the word is unknown and has no n-gram (subwords off).
        """
        wv = self.model_.wv
        if word in wv.key_to_index:
            return np.asarray(wv.vectors[wv.key_to_index[word]])
        if not self.minn:
            return None
        vector = np.asarray(wv.get_vector(word))
        return vector if np.any(vector) else None

    def in_vocabulary(self, word: str) -> bool:
        """Whether ``word`` was seen ``min_count`` times while training."""
        return word in self.model_.wv.key_to_index


@register
class FastTextVectorAlgorithm(Algorithm):
    """fastText subword embeddings (Bojanowski et al. 2017).

    Saved in fastText's own ``.bin`` format plus JSON settings (no pickle).
    """

    name: ClassVar[str] = "fasttext_vectors"
    task: ClassVar[Task] = Task.EMBEDDING
    summary: ClassVar[str] = (
        "fastText subword word embeddings; answers out-of-vocabulary words."
    )
    Params: ClassVar[type[BaseModel]] = FastTextVectorParams

    def build(self, params: BaseModel, seed: int) -> FastTextVectors:
        """An unfitted ``FastTextVectors`` seeded with ``seed``."""
        assert isinstance(params, FastTextVectorParams)
        return FastTextVectors(**params.model_dump(), random_state=seed)

    def save_estimator(self, estimator: Any, directory: Path) -> None:
        """fastText's ``.bin`` format and the JSON settings."""
        from gensim.models.fasttext import save_facebook_model

        save_facebook_model(estimator.model_, str(directory / MODEL_FILE))
        write_settings(estimator, directory)

    def load_estimator(self, directory: Path) -> FastTextVectors:
        """Read the ``.bin`` with gensim's fastText reader (no pickle)."""
        from gensim.models.fasttext import load_facebook_model

        estimator = FastTextVectors(**read_settings(directory)["params"])
        estimator.model_ = load_facebook_model(str(directory / MODEL_FILE))
        return estimator
