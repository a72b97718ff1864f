"""Columnar scalar fields aligned with row slots, with nulls and fast masks.

Rows are append-only: an upsert writes a new slot and the old one dies, so a
column never changes in place. That is what lets strings and tags be
dictionary-encoded into integer arrays (a filter compares small integers, not
Python strings) and tags sit in a CSR-like layout that only ever grows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from loom.core.errors import InvalidInputError
from loom.vectors.schema import FieldType

Mask = NDArray[np.bool_]
_NUMERIC_DTYPES: dict[str, type[np.generic]] = {
    "int": np.int64,
    "float": np.float64,
    "bool": np.bool_,
}


class Growable:
    """A 1-D NumPy array with amortised O(1) appends.

    Capacity grows by a quarter rather than doubling, so at most 25 % of it
    sits unused (doubling left up to half of a 1M-row column idle).
    """

    def __init__(self, dtype: type[np.generic] | np.dtype[Any], fill: Any) -> None:
        self._data: NDArray[Any] = np.full(16, fill, dtype=dtype)
        self._fill = fill
        self.size = 0

    def extend(self, values: NDArray[Any]) -> None:
        need = self.size + len(values)
        if need > len(self._data):
            capacity = max(need, len(self._data) + len(self._data) // 4)
            grown = np.full(capacity, self._fill, self._data.dtype)
            grown[: self.size] = self._data[: self.size]
            self._data = grown
        self._data[self.size : need] = values
        self.size = need

    @property
    def view(self) -> NDArray[Any]:
        return self._data[: self.size]

    @property
    def nbytes(self) -> int:
        return int(self._data.nbytes)


class Matrix:
    """A (rows, dim) float32 matrix with amortised appends.

    Capacity grows by a quarter (not doubling), so at most 25 % of it sits
    unused: at 1M x 128 doubling could leave 488 MiB allocated and idle.
    """

    def __init__(self, dim: int) -> None:
        self._data = np.zeros((0, dim), dtype=np.float32)
        self.size = 0

    def extend(self, rows: NDArray[np.float32]) -> None:
        need = self.size + len(rows)
        if need > len(self._data):
            capacity = max(need, len(self._data) + len(self._data) // 4, 16)
            grown = np.empty((capacity, self._data.shape[1]), np.float32)
            grown[: self.size] = self._data[: self.size]
            self._data = grown
        self._data[self.size : need] = rows
        self.size = need

    @property
    def view(self) -> NDArray[np.float32]:
        return self._data[: self.size]

    @property
    def nbytes(self) -> int:
        return int(self._data.nbytes)


class Vocabulary:
    """String ↔ integer code dictionary shared by string and tags columns."""

    def __init__(self, words: Sequence[str] = ()) -> None:
        self.words: list[str] = list(words)
        self.codes: dict[str, int] = {w: i for i, w in enumerate(self.words)}

    def encode(self, word: str) -> int:
        code = self.codes.get(word)
        if code is None:
            code = self.codes[word] = len(self.words)
            self.words.append(word)
        return code

    def lookup(self, word: str) -> int:
        """The code of ``word``, or -1 when no row holds it."""
        return self.codes.get(word, -1)

    def as_array(self) -> NDArray[np.object_]:
        out = np.empty(len(self.words), dtype=object)
        out[:] = self.words
        return out


class Column:
    """One field's values for every slot; subclasses per storage layout."""

    type: FieldType

    def __len__(self) -> int:
        raise NotImplementedError

    def append(self, values: Sequence[Any]) -> None:
        raise NotImplementedError

    def take(self, slots: NDArray[np.int64]) -> list[Any]:
        raise NotImplementedError

    def nbytes(self) -> int:
        raise NotImplementedError


