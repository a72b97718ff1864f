"""Turning raw text into tokens: word regex, whitespace or jieba for Chinese."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache
from typing import Literal

from loom.core.errors import InvalidInputError

Tokenizer = Literal["auto", "whitespace", "jieba"]
Language = Literal["auto", "english", "chinese"]

# CJK Unified Ideographs (+ extension A and the compatibility block): enough to
# tell Chinese text from Latin-script text without a language detector.
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[^\W\d_]{2,}")
# A jieba token is kept when it holds a letter or ideograph (not only digits or
# punctuation) and has two characters or more: single Chinese characters are
# mostly particles (的, 了, 是) that would dominate every topic.
_KEEP = re.compile(r"[^\W\d_]")
# Every word, number and punctuation mark: classifiers need "not", "!" and the
# one-character Chinese words (好, 差) that topic-model tokens leave out.
_TERM = re.compile(r"\w+(?:'\w+)?|[^\w\s]")


def has_cjk(text: str) -> bool:
    """Whether ``text`` contains at least one Chinese (CJK) character."""
    return _CJK.search(text) is not None


@cache
def _stop_words() -> frozenset[str]:
    from gensim.parsing.preprocessing import STOPWORDS

    return frozenset(STOPWORDS)


@cache
def _jieba() -> Callable[[str], list[str]]:
    """jieba's ``lcut``, with its start-up chatter on stderr turned off."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    lcut: Callable[[str], list[str]] = jieba.lcut
    return lcut


def word_tokens(text: str) -> list[str]:
    """Lower-cased words of two letters or more, without gensim's stop words."""
    stop = _stop_words()
    return [w for w in _WORD.findall(text.lower()) if w not in stop]


def jieba_tokens(text: str) -> list[str]:
    """jieba's segmentation, keeping words of two characters or more."""
    words = (w.strip().lower() for w in _jieba()(text))
    stop = _stop_words()
    return [w for w in words if len(w) >= 2 and _KEEP.search(w) and w not in stop]


def whitespace_tokens(text: str) -> list[str]:
    """The text split on whitespace and lower-cased (already tokenised input)."""
    return text.lower().split()


def tokenize(text: str, tokenizer: Tokenizer) -> list[str]:
    """Tokens of one document.

    ``auto`` picks jieba for a document holding Chinese characters and the word
    regex otherwise, per document, so a mixed corpus is handled and a served
    record is tokenised exactly as the training documents were.
    """
    if tokenizer == "whitespace":
        return whitespace_tokens(text)
    if tokenizer == "jieba" or has_cjk(text):
        return jieba_tokens(text)
    return word_tokens(text)


def all_tokens(text: str, language: Language = "auto") -> list[str]:
    """Every lower-cased token of one document, for text classifiers.

    Unlike ``tokenize`` nothing is dropped (stop words, one-letter words and
    punctuation carry sentiment: "not", "!", 好). ``chinese`` segments with
    jieba, ``english`` splits words and punctuation, and ``auto`` decides per
    document by the presence of Chinese characters, so a served record is
    tokenised exactly as the training documents were.
    """
    if language == "chinese" or (language == "auto" and has_cjk(text)):
        return [w for w in (t.strip().lower() for t in _jieba()(text)) if w]
    return _TERM.findall(text.lower())


def tokenize_all(texts: Sequence[str], tokenizer: Tokenizer) -> list[list[str]]:
    """Tokens of every document; a null document gives no tokens."""
    return [tokenize(t, tokenizer) if isinstance(t, str) else [] for t in texts]


def split_tagged(
    texts: Sequence[str], tags: Sequence[str], rows: Sequence[int] | None = None
) -> tuple[list[list[str]], list[list[str]]]:
    """Split space-separated tokens and tags, checking they pair up.

    Args:
        texts: one string of space-separated tokens per sentence.
        tags: one string of space-separated tags per sentence.
        rows: the row number (from 1) of each sentence in the user's table, for
            messages; positions from 1 when not given.

    Raises:
        InvalidInputError: a row whose tag count differs from its token count,
            naming the row (counted from 1) and both counts.
    """
    sentences, labels = [], []
    numbers = rows if rows is not None else range(1, len(texts) + 1)
    for row, text, tag_text in zip(numbers, texts, tags, strict=True):
        tokens, row_tags = str(text).split(), str(tag_text).split()
        if len(tokens) != len(row_tags):
            raise InvalidInputError(
                f"row {row}: {len(tokens)} tokens but {len(row_tags)} tags; "
                "each token needs exactly one tag"
            )
        sentences.append(tokens)
        labels.append(row_tags)
    return sentences, labels
