"""Reading parameter declarations off a ``Params`` model: types, ranges, choices.

One parameter is declared once, as a pydantic field; this module turns that field
into the things Loom derives from it: the UI form row, the coercion of CLI
strings, and scikit-learn-shaped error messages.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

_TYPE_NAMES = {int: "integer", float: "number", bool: "boolean", str: "string"}
_ARTICLES = {int: "an int", float: "a float", bool: "a bool", str: "a str"}
_NULL_WORDS = frozenset({"none", "null"})
_BOOL_WORDS = {"true": True, "false": False, "yes": True, "no": False}


@dataclass(frozen=True)
class ParamInfo:
    """What one field of a ``Params`` model accepts, in plain values."""

    name: str
    base: type
    default: Any
    minimum: float | None
    maximum: float | None
    choices: tuple[Any, ...] | None
    nullable: bool
    description: str

    @property
    def type_name(self) -> str:
        """The JSON-schema-style type: integer, number, boolean or string."""
        return _TYPE_NAMES[self.base]

    def as_dict(self) -> dict[str, Any]:
        """The row the UI renders a form field from."""
        return {
            "name": self.name,
            "type": self.type_name,
            "default": self.default,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "choices": list(self.choices) if self.choices is not None else None,
            "nullable": self.nullable,
            "description": self.description,
        }

    def constraint_text(self) -> str:
        """Describe the accepted values the way scikit-learn's validator does."""
        if self.choices is not None:
            text = (
                f"{_ARTICLES[self.base]} among {{{', '.join(map(repr, self.choices))}}}"
            )
        elif self.minimum is not None or self.maximum is not None:
            low = "-inf" if self.minimum is None else _number(self.minimum)
            high = "inf" if self.maximum is None else _number(self.maximum)
            text = f"{_ARTICLES[self.base]} in the range [{low}, {high}]"
        else:
            text = _ARTICLES[self.base]
        return f"{text} or None" if self.nullable else text


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def param_infos(model: type[BaseModel]) -> list[ParamInfo]:
    """Every parameter of ``model`` in declaration order."""
    return [_info(name, field) for name, field in model.model_fields.items()]


def _info(name: str, field: FieldInfo) -> ParamInfo:
    annotation = field.annotation
    nullable = False
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        nullable = len(members) < len(typing.get_args(annotation))
        if len(members) != 1:
            raise TypeError(f"parameter {name!r}: only 'T' or 'T | None' are supported")
        annotation = members[0]
    choices: tuple[Any, ...] | None = None
    if typing.get_origin(annotation) is Literal:
        choices = typing.get_args(annotation)
        annotation = type(choices[0])
    if annotation not in _TYPE_NAMES:
        raise TypeError(f"parameter {name!r}: unsupported type {annotation!r}")
    minimum = maximum = None
    for item in field.metadata:
        if isinstance(item, annotated_types.Ge):
            minimum = item.ge
        elif isinstance(item, annotated_types.Le):
            maximum = item.le
        elif isinstance(item, annotated_types.Gt | annotated_types.Lt):
            raise TypeError(f"parameter {name!r}: declare ranges with ge/le only")
    return ParamInfo(
        name=name,
        base=annotation,
        default=field.default,
        minimum=minimum,  # type: ignore[arg-type]
        maximum=maximum,  # type: ignore[arg-type]
        choices=choices,
        nullable=nullable,
        description=field.description or "",
    )


def coerce(info: ParamInfo, value: Any) -> Any:
    """Turn a CLI/query string into the value the field expects, where unambiguous.

    Numbers in strings are left to pydantic's lax mode (``"100"`` → 100);
    this only handles the words pydantic does not: ``none``/``null`` for nullable
    fields and ``true``/``false``/``yes``/``no`` for booleans.
    """
    if not isinstance(value, str):
        return value
    word = value.strip().lower()
    if info.nullable and word in _NULL_WORDS:
        return None
    if info.base is bool and word in _BOOL_WORDS:
        return _BOOL_WORDS[word]
    if info.base in (int, float):
        return value.strip()
    return value
