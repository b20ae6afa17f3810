"""A value made on first use, once, under its own lock: how a pipeline loads its models."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["Lazy"]

T = TypeVar("T")


class Lazy(Generic[T]):
    """``make()`` called on the first :meth:`get`, from whichever thread comes first; the others wait for it.

    Each value has its own lock, so loading one model never holds up users of another.
    """

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._value: T | None = None
        self._lock = threading.Lock()

    def get(self) -> tuple[T, float]:
        """The value, and the seconds this call spent making it (0 once made)."""
        with self._lock:
            if self._value is not None:
                return self._value, 0.0
            t0 = time.perf_counter()
            self._value = self._make()
            return self._value, time.perf_counter() - t0

    @property
    def value(self) -> T | None:
        """The value if it was made, without making it."""
        return self._value

    def reset(self, change: Callable[[], None] | None = None) -> T | None:
        """Forget the value (after ``change()``, run under the lock); the next :meth:`get` makes it again.
        Returns the value forgotten."""
        with self._lock:
            if change is not None:
                change()
            old, self._value = self._value, None
            return old
