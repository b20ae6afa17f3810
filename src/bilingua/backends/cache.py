"""A translation cache that wraps any backend (composition, as Argos Translate's cached translator)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from ..checks import at_least
from .base import Hypothesis, TranslationBackend, WrappingBackend

__all__ = ["CachedBackend"]


class CachedBackend(WrappingBackend):
    """Wraps a backend with an LRU cache of sentence translations (composition, as in Argos Translate).

    The cache is shared by every thread that uses it; a lock guards it, but
    not the engine call, so threads still translate in parallel.
    """

    def __init__(self, inner: TranslationBackend, maxsize: int = 10_000) -> None:
        at_least("maxsize", maxsize, 1)
        super().__init__(inner, "cached")
        self.maxsize = maxsize
        self._cache: OrderedDict[str, Hypothesis] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0

    def translate_batch(
        self, sources: Sequence[str], tokens: Sequence[Sequence[Any]] | None = None
    ) -> list[Hypothesis]:
        found: dict[str, Hypothesis] = {}
        with self._lock:
            for s in sources:
                if s in self._cache:
                    self._cache.move_to_end(s)
                    found[s] = self._cache[s]
                    self.hits += 1
        first: dict[str, int] = {}
        for i, s in enumerate(sources):
            if s not in found:
                first.setdefault(s, i)
        if first:
            missing = list(first)
            sub_tokens = [tokens[first[s]] for s in missing] if tokens is not None else None
            new = self.inner.translate_batch(missing, sub_tokens)
            with self._lock:
                for s, h in zip(missing, new):
                    found[s] = self._cache[s] = h
                    self._cache.move_to_end(s)
                while len(self._cache) > self.maxsize:
                    self._cache.popitem(last=False)
        return [found[s] for s in sources]

    def info(self) -> dict[str, object]:
        with self._lock:
            size, hits = len(self._cache), self.hits
        return {**self.inner.info(), "cache": {"size": size, "hits": hits}}
