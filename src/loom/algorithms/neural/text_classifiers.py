"""Neural text classifiers: ``text_rnn_classifier``, ``text_ngram_classifier``,
``text_transformer_classifier``.

Each reads ONE text column of raw documents (``reads_text``): its tokeniser and
vocabulary travel inside the model, so an endpoint takes raw text. Training
goes through ``loom.training.text_classification``; the networks live in
``text_*_network.py`` and load torch only when a model is built.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field, model_validator

from loom.algorithms.base import Task
from loom.algorithms.neural.common import (
    Activation,
    NeuralAlgorithm,
    NeuralTrainingParams,
)
from loom.algorithms.neural.pretrained_vectors import PretrainedName
from loom.algorithms.registry import register


class TextClassifierParams(NeuralTrainingParams):
    """Tokenising, vocabulary and loss settings shared by the text classifiers."""

    language: Literal["auto", "english", "chinese"] = Field(
        "auto",
        description=(
            "Tokeniser: chinese segments with jieba, english splits words and "
            "punctuation, auto picks per document."
        ),
    )
    min_count: int = Field(
        2,
        ge=1,
        le=1000,
        description="Occurrences a word needs to enter the vocabulary.",
    )
    max_vocab: int = Field(
        20_000, ge=10, le=1_000_000, description="Most frequent words kept."
    )
    max_length: int = Field(
        200, ge=4, le=4096, description="Tokens read per document; the rest is cut."
    )
    loss: Literal["cross_entropy", "hinge"] = Field(
        "cross_entropy",
        description="cross_entropy, or multiclass (Crammer-Singer) hinge.",
    )
    epochs: int = Field(5, ge=1, le=1000, description="Passes over the documents.")
    batch_size: int = Field(32, ge=1, le=65_536, description="Documents per step.")
    learning_rate: float = Field(
        2e-3, ge=1e-6, le=1.0, description="Initial step size of the optimiser."
    )
    pretrained_embeddings: PretrainedName | None = Field(
        None,
        description=(
            "Start word vectors from an offline pretrained table (glove-6b-50d: "
            "English, lower-case, 50-d); the word table takes its width. Words "
            "found in the table join the vocabulary whatever min_count says."
        ),
    )
    freeze_embeddings: bool = Field(
        False,
        description=(
            "Keep the pretrained word vectors fixed while training: with few "
            "documents this keeps unseen words near their synonyms."
        ),
    )
    pretrained_vocab: int = Field(
        20_000,
        ge=0,
        le=400_000,
        description=(
            "Most frequent words of the pretrained table added to the vocabulary "
            "although training never saw them, so they carry meaning at "
            "prediction time."
        ),
    )

    @model_validator(mode="after")
    def _freeze_needs_table(self) -> TextClassifierParams:
        if self.freeze_embeddings and not self.pretrained_embeddings:
            raise ValueError(
                "freeze_embeddings needs pretrained_embeddings: frozen random "
                "vectors cannot learn"
            )
        return self


class TextRNNParams(TextClassifierParams):
    """``text_rnn_classifier``: recurrent cell, direction, depth and pooling."""

    embedding_dim: int = Field(64, ge=4, le=1024, description="Word vector size.")
    cell: Literal["rnn", "gru", "lstm"] = Field(
        "gru", description="Recurrent cell: plain rnn, gru or lstm."
    )
    bidirectional: bool = Field(
        True, description="Read both directions (bidirectional; BiLSTM with lstm)."
    )
    layers: int = Field(1, ge=1, le=4, description="Stacked recurrent layers.")
    hidden_size: int = Field(
        64, ge=4, le=1024, description="Hidden units per direction."
    )
    pooling: Literal["last", "mean", "max", "attention"] = Field(
        "attention",
        description=(
            "Document vector: final states, mean or max over steps, or learned "
            "additive attention over steps."
        ),
    )
    attention_dim: int = Field(
        64, ge=4, le=1024, description="Size of the attention scoring layer."
    )
    rnn_activation: Literal["tanh", "relu"] = Field(
        "tanh", description="Non-linearity of the plain rnn cell."
    )
    dense_units: int = Field(
        0, ge=0, le=4096, description="Hidden dense layer before the output; 0 = none."
    )
    dense_activation: Activation = Field(
        "relu", description="Activation of the hidden dense layer."
    )


class TextNgramParams(TextClassifierParams):
    """``text_ngram_classifier``: fastText-style bag of hashed n-grams."""

    embedding_dim: int = Field(
        32, ge=4, le=1024, description="Vector size of words and n-grams."
    )
    word_ngrams: int = Field(
        2, ge=1, le=5, description="Longest word n-gram (1 = words only)."
    )
    char_ngram_min: int = Field(
        3, ge=1, le=10, description="Shortest character n-gram of a word."
    )
    char_ngram_max: int = Field(
        0, ge=0, le=10, description="Longest character n-gram of a word; 0 = none."
    )
    buckets: int = Field(
        10_000, ge=100, le=4_000_000, description="Hash buckets for the n-grams."
    )
    epochs: int = Field(10, ge=1, le=1000, description="Passes over the documents.")
    learning_rate: float = Field(
        1e-2, ge=1e-6, le=1.0, description="Initial step size of the optimiser."
    )

    @model_validator(mode="after")
    def _char_range(self) -> TextNgramParams:
        if self.char_ngram_max and self.char_ngram_max < self.char_ngram_min:
            raise ValueError(
                f"char_ngram_max ({self.char_ngram_max}) must be 0 or at least "
                f"char_ngram_min ({self.char_ngram_min})"
            )
        return self


class TextTransformerParams(TextClassifierParams):
    """``text_transformer_classifier``: a small encoder trained from scratch."""

    d_model: int = Field(64, ge=8, le=1024, description="Token vector size.")
    heads: int = Field(
        4, ge=1, le=16, description="Attention heads; must divide d_model."
    )
    layers: int = Field(2, ge=1, le=12, description="Encoder blocks.")
    ff_dim: int = Field(
        128, ge=8, le=8192, description="Feed-forward width inside each block."
    )
    activation: Literal["relu", "gelu"] = Field(
        "gelu", description="Feed-forward activation."
    )
    pooling: Literal["cls", "mean"] = Field(
        "cls", description="Document vector: the <cls> token, or the token mean."
    )
    max_length: int = Field(
        128, ge=4, le=1024, description="Tokens read per document; the rest is cut."
    )

    @model_validator(mode="after")
    def _heads_divide(self) -> TextTransformerParams:
        if self.d_model % self.heads:
            raise ValueError(
                f"heads ({self.heads}) must divide d_model ({self.d_model})"
            )
        return self


class _TextAlgorithm(NeuralAlgorithm):
    """A neural text classifier over one column of raw documents."""

    task: ClassVar[Task] = Task.CLASSIFICATION
    reads_text: ClassVar[bool] = True
    # Token ids, not measurements: no scaling advice applies.
    scale_sensitive: ClassVar[bool] = False


@register
class TextRNNClassifier(_TextAlgorithm):
    """Embedding + RNN/GRU/LSTM (optionally bidirectional) + pooling + head."""

    name: ClassVar[str] = "text_rnn_classifier"
    summary: ClassVar[str] = (
        "Text classifier: word embeddings, RNN/GRU/LSTM or BiLSTM, attention pooling."
    )
    Params: ClassVar[type[BaseModel]] = TextRNNParams

    def estimator_class(self) -> type[Any]:
        from loom.algorithms.neural.text_rnn_network import TextRNNEstimator

        return TextRNNEstimator


@register
class TextNgramClassifier(_TextAlgorithm):
    """fastText-style bag of words and hashed n-grams, averaged, then linear."""

    name: ClassVar[str] = "text_ngram_classifier"
    summary: ClassVar[str] = (
        "fastText-style text classifier: averaged word and hashed n-gram vectors."
    )
    Params: ClassVar[type[BaseModel]] = TextNgramParams

    def estimator_class(self) -> type[Any]:
        from loom.algorithms.neural.text_ngram_network import TextNgramEstimator

        return TextNgramEstimator


@register
class TextTransformerClassifier(_TextAlgorithm):
    """A small BERT-style Transformer encoder trained from scratch."""

    name: ClassVar[str] = "text_transformer_classifier"
    summary: ClassVar[str] = (
        "Small Transformer encoder text classifier (BERT-style, trained from scratch)."
    )
    Params: ClassVar[type[BaseModel]] = TextTransformerParams

    def estimator_class(self) -> type[Any]:
        from loom.algorithms.neural.text_transformer_network import (
            TextTransformerEstimator,
        )

        return TextTransformerEstimator
