"""Splitting a document into lines, paragraphs and sentences, and back.

The translation keeps the source's layout: every non-empty source line yields
one output line, blank lines stay blank, and leading list markers, dialogue
dashes and indentation are carried over untranslated. Sentence boundary
detection is pluggable (Argos Translate style): any :class:`SentenceSplitter`
or plain callable ``str -> list[str]`` will do.
"""

from __future__ import annotations

import itertools
import re
import sys
import textwrap
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Union

from .languages import LANGUAGES, SOURCE, TARGET
from .text import CLOSERS, FINAL_PUNCTUATION, SPACES, ends_sentence, lines_with_ends, split_lines

__all__ = [
    "SentenceSplitter",
    "PysbdSplitter",
    "Line",
    "Sentence",
    "Document",
    "normalize",
    "parse_document",
    "iter_lines",
    "split_long",
    "split_lines",
    "parse_block",
    "model_text",
]


class SentenceSplitter(ABC):
    """Splits one line of text into sentences without losing any character but whitespace."""

    @abstractmethod
    def split(self, text: str) -> list[str]: ...

    def __call__(self, text: str) -> list[str]:
        return self.split(text)


# Closing quotes and brackets that may follow a sentence's final punctuation.
_CLOSERS = re.escape(CLOSERS)  # for a character class
_UPPER = "A-ZÀ-ÖØ-ÞŒ"
# A sentence end pysbd may leave inside a piece: final punctuation, closing quotes, a space, then a
# word (opening quotes allowed). The groups: the word before the punctuation, the punctuation, the
# closers, and the first letter after.
_INNER_END = re.compile(
    rf"(?:^|(?<=\s))[«\"“(]?([\w'’.-]*?)([{re.escape(FINAL_PUNCTUATION)}]+)([{_CLOSERS}\s\u00a0\u202f]*?[»”\"]?)"
    rf"[\s\u00a0\u202f]+(?=[«\"“]?[\s\u00a0\u202f]?(\w))"
)
_DOTTED = re.compile(r"(?:\b[A-Z]\.){2,}$")  # U.S., U.K. ...
_LAST_WORD = re.compile(r"([\w'’.-]+)[.]$")
_LIST_NUMBER = re.compile(r"\d{1,3}[.)]\s")
_QUOTED_END = re.compile(rf"[{re.escape(FINAL_PUNCTUATION)}][\s\u00a0\u202f]?[»”\"’']$")


