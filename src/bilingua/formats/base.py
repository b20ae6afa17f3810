"""What every format handler is given, and the one rule for the spaces around a translated piece."""

from __future__ import annotations

from collections.abc import Callable, Sequence

__all__ = ["Translate", "Aligned", "Notes", "respace"]

#: Translates the texts of a document's parts in one pass (:meth:`Pipeline.translate` on a list).
Translate = Callable[[Sequence[str]], list[str]]
#: Translates texts in whole sentences and gives each translated word its source word
#: (:meth:`Pipeline.translate_aligned`); formats with inline markup use it.
Aligned = Callable[[list[str]], list[list[tuple[str, int]]]]
#: Reviews each paragraph's source against its translation and gives what a reader should check in it
#: (one message per review flag, none when there is nothing); formats that carry comments use it.
Notes = Callable[[list[str], list[str]], list[list[str]]]


def respace(raw: str, text: str) -> str:
    """``text`` with the leading and trailing whitespace of ``raw`` (the piece it translates)."""
    return raw[: len(raw) - len(raw.lstrip())] + text.strip() + raw[len(raw.rstrip()):]
