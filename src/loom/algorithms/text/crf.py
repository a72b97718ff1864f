"""Linear-chain conditional random field tagger (sklearn-crfsuite, L-BFGS)."""

from __future__ import annotations

import json
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.registry import register
from loom.algorithms.text.sequence_features import (
    EntityTags,
    entity_tags_field,
    sentence_features,
)
from loom.algorithms.text.tokenize import split_tagged

MODEL_FILE = "crf.crfsuite"
SETTINGS_FILE = "crf.json"
# A crfsuite Tagger keeps the sentence being tagged inside itself: one caller
# at a time (a served model is called from several threads).
_TAGGER_LOCK = threading.Lock()


class CrfParams(BaseModel):
    """Parameters of ``crf_tagger`` (crfsuite's L-BFGS trainer)."""

    model_config = ConfigDict(extra="forbid")

    c1: float = Field(0.1, ge=0.0, le=100.0, description="L1 regularisation weight.")
    c2: float = Field(0.1, ge=0.0, le=100.0, description="L2 regularisation weight.")
    max_iterations: int = Field(
        100, ge=1, le=5_000, description="Maximum L-BFGS iterations."
    )
    all_possible_transitions: bool = Field(
        True,
        description="Learn weights for tag pairs never seen next to each other too.",
    )
    window: Literal[1, 2] = Field(
        1, description="Neighbouring tokens on each side used as features."
    )
    entity_tags: EntityTags = entity_tags_field()


class CrfTagger(BaseEstimator):  # type: ignore[misc]
    """A CRF over ``sequence_features.token_features``.

    Training goes through ``sklearn_crfsuite.CRF`` with ``model_filename`` in
    a temporary directory; the model file's bytes are kept and tagging opens
    them in memory (``pycrfsuite.Tagger.open_inmemory``), so a loaded model
    does not depend on the directory it was read from staying around.
    """

    def __init__(
        self,
        c1: float = 0.1,
        c2: float = 0.1,
        max_iterations: int = 100,
        all_possible_transitions: bool = True,
        window: int = 1,
    ) -> None:
        self.c1 = c1
        self.c2 = c2
        self.max_iterations = max_iterations
        self.all_possible_transitions = all_possible_transitions
        self.window = window

    def fit(self, X: Sequence[str], y: Sequence[str]) -> CrfTagger:
        """Fit on sentences of space-separated tokens and matching tags.

        Raises:
            InvalidInputError: a sentence whose tag count differs from its tokens.
        """
        import sklearn_crfsuite

        sentences, tags = split_tagged(list(X), list(y))
        with tempfile.TemporaryDirectory(prefix="loom-crf-") as tmp:
            path = Path(tmp) / MODEL_FILE
            crf = sklearn_crfsuite.CRF(
                algorithm="lbfgs",
                c1=self.c1,
                c2=self.c2,
                max_iterations=self.max_iterations,
                all_possible_transitions=self.all_possible_transitions,
                model_filename=str(path),
            )
            pairs = [(s, t) for s, t in zip(sentences, tags, strict=True) if s]
            crf.fit(
                [sentence_features(s, self.window) for s, _ in pairs],
                [t for _, t in pairs],
            )
            self.set_model(path.read_bytes())
        return self

    def set_model(self, model: bytes) -> None:
        """Use a crfsuite model file's bytes for tagging."""
        import pycrfsuite

        self.model_bytes_ = model
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open_inmemory(model)
        self.tags_ = sorted(self._tagger.labels())

    def predict(self, X: Sequence[str]) -> list[list[str]]:
        """The best tag sequence of each sentence (space-separated tokens)."""
        check_is_fitted(self, "model_bytes_")
        features = [sentence_features(str(text).split(), self.window) for text in X]
        with _TAGGER_LOCK:
            return [list(self._tagger.tag(f)) if f else [] for f in features]


@register
class CrfTaggerAlgorithm(Algorithm):
    """``crf_tagger``: saved as crfsuite's own model file plus JSON, no pickle."""

    name: ClassVar[str] = "crf_tagger"
    task: ClassVar[Task] = Task.SEQUENCE_LABELING
    summary: ClassVar[str] = (
        "Linear-chain CRF tagger (crfsuite) on word, affix, shape and context features."
    )
    Params: ClassVar[type[BaseModel]] = CrfParams

    def build(self, params: BaseModel, seed: int) -> CrfTagger:
        """Return an unfitted ``CrfTagger``; L-BFGS is deterministic, no seed needed."""
        assert isinstance(params, CrfParams)
        return CrfTagger(**params.model_dump(exclude={"entity_tags"}))

    def save_estimator(self, estimator: Any, directory: Path) -> None:
        """crfsuite's binary model file and the feature settings as JSON."""
        (directory / MODEL_FILE).write_bytes(estimator.model_bytes_)
        (directory / SETTINGS_FILE).write_text(json.dumps(estimator.get_params()))

    def load_estimator(self, directory: Path) -> CrfTagger:
        """Rebuild a fitted ``CrfTagger`` from the saved model file."""
        estimator = CrfTagger(**json.loads((directory / SETTINGS_FILE).read_text()))
        estimator.set_model((directory / MODEL_FILE).read_bytes())
        return estimator
