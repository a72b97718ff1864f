"""Traceable forwards and export specs for the text classifiers and BiLSTM-CRF tagger.

The training networks cut each batch to its longest document with a Python
``int`` (``trim_padding``) and run recurrent layers over packed sequences;
neither survives tracing with a dynamic length axis (the cut length would be
frozen, and ONNX has no packed sequences). The export path therefore wraps the
same trained submodules in forwards that only mask: padding is excluded from
means, maxima and attention by the mask, and every backward recurrent
direction reads its sequence reversed *within its own length*
(``UnpackedRNN``), which is what packing achieved. The probabilities match the
estimator's within float32 rounding (tests/algorithms/neural/test_export.py).
"""

from __future__ import annotations

import json
import math
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from loom.algorithms.neural.export import ExportSpec
from loom.algorithms.neural.text_estimator import VOCAB_FILE
from loom.algorithms.neural.text_vocab import CLS, PAD, SPECIALS, UNK

TAGGER_VOCAB_FILE = "tagger_vocab.json"
IDS_AXES = {0: "batch", 1: "length"}


def _reverse_within(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Each row's first ``length`` steps reversed, padding left where it is."""
    steps = torch.arange(x.shape[1], device=x.device).unsqueeze(0)
    last = lengths.unsqueeze(1) - 1
    index = torch.where(steps <= last, last - steps, steps)
    return x.gather(1, index.unsqueeze(-1).expand(-1, -1, x.shape[2]))


class UnpackedRNN(nn.Module):
    """A trained (bi)directional RNN/GRU/LSTM stack run on right-padded input.

    Each layer and direction becomes a one-layer unidirectional copy holding
    the trained weights. Forward directions read padding only after the real
    tokens, so their real steps are exact; backward directions run on each
    sequence reversed within its length and are reversed back.
    """

    def __init__(self, rnn: nn.RNNBase) -> None:
        super().__init__()
        self.directions = 2 if rnn.bidirectional else 1
        self.cells = nn.ModuleList()
        for layer in range(rnn.num_layers):
            width = rnn.input_size if layer == 0 else rnn.hidden_size * self.directions
            for suffix in ("", "_reverse")[: self.directions]:
                extra = (
                    {"nonlinearity": rnn.nonlinearity}
                    if isinstance(rnn, nn.RNN)
                    else {}
                )
                cell = type(rnn)(width, rnn.hidden_size, batch_first=True, **extra)
                cell.load_state_dict(
                    {
                        f"{name}_l0": getattr(rnn, f"{name}_l{layer}{suffix}")
                        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
                    }
                )
                self.cells.append(cell)

    def forward(
        self, x: torch.Tensor, lengths: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(states (B, L, H·D), final (B, H·D))``: top-layer outputs and the
        final state of each direction (forward at the last real token,
        backward at the first), as a packed run returns them."""
        finals: list[torch.Tensor] = []
        for first in range(0, len(self.cells), self.directions):
            outputs, finals = [], []
            for d in range(self.directions):
                cell = self.cells[first + d]
                if d == 0:
                    out = cell(x)[0]
                    last = (lengths - 1).view(-1, 1, 1).expand(-1, 1, out.shape[2])
                    finals.append(out.gather(1, last).squeeze(1))
                else:
                    out = _reverse_within(cell(_reverse_within(x, lengths))[0], lengths)
                    finals.append(out[:, 0])
                outputs.append(out)
            x = torch.cat(outputs, dim=2)
        return x, torch.cat(finals, dim=1)


class TracedTextRNN(nn.Module):
    """``TextRNN`` without trimming or packing: class scores for padded ids."""

    def __init__(self, network: Any) -> None:
        super().__init__()
        self.network = network
        self.rnn = UnpackedRNN(network.rnn)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        mask = ids != PAD
        lengths = mask.sum(dim=1).clamp(min=1)
        net = self.network
        states, final = self.rnn(net.embedding(ids), lengths)
        pooled = final if net.pooling == "last" else net._pool(states, None, mask)
        return net.head(pooled)


class TracedNgramBag(nn.Module):
    """``TextNgramBag`` as a masked mean (``EmbeddingBag`` with a padding index
    has no ONNX form); the same mean of the non-padding rows."""

    def __init__(self, network: Any) -> None:
        super().__init__()
        self.network = network

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        weights = (ids != PAD).unsqueeze(-1).float()
        vectors = F.embedding(ids, self.network.bag.weight)
        mean = (vectors * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)
        return self.network.head(mean)


class TracedEncoder(nn.Module):
    """A trained pre-norm ``nn.TransformerEncoder`` with attention written out.

    ``nn.MultiheadAttention`` traced for export freezes the example's length
    in a reshape; this runs the same weights (in-projection, heads, output
    projection, each layer's norms and feed-forward block, the final norm)
    with reshapes that keep the length axis free.
    """

    def __init__(self, encoder: nn.TransformerEncoder) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(
        self, x: torch.Tensor, src_key_padding_mask: torch.Tensor
    ) -> torch.Tensor:
        """``x`` (B, L, E); ``src_key_padding_mask`` True at padding."""
        blocked = src_key_padding_mask[:, None, None, :]
        for layer in self.encoder.layers:
            x = x + _attend(layer.self_attn, layer.norm1(x), blocked)
            x = x + layer._ff_block(layer.norm2(x))
        norm = self.encoder.norm
        return x if norm is None else norm(x)


def _attend(
    attention: nn.MultiheadAttention, x: torch.Tensor, blocked: torch.Tensor
) -> torch.Tensor:
    """Multi-head self-attention over ``x`` with padded keys masked out."""
    heads = attention.num_heads
    width = attention.embed_dim // heads
    q, k, v = F.linear(x, attention.in_proj_weight, attention.in_proj_bias).chunk(
        3, dim=-1
    )
    q, k, v = (
        t.reshape(t.shape[0], -1, heads, width).transpose(1, 2) for t in (q, k, v)
    )
    scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(width)
    weights = torch.softmax(scores.masked_fill(blocked, float("-inf")), dim=-1)
    out = torch.matmul(weights, v).transpose(1, 2)
    out = out.reshape(out.shape[0], -1, attention.embed_dim)
    return attention.out_proj(out)


class TracedTransformer(nn.Module):
    """``TextTransformer`` scored on the full padded length (mask only)."""

    def __init__(self, network: Any) -> None:
        super().__init__()
        self.network = network
        self.encoder = TracedEncoder(network.encoder)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.network.scores(ids, ids != PAD, self.encoder)


class Probabilities(nn.Module):
    """Softmax over a scorer's class scores."""

    def __init__(self, scorer: nn.Module) -> None:
        super().__init__()
        self.scorer = scorer

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.scorer(ids), dim=1)


def traceable(network: nn.Module) -> nn.Module:
    """The masking-only twin of a trained text classifier network."""
    from loom.algorithms.neural.text_ngram_network import TextNgramBag
    from loom.algorithms.neural.text_rnn_network import TextRNN

    if isinstance(network, TextRNN):
        return TracedTextRNN(network)
    if isinstance(network, TextNgramBag):
        return TracedNgramBag(network)
    return TracedTransformer(network)


def _example_ids(vocab_size: int, length: int, cls: bool) -> torch.Tensor:
    """Two rows of different lengths (the second right-padded) for tracing."""
    generator = torch.Generator().manual_seed(0)
    low = len(SPECIALS) if vocab_size > len(SPECIALS) else UNK
    ids = torch.randint(low, max(vocab_size, low + 1), (2, length), generator=generator)
    ids[1, length // 2 :] = PAD
    if cls:
        ids[:, 0] = CLS
    return ids


def text_export_spec(estimator: Any) -> ExportSpec:
    """The ``ExportSpec`` of a fitted ``TextNeuralEstimator``.

    Ids ``(batch, length)`` in, class probabilities out; the vocabulary JSON
    and the tokenising facts ride along.
    """
    vocab = estimator.vocab_
    params = estimator.params
    module = Probabilities(traceable(estimator.network_)).eval()
    length = min(params["max_length"], 12) + int(estimator.prepend_cls)
    example = _example_ids(vocab.size, length, estimator.prepend_cls)
    facts = {
        "text": {
            "vocabulary_file": VOCAB_FILE,
            "code": "loom.algorithms.neural.export.text_ids (TextVocabulary)",
            "tokeniser": "loom.algorithms.text.tokenize.all_tokens",
            "language": vocab.language,
            "lowercase": True,
            "max_length": params["max_length"],
            "special_ids": {name: i for i, name in enumerate(SPECIALS)},
            "prepend_cls": estimator.prepend_cls,
            "bag_of_ngrams": estimator.bag_of_ngrams,
            "ngrams": _ngram_facts(vocab) if estimator.bag_of_ngrams else None,
            "padding": "right, with <pad> (0) up to the batch's longest row",
        }
    }
    files = {VOCAB_FILE: json.dumps(vocab.to_dict(), ensure_ascii=False)}
    return ExportSpec(
        module,
        (example,),
        ["ids"],
        ["probabilities"],
        facts,
        dynamic_axes={"ids": IDS_AXES, "probabilities": {0: "batch"}},
        files=files,
        readme_body=text_readme(facts["text"]),
    )


def _ngram_facts(vocab: Any) -> dict[str, Any]:
    return {
        "word_ngrams": vocab.word_ngrams,
        "char_ngrams": list(vocab.char_ngrams),
        "buckets": vocab.hashed_buckets,
        "first_bucket_id": len(SPECIALS) + len(vocab.words),
        "hash": "zlib.crc32(gram.encode('utf-8')) % buckets",
        "grams": (
            "after the word ids: word n-grams (2..word_ngrams) of the kept tokens "
            "joined by ' ', then for each distinct token '#' + every char n-gram "
            "of '<token>'; id = first_bucket_id + hash"
        ),
        "code": "loom.algorithms.neural.text_vocab.TextVocabulary.ngram_ids",
    }


def text_readme(text: dict[str, Any]) -> str:
    """How to turn documents into the 'ids' input, in plain words."""
    lines = [
        "Input 'ids': int64 array (batch, length) of token ids, right-padded with",
        "<pad> = 0 to the batch's longest row. From raw text, per document:",
        f"  1. tokens = all_tokens(text, language='{text['language']}') (lower-cased",
        "     words, numbers and punctuation; jieba for Chinese);",
        f"  2. keep the first max_length = {text['max_length']} tokens; each becomes",
        "     3 + its index in text_vocab.json 'words', or <unk> = 1 when absent;",
        "     an empty document is [<unk>];",
    ]
    if text["bag_of_ngrams"]:
        lines.append(
            "  3. append hashed word/character n-grams as in preprocessing.json "
            "'ngrams';"
        )
    if text["prepend_cls"]:
        lines.append("  3. put <cls> = 2 in front of every document;")
    lines += [
        "In Python: loom.algorithms.neural.export.text_ids(preprocessing, vocab,",
        "texts) does exactly this through Loom's TextVocabulary.",
        "",
        "Output 'probabilities': float32 (batch, K); column j is labels[j] in",
        "preprocessing.json (with a threshold there, binary models predict",
        "labels[1] when its probability >= threshold).",
    ]
    return "\n".join(lines)


# -- the BiLSTM-CRF tagger ------------------------------------------------------


class TracedTagger(nn.Module):
    """``TaggerNetwork``'s emissions for padded ids, without trimming or packing."""

    def __init__(self, network: Any) -> None:
        super().__init__()
        self.network = network
        self.lstm = UnpackedRNN(network.lstm)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        net = self.network
        lengths = (ids[..., 0] != PAD).sum(dim=1).clamp(min=1)
        features = net.embedding(ids[..., 0])
        if net.chars is not None:
            chars = net.chars(ids[..., 1:])  # (B, L, C, D)
            flat = chars.flatten(0, 1).transpose(1, 2)
            pooled = net.char_cnn(flat).max(dim=2).values
            shape = (features.shape[0], features.shape[1], -1)
            features = torch.cat([features, pooled.reshape(shape)], dim=2)
        hidden, _ = self.lstm(features, lengths)
        return net.emissions(hidden)


def tagger_export_spec(tagger: Any, max_chars: int) -> ExportSpec:
    """The ``ExportSpec`` of a fitted ``BiLstmCrfTagger``: ids in, emissions out.

    Viterbi decoding stays outside the graph: its back-pointer walk is a loop
    over a data-dependent length that neither ONNX nor a traced module keeps,
    so the CRF's start, transition and end scores (forbidden BIO moves already
    at their -10000 penalty) ship in ``preprocessing.json``.
    """
    network = tagger.network_
    module = TracedTagger(network).eval()
    width = 1 + (max_chars if tagger.chars_ else 0)
    generator = torch.Generator().manual_seed(0)
    words = len(tagger.vocab_) + 2
    example = torch.randint(2, max(words, 3), (2, 6, width), generator=generator)
    example[1, 3:] = PAD
    with torch.no_grad():
        start, trans, end = network.crf._scores()
    facts = {
        "tags": tagger.tags_,
        "crf": {
            "start": start.tolist(),
            "transitions": trans.tolist(),
            "end": end.tolist(),
            "decoding": "viterbi, outside the model (see README.txt)",
        },
        "tokens": {
            "vocabulary_file": TAGGER_VOCAB_FILE,
            "split": "str.split() on whitespace, case kept",
            "word_id": "2 + index in 'words'; <unk> = 1; <pad> = 0",
            "char_features": bool(tagger.chars_),
            "max_chars": max_chars if tagger.chars_ else 0,
            "char_id": "2 + index in 'chars'; <unk> = 1; <pad> = 0",
        },
    }
    files = {
        TAGGER_VOCAB_FILE: json.dumps(
            {"words": tagger.vocab_, "chars": tagger.chars_}, ensure_ascii=False
        )
    }
    return ExportSpec(
        module,
        (example,),
        ["ids"],
        ["emissions"],
        facts,
        dynamic_axes={"ids": IDS_AXES, "emissions": IDS_AXES},
        files=files,
        readme_body=tagger_readme(width),
    )


def tagger_readme(width: int) -> str:
    """How to build the tagger's input and decode its output."""
    chars = (
        f"  [..., 1:{width}]: the token's first {width - 1} characters' ids "
        "(0 beyond the word);\n"
        if width > 1
        else ""
    )
    return (
        f"Input 'ids': int64 array (batch, length, {width}), sentences right-padded\n"
        "with 0 to the batch's longest. Split each sentence on whitespace; then\n"
        "  [..., 0]: the word id (2 + index in tagger_vocab.json 'words', <unk> = 1);\n"
        f"{chars}"
        "Output 'emissions': float32 (batch, length, K) per-token tag scores, K =\n"
        "len(tags) in preprocessing.json.\n\n"
        "Viterbi decoding runs OUTSIDE the model, over each sentence's real tokens:\n"
        "  score = start + E[0]; for t >= 1: score_j = max_i(score_i +\n"
        "  transitions[i][j]) + E[t][j] (remember the argmax i); add end, take the\n"
        "  best last tag and follow the remembered argmaxes back. Tag j is\n"
        "  preprocessing.json tags[j]."
    )
