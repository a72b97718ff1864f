"""A small BERT-style encoder classifier, trained from scratch.

Token plus learned position embeddings, a pre-norm ``nn.TransformerEncoder``
with a key padding mask (no token attends to padding), then the ``<cls>``
token's final state or the mean of the real tokens' states, and a linear head.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn

from loom.algorithms.neural.pretrained_vectors import embedding_width
from loom.algorithms.neural.text_estimator import TextNeuralEstimator, trim_padding
from loom.algorithms.neural.text_vocab import PAD


class TextTransformer(nn.Module):
    """Embeddings, ``layers`` encoder blocks, pooling and a linear head."""

    def __init__(self, vocab_size: int, n_outputs: int, params: dict[str, Any]) -> None:
        super().__init__()
        width = params["d_model"]
        self.pooling = params["pooling"]
        table = embedding_width(params, width)
        self.tokens = nn.Embedding(vocab_size, table, padding_idx=PAD)
        # Pretrained vectors narrower or wider than d_model: a learned projection.
        self.project = nn.Linear(table, width) if table != width else None
        # +1: the <cls> token that opens every document.
        self.positions = nn.Embedding(params["max_length"] + 1, width)
        self.embedding_norm = nn.LayerNorm(width)
        self.dropout = nn.Dropout(params["dropout"])
        block = nn.TransformerEncoderLayer(
            width,
            params["heads"],
            dim_feedforward=params["ff_dim"],
            dropout=params["dropout"],
            activation=params["activation"],
            batch_first=True,
            norm_first=True,
        )
        self.encoder = nn.TransformerEncoder(
            block,
            params["layers"],
            norm=nn.LayerNorm(width),
            enable_nested_tensor=False,
        )
        self.head = nn.Linear(width, n_outputs)

    @property
    def word_table(self) -> nn.Embedding:
        """The token vectors (pretrained ones are copied in here)."""
        return self.tokens

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Class scores ``(B, n_outputs)`` for right-padded ids ``(B, L)``."""
        ids, mask, _ = trim_padding(ids)
        return self.scores(ids, mask)

    def scores(
        self, ids: torch.Tensor, mask: torch.Tensor, encoder: nn.Module | None = None
    ) -> torch.Tensor:
        """Class scores for ids ``(B, L)`` whose real tokens ``mask`` marks.

        Trimming-free, so the export path traces it with a dynamic length;
        ``encoder`` replaces ``self.encoder`` there (a traceable twin).
        """
        steps = torch.arange(ids.shape[1], device=ids.device)
        words = self.tokens(ids)
        if self.project is not None:
            words = self.project(words)
        x = words + self.positions(steps).unsqueeze(0)
        x = self.dropout(self.embedding_norm(x))
        x = (encoder or self.encoder)(x, src_key_padding_mask=~mask)
        if self.pooling == "cls":
            pooled = x[:, 0]
        else:
            weights = mask.unsqueeze(-1).to(x.dtype)
            pooled = (x * weights).sum(dim=1) / weights.sum(dim=1)
        return self.head(pooled)


class TextTransformerEstimator(TextNeuralEstimator):
    """``text_transformer_classifier``'s estimator (``<cls>`` opens each document)."""

    prepend_cls: ClassVar[bool] = True

    def build_network(self, n_features: int, n_outputs: int) -> nn.Module:
        return TextTransformer(n_features, n_outputs, self.params)
