"""Latent Dirichlet Allocation topic model (gensim ``LdaModel``) on raw text."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.registry import register
from loom.algorithms.text.tokenize import Tokenizer, tokenize_all
from loom.core.errors import InvalidInputError

MODEL_FILE = "lda.gensim"
SETTINGS_FILE = "lda.json"
C_V_MAX_DOCS = 2_000
# Scoring reseeds the gensim model's shared random state: one scorer at a time
# (a served model is called from several threads).
_INFERENCE_LOCK = threading.Lock()


class LdaParams(BaseModel):
    """Parameters of ``lda``; the vocabulary filters mirror gensim's names."""

    model_config = ConfigDict(extra="forbid")

    num_topics: int = Field(10, ge=2, le=500, description="Number of topics.")
    passes: int = Field(
        10, ge=1, le=200, description="Passes over the whole corpus while training."
    )
    iterations: int = Field(
        50, ge=1, le=5_000, description="Inference iterations per document and pass."
    )
    alpha: Literal["symmetric", "asymmetric", "auto"] = Field(
        "symmetric",
        description="Document-topic prior: equal, decreasing by topic, or learned.",
    )
    eta: float | None = Field(
        None,
        ge=1e-6,
        le=100.0,
        description="Topic-word prior; None means 1/num_topics for every word.",
    )
    no_below: int = Field(
        2, ge=1, le=10_000, description="Drop words found in fewer documents than this."
    )
    no_above: float = Field(
        0.5,
        ge=0.01,
        le=1.0,
        description="Drop words found in more than this share of the documents.",
    )
    keep_n: int = Field(
        100_000, ge=10, le=2_000_000, description="Keep at most this many words."
    )
    tokenizer: Tokenizer = Field(
        "auto",
        description=(
            "auto: jieba for text with Chinese characters, else lower-cased words "
            "without English stop words; whitespace: split on spaces; jieba."
        ),
    )
    top_words: int = Field(
        10, ge=3, le=50, description="Words listed per topic (and used for coherence)."
    )


