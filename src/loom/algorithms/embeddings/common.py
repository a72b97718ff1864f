"""What every embedding estimator shares: the ``embed`` contract and word queries.

Word models (word2vec, fastText) map tokens to vectors and embed a text as the
mean of its token vectors; document models (TF-IDF, sentence encoders) embed a
whole text at once. Both answer ``similarity`` as the cosine of two embeddings,
and word models also answer ``most_similar`` (neighbours and analogies).
"""

from __future__ import annotations

import abc
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from loom.algorithms.text.tokenize import Tokenizer, tokenize_all
from loom.core.errors import InvalidInputError

SETTINGS_FILE = "embedding.json"
EmbeddingKind = Literal["word", "document"]


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity; 0.0 when either vector is all zeros (nothing known)."""
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.dot(a, b) / norm) if norm > 0 else 0.0


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (zero rows stay zero)."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def write_settings(estimator: BaseEstimator, directory: Path, **extra: Any) -> None:
    """The estimator's constructor arguments (and ``extra`` state) as JSON."""
    state = {"params": estimator.get_params(), **extra}
    (directory / SETTINGS_FILE).write_text(json.dumps(state))


def read_settings(directory: Path) -> dict[str, Any]:
    """What ``write_settings`` wrote."""
    state: dict[str, Any] = json.loads((directory / SETTINGS_FILE).read_text())
    return state


class EmbeddingModel(BaseEstimator, abc.ABC):  # type: ignore[misc]
    """An unsupervised model mapping texts to fixed-length float32 vectors."""

    kind: ClassVar[EmbeddingKind]

    @abc.abstractmethod
    def fit(self, X: Sequence[str], y: Any = None) -> EmbeddingModel:
        """Learn from raw documents (``y`` is ignored: embeddings are unsupervised)."""

    @abc.abstractmethod
    def _embed(self, texts: list[str]) -> np.ndarray:
        """The embeddings of already-fitted ``texts``."""

    @property
    @abc.abstractmethod
    def dimension(self) -> int:
        """Length of every vector."""

    def _fitted_marker(self) -> str:
        return "model_"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One float32 vector per text, shape ``(n, dimension)``.

        Raises:
            NotFittedError: called before ``fit``.
        """
        check_is_fitted(self, self._fitted_marker())
        items = [t if isinstance(t, str) else "" for t in texts]
        if not items:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.asarray(self._embed(items), dtype=np.float32)

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """The catalog's scoring verb: the same as ``embed``."""
        return self.embed(texts)

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of the embeddings of two texts."""
        vectors = self.embed([a, b])
        return cosine(vectors[0], vectors[1])


class WordEmbeddingModel(EmbeddingModel):
    """Token vectors; a text is the mean of the vectors of its known tokens.

    Subclasses give the vocabulary (most frequent first), the vector matrix in
    that order, and ``word_vector`` (None for a word the model cannot answer).
    """

    kind: ClassVar[EmbeddingKind] = "word"
    tokenizer: Tokenizer

    @abc.abstractmethod
    def vocabulary(self) -> list[str]:
        """Every in-vocabulary word, most frequent first."""

    @abc.abstractmethod
    def vectors(self) -> np.ndarray:
        """``(vocabulary_size, dimension)`` vectors in ``vocabulary()`` order."""

    @abc.abstractmethod
    def word_vector(self, word: str) -> np.ndarray | None:
        """The vector of ``word``; None when the model cannot answer it."""

    @property
    def vocabulary_size(self) -> int:
        """Number of in-vocabulary words."""
        check_is_fitted(self, self._fitted_marker())
        return len(self.vocabulary())

    def tokens(self, texts: Sequence[str]) -> list[list[str]]:
        """The texts as token lists, with this model's tokenizer."""
        return tokenize_all(list(texts), self.tokenizer)

    def _embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, tokens in enumerate(self.tokens(texts)):
            found = [v for v in map(self.word_vector, tokens) if v is not None]
            if found:
                out[i] = np.mean(found, axis=0)
        return out

    def require_vector(self, word: str) -> np.ndarray:
        """The vector of ``word`` (lower-cased, as training tokens are).

        Raises:
            InvalidInputError: the model has no vector for the word.
        """
        check_is_fitted(self, self._fitted_marker())
        vector = self.word_vector(word.strip().lower())
        if vector is None:
            raise InvalidInputError(
                f"word '{word}' is not in the vocabulary ({self.vocabulary_size} words)"
            )
        return vector

    def most_similar(
        self,
        positive: Sequence[str],
        negative: Sequence[str] = (),
        topn: int = 10,
    ) -> list[tuple[str, float]]:
        """Nearest vocabulary words to ``sum(positive) - sum(negative)`` (cosine).

        With ``negative`` this answers analogies: ``positive=[king, woman],
        negative=[man]`` looks for queen. Unit vectors are summed (gensim's
        3CosAdd) and the query words themselves are left out.

        Raises:
            InvalidInputError: no positive word, or a word without a vector.
        """
        if not positive:
            raise InvalidInputError("give at least one positive word")
        query = np.zeros(self.dimension, dtype=np.float64)
        for sign, words in ((1.0, positive), (-1.0, negative)):
            for word in words:
                vector = self.require_vector(word).astype(np.float64)
                norm = np.linalg.norm(vector)
                query += sign * (vector / norm if norm > 0 else vector)
        scores = unit_rows(self.vectors().astype(np.float64)) @ query
        norm = np.linalg.norm(query)
        scores = scores / norm if norm > 0 else scores
        asked = {w.strip().lower() for w in (*positive, *negative)}
        words = self.vocabulary()
        found: list[tuple[str, float]] = []
        for index in np.argsort(-scores, kind="stable"):
            if words[index] not in asked:
                found.append((words[index], float(scores[index])))
            if len(found) >= topn:
                break
        return found

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two words.

        Raises:
            InvalidInputError: a word without a vector.
        """
        return cosine(self.require_vector(a), self.require_vector(b))

    def keyed_vectors(self) -> Any:
        """The vocabulary as gensim ``KeyedVectors`` (for gensim's evaluations)."""
        from gensim.models import KeyedVectors

        keyed = KeyedVectors(vector_size=self.dimension)
        keyed.add_vectors(self.vocabulary(), self.vectors())
        return keyed


class DocumentEmbeddingModel(EmbeddingModel):
    """A model that embeds whole texts (no word vocabulary to query)."""

    kind: ClassVar[EmbeddingKind] = "document"
