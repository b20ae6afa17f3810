"""Splitting a document into lines, paragraphs and sentences, and back.

The translation keeps the source's layout: every non-empty source line yields
one output line, blank lines stay blank, and leading list markers, dialogue
dashes and indentation are carried over untranslated. Sentence boundary
detection is pluggable (Argos Translate style): any :class:`SentenceSplitter`
or plain callable ``str -> list[str]`` will do.
"""

from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Union

__all__ = [
    "SentenceSplitter",
    "PysbdSplitter",
    "Line",
    "Document",
    "normalize",
    "parse_document",
    "split_long",
]


class SentenceSplitter(ABC):
    """Splits one line of text into sentences without losing any character but whitespace."""

    @abstractmethod
    def split(self, text: str) -> list[str]: ...

    def __call__(self, text: str) -> list[str]:
        return self.split(text)


class PysbdSplitter(SentenceSplitter):
    """Rule-based splitting with pysbd's language rules (French by default).

    pysbd knows French abbreviations such as M., Mme and Dr and leaves decimal
    numbers alone; it still cuts multi-part abbreviations like ``p. ex.``, so a
    piece that starts in lower case is joined back to the previous sentence
    (a French sentence does not start in lower case).
    """

    def __init__(self, language: str = "fr") -> None:
        import pysbd

        self.language = language
        self._seg = pysbd.Segmenter(language=language, clean=False)

    def split(self, text: str) -> list[str]:
        pieces = [p.strip() for p in self._seg.segment(text)]
        out: list[str] = []
        for piece in pieces:
            if not piece:
                continue
            if out and piece[0].islower():
                out[-1] = f"{out[-1]} {piece}"
            else:
                out.append(piece)
        return out


Splitter = Union[SentenceSplitter, Callable[[str], Sequence[str]]]

# Bullets, dashes (lists and French dialogue), "1." / "2)" / "a)" numbering.
_MARKER = re.compile(r"^(\s*(?:[-*•·◦▪–—]|\(?\d{1,3}[.)]|\(?[a-zA-Z][)])\s+|\s+)")
_SPACES = re.compile(r"[ \t\u00a0\u202f]+")


def normalize(text: str) -> str:
    """Unicode NFC and ``\\n`` line ends; no other change."""
    text = unicodedata.normalize("NFC", text)
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass
class Line:
    """One source line: its untranslated prefix and the sentences of its body."""

    prefix: str
    sentences: list[str]
    paragraph: int  # -1 for blank lines

    @property
    def blank(self) -> bool:
        return not self.sentences


@dataclass
class Document:
    lines: list[Line] = field(default_factory=list)

    def sentences(self) -> list[tuple[int, int, str]]:
        """(line index, paragraph index, sentence) for every sentence, in order."""
        return [
            (i, line.paragraph, s) for i, line in enumerate(self.lines) for s in line.sentences
        ]

    def render(self, translations: Sequence[str]) -> str:
        """Rebuild the document with ``translations`` in place of its sentences."""
        it = iter(translations)
        out = []
        for line in self.lines:
            if line.blank:
                out.append("")
            else:
                body = " ".join(next(it).strip() for _ in line.sentences)
                out.append(line.prefix + body)
        return "\n".join(out)


def parse_document(text: str, splitter: Splitter) -> Document:
    """Cut ``text`` into lines (with paragraph numbers) and sentences."""
    doc = Document()
    paragraph = -1
    previous_blank = True
    for raw in normalize(text).split("\n"):
        if not raw.strip():
            doc.lines.append(Line(prefix="", sentences=[], paragraph=-1))
            previous_blank = True
            continue
        if previous_blank:
            paragraph += 1
        previous_blank = False
        m = _MARKER.match(raw)
        prefix = m.group(1) if m and raw[m.end():].strip() else ""
        body = _SPACES.sub(" ", raw[len(prefix):]).strip()
        sentences = [s.strip() for s in splitter(body) if s.strip()]
        if not sentences:  # a splitter must never lose text
            sentences = [body]
        doc.lines.append(Line(prefix=prefix, sentences=sentences, paragraph=paragraph))
    return doc


# Clause boundaries, strongest first: ; : then , then conjunction-like words.
_CLAUSE_SPLITS = [
    re.compile(r"(?<=[;:])\s+"),
    re.compile(r"(?<=,)\s+"),
    re.compile(r"\s+(?=(?:et|ou|mais|donc|car|puis|qui|que|dont|où)\s)"),
]


def split_long(sentence: str, count_tokens: Callable[[str], int], max_tokens: int) -> list[str]:
    """Split ``sentence`` into pieces of at most ``max_tokens`` tokens, losing nothing.

    Clause boundaries are tried first; a clause that is still too long is cut
    into word windows, and a single word longer than the limit into character
    windows. No character but whitespace is lost.
    """
    if max_tokens < 1:
        raise ValueError("max_tokens must be at least 1")
    if count_tokens(sentence) <= max_tokens:
        return [sentence]
    return _split(sentence, count_tokens, max_tokens, 0)


def _pack(parts: list[str], count_tokens: Callable[[str], int], max_tokens: int) -> list[str]:
    out: list[str] = []
    current = ""
    for part in parts:
        candidate = f"{current} {part}" if current else part
        if current and count_tokens(candidate) > max_tokens:
            out.append(current)
            current = part
        else:
            current = candidate
    if current:
        out.append(current)
    return out


def _split(text: str, count_tokens: Callable[[str], int], max_tokens: int, level: int) -> list[str]:
    if count_tokens(text) <= max_tokens:
        return [text]
    if level < len(_CLAUSE_SPLITS):
        parts = [p for p in _CLAUSE_SPLITS[level].split(text) if p]
        if len(parts) > 1:
            out: list[str] = []
            for piece in _pack(parts, count_tokens, max_tokens):
                out.extend(_split(piece, count_tokens, max_tokens, level + 1))
            return out
        return _split(text, count_tokens, max_tokens, level + 1)
    words = text.split()
    if len(words) > 1:
        out = []
        for piece in _pack(words, count_tokens, max_tokens):
            out.extend(_split(piece, count_tokens, max_tokens, level + 1) if " " not in piece else [piece])
        return out
    # One "word" over the limit (a URL, a run of digits): fixed character windows.
    size = max(1, len(text) * max_tokens // max(count_tokens(text), 1))
    while True:
        windows = [text[i : i + size] for i in range(0, len(text), size)]
        if size == 1 or all(count_tokens(w) <= max_tokens for w in windows):
            return windows
        size = max(1, size // 2)
