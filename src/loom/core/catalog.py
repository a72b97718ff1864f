"""``Catalog``: a thread-safe name → instance registry filled lazily by imports.

The algorithm catalog and the pipeline operator palette both register classes
with a decorator in modules that are imported only on first lookup, so listing
or validating stays cheap at start-up; this is that mechanism, once.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable
from typing import Generic, TypeVar

from loom.core.errors import InvalidInputError

T = TypeVar("T")


class Catalog(Generic[T]):
    """Entries by name, loaded from ``modules`` the first time one is asked for.

    Args:
        kind: what an entry is called in error messages ("algorithm").
        modules: dotted module paths whose import registers the entries.
    """

    def __init__(self, kind: str, modules: Iterable[str]) -> None:
        self.kind = kind
        self.modules = tuple(modules)
        self._entries: dict[str, T] = {}
        self._lock = threading.RLock()
        self._loaded = False

    def add(self, name: str, entry: T) -> None:
        """Register ``entry``; a second class under the same name is a bug.

        Raises:
            ValueError: ``name`` is taken by an instance of another class.
        """
        with self._lock:
            existing = self._entries.get(name)
            if existing is not None and type(existing) is not type(entry):
                raise ValueError(f"{self.kind} name {name!r} is already registered")
            self._entries[name] = entry

    def discard(self, name: str) -> None:
        """Forget ``name`` (tests that register a throwaway entry)."""
        with self._lock:
            self._entries.pop(name, None)

    def _ensure_loaded(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if not self._loaded:
                for module in self.modules:
                    importlib.import_module(module)
                self._loaded = True

    def __contains__(self, name: object) -> bool:
        self._ensure_loaded()
        return name in self._entries

    def get(self, name: str) -> T:
        """The entry named ``name``.

        Raises:
            InvalidInputError: no such entry; the message lists the valid names.
        """
        self._ensure_loaded()
        entry = self._entries.get(name)
        if entry is None:
            choices = sorted(self._entries)
            raise InvalidInputError(
                f"unknown {self.kind} '{name}'; choose one of: {', '.join(choices)}",
                details={"choices": choices, "got": name},
            )
        return entry

    def entries(self) -> list[T]:
        """Every entry, sorted by name."""
        self._ensure_loaded()
        return [self._entries[name] for name in sorted(self._entries)]
