"""What the taggers share: the ``entity_tags`` choice and the CRF token features."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field

EntityTags = Literal["nr,ns,nt", "nr,ns,nt,nz", "all"]

ENTITY_TAGS_DESCRIPTION = (
    "Tags scored as entities when the tags are not BIO/BIOES: nr,ns,nt are the "
    "person, place and organisation tags of the People's Daily set (+ nz, other "
    "proper nouns); all scores runs of every tag except O. BIO/BIOES tags always "
    "give their own entity types."
)


def entity_tags_field() -> Any:
    """The ``entity_tags`` parameter both taggers declare (metrics only)."""
    return Field("nr,ns,nt", description=ENTITY_TAGS_DESCRIPTION)


def char_type(token: str) -> str:
    """A coarse character class: digit, cjk, latin, punct or mixed.

    Full-width digits (U+FF10..U+FF19, as in People's Daily dates) count as
    digits; Chinese numerals are left to the token feature itself.
    """
    if token.isdigit():
        return "digit"
    if all("\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf" for c in token):
        return "cjk"
    if token.isascii() and token.isalpha():
        return "latin"
    if all(unicodedata.category(c)[0] in "PS" for c in token):
        return "punct"
    return "mixed"


def token_features(tokens: Sequence[str], i: int, window: int) -> dict[str, Any]:
    """crfsuite features of ``tokens[i]``: the word, its shape and its neighbours.

    String values become indicator features (``name=value``); the neighbours
    within ``window`` tokens are named by their offset, with BOS/EOS markers at
    the sentence edges.
    """
    token = tokens[i]
    word = token.lower()
    features: dict[str, Any] = {
        "bias": 1.0,
        "w": word,
        "p1": word[:1],
        "p2": word[:2],
        "s1": word[-1:],
        "s2": word[-2:],
        "type": char_type(token),
        "len": str(min(len(token), 6)),
    }
    if i == 0:
        features["BOS"] = True
    if i == len(tokens) - 1:
        features["EOS"] = True
    for offset in range(1, window + 1):
        before, after = i - offset, i + offset
        features[f"w-{offset}"] = tokens[before].lower() if before >= 0 else "<s>"
        features[f"w+{offset}"] = (
            tokens[after].lower() if after < len(tokens) else "</s>"
        )
    return features


def sentence_features(tokens: Sequence[str], window: int) -> list[dict[str, Any]]:
    """``token_features`` for every token of one sentence."""
    return [token_features(tokens, i, window) for i in range(len(tokens))]
