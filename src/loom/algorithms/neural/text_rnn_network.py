"""The recurrent text classifier: embedding → RNN/GRU/LSTM → pooling → head.

Sequences are packed by length, so neither direction of a (bi)directional
network ever reads padding, and ``last`` pooling takes each document's own
final state. Attention pooling is additive (Bahdanau-style): a score
``v·tanh(W h_t)`` per time step, softmax over the real steps only (padding
masked to -inf), and the weighted sum of the hidden states.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from loom.algorithms.neural.activations import make_activation
from loom.algorithms.neural.pretrained_vectors import embedding_width
from loom.algorithms.neural.text_estimator import TextNeuralEstimator, trim_padding
from loom.algorithms.neural.text_vocab import PAD

CELLS: dict[str, type[nn.RNNBase]] = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


class AdditiveAttention(nn.Module):
    """Learned attention pooling over time steps, padding excluded."""

    def __init__(self, width: int, dim: int) -> None:
        super().__init__()
        self.project = nn.Linear(width, dim)
        self.score = nn.Linear(dim, 1, bias=False)

    def forward(self, states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``states`` (B, L, W), ``mask`` (B, L) True at tokens → (B, W)."""
        scores = self.score(torch.tanh(self.project(states))).squeeze(-1)
        weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=1)
        return (weights.unsqueeze(-1) * states).sum(dim=1)


def dense_head(width: int, n_outputs: int, params: dict[str, Any]) -> nn.Module:
    """A linear output layer, after one hidden dense layer when ``dense_units``."""
    if not params["dense_units"]:
        return nn.Linear(width, n_outputs)
    return nn.Sequential(
        nn.Linear(width, params["dense_units"]),
        make_activation(params["dense_activation"]),
        nn.Dropout(params["dropout"]),
        nn.Linear(params["dense_units"], n_outputs),
    )


class TextRNN(nn.Module):
    """Embedding, a (bi)directional recurrent stack, pooling and a dense head."""

    def __init__(self, vocab_size: int, n_outputs: int, params: dict[str, Any]) -> None:
        super().__init__()
        self.pooling = params["pooling"]
        self.directions = 2 if params["bidirectional"] else 1
        width = embedding_width(params, params["embedding_dim"])
        self.embedding = nn.Embedding(vocab_size, width, padding_idx=PAD)
        extra = {"nonlinearity": params["rnn_activation"]}
        self.rnn = CELLS[params["cell"]](
            width,
            params["hidden_size"],
            num_layers=params["layers"],
            batch_first=True,
            bidirectional=params["bidirectional"],
            dropout=params["dropout"] if params["layers"] > 1 else 0.0,
            **(extra if params["cell"] == "rnn" else {}),
        )
        width = params["hidden_size"] * self.directions
        self.attention = (
            AdditiveAttention(width, params["attention_dim"])
            if self.pooling == "attention"
            else None
        )
        self.dropout = nn.Dropout(params["dropout"])
        self.head = dense_head(width, n_outputs, params)

    @property
    def word_table(self) -> nn.Embedding:
        """The word vectors (pretrained ones are copied in here)."""
        return self.embedding

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Class scores ``(B, n_outputs)`` for right-padded ids ``(B, L)``."""
        ids, mask, lengths = trim_padding(ids)
        embedded = self.dropout(self.embedding(ids))
        packed = pack_padded_sequence(
            embedded, lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        output, state = self.rnn(packed)
        states, _ = pad_packed_sequence(
            output, batch_first=True, total_length=ids.shape[1]
        )
        return self.head(self.dropout(self._pool(states, state, mask)))

    def _pool(
        self, states: torch.Tensor, final: Any, mask: torch.Tensor
    ) -> torch.Tensor:
        if self.pooling == "last":
            hidden = final[0] if isinstance(final, tuple) else final
            last = hidden[-self.directions :]  # top layer, each direction
            return last.transpose(0, 1).reshape(len(states), -1)
        if self.pooling == "mean":
            weights = mask.unsqueeze(-1).to(states.dtype)
            return (states * weights).sum(dim=1) / weights.sum(dim=1)
        if self.pooling == "max":
            return states.masked_fill(~mask.unsqueeze(-1), float("-inf")).amax(dim=1)
        assert self.attention is not None
        return self.attention(states, mask)


class TextRNNEstimator(TextNeuralEstimator):
    """``text_rnn_classifier``'s estimator."""

    def build_network(self, n_features: int, n_outputs: int) -> nn.Module:
        return TextRNN(n_features, n_outputs, self.params)
