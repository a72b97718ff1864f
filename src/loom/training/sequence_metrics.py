"""Scoring tag sequences: token accuracy, per-tag F1 and entity-level F1.

Entities are spans of tokens. When every tag is ``O`` or carries a BIO/BIOES
prefix (``B-PER``, ``I-PER``, ``E-PER``, ``S-PER``; BILOU's ``L``/``U`` read as
``E``/``S``) the spans come from the prefixes, CoNLL-style: a span starts at
``B``/``S`` or at an ``I``/``E`` that does not continue a span of the same type.
Otherwise (plain part-of-speech-like tags such as People's Daily's) an entity
is a maximal run of the same tag among the ``entity_tags`` (``nr`` person,
``ns`` place, ``nt`` organisation by default): "江/nr 泽民/nr" is one person.
A predicted entity counts only when its start, end and type all match. The
span code is ours (seqeval is not a dependency).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

Span = tuple[int, int, str]
_PREFIXED = re.compile(r"^([BIESLU])[-_](.+)$")
_ALIASES = {"L": "E", "U": "S"}


def _flat(sequences: Sequence[Sequence[str]]) -> list[str]:
    return [tag for sequence in sequences for tag in sequence]


def token_accuracy(
    true: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]
) -> float:
    """Share of tokens whose predicted tag equals the true one."""
    y, p = _flat(true), _flat(predicted)
    return float(np.mean(np.asarray(y) == np.asarray(p))) if y else 0.0


def _prf(hits: int, n_pred: int, n_true: int) -> tuple[float, float, float]:
    precision = hits / n_pred if n_pred else 0.0
    recall = hits / n_true if n_true else 0.0
    total = precision + recall
    return precision, recall, (2 * precision * recall / total if total else 0.0)


def tag_report(
    true: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Per-tag precision/recall/F1/support and their macro and weighted F1.

    Tags are those of the true sequences (a tag only ever predicted has no
    support and is left out of the averages, as scikit-learn's report does for
    ``labels=`` the true classes).
    """
    y, p = _flat(true), _flat(predicted)
    support = Counter(y)
    n_pred = Counter(p)
    hits = Counter(a for a, b in zip(y, p, strict=True) if a == b)
    rows = []
    for tag in sorted(support):
        precision, recall, f1 = _prf(hits[tag], n_pred[tag], support[tag])
        rows.append(
            {
                "tag": tag,
                "precision": precision,
                "recall": recall,
                "f1": f1,
                "support": support[tag],
            }
        )
    if not rows:
        return [], {}
    f1s = np.array([r["f1"] for r in rows])
    weights = np.array([r["support"] for r in rows], dtype=np.float64)
    return rows, {
        "tag_macro_f1": float(f1s.mean()),
        "tag_weighted_f1": float(np.average(f1s, weights=weights)),
    }


def is_prefixed(tags: Iterable[str]) -> bool:
    """Whether a tag set looks like BIO/BIOES: only ``O`` and prefixed tags."""
    seen = False
    for tag in tags:
        if tag == "O":
            continue
        if not _PREFIXED.match(tag):
            return False
        seen = True
    return seen


def prefixed_spans(tags: Sequence[str]) -> set[Span]:
    """Entity spans ``(start, end_exclusive, type)`` of one BIO/BIOES sequence."""
    spans: set[Span] = set()
    start, kind = -1, ""
    for i, tag in enumerate([*tags, "O"]):
        match = _PREFIXED.match(tag)
        prefix, label = (match.group(1), match.group(2)) if match else ("O", "")
        prefix = _ALIASES.get(prefix, prefix)
        continues = prefix in ("I", "E") and kind == label and start >= 0
        if start >= 0 and not continues:
            spans.add((start, i, kind))
            start, kind = -1, ""
        if prefix in ("B", "S") or (prefix in ("I", "E") and not continues):
            start, kind = i, label
        if prefix in ("E", "S") and start >= 0:
            spans.add((start, i + 1, kind))
            start, kind = -1, ""
    return spans


def run_spans(tags: Sequence[str], entity_types: frozenset[str] | None) -> set[Span]:
    """Maximal runs of one tag among ``entity_types`` (every tag but O if None)."""
    spans: set[Span] = set()
    start = 0
    for i in range(1, len(tags) + 1):
        if i == len(tags) or tags[i] != tags[start]:
            tag = tags[start]
            wanted = tag != "O" if entity_types is None else tag in entity_types
            if wanted:
                spans.add((start, i, tag))
            start = i
    return spans


def entity_types(entity_tags: str) -> frozenset[str] | None:
    """The tags named by an ``entity_tags`` parameter; None stands for "all"."""
    if entity_tags == "all":
        return None
    return frozenset(t.strip() for t in entity_tags.split(",") if t.strip())


def entity_report(
    true: Sequence[Sequence[str]],
    predicted: Sequence[Sequence[str]],
    entity_tags: str = "nr,ns,nt",
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Per-type entity precision/recall/F1/support and micro-averaged metrics.

    Returns:
        ``(rows, metrics)``; both are empty when neither side has an entity.
    """
    prefixed = is_prefixed(_flat(true))
    types = entity_types(entity_tags)
    hits: Counter[str] = Counter()
    n_true: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    for y, p in zip(true, predicted, strict=True):
        if prefixed:
            gold, guess = prefixed_spans(y), prefixed_spans(p)
        else:
            gold, guess = run_spans(y, types), run_spans(p, types)
        n_true.update(kind for _, _, kind in gold)
        n_pred.update(kind for _, _, kind in guess)
        hits.update(kind for _, _, kind in gold & guess)
    rows = []
    for kind in sorted(set(n_true) | set(n_pred)):
        precision, recall, f1 = _prf(hits[kind], n_pred[kind], n_true[kind])
        rows.append(
            {
                "type": kind,
                "precision": precision,
                "recall": recall,
                "f1": f1,
                "support": n_true[kind],
            }
        )
    if not rows:
        return [], {}
    total = _prf(sum(hits.values()), sum(n_pred.values()), sum(n_true.values()))
    names = ("entity_precision", "entity_recall", "entity_f1")
    return rows, dict(zip(names, total, strict=True))


def evaluate(
    true: Sequence[Sequence[str]],
    predicted: Sequence[Sequence[str]],
    entity_tags: str = "nr,ns,nt",
) -> tuple[dict[str, float], dict[str, Any]]:
    """All sequence metrics and the ``tag_report``/``entity_report`` details."""
    tags, tag_metrics = tag_report(true, predicted)
    entities, entity_metrics = entity_report(true, predicted, entity_tags)
    metrics = {"token_accuracy": token_accuracy(true, predicted)}
    metrics.update(tag_metrics)
    metrics.update(entity_metrics)
    details: dict[str, Any] = {"tag_report": tags}
    if entities:
        details["entity_report"] = entities
    return metrics, details
