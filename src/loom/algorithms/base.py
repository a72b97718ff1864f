"""The ``Algorithm`` spec every catalog entry implements, and the ``Task`` it solves."""

from __future__ import annotations

import abc
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel

ESTIMATOR_FILE = "estimator.joblib"


class Task(StrEnum):
    """What an algorithm learns; decides the metrics, the split and the outputs."""

    CLASSIFICATION = "classification"
    REGRESSION = "regression"
    CLUSTERING = "clustering"
    TOPIC_MODELING = "topic_modeling"
    SEQUENCE_LABELING = "sequence_labeling"
    EMBEDDING = "embedding"


class Algorithm(abc.ABC):
    """One trainable algorithm: its name, its parameters and how to build it.

    Subclasses declare the class variables below and implement ``build``. The
    ``Params`` model is the single declaration of every parameter (type, default,
    range or choices, description); it feeds validation, the UI form and the JSON
    schema, as scikit-learn's ``_parameter_constraints`` do.

    ``build`` returns an UNFITTED estimator with scikit-learn verbs: ``fit(X, y)``
    returns self, ``predict``, and for classifiers ``predict_proba`` + ``classes_``;
    clustering estimators ``fit(X)`` and ``predict(X)`` assign clusters. Adapters do
    no work at construction time, so listing the catalog stays cheap.

    ``scale_sensitive`` marks distance- and margin-based models: they compare raw
    magnitudes across features, so a column in large units outweighs the others
    unless features are standardised (the advice engine warns about it).
    """

    name: ClassVar[str]
    task: ClassVar[Task]
    summary: ClassVar[str]
    Params: ClassVar[type[BaseModel]]
    handles_missing: ClassVar[bool] = False
    scale_sensitive: ClassVar[bool] = False
    # The model centres and scales its own inputs (neural nets): no advice to.
    standardizes_inputs: ClassVar[bool] = False
    # Constant columns are expected (blank pixels in every image): not refused.
    keeps_constant_features: ClassVar[bool] = False
    # The estimator reads raw strings from ONE text column (text classifiers):
    # training goes through ``training.text_classification`` and the served
    # model accepts raw text, its tokeniser inside the estimator.
    reads_text: ClassVar[bool] = False

    def default_features(self, columns: list[str]) -> list[str]:
        """The feature columns used when a run names none (all but the target).

        Image models narrow this to the pixel columns, so an imported image
        folder's ``path`` column never becomes a feature by accident.
        """
        return columns

    @abc.abstractmethod
    def build(self, params: BaseModel, seed: int) -> Any:
        """Return an unfitted estimator configured from validated ``params``.

        Args:
            params: an instance of ``self.Params`` (see ``registry.validate_params``).
            seed: Loom's seed; adapters pass it on as ``random_state``.
        """

    def bind_features(self, estimator: Any, feature_names: list[str]) -> None:
        """Tell an unfitted estimator its encoded column names, before ``fit``.

        Names are ``col`` for numeric columns and ``col=category`` for one-hot
        columns of a string column, so an algorithm can regroup dummies (a
        reference level for regression, multiway splits for ID3/C4.5). The
        default does nothing.
        """
        return

    def bind_labels(self, estimator: Any, labels: list[str]) -> None:
        """Tell an unfitted classifier the class labels its codes stand for.

        Estimators are fitted on class codes ``0..K-1``; a report that prints
        a tree or a table reads better with the user's labels. The default
        does nothing.
        """
        return

    def report(
        self, estimator: Any, X: Any, y: Any, feature_names: list[str]
    ) -> tuple[dict[str, Any], dict[str, bytes]]:
        """Algorithm-specific findings about the stored model, for the run page.

        Called once on the model Loom keeps, with the rows it was fitted on.

        Returns:
            ``(report, plots)``: JSON-safe data stored under the run's
            ``details["report"]``, and PNG files by name. The default is empty.
        """
        return {}, {}

    def save_estimator(self, estimator: Any, directory: Path) -> None:
        """Write a fitted estimator into ``directory`` (which must exist).

        The default uses joblib (pickle). That is acceptable here only because
        these files are written by Loom itself, into its own artifact store, and
        are never uploaded by users: never call ``load_estimator`` on a file a
        user supplied, since unpickling runs arbitrary code.
        """
        import joblib

        joblib.dump(estimator, directory / ESTIMATOR_FILE)

    def load_estimator(self, directory: Path) -> Any:
        """Read back what ``save_estimator`` wrote (Loom-written files only)."""
        import joblib

        return joblib.load(directory / ESTIMATOR_FILE)

    def __repr__(self) -> str:
        return f"<Algorithm {self.name} ({self.task})>"
