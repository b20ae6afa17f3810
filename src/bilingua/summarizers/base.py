"""The summariser interface."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from typing import Any, ClassVar


class Summarizer(ABC):
    """Turns a text into a shorter text in the same language."""

    name: ClassVar[str]

    @abstractmethod
    def summarize(self, text: str) -> str: ...

    @abstractmethod
    def info(self) -> dict[str, Any]:
        """What is used: kind, model id and revision where there is a model."""


_SENTENCE_END = re.compile(r"[.!?…][\"'»”)\]]*(?=\s|$)")


def end_on_sentence(text: str) -> str:
    """Cut a generated summary after its last complete sentence (if it has one)."""
    text = text.strip()
    if not text or _SENTENCE_END.search(text[-3:] + " "):
        return text
    ends = list(_SENTENCE_END.finditer(text))
    return text[: ends[-1].end()] if ends else text