class NumericColumn(Column):
    """int64 / float64 / bool values with a validity mask for nulls."""

    def __init__(self, field_type: FieldType) -> None:
        self.type = field_type
        self.values = Growable(_NUMERIC_DTYPES[field_type], 0)
        self.valid = Growable(np.bool_, False)

    def __len__(self) -> int:
        return self.values.size

    def append(self, values: Sequence[Any]) -> None:
        valid = np.array([v is not None for v in values], dtype=bool)
        data = np.array([0 if v is None else v for v in values])
        self.values.extend(data.astype(_NUMERIC_DTYPES[self.type], copy=False))
        self.valid.extend(valid)

    def take(self, slots: NDArray[np.int64]) -> list[Any]:
        vals = self.values.view[slots].tolist()
        ok = self.valid.view[slots]
        return [v if o else None for v, o in zip(vals, ok, strict=True)]

    def nbytes(self) -> int:
        return self.values.nbytes + self.valid.nbytes


class StringColumn(Column):
    """Dictionary-encoded strings: int32 codes per slot, -1 for null."""

    type: FieldType = "string"

    def __init__(self, vocab: Vocabulary | None = None) -> None:
        self.vocab = vocab or Vocabulary()
        self.codes = Growable(np.int32, -1)

    def __len__(self) -> int:
        return self.codes.size

    def append(self, values: Sequence[Any]) -> None:
        enc = self.vocab.encode
        self.codes.extend(
            np.array([-1 if v is None else enc(v) for v in values], dtype=np.int32)
        )

    def take(self, slots: NDArray[np.int64]) -> list[Any]:
        words = self.vocab.words
        return [None if c < 0 else words[c] for c in self.codes.view[slots].tolist()]

    def nbytes(self) -> int:
        return self.codes.nbytes + sum(len(w) + 49 for w in self.vocab.words)


class TagsColumn(Column):
    """Lists of strings in CSR form: per-slot offsets into flat code/slot arrays.

    ``value_slots`` repeats the owning slot for every tag, so ``"x" in tags``
    is one vectorised comparison on ``value_codes`` plus a scatter into a mask.
    """

    type: FieldType = "tags"

    def __init__(self, vocab: Vocabulary | None = None) -> None:
        self.vocab = vocab or Vocabulary()
        self.offsets = Growable(np.int64, 0)
        self.offsets.extend(np.zeros(1, dtype=np.int64))
        self.valid = Growable(np.bool_, False)
        self.value_codes = Growable(np.int32, -1)
        self.value_slots = Growable(np.int64, -1)

    def __len__(self) -> int:
        return self.valid.size

    def append(self, values: Sequence[Any]) -> None:
        start_slot = len(self)
        end = int(self.offsets.view[-1])
        codes: list[int] = []
        slots: list[int] = []
        offsets: list[int] = []
        for i, tags in enumerate(values):
            for tag in tags or ():
                codes.append(self.vocab.encode(tag))
                slots.append(start_slot + i)
            offsets.append(end + len(codes))
        self.offsets.extend(np.array(offsets, dtype=np.int64))
        self.valid.extend(np.array([v is not None for v in values], dtype=bool))
        self.value_codes.extend(np.array(codes, dtype=np.int32))
        self.value_slots.extend(np.array(slots, dtype=np.int64))

    def contains(self, word: str, n_slots: int) -> Mask:
        """Mask of slots whose tag list holds ``word``."""
        mask = np.zeros(n_slots, dtype=bool)
        code = self.vocab.lookup(word)
        if code >= 0:
            mask[self.value_slots.view[self.value_codes.view == code]] = True
        return mask

    def take(self, slots: NDArray[np.int64]) -> list[Any]:
        words, off, codes = self.vocab.words, self.offsets.view, self.value_codes.view
        out: list[Any] = []
        for s in slots.tolist():
            if not self.valid.view[s]:
                out.append(None)
            else:
                out.append([words[c] for c in codes[off[s] : off[s + 1]].tolist()])
        return out

    def nbytes(self) -> int:
        return (
            self.offsets.nbytes
            + self.valid.nbytes
            + self.value_codes.nbytes
            + self.value_slots.nbytes
            + sum(len(w) + 49 for w in self.vocab.words)
        )


