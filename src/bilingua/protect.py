"""What must come through a translation as it is (URLs, e-mail addresses, handles, code, numbers with
units) and the user's terminology (a glossary).

The model translates the sentence as it was written, so nothing unusual
disturbs it; afterwards the translated words that the model aligns with a
protected span (:mod:`bilingua.alignment`) are replaced by the span exactly
as it was, or by the glossary's English term. Where no translated word is
aligned with it, it goes next to the word aligned nearest. Copies the model
made elsewhere are removed, so each protected span is in the output exactly
as many times as in the source.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from .alignment import align_sentences
from .backends import Hypothesis, TranslationBackend
from .errors import InputError
from .segmentation import CODE_SPAN
from .text import data_lines

__all__ = ["Protector", "Span", "read_glossary", "PROTECTED"]

_UNITS = r"(?:%|‰|€|\$|£|°C|°F|°|M€|k€|Md€|km/h|km²|km|cm|mm|m²|m³|m|kg|mg|g|ml|cl|l|h|min|s|Mo|Go|Ko|To|MB|GB|kB|TB)"
#: What may not follow a unit, nor a span in a translation that holds it: a letter or figure, nor an apostrophe or
#: hyphen that joins a word ("2024 l'Union", "en 2024 s'est", "3 m-là" hold no litres, seconds or metres; the
#: range "12 h-14 h" holds hours).
_WORD_END = r"(?!\w|['’‘]\w|-[^\W\d_])"
#: Kinds of text that come through unchanged, in the order they are looked for.
PROTECTED = {
    "url": r"(?:https?://|www\.)[^\s<>\"'«»]+[^\s<>\"'«».,;:!?)\]]",
    "email": r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    "code": CODE_SPAN.pattern,
    "handle": r"(?<![\w@])@\w{2,}",
    "hashtag": r"(?<![\w#&])#\w*[^\W\d_]\w*",
    "number": rf"(?<![\w,.])\d+(?:[.,\u00a0\u202f ]\d+)*\s?{_UNITS}{_WORD_END}",
}
_FIND = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in PROTECTED.items()))
#: What every kind above needs somewhere (a URL's scheme or www., an @, a backtick, a #, a digit): a sentence
#: without any is not searched (most sentences; the e-mail pattern alone costs a scan from every word).
_MAYBE = re.compile(r"https?:|www\.|[@`#\d]")


class Span(NamedTuple):
    start: int
    end: int
    #: What the output must hold in its place: the span itself, or a glossary term's translation.
    text: str


def read_glossary(path: str | Path) -> dict[str, str]:
    """French term, a tab, English term, per line (``#`` comments and blank lines skipped)."""
    try:
        lines = data_lines(Path(path).read_text(encoding="utf-8-sig"))  # a byte-order mark is not a term
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the glossary {path}: {exc}") from None
    terms: dict[str, str] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 2 or not fields[0].strip() or not fields[1].strip():
            raise InputError(f"{path}, line {number}: expected 'French term<TAB>English term'")
        terms[fields[0].strip()] = fields[1].strip()
    return terms


class Protector:
    """Finds the spans of a sentence to keep (and glossary terms) and puts them into its translation."""

    def __init__(self, glossary: Mapping[str, str] | None = None, *, spans: bool = True) -> None:
        self.spans = spans
        self.glossary = dict(glossary or {})
        terms = sorted(self.glossary, key=len, reverse=True)  # the longest term wins where two overlap
        self._terms = re.compile("|".join(rf"(?<!\w){re.escape(t)}(?!\w)" for t in terms), re.I) if terms else None
        self._lower = {t.lower(): e for t, e in self.glossary.items()}

    @classmethod
    def of(cls, glossary: str | Path | None, spans: bool = True) -> Protector | None:
        """The protector for a glossary file and the span setting; ``None`` when there is nothing to keep.

        The glossary is read now, so a bad one fails before any model loads.
        """
        terms = read_glossary(glossary) if glossary else None
        return cls(terms, spans=spans) if spans or terms else None

    def find(self, sentence: str) -> list[Span]:
        """The spans to keep and the glossary terms of ``sentence``, left to right, never overlapping."""
        found: list[Span] = []
        if self.spans and _MAYBE.search(sentence):
            found += [Span(m.start(), m.end(), m.group(0)) for m in _FIND.finditer(sentence)]
        if self._terms is not None:
            for m in self._terms.finditer(sentence):
                if not any(s.start < m.end() and m.start() < s.end for s in found):
                    found.append(Span(m.start(), m.end(), self._lower[m.group(0).lower()]))
        return sorted(found)

    def repair(self, backend: TranslationBackend, sentences: Sequence[str], hypotheses: Sequence[Hypothesis],
               tokens: Sequence[Sequence[Any] | None] | None = None) -> list[Hypothesis]:
        """Each hypothesis with the spans of its sentence in place, as many times as the sentence has them.

        The sentences whose translation lacks a span (or has extra copies) are
        aligned in one engine call; a translation that already holds each span as
        often as its sentence does is kept as it is, without that call.
        """
        found = [(k, spans) for k, spans in enumerate(self.find(s) for s in sentences)
                 if spans and hypotheses[k].text.split() and not _intact(hypotheses[k].text, _wanted(sentences[k], spans))]
        out = list(hypotheses)
        mine = [tokens[k] for k, _ in found] if tokens is not None else None  # what the engine read: not encoded again
        links = align_sentences(backend, [sentences[k] for k, _ in found], [hypotheses[k] for k, _ in found], mine)
        for (k, spans), sentence_links in zip(found, links):
            out[k] = _put_back(sentences[k], hypotheses[k], spans, sentence_links)
        return out


#: What becomes of one translated word: (start, end, text) -- its characters start:end give way to text.
_Cuts = dict[int, list[tuple[int, int, str]]]


def _put_back(sentence: str, hypothesis: Hypothesis, spans: list[Span], links: list[int]) -> Hypothesis:
    """``hypothesis`` with each span where the words aligned with it were (or next to the nearest).

    Only the span's own part of the words the model wrote for it gives way (:func:`_place`): text glued
    to a span in the source ("kB/seconde." for the span "26,8 kB", "l'Union") stays in the translation.
    """
    words = hypothesis.text.split()
    source = [(m.start(), m.end()) for m in re.finditer(r"\S+", sentence)]
    before: dict[int, list[str]] = {}  # target word -> spans that go before it
    cuts: _Cuts = {}  # target word -> the spans' pieces in it
    for span in spans:
        taken = {j for j, edits in cuts.items() if any(b - a == len(words[j]) for a, b, _ in edits)}
        mine = [i for i, (a, b) in enumerate(source) if a < span.end and b > span.start]
        aligned = [j for j, i in enumerate(links) if i in mine and j not in taken]
        if aligned:  # the words the model wrote for it, where they start
            run = [aligned[0]]
            while run[-1] + 1 in aligned:
                run.append(run[-1] + 1)
            if span.text in " ".join(words[j] for j in run):
                continue  # already there, glued to more text ("`a`b`"): that text is kept with it
            if not _place(sentence, source, span, words, links, run, aligned, cuts):
                before.setdefault(run[0], []).append(span.text)
        else:  # the model wrote nothing for it: next to the word aligned nearest
            free = [j for j in range(len(words)) if j not in taken] or list(range(len(words)))
            j = min(free, key=lambda j: abs(links[j] - (mine[0] if mine else 0)))
            before.setdefault(j, []).append(span.text)
    out: list[str] = []
    for j, word in enumerate(words):
        out += before.get(j, [])
        for a, b, text in sorted(cuts.get(j, []), reverse=True):
            word = word[:a] + text + word[b:]
        if word:
            out.append(word)
    text = _once(" ".join(out), _wanted(sentence, spans))
    if text == hypothesis.text:  # nothing moved: the engine's tokens and links still hold (markup goes by them)
        return hypothesis
    return Hypothesis(text, hypothesis.score, hypothesis.num_tokens, hypothesis.tokens)


def _place(sentence: str, source: list[tuple[int, int]], span: Span, words: list[str], links: list[int],
           run: list[int], aligned: list[int], cuts: _Cuts) -> bool:
    """Cuts the span's pieces out of the words aligned with it and puts the span where the first was;
    whether there was one (else the caller puts it before the run).

    The words of ``run`` are the model's rendering of the span: where they stand for a source word
    wholly inside it they go, and where the source word is glued to more text they lose what is not
    that text (:func:`_piece`). Aligned words elsewhere lose the span's characters only where they
    copied them (a second copy, or a piece moved away from the rest: ``) (`x`` for ``(`x`)``). What
    the run's other words glued to the span's ends goes with it: "kB) (26,8" for "(26,8 kB)" gives
    "(26,8 kB)", not "26,8 kB) (".
    """
    found = []
    for j in run + [j for j in aligned if j not in run]:
        a, b = source[links[j]]
        piece = _piece(sentence[a:b], span.start - a, span.end - a, words[j], cuts.get(j, []), j in run)
        if piece is not None:
            found.append((j, piece))
    if not found:
        return False
    (anchor, (x, y)), text = found[0], span.text
    for n, (j, (a, b)) in enumerate(found[1:], 1):  # what the run glued to the span's ends goes with it
        first, last = source[links[j]][0] <= span.start, source[links[j]][1] >= span.end
        if j in run and first and not any(q <= a for _, q, _ in cuts.get(j, [])):
            text, a = words[j][:a] + text, 0
        if j in run and last and not any(p >= b for p, _, _ in cuts.get(j, [])):
            text, b = text + words[j][b:], len(words[j])
        found[n] = (j, (a, b))
    cuts.setdefault(anchor, []).append((x, y, text))
    cuts.update({j: cuts.get(j, []) + [(a, b, "")] for j, (a, b) in found[1:]})
    return True


def _piece(source_word: str, start: int, end: int, word: str, cut: list[tuple[int, int, str]],
           rendering: bool) -> tuple[int, int] | None:
    """Where in ``word``, written for ``source_word``, the span (``start:end`` of the source word, which
    may run past it) is, as ``(start, end)``; ``None`` where it is not there.

    Tried in turn: the word holds the source word, or is a part of it that has some of the span ("`)"
    of "(`x`)"): that part of the span. If the word is the model's ``rendering`` of the span, then also:
    a source word wholly inside the span, the whole word; a word that kept the text glued to the span
    ("(council" for "(conseil", the span "conseil municipal"), all but that text. A piece already
    ``cut`` for another span is never cut again.
    """
    a, b = max(start, 0), min(end, len(source_word))
    head, tail = source_word[:a], source_word[b:]
    tries = [(k + a, k + b) for k in _places(source_word, word)]
    parts = [(max(p, a) - p, min(p + len(word), b) - p) for p in _places(word, source_word)]
    tries += parts if all(x < y for x, y in parts) else []  # a part that may be the glued text alone is kept
    if rendering and word.startswith(head) and word.endswith(tail):  # with no glued text: the whole word
        tries.append((len(head), len(word) - len(tail)))
    for x, y in tries:
        if x < y and all(y <= p or q <= x for p, q, _ in cut):
            return (x, y)
    return None


def _places(part: str, whole: str) -> list[int]:
    """Where ``part`` is in ``whole`` (every place, overlapping ones too)."""
    found, k = [], whole.find(part)
    while k >= 0 and part:
        found.append(k)
        k = whole.find(part, k + 1)
    return found


def _word(span: str) -> re.Pattern[str]:
    """``span`` as whole words: "12" is in "12 h", not in "120", and "12 km" not in "12 km's"."""
    return re.compile(rf"(?<!\w){re.escape(span)}{_WORD_END}")


def _wanted(sentence: str, spans: list[Span]) -> list[str]:
    """Each span's text as many times as the translation must hold it: as often as it was found, or as
    the sentence itself holds it as whole words, whichever is more (a URL found once, inside an
    ``href="..."``, may stand again as the link's text)."""
    texts = [s.text for s in spans]
    return [t for t in dict.fromkeys(texts) for _ in range(max(texts.count(t), len(_word(t).findall(sentence))))]


def _intact(text: str, wanted: list[str]) -> bool:
    """Whether ``text`` has each span as often as wanted, as whole words ("12 h" is not in "12 hours")."""
    return all(len(_word(w).findall(text)) == wanted.count(w) for w in wanted)


def _once(text: str, wanted: list[str]) -> str:
    """``text`` without the model's extra copies of a span (whole words): each as many times as ``wanted`` has it."""
    for span in dict.fromkeys(wanted):
        found = list(_word(span).finditer(text))
        for m in reversed(found[wanted.count(span):]):  # the last copies go
            text = (text[:m.start()].rstrip() + " " + text[m.end():].lstrip()).strip()
    return text
