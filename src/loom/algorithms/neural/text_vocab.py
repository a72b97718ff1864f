"""``TextVocabulary``: token ids for the neural text classifiers, stored as JSON.

Built from the training documents only (a held-out document's words never
enter it), so evaluation sees unknown words the way serving will. Ids 0, 1 and
2 are ``<pad>``, ``<unk>`` and ``<cls>``; words follow by falling count.
fastText-style models add hashed word n-grams and character n-grams in
``buckets`` extra ids after the words: hashing bounds the table whatever the
corpus size, at the price of rare collisions. The hash is CRC-32, stable
across processes (Python's ``hash`` of a string is salted per process).
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Container, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from loom.algorithms.text.tokenize import Language, all_tokens
from loom.core.errors import InvalidInputError

PAD, UNK, CLS = 0, 1, 2
SPECIALS = ("<pad>", "<unk>", "<cls>")
FORMAT_VERSION = 1
# Cross-validation and train-set scoring tokenise the same documents again;
# jieba costs about a millisecond per review, so recent documents are cached.
TOKEN_CACHE_SIZE = 20_000


@dataclass
class TextVocabulary:
    """Tokeniser settings, the word list and the n-gram hashing scheme.

    Args:
        language: ``auto`` (per document), ``english`` or ``chinese`` (jieba).
        min_count: a word enters the vocabulary after this many occurrences.
        max_vocab: at most this many words (the most frequent) are kept.
        word_ngrams: longest word n-gram hashed into buckets (1 = words only).
        char_ngrams: ``(min, max)`` character n-gram lengths of each word
            (``<word>`` with boundary marks, as fastText); ``(0, 0)`` = none.
        buckets: hash buckets shared by word and character n-grams.
    """

    language: Language = "auto"
    min_count: int = 1
    max_vocab: int = 20_000
    word_ngrams: int = 1
    char_ngrams: tuple[int, int] = (0, 0)
    buckets: int = 0
    words: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._index = {w: i + len(SPECIALS) for i, w in enumerate(self.words)}

    @property
    def size(self) -> int:
        """Ids in use: specials, words and (when hashing) n-gram buckets."""
        return len(SPECIALS) + len(self.words) + self.hashed_buckets

    @property
    def hashed_buckets(self) -> int:
        """Bucket ids after the words; 0 when no n-gram is hashed."""
        hashing = self.word_ngrams > 1 or self.char_ngrams[1] > 0
        return self.buckets if hashing else 0

    def tokens(self, text: str) -> list[str]:
        """The document's tokens (see ``loom.algorithms.text.tokenize.all_tokens``)."""
        return list(_cached_tokens(text, self.language))

    def fit(
        self, documents: Sequence[list[str]], *, known: Container[str] = ()
    ) -> TextVocabulary:
        """Keep the ``max_vocab`` most frequent words seen ``min_count`` times.

        Args:
            documents: the training documents' tokens.
            known: words kept even when rarer than ``min_count`` (those a
                pretrained table has a vector for).

        Raises:
            InvalidInputError: no word reaches ``min_count``.
        """
        counts = Counter(t for doc in documents for t in doc)
        kept = [(w, n) for w, n in counts.items() if n >= self.min_count or w in known]
        kept.sort(key=lambda item: (-item[1], item[0]))
        if not kept:
            raise InvalidInputError(
                f"no token occurs min_count={self.min_count} times in the training "
                "text; lower the 'min_count' parameter"
            )
        self.words = [w for w, _ in kept[: self.max_vocab]]
        self.__post_init__()
        return self

    def extend(self, words: Sequence[str]) -> None:
        """Append the ``words`` not yet in the vocabulary, after the current ones.

        For words no training document need hold (a pretrained table's most
        frequent words); they do not count against ``max_vocab``.
        """
        self.words.extend(w for w in dict.fromkeys(words) if w not in self._index)
        self.__post_init__()

    def word_ids(self, tokens: list[str], max_length: int) -> list[int]:
        """Ids of the first ``max_length`` tokens; an empty document is ``<unk>``."""
        ids = [self._index.get(t, UNK) for t in tokens[:max_length]]
        return ids or [UNK]

    def ngram_ids(self, tokens: list[str], max_length: int) -> list[int]:
        """Word ids, then hashed word n-grams and character n-grams (fastText)."""
        tokens = tokens[:max_length]
        ids = self.word_ids(tokens, max_length)
        offset, buckets = len(SPECIALS) + len(self.words), self.hashed_buckets
        if not buckets:
            return ids
        grams = [
            " ".join(tokens[i : i + n])
            for n in range(2, self.word_ngrams + 1)
            for i in range(len(tokens) - n + 1)
        ]
        low, high = self.char_ngrams
        if high > 0:
            for token in dict.fromkeys(tokens):
                marked = f"<{token}>"
                grams.extend(
                    "#" + marked[i : i + n]
                    for n in range(low, high + 1)
                    for i in range(len(marked) - n + 1)
                )
        ids.extend(offset + zlib.crc32(g.encode()) % buckets for g in grams)
        return ids

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe state: settings and the word list in id order."""
        return {
            "format_version": FORMAT_VERSION,
            "language": self.language,
            "min_count": self.min_count,
            "max_vocab": self.max_vocab,
            "word_ngrams": self.word_ngrams,
            "char_ngrams": list(self.char_ngrams),
            "buckets": self.buckets,
            "words": self.words,
        }

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> TextVocabulary:
        """Rebuild from ``to_dict`` output."""
        low, high = state["char_ngrams"]
        return cls(
            language=state["language"],
            min_count=state["min_count"],
            max_vocab=state["max_vocab"],
            word_ngrams=state["word_ngrams"],
            char_ngrams=(int(low), int(high)),
            buckets=state["buckets"],
            words=list(state["words"]),
        )


@lru_cache(maxsize=TOKEN_CACHE_SIZE)
def _cached_tokens(text: str, language: Language) -> tuple[str, ...]:
    return tuple(all_tokens(text, language))
