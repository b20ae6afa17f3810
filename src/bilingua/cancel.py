"""Cancelling work that nobody waits for any more: a token its caller sets, that queued work looks at.

A service request whose client hung up, or whose deadline passed, sets its
token; the work it started runs under :func:`cancellable`, and what queues
that work's sentences (the micro-batcher) drops those still queued, so the
engine never translates them. Work that runs without a token is never
cancelled.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from contextvars import ContextVar

from .errors import BilinguaError

__all__ = ["Cancelled", "CancelToken", "cancellable", "current"]


class Cancelled(BilinguaError):
    """The work was cancelled: its caller hung up, or its deadline passed."""


class CancelToken:
    """Set once, by whoever gave up on the work; callbacks registered with it run then (once each)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []
        self.reason: str | None = None

    @property
    def cancelled(self) -> bool:
        return self.reason is not None

    def cancel(self, reason: str) -> None:
        """Give up on the work (the first reason is kept); run the registered callbacks."""
        with self._lock:
            if self.reason is not None:
                return
            self.reason = reason
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    def on_cancel(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Run ``callback`` when the token is set (now, if it is); return what unregisters it."""
        with self._lock:
            if self.reason is None:
                self._callbacks.append(callback)
                return lambda: self._forget(callback)
        callback()
        return lambda: None

    def _forget(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if callback in self._callbacks:
                self._callbacks.remove(callback)


_CURRENT: ContextVar[CancelToken | None] = ContextVar("bilingua_cancel", default=None)


@contextlib.contextmanager
def cancellable(token: CancelToken) -> Iterator[None]:
    """Run the block's work under ``token`` (in this thread)."""
    reset = _CURRENT.set(token)
    try:
        yield
    finally:
        _CURRENT.reset(reset)


def current() -> CancelToken | None:
    """The token the work running in this thread is under, if any."""
    return _CURRENT.get()
