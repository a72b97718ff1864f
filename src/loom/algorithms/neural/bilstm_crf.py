"""``bilstm_crf_tagger``: word (and optional character) embeddings, BiLSTM, CRF.

torch is imported only when a tagger is built or loaded
(``bilstm_crf_tagger``), so listing the catalog stays cheap.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.neural.common import NeuralTrainingParams
from loom.algorithms.registry import register
from loom.algorithms.text.sequence_features import EntityTags, entity_tags_field


class BiLstmCrfParams(NeuralTrainingParams):
    """Network shape; training settings (with tagger defaults) from the parent."""

    embedding_dim: int = Field(64, ge=4, le=1024, description="Word vector size.")
    hidden_size: int = Field(
        64, ge=4, le=1024, description="LSTM units in each direction."
    )
    layers: int = Field(1, ge=1, le=4, description="Stacked BiLSTM layers.")
    min_count: int = Field(
        2,
        ge=1,
        le=100,
        description=(
            "Training words seen fewer times become <unk>, so the <unk> vector "
            "learns what rare words (often names) look like."
        ),
    )
    char_features: bool = Field(
        False,
        description="Add a character CNN per token (helps with unseen words).",
    )
    char_dim: int = Field(
        32, ge=4, le=256, description="Character embedding and CNN filter size."
    )
    constrain_bio: bool = Field(
        True,
        description=(
            "With BIO tags, forbid O→I-X, B-X→I-Y and a sentence opening on I-X "
            "(moves seen in the training tags stay allowed)."
        ),
    )
    entity_tags: EntityTags = entity_tags_field()
    dropout: float = Field(
        0.2, ge=0.0, le=0.9, description="Dropout on embeddings and LSTM outputs."
    )
    learning_rate: float = Field(
        0.01, ge=1e-6, le=1.0, description="Initial step size of the optimiser."
    )
    epochs: int = Field(10, ge=1, le=1000, description="Passes over the sentences.")
    grad_clip: float = Field(
        5.0, ge=0.0, le=1000.0, description="Clip the gradient norm to this; 0 = off."
    )


@register
class BiLstmCrfAlgorithm(Algorithm):
    """``bilstm_crf_tagger``: saved as a tensor ``state_dict`` plus JSON, no pickle."""

    name: ClassVar[str] = "bilstm_crf_tagger"
    task: ClassVar[Task] = Task.SEQUENCE_LABELING
    summary: ClassVar[str] = (
        "BiLSTM-CRF sequence tagger in PyTorch (word and optional character features)."
    )
    Params: ClassVar[type[BaseModel]] = BiLstmCrfParams

    def build(self, params: BaseModel, seed: int) -> Any:
        """An unfitted ``BiLstmCrfTagger``; ``seed`` fixes weights and shuffling."""
        from loom.algorithms.neural.bilstm_crf_tagger import BiLstmCrfTagger

        return BiLstmCrfTagger(params.model_dump(mode="json"), seed)

    def report(
        self, estimator: Any, X: Any, y: Any, feature_names: list[str]
    ) -> tuple[dict[str, Any], dict[str, bytes]]:
        """Layer sizes, per-epoch history and the best epoch."""
        return estimator.report(), {}

    def save_estimator(self, estimator: Any, directory: Path) -> None:
        """Weights as a tensor-only ``state_dict``, the rest as JSON."""
        estimator.save(directory)

    def load_estimator(self, directory: Path) -> Any:
        """Rebuild the tagger; weights read with ``weights_only=True``."""
        from loom.algorithms.neural.bilstm_crf_tagger import BiLstmCrfTagger

        return BiLstmCrfTagger.load(directory)