class BoundaryRepair:
    """Mends pysbd's sentence boundaries where it is measurably wrong (``bilingua eval --suite segmentation``).

    pysbd does not split after final punctuation followed by a closing quote
    (``. »``, ``."``), inside quoted speech, after a figure (``age 8. In``),
    a dotted acronym (``A.D. Its``) or an abbreviation that is also a word
    (``with me.``, not ``Me.``), nor before a lower-case sentence (``i went
    home. then``). It cuts after titles (``Dr.``, ``Sen.``), dotted acronyms
    inside names (``U.S. Census``), before a list number inside running text
    (``July | 8.``), a quotation's attribution (``!" De Bock concludes.``) and
    a piece that starts with ``,``, ``!`` or a hyphen (``Jr., a dit``,
    ``av. J.-C. !``). :meth:`resplit` adds the missing cuts and
    :meth:`continues` says which cuts to undo.
    """

    def __init__(self, language: str) -> None:
        import pysbd.languages

        self.language = language
        rules = pysbd.languages.Language.get_language_code(language)
        known = {a.lower().rstrip(".") for a in rules.Abbreviation.ABBREVIATIONS}
        rules_of = LANGUAGES.get(language, LANGUAGES[TARGET])  # another pysbd language: the English rules
        self.abbreviations = known | rules_of.titles | rules_of.abbreviations
        self.titles = rules_of.titles | set(rules.Abbreviation.PREPOSITIVE_ABBREVIATIONS)
        self.starters = rules_of.starters
        self.capital_abbreviations = rules_of.capital_abbreviations
        # A quotation's attribution: one to three capitalised words, a speech verb, a few words, the end.
        self._attribution = re.compile(
            rf"(?:[{_UPPER}][\w'’.-]*\s+){{1,3}}{rules_of.speech_verbs}\b(?:\s+[\w'’-]+){{0,3}}"
            rf"[{re.escape(FINAL_PUNCTUATION)}][{_CLOSERS}]*(?:\s|$)"
        ) if rules_of.speech_verbs else None

    def resplit(self, piece: str) -> list[str]:
        """``piece`` cut after each sentence end pysbd missed (the pieces concatenate back to it)."""
        code = _code_spans(piece)
        cuts = [m.end() for m in _INNER_END.finditer(piece) if m.end() < len(piece.rstrip())
                and not any(a < m.end() < b for a, b in code) and self._inner_end(piece, m)]
        bounds = [0, *cuts, len(piece)]
        return [piece[a:b] for a, b in zip(bounds, bounds[1:]) if a < b]

    def _inner_end(self, piece: str, m: re.Match[str]) -> bool:
        """Whether a sentence ends at ``m``, a match of :data:`_INNER_END` in ``piece``."""
        word, marks, closers, first = m.groups()
        rest, opens = piece[m.end():], not piece[:m.start(1)].strip()
        if first.islower():  # "i went home. then i slept", not "etc. which", '"Stop." he said' nor "1. e4"
            return marks == "." and not closers.strip() and self._ends_before_lower(word)
        if not first.isupper():
            return False
        if _DOTTED.search(word + "."):  # "about 1100 A.D. Its status", not "the U.S. Census Bureau"
            return self._starts(rest)
        if closers.strip() and self.attribution(rest):
            return False
        return self._ends(word, opens=opens)

    def _ends(self, word: str, *, opens: bool = False) -> bool:
        """Whether final punctuation after ``word`` ends a sentence (not an abbreviation or an initial).

        A figure ends one ("before age 8. In most cases") unless it opens the piece (a list's "1."); so
        does punctuation set off by a space ("200 £ . »"), which no abbreviation has.
        """
        core = word.strip("'’-")
        if not core or (core.isdigit() and not opens):
            return True
        return len(core) > 1 and "." not in core and not self._abbreviation(core, self.abbreviations)

    def _ends_before_lower(self, word: str) -> bool:
        """Whether a full stop after ``word`` ends a sentence though a lower-case word follows: after a
        word that is no abbreviation (a sentence typed in lower case), not after a figure ("1. e4")."""
        return any(c.isalpha() for c in word) and self._ends(word)

    def _abbreviation(self, core: str, known: set[str] | frozenset[str]) -> bool:
        """Whether ``core`` is one of the ``known`` abbreviations as written: "with me." and "neutral pH." are words."""
        lower = core.lower()
        return lower in known and not (lower in self.capital_abbreviations and not core[0].isupper())

    def _starts(self, rest: str) -> bool:
        """Whether ``rest`` opens with a word that starts sentences (after ``U.S.``, another capital goes on a name)."""
        head = re.match(r"\w+", rest)
        return head is not None and head.group(0).lower() in self.starters

    def attribution(self, piece: str) -> bool:
        """Whether ``piece``, after a quotation's end, is its attribution ('De Bock concludes.'), not a sentence."""
        if self._attribution is None:
            return False
        m = self._attribution.match(piece)
        return m is not None and not self._starts(piece)

    @staticmethod
    def misplaced_closer(raw: str) -> tuple[str, str]:
        """A closing quote that pysbd put at the start of the next piece (``venu. |» Puis``, ``are.|' It's``),
        and the rest. A quote followed by a space closes: an opening one is followed by its word."""
        m = re.match(r"\s*[»”\"'’](?=[\s\u00a0\u202f])", raw)
        return (raw[: m.end()], raw[m.end():]) if m else ("", raw)

    def continues(self, previous: str, piece: str) -> bool:
        """Whether ``piece`` goes on the sentence that ``previous`` ends, pysbd's cut notwithstanding."""
        first = piece[0]
        tail = previous.rstrip()
        word = _LAST_WORD.search(tail)
        if first.islower():  # after "p. ex." or "etc.", or a question ("dit ? qu'auraient-ils"), not "home. then"
            return not (word and self._ends_before_lower(word.group(1)))
        if first in ",;:!?)]}.…»”" or (first in "-–" and piece[1:2].strip()):
            return True  # a sentence never starts there ("Jr., a dit", "av. J.|-C.")
        if _LIST_NUMBER.match(piece) and tail[-1:].isalnum():
            return True  # pysbd's list item inside running text: "on July | 8. One was sent"
        if word and self._abbreviation(word.group(1), self.titles) and first.isupper():
            return True
        if _DOTTED.search(tail):
            return first.isupper() and not self._starts(piece)
        return bool(_QUOTED_END.search(tail)) and self.attribution(piece)


