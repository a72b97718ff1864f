"""The fastText-style classifier: a mean bag of word and n-gram embeddings → linear.

Each document is its word ids plus hashed word n-grams (and optional character
n-grams of each word); ``nn.EmbeddingBag`` averages their vectors, padding
excluded, and one linear layer scores the classes. Word order beyond the
n-grams is ignored, which is why it trains in seconds.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn

from loom.algorithms.neural.pretrained_vectors import embedding_width
from loom.algorithms.neural.text_estimator import TextNeuralEstimator, trim_padding
from loom.algorithms.neural.text_vocab import PAD


class TextNgramBag(nn.Module):
    """Mean of the document's embedding rows, dropout, a linear layer."""

    def __init__(self, vocab_size: int, n_outputs: int, params: dict[str, Any]) -> None:
        super().__init__()
        dim = embedding_width(params, params["embedding_dim"])
        self.bag = nn.EmbeddingBag(vocab_size, dim, mode="mean", padding_idx=PAD)
        # fastText's start: small uniform vectors and a zero output layer.
        nn.init.uniform_(self.bag.weight, -1.0 / dim, 1.0 / dim)
        with torch.no_grad():
            self.bag.weight[PAD].zero_()
        self.dropout = nn.Dropout(params["dropout"])
        self.head = nn.Linear(dim, n_outputs)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    @property
    def word_table(self) -> nn.EmbeddingBag:
        """The word and n-gram vectors (pretrained ones are copied in here)."""
        return self.bag

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Class scores ``(B, n_outputs)`` for right-padded ids ``(B, L)``."""
        ids, _, _ = trim_padding(ids)
        return self.head(self.dropout(self.bag(ids)))


class TextNgramEstimator(TextNeuralEstimator):
    """``text_ngram_classifier``'s estimator."""

    bag_of_ngrams: ClassVar[bool] = True

    def build_network(self, n_features: int, n_outputs: int) -> nn.Module:
        return TextNgramBag(n_features, n_outputs, self.params)
