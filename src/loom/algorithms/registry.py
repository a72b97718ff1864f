"""The catalog registry: find algorithms by name, validate and describe parameters."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.params import ParamInfo, coerce, param_infos
from loom.core.catalog import Catalog
from loom.core.errors import InvalidInputError

# The one list of catalog modules. Adding a family means adding its module path
# here; callers never change. Imported lazily so `import loom` stays light.
_CATALOG_MODULES: tuple[str, ...] = (
    "loom.algorithms.classical.linear_models",
    "loom.algorithms.statistical.linear_regression",
    "loom.algorithms.classical.trees",
    "loom.algorithms.classical.id3_c45",
    "loom.algorithms.classical.svm",
    "loom.algorithms.classical.naive_bayes",
    "loom.algorithms.classical.neighbors",
    "loom.algorithms.classical.forests",
    "loom.algorithms.classical.clustering",
    "loom.algorithms.boosting.lightgbm_models",
    "loom.algorithms.classical.ensembles",
    "loom.algorithms.classical.density_clustering",
    "loom.algorithms.boosting.xgboost_models",
    "loom.algorithms.boosting.gbdt_lr",
    "loom.algorithms.text.lda",
    "loom.algorithms.text.hmm",
    "loom.algorithms.text.crf",
    "loom.algorithms.neural.mlp",
    "loom.algorithms.neural.cnn",
    "loom.algorithms.neural.bilstm_crf",
    "loom.algorithms.neural.text_classifiers",
    "loom.algorithms.embeddings.word2vec",
    "loom.algorithms.embeddings.fasttext_vectors",
    "loom.algorithms.embeddings.tfidf",
    "loom.algorithms.embeddings.sentence",
    "loom.algorithms.embeddings.fasttext_classifier",
)

_CATALOG: Catalog[Algorithm] = Catalog("algorithm", _CATALOG_MODULES)

A = TypeVar("A", bound=type[Algorithm])


def register(cls: A) -> A:
    """Class decorator adding an ``Algorithm`` subclass to the catalog.

    Raises:
        ValueError: another algorithm already uses the same name (a programming
            error, caught by the catalog contract tests).
    """
    param_infos(cls.Params)  # fail at import time on an unsupported declaration
    _CATALOG.add(cls.name, cls())
    return cls


def get_algorithm(name: str) -> Algorithm:
    """The algorithm registered under ``name``.

    Raises:
        InvalidInputError: no such algorithm; the message lists the valid names.
    """
    return _CATALOG.get(name)


def list_algorithms(task: Task | None = None) -> list[Algorithm]:
    """Every registered algorithm (of ``task``, when given), sorted by name."""
    return [a for a in _CATALOG.entries() if task is None or a.task == task]


def validate_params(name: str, raw: Mapping[str, Any]) -> BaseModel:
    """Check and coerce user-supplied parameters before any job is queued.

    Strings from the CLI are coerced (``"100"`` → 100, ``"true"`` → True,
    ``"none"`` → None where the parameter allows None); missing parameters take
    their defaults.

    Raises:
        InvalidInputError: unknown algorithm, unknown parameter name (listing the
            valid ones), or a value of the wrong type, out of range or not among
            the choices, in scikit-learn's message shape.
    """
    algorithm = get_algorithm(name)
    infos = {info.name: info for info in param_infos(algorithm.Params)}
    unknown = sorted(set(raw) - set(infos))
    if unknown:
        raise InvalidInputError(
            f"unknown parameter{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(repr(u) for u in unknown)} for {name}; "
            f"valid parameters: {', '.join(infos)}",
            details={"unknown": unknown, "valid": list(infos)},
        )
    for key, value in raw.items():
        # pydantic's lax mode reads True as 1; a boolean for a number is a mistake.
        if isinstance(value, bool) and infos[key].base in (int, float):
            raise _param_error(name, infos[key], value)
    values = {key: coerce(infos[key], value) for key, value in raw.items()}
    try:
        return algorithm.Params.model_validate(values)
    except ValidationError as exc:
        bad = _first_bad_field(exc, infos)
        if bad is None:
            raise _rule_error(name, exc, infos) from None
        raise _param_error(name, bad, raw.get(bad.name)) from None


def _rule_error(
    algorithm: str, exc: ValidationError, infos: dict[str, ParamInfo]
) -> InvalidInputError:
    """A cross-field rule broken: its own sentence, without pydantic's wrapping
    ("Value error, ...", the input dict, a help URL); the first parameter it
    names goes into ``details`` so a form can show the message beside it."""
    text = "; ".join(
        str(error["msg"]).removeprefix("Value error, ") for error in exc.errors()
    )
    found = ((re.search(rf"\b{re.escape(n)}\b", text), n) for n in infos)
    named = sorted((m.start(), n) for m, n in found if m)
    details = {"parameter": named[0][1]} if named else {}
    return InvalidInputError(
        f"invalid parameters for {algorithm}: {text}", details=details
    )


def _first_bad_field(
    exc: ValidationError, infos: dict[str, ParamInfo]
) -> ParamInfo | None:
    for error in exc.errors():
        if error["loc"] and error["loc"][0] in infos:
            return infos[str(error["loc"][0])]
    return None


def _param_error(algorithm: str, info: ParamInfo, value: Any) -> InvalidInputError:
    return InvalidInputError(
        f"The '{info.name}' parameter of {algorithm} must be "
        f"{info.constraint_text()}; got {value!r}.",
        details={"parameter": info.name, "got": value, **info.as_dict()},
    )


def describe(algorithm: Algorithm) -> dict[str, Any]:
    """A JSON-safe description of ``algorithm`` for the API, the CLI and the UI form."""
    return {
        "name": algorithm.name,
        "task": str(algorithm.task),
        "summary": algorithm.summary,
        "handles_missing": algorithm.handles_missing,
        "reads_text": algorithm.reads_text,
        "params": [info.as_dict() for info in param_infos(algorithm.Params)],
        "params_schema": algorithm.Params.model_json_schema(),
    }