class PysbdSplitter(SentenceSplitter):
    """Rule-based splitting with pysbd's language rules (French by default).

    pysbd knows French abbreviations such as M., Mme and Dr and leaves decimal
    numbers alone; where it is measurably wrong, :class:`BoundaryRepair`
    mends its cuts (a piece that starts in lower case, as after ``p. ex.``,
    goes back on the previous sentence, among others).

    Safe to share between threads: pysbd keeps the text it works on in its
    segmenter, so each call makes its own (a few microseconds). pysbd's time
    grows with the square of a line's length, so a line longer than
    ``window`` characters is read in windows: each window's sentences are
    kept but for the last ones, which may run past it, and the next window
    starts where they end. Sentence boundaries depend on a few words around
    them, so the result is pysbd's own (tested on FLORES and newstest).
    """

    def __init__(self, language: str = SOURCE, *, window: int = 3000) -> None:
        import pysbd

        if window < 100:
            raise ValueError("window must be at least 100 characters")
        self.language = language
        self.window = window
        self._pysbd = pysbd
        self.repair = BoundaryRepair(language)
        pysbd.Segmenter(language=language, clean=False)  # an unknown language fails here, not mid-document

    #: A text with no final punctuation before its end is one sentence without asking pysbd.
    shortcut = True

    def _segment(self, text: str) -> list[str]:
        """pysbd's sentences as consecutive pieces of ``text`` (each with the whitespace after it).

        pysbd's ``segment()`` looks each sentence up in the text again with a
        regex compiled for that sentence: half its time, and Python's regex
        cache thrashed. Its processor's sentences are placed here with ``find``.
        """
        segmenter = self._pysbd.Segmenter(language=self.language, clean=False)
        starts, pos = [], 0
        for sentence in segmenter.processor(text).process():
            core = sentence.strip()
            at = text.find(core, pos) if core else pos
            if at < 0:  # pysbd rewrote the text: its own, slower placement
                return list(segmenter.segment(text))
            if core:
                starts.append(at)
                pos = at + len(core)
        bounds = [0, *starts[1:], len(text)]
        return [text[a:b] for a, b in zip(bounds, bounds[1:]) if a < b]

    def _segments(self, text: str) -> list[tuple[str, bool]]:
        """pysbd's pieces of ``text``, each with whether it continues the previous one inside a word."""
        size, margin = self.window, self.window // 4
        out: list[tuple[str, bool]] = []
        start, glued = 0, False
        while len(text) - start > size:
            window = text[start : start + size]
            kept, end = [], 0
            for piece in self._segment(window)[:-1]:
                if end + len(piece) > size - margin:
                    break
                kept.append(piece)
                end += len(piece)
            cut_in_word = False
            if not kept:  # one sentence longer than the window: cut at a space (split_long cuts it anyway)
                end = window.rfind(" ", margin) + 1
                cut_in_word = end == 0
                end = end or size
                kept = [window[:end]]
            out.extend((piece, glued and i == 0) for i, piece in enumerate(kept))
            start += end
            glued = cut_in_word and not text[start].isspace()
        out.extend((piece, glued and i == 0) for i, piece in enumerate(self._segment(text[start:])))
        return out

    def split(self, text: str) -> list[str]:
        if self.shortcut and len(text) <= self.window and _one_sentence(text):
            return [text.strip()] if text.strip() else []
        groups: list[list[str]] = []  # pieces of the text itself, whitespace and all: joined exactly
        code = _code_spans(text)
        at = 0
        for raw, glued in _exact(text, self._segments(text)):
            inside = any(a < at < b for a, b in code)  # never inside `code`: it is kept whole
            at += len(raw)
            if groups and not glued:
                closer, raw = self.repair.misplaced_closer(raw)
                groups[-1].append(closer)
            if groups and (not raw.strip() or glued or inside
                           or self.repair.continues("".join(groups[-1][-3:]), raw.strip())):
                groups[-1].append(raw)
            elif raw.strip():
                groups.append([raw])
        return [p.strip() for g in groups for p in self.repair.resplit("".join(g)) if p.strip()]


# What may follow a text's last word: final punctuation, closers and spaces.
_TAIL = FINAL_PUNCTUATION + CLOSERS + SPACES
_FINAL = re.compile(f"[{re.escape(FINAL_PUNCTUATION)}]")