def new_column(field_type: FieldType) -> Column:
    """An empty column of the layout that suits ``field_type``."""
    if field_type == "string":
        return StringColumn()
    if field_type == "tags":
        return TagsColumn()
    return NumericColumn(field_type)


class FieldStore:
    """All scalar columns of a collection, each with one entry per slot."""

    def __init__(self, field_types: Mapping[str, FieldType]) -> None:
        self.types = dict(field_types)
        self.columns: dict[str, Column] = {
            name: new_column(t) for name, t in self.types.items()
        }

    def append(self, columns: Mapping[str, list[Any]], n: int) -> None:
        """Append ``n`` rows; ``columns`` must come from ``coerce_fields``."""
        for name, column in self.columns.items():
            column.append(columns.get(name) or [None] * n)

    def take(
        self, slots: NDArray[np.int64], names: Sequence[str]
    ) -> dict[str, list[Any]]:
        """Values of ``names`` for ``slots`` (null as None), column by column."""
        return {name: self.columns[name].take(slots) for name in names}

    def nbytes(self) -> int:
        return sum(c.nbytes() for c in self.columns.values())


def _check_value(field_type: FieldType, value: Any) -> Any:
    """Return ``value`` as stored, or raise ``TypeError`` naming the expectation."""
    if value is None:
        return None
    if field_type == "bool":
        if isinstance(value, bool | np.bool_):
            return bool(value)
        raise TypeError("expected true/false")
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"expected {field_type}, got a boolean")
    if field_type == "int":
        if isinstance(value, int | np.integer):
            if not -(2**63) <= int(value) < 2**63:
                raise TypeError("integer outside the int64 range")
            return int(value)
        raise TypeError("expected an integer")
    if field_type == "float":
        if isinstance(value, int | float | np.integer | np.floating):
            if not math.isfinite(float(value)):
                raise TypeError("expected a finite number")
            return float(value)
        raise TypeError("expected a number")
    if field_type == "string":
        if isinstance(value, str):
            return value
        raise TypeError("expected a string")
    if isinstance(value, list | tuple) and all(isinstance(t, str) for t in value):
        return list(value)
    raise TypeError("expected a list of strings")


def coerce_fields(
    field_types: Mapping[str, FieldType],
    fields: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]] | None,
    n: int,
) -> dict[str, list[Any]]:
    """Check and normalise field values for ``n`` rows into columnar lists.

    Accepts columns (``{"price": [..]}``) or rows (``[{"price": 1}, ..]``), so
    JSON callers and Arrow/NumPy bulk loaders both fit. Missing fields are null.

    Raises:
        InvalidInputError: an unknown field, a column of the wrong length, or a
            value of the wrong type (naming the row index and the field).
    """
    if fields is None:
        return {}
    if isinstance(fields, Mapping):
        columns = {k: list(v) for k, v in fields.items()}
    else:
        if len(fields) != n:
            raise InvalidInputError(f"fields has {len(fields)} rows, expected {n}")
        columns = {}
        for i, row in enumerate(fields):
            for key in row:
                columns.setdefault(key, [None] * n)[i] = row[key]
    unknown = sorted(set(columns) - set(field_types))
    if unknown:
        raise InvalidInputError(
            f"unknown field {unknown[0]!r}; the collection's fields are "
            f"{sorted(field_types)}"
        )
    out: dict[str, list[Any]] = {}
    for name, values in columns.items():
        if len(values) != n:
            raise InvalidInputError(
                f"field {name!r} has {len(values)} values, expected {n}"
            )
        checked: list[Any] = []
        for i, value in enumerate(values):
            try:
                checked.append(_check_value(field_types[name], value))
            except TypeError as exc:
                raise InvalidInputError(
                    f"row {i}, field {name!r}: {exc} for a {field_types[name]} "
                    f"field, got {value!r}"
                ) from None
        out[name] = checked
    return out
