"""Progress bars, drawn only where a caller asked for them and only on a terminal (tqdm)."""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["bar", "skip", "Silent"]


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