def _one_sentence(text: str) -> bool:
    """Whether ``text`` has no final punctuation before its end, so no splitter can cut it: most lines of
    most documents. (pysbd split none of the 16,064 such lines of FLORES-200, newstest2014 and Tatoeba.)"""
    body, before = text, None
    while body != before:  # the tail's characters and any other whitespace, in any order
        before, body = body, body.rstrip().rstrip(_TAIL)
    return _FINAL.search(body) is None


#: A code span: never cut by sentence splitting, and kept as it is by protection (protect.PROTECTED). As in
#: CommonMark, it opens with a run of backticks and closes with the next run as long ("`` a`b ``" is one span,
#: not "` a`" inside it); a run never opens or closes inside a longer one.
CODE_SPAN = re.compile(r"(?<!`)(?P<ticks>`+)(?!`)[^\n]+?(?<!`)(?P=ticks)(?!`)")


def _code_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in CODE_SPAN.finditer(text)]


def _exact(text: str, pieces: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """The pieces as spans of ``text`` itself, each running to the next: pysbd may drop a space between two."""
    starts, pos = [], 0
    for raw, glued in pieces:
        core = raw.strip()
        if not core:  # whitespace: part of the span before it
            continue
        at = text.find(core, pos)
        if at < 0:  # never seen; keep pysbd's piece rather than lose text
            return pieces
        starts.append((at, glued))
        pos = at + len(core)
    ends = [a for a, _ in starts[1:]] + [len(text)]
    return [(text[a:b], glued) for (a, glued), b in zip(starts, ends)]


Splitter = Union[SentenceSplitter, Callable[[str], Sequence[str]]]

# Bullets, dashes (lists and French dialogue), "1." / "2)" / "a)" numbering.
_MARKER = re.compile(r"^(\s*(?:[-*•·◦▪–—]|\(?\d{1,3}[.)]|\(?[a-zA-Z][)])\s+|\s+)")
# The splitter reads a line (or a block) with every space and line end as one plain space: the same length,
# so the sentences it finds are at the same offsets in the source.
_FLAT = str.maketrans({c: " " for c in SPACES + "\r\n"})


def normalize(text: str) -> str:
    """Unicode NFC; no other change (line ends are kept as they came)."""
    return unicodedata.normalize("NFC", text)


def model_text(source: str) -> str:
    """What the model reads for a sentence of the source: its words, one space apart, in NFC."""
    return normalize(" ".join(source.split()))


class Sentence(NamedTuple):
    """One sentence of a document (the unit every stage passes on).

    ``text`` is what the model reads; ``start`` and ``end`` are its offsets in
    the document, so ``document_text[start:end]`` is the sentence exactly as
    written there (its no-break spaces, tabs and line ends included).
    ``line`` and ``paragraph`` are 0-based.
    """

    line: int
    paragraph: int
    text: str
    start: int = 0
    end: int = 0


@dataclass
class Line:
    """One source line: its untranslated prefix, the sentences of its body, and its line ending.

    A hard-wrapped paragraph read with ``reflow`` is one Line standing for
    its ``count`` source lines from ``number``; its translation is wrapped
    back to ``width`` columns, the lines joined by ``inner_end``. ``spans``
    are each sentence's offsets in the document.
    """

    prefix: str
    sentences: list[str]
    paragraph: int  # -1 for blank lines
    end: str = "\n"
    number: int = 0
    width: int | None = None
    inner_end: str = "\n"
    spans: list[tuple[int, int]] = field(default_factory=list)
    #: The line's offsets in the document, its line end left out.
    start: int = 0
    stop: int = 0

    @property
    def blank(self) -> bool:
        return not self.sentences

    def render(self, translations: list[str], source: str | None = None) -> str:
        """The line with ``translations`` in place of its sentences.

        Given the ``source`` the line was read from, what is not translated
        stays as written: the whitespace around and between sentences, and a
        sentence whose translation is its own text (a name, a number, code)
        with its no-break spaces, tabs and Unicode form.
        """
        texts = [t.strip() for t in translations]
        if source is None or self.width is not None or len(self.spans) != len(texts):
            body = self.prefix + " ".join(texts)
            if self.width is None:
                return body
            return self.inner_end.join(textwrap.wrap(body, width=self.width, break_long_words=False,
                                                     break_on_hyphens=False))
        out = [self.prefix]
        for k, ((a, b), text) in enumerate(zip(self.spans, texts)):
            out.append(source[self.start + len(self.prefix) if k == 0 else self.spans[k - 1][1]:a])
            out.append(source[a:b] if text == self.sentences[k] else text)
        out.append(source[self.spans[-1][1]:self.stop] if self.spans else "")
        return "".join(out)


@dataclass
class Document:
    """A document cut into lines and sentences; ``source`` is the text they were cut from."""

    lines: list[Line] = field(default_factory=list)
    source: str = ""

    def sentences(self) -> list[Sentence]:
        """Every sentence, in order, with the (first) source line it is on and its offsets in the source."""
        return [Sentence(line.number, line.paragraph, s, a, b)
                for line in self.lines for s, (a, b) in zip(line.sentences, line.spans)]

    def render(self, translations: Sequence[str]) -> str:
        """Rebuild the document with ``translations`` in place of its sentences (same line ends)."""
        it = iter(translations)
        out = []
        for line in self.lines:
            if not line.blank:
                out.append(line.render([next(it) for _ in line.sentences], self.source))
            out.append(line.end)
        return "".join(out)


def parse_document(text: str, splitter: Splitter, *, reflow: bool = False) -> Document:
    """Cut ``text`` into lines (with paragraph numbers and their own line ends) and sentences.

    With ``reflow``, a paragraph hard-wrapped inside its sentences (text from
    a PDF or an e-mail) is read as one line, and rendered wrapped back to its
    width; lists, headings, verse and one-sentence-per-line text are not.
    """
    return Document(list(iter_lines(text, splitter, reflow=reflow)), text)


def parse_block(text: str, splitter: Splitter) -> Document:
    """``text`` as one block of a formatted document (an HTML or Markdown paragraph, a cue, a DOCX paragraph).

    Its line breaks are soft: they are spaces inside its sentences, never the
    plain-text rules' lines or re-flow. It renders as its sentences'
    translations, one space apart, after the bullet or dash that opens it.
    """
    if not text.strip():
        return Document([Line(prefix="", sentences=[], paragraph=-1, end="")], text)
    # A bullet or a dialogue dash opening the block stays as it is, as at the start of a line.
    return Document([_read_line(text, 0, len(text), splitter, 0, "", 0)], text)


def iter_lines(text: str, splitter: Splitter, *, reflow: bool = False) -> Iterator[Line]:
    """The lines of :func:`parse_document`, each as soon as its sentences are split.

    A translator starts on the first sentences while the rest are still being split.
    """
    paragraph = -1
    previous_blank = True
    lines = lines_with_ends(text)
    raws = [raw for raw, _ in lines]
    counts = _wrapped_counts(raws) if reflow else None
    starts = list(itertools.accumulate((len(raw) + len(end) for raw, end in lines), initial=0))
    number = 0
    while number < len(lines):
        raw, end = lines[number]
        if not raw.strip():
            yield Line(prefix="", sentences=[], paragraph=-1, end=end, number=number)
            previous_blank = True
            number += 1
            continue
        if previous_blank:
            paragraph += 1
        previous_blank = False
        count = counts[number] if counts else 1
        last = number + count - 1
        a, b = starts[number], starts[last] + len(raws[last])
        if count > 1:  # a wrapped paragraph: its first line's indentation is not a prefix
            width = max(len(r.rstrip()) for r in raws[number:last + 1])
            a += len(raw) - len(raw.lstrip())
        else:
            width = None
        line = _read_line(text, a, b, splitter, paragraph, lines[last][1], number)
        line.width, line.inner_end = width, end
        yield line
        number += count


def _read_line(text: str, a: int, b: int, splitter: Splitter, paragraph: int, end: str, number: int) -> Line:
    raw = text[a:b]
    m = _MARKER.match(raw)
    prefix = m.group(1) if m and raw[m.end():].strip() else ""
    sentences, spans = _sentences_in(text, a + len(prefix), b, splitter)
    return Line(prefix=prefix, sentences=sentences, paragraph=paragraph, end=end, number=number, spans=spans,
                start=a, stop=b)


def _sentences_in(text: str, a: int, b: int, splitter: Splitter) -> tuple[list[str], list[tuple[int, int]]]:
    """The sentences of ``text[a:b]`` as the model reads them, and where each is in ``text``."""
    flat = text[a:b].translate(_FLAT)
    body = flat.strip()
    base = a + len(flat) - len(flat.lstrip())
    sentences: list[str] = []
    spans: list[tuple[int, int]] = []
    at = 0
    for piece in splitter(body):
        piece = piece.strip()
        if not piece:
            continue
        found = body.find(piece, at)
        if found < 0:  # a splitter that rewrote its text: the piece is placed where the last one ended
            found = min(at, len(body))
        stop = min(found + len(piece), len(body))
        sentences.append(model_text(piece))
        spans.append((base + found, base + stop))
        at = stop
    if not sentences:  # a splitter must never lose text
        sentences, spans = [model_text(body)], [(base, base + len(body))]
    return sentences, spans


#: Narrower text is verse, an address or a table, not prose wrapped at a margin.
_MIN_WRAP_WIDTH = 40


def _wrapped_counts(raws: list[str]) -> list[int]:
    """For each line, how many lines from it form one hard-wrapped paragraph (1 when they do not).

    Greedy wrapping leaves a sign: every line but the last ends because the
    next word would not have fitted. The block (the line and the rest of its
    paragraph) must also break inside a sentence at least once, and hold no
    list item or indented line after its first. Each test is a running
    aggregate over the paragraph read backwards, so a paragraph of n lines
    costs n steps, not n squared.
    """
    counts = [1] * len(raws)
    stop = len(raws)
    while stop > 0:
        while stop > 0 and not raws[stop - 1].strip():
            stop -= 1
        start = stop
        while start > 0 and raws[start - 1].strip():
            start -= 1
        _paragraph_counts([r.rstrip() for r in raws[start:stop]], counts, start)
        stop = start
    return counts


def _paragraph_counts(block: list[str], counts: list[int], offset: int) -> None:
    width, pairs, bad, inside = 0, sys.maxsize, False, False
    for i in range(len(block) - 1, -1, -1):  # the block from line i to the paragraph's end
        r = block[i]
        width = max(width, len(r))
        if i + 1 < len(block):
            following = block[i + 1]
            bad = bad or following[:1].isspace() or bool(_MARKER.match(following))
            pairs = min(pairs, len(r) + 1 + len(following.split()[0]))
            inside = inside or not ends_sentence(r, extra=":;")
            if not bad and width >= _MIN_WRAP_WIDTH and pairs > width and inside:
                counts[offset + i] = len(block) - i


# Clause boundaries, strongest first: ; : then , then conjunction-like words.
def _clause_splits(language: str) -> list[re.Pattern[str]]:
    """Clause boundaries, strongest first: ``;`` and ``:``, then ``,``, then the language's conjunction-like words."""
    words = "|".join(LANGUAGES[language].clause_words) if language in LANGUAGES else ""
    splits = [re.compile(r"(?<=[;:])\s+"), re.compile(r"(?<=,)\s+")]
    return splits + [re.compile(rf"\s+(?=(?:{words})\s)")] if words else splits


def split_long(sentence: str, count_tokens: Callable[[str], int], max_tokens: int, *,
               language: str = SOURCE) -> list[str]:
    """Split ``sentence`` into pieces of at most ``max_tokens`` tokens, losing nothing.

    Clause boundaries are tried first; a clause that is still too long is cut
    into word windows, and a single word longer than the limit into character
    windows. No character but whitespace is lost.
    """
    if max_tokens < 1:
        raise ValueError("max_tokens must be at least 1")
    if count_tokens(sentence) <= max_tokens:
        return [sentence]
    return _split(sentence, count_tokens, max_tokens, 0, _clause_splits(language))


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


def _split(text: str, count_tokens: Callable[[str], int], max_tokens: int, level: int,
           clauses: list[re.Pattern[str]]) -> list[str]:
    if count_tokens(text) <= max_tokens:
        return [text]
    if level < len(clauses):
        parts = [p for p in clauses[level].split(text) if p]
        if len(parts) > 1:
            out: list[str] = []
            for piece in _pack(parts, count_tokens, max_tokens):
                out.extend(_split(piece, count_tokens, max_tokens, level + 1, clauses))
            return out
        return _split(text, count_tokens, max_tokens, level + 1, clauses)
    words = text.split()
    if len(words) > 1:
        out = []
        for piece in _pack(words, count_tokens, max_tokens):
            out.extend(_split(piece, count_tokens, max_tokens, level + 1, clauses) if " " not in piece else [piece])
        return out
    # One "word" over the limit (a URL, a run of digits): fixed character windows.
    size = max(1, len(text) * max_tokens // max(count_tokens(text), 1))
    while True:
        windows = [text[i : i + size] for i in range(0, len(text), size)]
        if size == 1 or all(count_tokens(w) <= max_tokens for w in windows):
            return windows
        size = max(1, size // 2)
