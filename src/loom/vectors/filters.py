"""A small, safe filter language over scalar fields, compiled to NumPy masks.

Grammar (keywords are case-insensitive)::

    expr       := and_expr ("or" and_expr)*
    and_expr   := unary ("and" unary)*
    unary      := "not" unary | "(" expr ")" | predicate
    predicate  := FIELD op literal | FIELD ["not"] "in" "[" literal, ... "]"
                | literal ["not"] "in" TAGS_FIELD | BOOL_FIELD
    op         := "==" | "!=" | "<" | "<=" | ">" | ">="

Loom parses the text itself with a recursive-descent parser instead of
``eval`` or a SQL engine: the input comes from untrusted API callers, and a
grammar this small can be checked against the schema before any row is read,
with errors that point at a character position. Null values never satisfy a
predicate (``price != 3`` excludes rows without a price), while ``not`` is a
plain boolean negation (``not price == 3`` includes them).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from loom.core.errors import InvalidInputError
from loom.vectors.fields import (
    FieldStore,
    Mask,
    NumericColumn,
    StringColumn,
    TagsColumn,
)
from loom.vectors.schema import FieldType

MAX_FILTER_CHARS = 4096
MAX_DEPTH = 64
_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_KEYWORDS = {"and", "or", "not", "in", "true", "false"}
_TOKEN = re.compile(
    r"""(?P<ws>\s+)
    |(?P<number>-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    |(?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<op>[=!<>&|~^%*+/]+|-)
    |(?P<punct>[()\[\],])""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    """One lexical unit and the 0-based character position it starts at."""

    kind: str  # number | string | name | keyword | op | punct | end
    text: str
    pos: int
    value: Any = None


def _fail(problem: str, pos: int) -> InvalidInputError:
    return InvalidInputError(f"filter: {problem} at position {pos}")


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, rejecting characters the language lacks."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise _fail(f"unexpected character {text[pos]!r}", pos)
        kind, raw = match.lastgroup or "", match.group()
        if kind == "number":
            value: Any = float(raw) if any(c in raw for c in ".eE") else int(raw)
            tokens.append(Token("number", raw, pos, value))
        elif kind == "string":
            body = re.sub(r"\\(.)", r"\1", raw[1:-1])
            tokens.append(Token("string", raw, pos, body))
        elif kind == "name" and raw.lower() in _KEYWORDS:
            word = raw.lower()
            if word in {"true", "false"}:
                tokens.append(Token("bool", raw, pos, word == "true"))
            else:
                tokens.append(Token("keyword", word, pos))
        elif kind == "op" and raw not in _COMPARISONS:
            raise _fail(
                f"unknown operator {raw!r}; use ==, !=, <, <=, >, >=, in, not in, "
                "and, or, not",
                pos,
            )
        elif kind != "ws":
            tokens.append(Token(kind, raw, pos))
        pos = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


# An evaluator takes the field store and the slot count and returns a mask.
Evaluator = Callable[[FieldStore, int], Mask]


class _Parser:
    """Recursive descent over the token list; builds evaluators as it goes."""

    def __init__(self, text: str, field_types: Mapping[str, FieldType]) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        self.types = field_types
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def _take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def _is(self, kind: str, text: str | None = None) -> bool:
        return self.tok.kind == kind and (text is None or self.tok.text == text)

    def _expect(self, kind: str, text: str, what: str) -> Token:
        if not self._is(kind, text):
            raise _fail(
                f"expected {what}, found {self._describe(self.tok)}", self.tok.pos
            )
        return self._take()

    @staticmethod
    def _describe(tok: Token) -> str:
        return "end of expression" if tok.kind == "end" else repr(tok.text)

    def parse(self) -> Evaluator:
        if self._is("end"):
            raise _fail("empty expression", 0)
        ev = self._or()
        if not self._is("end"):
            raise _fail(f"unexpected {self._describe(self.tok)}", self.tok.pos)
        return ev

    def _or(self) -> Evaluator:
        ev = self._and()
        while self._is("keyword", "or"):
            self._take()
            left, right = ev, self._and()
            ev = _combine(np.logical_or, left, right)
        return ev

    def _and(self) -> Evaluator:
        ev = self._unary()
        while self._is("keyword", "and"):
            self._take()
            left, right = ev, self._unary()
            ev = _combine(np.logical_and, left, right)
        return ev

    def _unary(self) -> Evaluator:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _fail(
                f"expression nested deeper than {MAX_DEPTH} levels", self.tok.pos
            )
        try:
            if self._is("keyword", "not"):
                self._take()
                inner = self._unary()
                return lambda store, n: ~inner(store, n)
            if self._is("punct", "("):
                self._take()
                ev = self._or()
                self._expect("punct", ")", "')'")
                return ev
            return self._predicate()
        finally:
            self.depth -= 1

    def _field(self) -> tuple[str, FieldType, int]:
        tok = self._take()
        if tok.kind != "name":
            raise _fail(f"expected a field name, found {self._describe(tok)}", tok.pos)
        if tok.text not in self.types:
            raise _fail(
                f"unknown field {tok.text!r}; fields are {sorted(self.types)}", tok.pos
            )
        return tok.text, self.types[tok.text], tok.pos

    def _literal(self) -> Token:
        tok = self._take()
        if tok.kind not in {"number", "string", "bool"}:
            raise _fail(
                f"expected a value (number, string, true/false), found "
                f"{self._describe(tok)}",
                tok.pos,
            )
        return tok

    def _predicate(self) -> Evaluator:
        if self.tok.kind in {"string", "number", "bool"}:
            return self._tag_membership()
        name, ftype, pos = self._field()
        if self._is("op"):
            op = self._take().text
            lit = self._literal()
            _check_literal(name, ftype, op, lit)
            return _compare(name, ftype, op, lit.value)
        negate = False
        if self._is("keyword", "not"):
            self._take()
            negate = True
            if not self._is("keyword", "in"):
                raise _fail("expected 'in' after 'not'", self.tok.pos)
        if self._is("keyword", "in"):
            self._take()
            values = self._list(name, ftype)
            return _in_list(name, ftype, values, negate)
        if ftype == "bool" and not negate:
            return _compare(name, ftype, "==", True)
        raise _fail(
            f"expected an operator after field {name!r}, found "
            f"{self._describe(self.tok)}",
            self.tok.pos if self.tok.kind != "end" else pos,
        )

    def _tag_membership(self) -> Evaluator:
        lit = self._literal()
        negate = False
        if self._is("keyword", "not"):
            self._take()
            negate = True
        self._expect("keyword", "in", "'in' after a value")
        name, ftype, pos = self._field()
        if ftype != "tags":
            raise _fail(
                f"'value in {name}' needs a tags field; {name!r} is {ftype}", pos
            )
        if lit.kind != "string":
            raise _fail(f"tags hold strings; got {lit.text}", lit.pos)
        word: str = lit.value

        def tag_mask(store: FieldStore, n: int) -> Mask:
            column = store.columns[name]
            assert isinstance(column, TagsColumn)
            hit = column.contains(word, n)
            return (~hit & column.valid.view[:n]) if negate else hit

        return tag_mask

    def _list(self, name: str, ftype: FieldType) -> list[Any]:
        self._expect("punct", "[", "'[' to start a list")
        values: list[Any] = []
        while True:
            lit = self._literal()
            _check_literal(name, ftype, "in", lit)
            values.append(lit.value)
            if self._is("punct", "]"):
                self._take()
                return values
            self._expect("punct", ",", "',' or ']'")


def _combine(
    fn: Callable[[Mask, Mask], Mask], left: Evaluator, right: Evaluator
) -> Evaluator:
    return lambda store, n: fn(left(store, n), right(store, n))


def _check_literal(name: str, ftype: FieldType, op: str, lit: Token) -> None:
    """Reject a literal whose type cannot compare with the field's type."""
    ok = {
        "int": lit.kind == "number",
        "float": lit.kind == "number",
        "string": lit.kind == "string",
        "bool": lit.kind == "bool" and op in {"==", "!=", "in"},
        "tags": False,
    }[ftype]
    if ok and ftype == "int" and isinstance(lit.value, int) and abs(lit.value) >= 2**63:
        raise _fail(f"integer {lit.text} is outside the int64 range", lit.pos)
    if not ok:
        hint = " (tags support only 'value in field')" if ftype == "tags" else ""
        raise _fail(
            f"type mismatch: field {name!r} is {ftype}, cannot apply {op!r} to "
            f"{lit.text}{hint}",
            lit.pos,
        )


def _compare(name: str, ftype: FieldType, op: str, value: Any) -> Evaluator:
    fn = _COMPARISONS[op]

    def mask(store: FieldStore, n: int) -> Mask:
        column = store.columns[name]
        if isinstance(column, StringColumn):
            codes = column.codes.view[:n]
            if op in {"==", "!="}:
                code = column.vocab.lookup(value)
                out = fn(codes, code)
            else:
                per_word = fn(column.vocab.as_array(), value).astype(bool)
                out = np.append(per_word, False)[codes]
            return np.asarray(out & (codes >= 0), dtype=bool)
        assert isinstance(column, NumericColumn)
        out = fn(column.values.view[:n], value)
        return np.asarray(out & column.valid.view[:n], dtype=bool)

    return mask


def _in_list(name: str, ftype: FieldType, values: list[Any], negate: bool) -> Evaluator:
    def mask(store: FieldStore, n: int) -> Mask:
        column = store.columns[name]
        if isinstance(column, StringColumn):
            codes = column.codes.view[:n]
            wanted = [column.vocab.lookup(v) for v in values]
            hit = np.isin(codes, wanted)
            valid = codes >= 0
        else:
            assert isinstance(column, NumericColumn)
            hit = np.isin(column.values.view[:n], values)
            valid = column.valid.view[:n]
        return (~hit & valid) if negate else (hit & valid)

    return mask


@dataclass(frozen=True)
class CompiledFilter:
    """A checked filter expression, ready to turn into a mask over slots."""

    text: str
    evaluate: Evaluator

    def mask(self, store: FieldStore, n_slots: int) -> Mask:
        """Boolean mask of length ``n_slots``: True where the row matches."""
        return self.evaluate(store, n_slots)


def compile_filter(text: str, field_types: Mapping[str, FieldType]) -> CompiledFilter:
    """Parse ``text`` against the schema's fields.

    Raises:
        InvalidInputError: naming the position and the problem (unknown field
            with the list of fields, type mismatch, malformed expression,
            unknown operator).
    """
    if len(text) > MAX_FILTER_CHARS:
        raise InvalidInputError(
            f"filter: longer than {MAX_FILTER_CHARS} characters ({len(text)})"
        )
    return CompiledFilter(text, _Parser(text, field_types).parse())
