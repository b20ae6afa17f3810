"""Progress bars, drawn only where a caller asked for them and only on a terminal (tqdm)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

__all__ = ["bar", "skip", "Silent", "reporting", "reporter", "listening", "listener"]


class Silent:
    """What :func:`bar` gives when nothing is drawn: the same calls, doing nothing."""

    total: int | None = None

    def update(self, n: int = 1) -> None:
        pass

    def refresh(self) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> Silent:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def bar(enabled: bool, total: int | None, unit: str, desc: str, **options: Any) -> Any:
    """A tqdm bar on stderr when ``enabled`` and stderr is a terminal; a :class:`Silent` one otherwise.

    The library passes ``enabled=False`` unless its caller asked (``progress=True``); the command line
    asks unless ``--quiet``. Either one is a context manager that closes it.
    """
    if not enabled or not sys.stderr.isatty():
        return Silent()
    from tqdm import tqdm

    return tqdm(total=total, unit=unit, desc=desc, **options)


def skip(progress: Any, n: int) -> None:
    """``n`` items were done by an earlier run: they leave the bar's total, and never count in its rate."""
    if progress.total is not None:
        progress.total = max(progress.total - n, 0)
        progress.refresh()


#: Who is told of translation progress in this context: ``callback(done, total)`` sentences.
_REPORTER: ContextVar[Callable[[int, int], None] | None] = ContextVar("bilingua_progress", default=None)


@contextlib.contextmanager
def reporting(callback: Callable[[int, int], None]) -> Iterator[None]:
    """Tell ``callback(done, total)`` how many sentences the work in this block has translated, of those
    found so far (a document job's progress); it is called from the translation's worker threads."""
    token = _REPORTER.set(callback)
    try:
        yield
    finally:
        _REPORTER.reset(token)


def reporter() -> Callable[[int, int], None] | None:
    """The callback of the innermost :func:`reporting` block, if any."""
    return _REPORTER.get()


#: Who is given each sentence as soon as it is translated: ``callback(position, source, hypothesis)``.
_LISTENER: ContextVar[Callable[[int, str, Any], None] | None] = ContextVar("bilingua_sentences", default=None)


@contextlib.contextmanager
def listening(callback: Callable[[int, str, Any], None]) -> Iterator[None]:
    """Give ``callback(position, source, hypothesis)`` each sentence of the work in this block as soon as
    it is translated (in any order; ``position`` is its place among the document's sentences): a
    service's stream. It is called from the translation's worker threads."""
    token = _LISTENER.set(callback)
    try:
        yield
    finally:
        _LISTENER.reset(token)


def listener() -> Callable[[int, str, Any], None] | None:
    """The callback of the innermost :func:`listening` block, if any."""
    return _LISTENER.get()
