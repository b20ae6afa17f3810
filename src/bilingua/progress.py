"""Progress bars, drawn only where a caller asked for them and only on a terminal (tqdm)."""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["bar"]


def bar(enabled: bool, total: int | None, unit: str, desc: str, **options: Any) -> Any:
    """A tqdm bar on stderr when ``enabled`` and stderr is a terminal; ``None`` otherwise.

    The library passes ``enabled=False`` unless its caller asked (``progress=True``); the command line
    asks unless ``--quiet``.
    """
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit=unit, desc=desc, **options)