class LdaTopicModel(BaseEstimator):  # type: ignore[misc]
    """Tokenise, build a filtered vocabulary, and fit gensim's online LDA.

    ``fit`` takes raw documents (strings); ``predict`` gives each document's
    dominant topic and ``predict_proba`` its topic mixture. gensim starts each
    document's inference from random draws, so scoring reseeds that draw per
    document: a document gets the same mixture alone or in any batch.
    """

    def __init__(
        self,
        num_topics: int = 10,
        passes: int = 10,
        iterations: int = 50,
        alpha: str = "symmetric",
        eta: float | None = None,
        no_below: int = 2,
        no_above: float = 0.5,
        keep_n: int = 100_000,
        tokenizer: Tokenizer = "auto",
        top_words: int = 10,
        random_state: int = 0,
    ) -> None:
        self.num_topics = num_topics
        self.passes = passes
        self.iterations = iterations
        self.alpha = alpha
        self.eta = eta
        self.no_below = no_below
        self.no_above = no_above
        self.keep_n = keep_n
        self.tokenizer = tokenizer
        self.top_words = top_words
        self.random_state = random_state

    # -- fitting -------------------------------------------------------------------

    def fit(self, X: Sequence[str], y: Any = None) -> LdaTopicModel:
        """Fit on raw documents.

        Raises:
            InvalidInputError: no document has a token, no word survives the
                vocabulary filters, or ``num_topics`` exceeds the vocabulary.
        """
        from gensim.corpora import Dictionary
        from gensim.models import LdaModel

        texts = self.tokens(X)
        if not any(texts):
            raise InvalidInputError(
                f"no document has any token after tokenisation "
                f"(tokenizer={self.tokenizer!r}); is the text column empty?"
            )
        dictionary = Dictionary(texts)
        dictionary.filter_extremes(
            no_below=min(self.no_below, len(texts)),
            no_above=self.no_above,
            keep_n=self.keep_n,
        )
        if len(dictionary) < self.num_topics:
            raise InvalidInputError(
                f"num_topics={self.num_topics} is more than the {len(dictionary)} "
                f"words left in the vocabulary (no_below={self.no_below}, "
                f"no_above={self.no_above}); use fewer topics or more documents"
            )
        self.model_ = LdaModel(
            [dictionary.doc2bow(t) for t in texts],
            id2word=dictionary,
            num_topics=self.num_topics,
            passes=self.passes,
            iterations=self.iterations,
            alpha=self.alpha,
            eta=self.eta,
            random_state=self.random_state,
            eval_every=None,
        )
        return self

    # -- scoring -------------------------------------------------------------------

    def tokens(self, X: Sequence[str]) -> list[list[str]]:
        """The documents as token lists, with this model's tokenizer."""
        return tokenize_all(list(X), self.tokenizer)

    def bows(self, X: Sequence[str]) -> list[list[tuple[int, int]]]:
        """Bag-of-words vectors over the fitted vocabulary (unknown words dropped)."""
        check_is_fitted(self, "model_")
        return [self.model_.id2word.doc2bow(t) for t in self.tokens(X)]

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """Topic mixture of each document, ``(n, num_topics)``, rows summing to 1."""
        bows = self.bows(X)
        out = np.zeros((len(bows), self.model_.num_topics))
        with _INFERENCE_LOCK:
            for i, bow in enumerate(bows):
                self.model_.random_state = np.random.RandomState(self.random_state)
                gamma, _ = self.model_.inference([bow])
                out[i] = gamma[0] / gamma[0].sum()
        return out

    def predict(self, X: Sequence[str]) -> np.ndarray:
        """The dominant topic id of each document."""
        result: np.ndarray = self.predict_proba(X).argmax(axis=1)
        return result

    def perplexity(self, X: Sequence[str]) -> float | None:
        """``2 ** -(per-word bound)`` on ``X``; None when ``X`` has no known word."""
        bows = self.bows(X)
        if not any(bows):
            return None
        with _INFERENCE_LOCK:
            self.model_.random_state = np.random.RandomState(self.random_state)
            return float(2.0 ** (-self.model_.log_perplexity(bows)))

    def topics(self) -> list[dict[str, Any]]:
        """Each topic's ``top_words`` words with their probabilities."""
        check_is_fitted(self, "model_")
        return [
            {
                "topic": k,
                "words": [
                    {"word": word, "weight": float(weight)}
                    for word, weight in self.model_.show_topic(k, topn=self.top_words)
                ],
            }
            for k in range(self.model_.num_topics)
        ]

    def coherence(self, X: Sequence[str], measure: str) -> float:
        """Topic coherence (``u_mass`` or ``c_v``) of the top words against ``X``.

        ``c_v`` slides a window over the token lists and is slow on big corpora:
        it uses at most the first ``C_V_MAX_DOCS`` documents, in one process.
        """
        from gensim.models import CoherenceModel

        check_is_fitted(self, "model_")
        if measure == "u_mass":
            extra: dict[str, Any] = {"corpus": self.bows(X)}
        else:
            extra = {"texts": self.tokens(list(X)[:C_V_MAX_DOCS])}
        scorer = CoherenceModel(
            model=self.model_,
            dictionary=self.model_.id2word,
            coherence=measure,
            topn=self.top_words,
            processes=1,
            **extra,
        )
        return float(scorer.get_coherence())


@register
class LdaTopics(Algorithm):
    """Latent Dirichlet Allocation: documents as mixtures of word distributions.

    Saved with gensim's own ``save`` (which pickles the model object and writes
    its big arrays as ``.npy``) plus a JSON file of settings. Like the base
    class's joblib files, that is acceptable only because Loom writes these
    files itself into its own artifact store: never load one a user supplied.
    """

    name: ClassVar[str] = "lda"
    task: ClassVar[Task] = Task.TOPIC_MODELING
    summary: ClassVar[str] = (
        "Latent Dirichlet Allocation topic model (gensim) over one text column."
    )
    Params: ClassVar[type[BaseModel]] = LdaParams

    def build(self, params: BaseModel, seed: int) -> LdaTopicModel:
        """Return an unfitted ``LdaTopicModel`` seeded with ``seed``."""
        assert isinstance(params, LdaParams)
        return LdaTopicModel(**params.model_dump(), random_state=seed)

    def save_estimator(self, estimator: Any, directory: Path) -> None:
        """gensim's files for the model, JSON for the estimator settings."""
        estimator.model_.save(str(directory / MODEL_FILE))
        (directory / SETTINGS_FILE).write_text(json.dumps(estimator.get_params()))

    def load_estimator(self, directory: Path) -> LdaTopicModel:
        """Rebuild the estimator around the saved gensim model (Loom files only)."""
        from gensim.models import LdaModel

        estimator = LdaTopicModel(**json.loads((directory / SETTINGS_FILE).read_text()))
        estimator.model_ = LdaModel.load(str(directory / MODEL_FILE))
        return estimator
