"""The summariser interface."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from ..segmentation import PysbdSplitter, Sentence, Splitter, parse_document
from ..text import SENTENCE_END_INSIDE
from ..languages import TARGET


class Summarizer(ABC):
    """Turns a text into a shorter text in the same language.

    Subclasses summarise a list of sentences; a pipeline hands over the
    sentences it already has (the translated segments), and :meth:`summarize`
    splits plain text first, with ``splitter`` (pysbd in ``language``).
    """

    name: ClassVar[str]
    language: str = TARGET
    splitter: Splitter | None = None

    @abstractmethod
    def summarize_sentences(self, sentences: Sequence[str]) -> str:
        """Summary of a document given as its sentences, in order."""

    def placed(self, text: str) -> list[Sentence]:
        """The sentences of ``text``, each with its offsets in it (a splitter per call, so one summariser
        serves many threads)."""
        splitter = self.splitter or PysbdSplitter(self.language)
        return parse_document(text, splitter, reflow=True).sentences()

    def sentences(self, text: str) -> list[str]:
        """The sentences of ``text`` as a model reads them."""
        return [s.text for s in self.placed(text)]

    def summarize(self, text: str) -> str:
        """Summary of ``text``."""
        return self.summarize_sentences(self.sentences(text))

    @abstractmethod
    def info(self) -> dict[str, Any]:
        """What is used: kind, model id and revision where there is a model."""


def end_on_sentence(text: str) -> str:
    """Cut a generated summary after its last complete sentence (if it has one)."""
    text = text.strip()
    if not text or SENTENCE_END_INSIDE.search(text[-3:] + " "):
        return text
    ends = list(SENTENCE_END_INSIDE.finditer(text))
    return text[: ends[-1].end()] if ends else text


def within_words(sentences: Sequence[str], words: int | None) -> str:
    """The leading whole sentences that fit in ``words`` words (at least the first one)."""
    if words is None:
        return " ".join(sentences)
    kept: list[str] = []
    used = 0
    for s in sentences:
        n = len(s.split())
        if kept and used + n > words:
            break
        kept.append(s)
        used += n
    return " ".join(kept)
