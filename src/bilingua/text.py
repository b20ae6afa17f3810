"""Text conventions, in one place: what a line is, what ends a sentence, which spaces are spaces.

Segmentation, the format modules, summaries, the evaluation harness and every
reader of a line-based file import these rules rather than writing their own.
"""

from __future__ import annotations

import functools
import re
import unicodedata

__all__ = [
    "LINE_END", "RECORD_END", "split_lines", "data_lines", "lines_with_ends", "FINAL_PUNCTUATION", "CLOSERS", "SPACES",
    "ends_sentence", "SENTENCE_END", "SENTENCE_END_INSIDE", "same_words",
]

#: CRLF, a lone CR and LF each end a line (``str.splitlines`` also cuts at form feeds, U+2028 and
#: others that are not line ends in a text file).
LINE_END = re.compile(r"\r\n|\r|\n")

#: Punctuation that ends a sentence.
FINAL_PUNCTUATION = ".!?…"
#: Closing quotes and brackets that may follow a sentence's final punctuation.
CLOSERS = "\"'»”’)]"
#: Horizontal spaces a text may hold between words: space, tab, no-break space and narrow no-break space
#: (French typography puts the last two before ``: ; ! ?`` and inside ``« »``).
SPACES = " \t\u00a0\u202f"

_FINAL = re.escape(FINAL_PUNCTUATION)
# Closers, each possibly after a space: French writes « Je viens. » with a (no-break) space before ».
_CLOSING = rf"(?:[{SPACES}]*[{re.escape(CLOSERS)}])*"
#: A text that ends a sentence: final punctuation, then any closing quotes or brackets, at its end.
SENTENCE_END = re.compile(rf"[{_FINAL}]{_CLOSING}\s*$")
#: A sentence end inside a text: final punctuation and its closers, followed by whitespace or the end.
SENTENCE_END_INSIDE = re.compile(rf"[{_FINAL}]{_CLOSING}(?=\s|$)")


def split_lines(text: str) -> list[str]:
    """The lines of ``text``, ended by CRLF, a lone CR or LF (the ends themselves dropped)."""
    return LINE_END.split(text)


#: The end of a record in a line-based data file (a test set, a glossary, a keys file): LF or CRLF, as
#: sacrebleu and most data tools read them. A lone CR inside a segment is part of it, so a test set's
#: line count never depends on one.
RECORD_END = re.compile(r"\r?\n")


def data_lines(text: str) -> list[str]:
    """The records of a line-based data file, one per line (see :data:`RECORD_END`), without the
    empty "line" after a final line end."""
    lines = RECORD_END.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def lines_with_ends(text: str) -> list[tuple[str, str]]:
    """Each line of ``text`` with its own ending (``""`` for a last line without one)."""
    parts = re.split(f"({LINE_END.pattern})", text)
    return list(zip(parts[::2], [*parts[1::2], ""]))


@functools.lru_cache(maxsize=8)
def _ending(extra: str) -> re.Pattern[str]:
    return re.compile(rf"[{_FINAL}{re.escape(extra)}]{_CLOSING}\s*$") if extra else SENTENCE_END


def ends_sentence(text: str, *, extra: str = "") -> bool:
    """Whether ``text`` ends a sentence: final punctuation (and ``extra``, e.g. ``:;``), then closers."""
    return _ending(extra).search(text) is not None


def same_words(translation: str, source: str) -> bool:
    """Whether a translation is its source's own words (spacing aside, in NFC as the model reads them):
    then the source is kept as written, its escapes, entities, runs and spacing included."""
    if translation.split() == source.split():
        return True
    return unicodedata.normalize("NFC", translation).split() == unicodedata.normalize("NFC", source).split()
