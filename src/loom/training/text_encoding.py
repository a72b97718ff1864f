"""``TextColumnEncoder``: the one text column a topic model or tagger reads.

Text models take raw strings, so this "encoder" only picks the column out of a
table or of JSON records and checks it holds strings; it gives ``ModelBundle``
the same surface ``TabularEncoder`` does (input schema, feature names,
``transform_records``/``transform_frame``, ``to_dict``/``from_dict``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from loom.core.errors import InvalidInputError

KIND = "text"


def is_text_column(series: pd.Series) -> bool:
    """Whether a column holds strings (nulls allowed, nothing else)."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        return False
    if not (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)):
        return False
    return pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty")


def resolve_text_column(
    df: pd.DataFrame, features: list[str] | None, target: str | None, who: str
) -> str:
    """The single string feature column of a text task.

    Args:
        df: the training table.
        features: the requested feature columns (None: pick the only string one).
        target: the target column, never a feature.
        who: the algorithm name, for messages.

    Raises:
        InvalidInputError: not exactly one feature column, an unknown column, or
            a column that does not hold strings; the message lists the string
            columns to choose from.
    """
    columns = [str(c) for c in df.columns]
    text_columns = [c for c in columns if c != target and is_text_column(df[c])]
    choices = ", ".join(text_columns) or "none"
    if features is None:
        if len(text_columns) != 1:
            raise InvalidInputError(
                f"{who} reads exactly one text column; pick it with features "
                f"(string columns: {choices})"
            )
        return text_columns[0]
    if len(features) != 1:
        raise InvalidInputError(
            f"{who} reads exactly one text column; got {len(features)} features "
            f"(string columns: {choices})"
        )
    column = features[0]
    if column not in df.columns:
        raise InvalidInputError(
            f"feature column '{column}' not found; columns are: {', '.join(columns)}"
        )
    if column == target:
        raise InvalidInputError(f"target column '{target}' cannot also be a feature")
    if not is_text_column(df[column]):
        raise InvalidInputError(
            f"feature column '{column}' must hold text (strings) for {who}; "
            f"got {df[column].dtype} (string columns: {choices})"
        )
    return column


class TextColumnEncoder:
    """Passes one string column through to a text estimator.

    Args:
        column: the text column (set by ``fit`` when not given).
    """

    def __init__(self, column: str | None = None) -> None:
        self.column = column
        self.missing_in_training = False

    def fit(self, df: pd.DataFrame, features: list[str]) -> TextColumnEncoder:
        """Remember the column; it must be the only feature and hold strings.

        Raises:
            InvalidInputError: see ``resolve_text_column``.
        """
        self.column = resolve_text_column(df, features, None, "a text model")
        self.missing_in_training = bool(df[self.column].isna().any())
        return self

    def _name(self) -> str:
        if self.column is None:
            raise RuntimeError("TextColumnEncoder used before fit")
        return self.column

    @property
    def features(self) -> list[str]:
        """The input column, as a one-item list."""
        return [self._name()]

    @property
    def input_schema(self) -> list[dict[str, Any]]:
        """What a prediction record must contain: the text column, a string."""
        return [
            {
                "name": self._name(),
                "type": "string",
                "nullable": False,
                "missing_in_training": self.missing_in_training,
            }
        ]

    @property
    def feature_names_out(self) -> list[str]:
        """The text column's name (the estimator sees the raw text)."""
        return [self._name()]

    def transform_records(self, records: Sequence[Mapping[str, Any]]) -> list[str]:
        """The text of each JSON record (the serving path).

        Raises:
            InvalidInputError: naming the record index, for a record that is not
                an object, lacks the column, has other columns or a non-string.
        """
        name = self._name()
        texts = []
        for i, record in enumerate(records):
            if not isinstance(record, Mapping):
                raise InvalidInputError(
                    f"record {i}: expected an object of column values; "
                    f"got {type(record).__name__}"
                )
            if name not in record:
                raise InvalidInputError(f"record {i}: missing column '{name}'")
            if len(record) > 1:
                extra = sorted(str(k) for k in record if k != name)
                raise InvalidInputError(
                    f"record {i}: unknown column{'s' if len(extra) > 1 else ''} "
                    f"{', '.join(repr(e) for e in extra)}; expected: {name}"
                )
            value = record[name]
            if not isinstance(value, str):
                shown = repr(value)
                shown = shown if len(shown) <= 40 else shown[:37] + "..."
                raise InvalidInputError(
                    f"record {i}: column '{name}' expects a string; got {shown}"
                )
            texts.append(value)
        return texts

    def transform_frame(self, df: pd.DataFrame) -> list[str]:
        """The column's text for batch scoring; a null reads as empty text.

        Raises:
            InvalidInputError: the column is missing or does not hold strings.
        """
        name = self._name()
        if name not in df.columns:
            raise InvalidInputError(f"missing column '{name}'")
        series = df[name]
        if not is_text_column(series):
            raise InvalidInputError(
                f"column '{name}' expects a string; got values of type {series.dtype}"
            )
        return [v if isinstance(v, str) else "" for v in series.astype(object)]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe copy of the state; ``kind`` tells ``ModelBundle`` the class."""
        return {
            "kind": KIND,
            "format_version": 1,
            "column": self._name(),
            "missing_in_training": self.missing_in_training,
        }

    @classmethod
    def from_dict(cls, state: Mapping[str, Any]) -> TextColumnEncoder:
        """Rebuild the encoder from ``to_dict`` output."""
        encoder = cls(column=state["column"])
        encoder.missing_in_training = bool(state.get("missing_in_training", False))
        return encoder
