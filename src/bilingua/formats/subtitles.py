"""Subtitles (SRT and WebVTT): every byte that is not cue text is kept, in its place.

The file is read block by block: cue numbers and identifiers, timing lines
and their settings, the WebVTT header, ``NOTE``, ``STYLE`` and ``REGION``
blocks, blank lines and line ends (CRLF too) are copied as they are. A block
that is not one of those and has no valid timing line is kept as written,
untranslated, in its place, and a warning names its line: nothing is dropped.
Only a file with nothing to read (an SRT without a cue, a WebVTT without its
header) is refused. A cue without words (empty, or only tags such as
``<RIRES>`` or ``<i></i>``) takes no words and stays as written.

A sentence that runs over several cues is translated as one sentence, then
shared out among those cues by the model's word alignment, in order, with no
cue left blank (a run that finds no sentence end within :data:`MAX_RUN` cues
is cut there). A dialogue cue (lines starting with ``-``, one per speaker)
is translated line by line and keeps one line per speaker. Cue tags (``<i>``,
``<b>``, ``<c.yellow>``, ``<v Marie>``, karaoke timestamps) never reach the
model; they are put back around the words aligned with what they held (each
tag, and each line, that held words keeps at least one), and none is lost.
A line's leading dash never reaches the model either: it is put back at the
start of its line, and a dash the model (or the words' new order) brings to
the start of a line that had none is moved after the first word, so that no
dialogue line is made or unmade. Text that would read as markup is written
as text: escaped in WebVTT, and in SRT (no escapes) a ``<`` that would open
a tag is followed by a space.

Line rules (:mod:`.cues`): a cue's lines follow the alignment where they fit
``width`` (the longest source line or 42 characters, whichever is more);
otherwise the cue is wrapped again into at most two balanced lines (more
only where the source had more), its tags kept. When two lines of ``width``
cannot hold the English, two longer lines are kept and a warning says how
many cues ran over.
"""

from __future__ import annotations

import functools
import html
import itertools
import logging
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from ..alignment import in_order, segments, word_groups
from ..errors import InputError
from ..text import ends_sentence, lines_with_ends, same_words
from .base import Aligned, Translate, respace
from .cues import (DASH, TAG, VOICE, VOICE_CLOSE, VOICE_OPEN, cue_style, escaped, fit, line_by_line, spellings,
                   two_lines, visible_width)
from .registry import register_format

__all__ = ["translate_cues", "translate_srt", "translate_vtt", "cue_text", "read_subtitles"]

logger = logging.getLogger("bilingua")

#: The usual broadcast limit; a file whose own lines are longer keeps its own width.
MIN_LINE = 42
#: Cues translated as one run at most: sharing a run out costs its words times its cues, so a file without
#: sentence ends (all capitals, live captions) must not become one run.
MAX_RUN = 8
#: Line numbers a warning about blocks kept unread lists at most.
MAX_LISTED = 10
_TIME = r"(?:\d+:)?\d{1,2}:\d{1,2}[.,]\d{1,3}"
_TIMING = re.compile(rf"^\s*{_TIME}\s+-->\s+{_TIME}(?:\s.*)?$")
_KEPT_BLOCKS = re.compile(r"^(?:NOTE|STYLE|REGION)(?:[ \t]|$)")
#: A word, no-break spaces (U+00A0, U+2007, U+202F) inside it.
_WORDS = re.compile(r"(?:\S|[\u00a0\u2007\u202f])+")


@dataclass
class Cue:
    """One cue: what comes before its text (number or identifier, timing line) as written, and its text lines."""

    head: str
    lines: list[str]
    ends: list[str] = field(default_factory=list)


class _Unread(NamedTuple):
    """A block that cannot be read: the line at fault (its bad timing line, else its first; from 1) and why."""

    line: int
    why: str


def read_subtitles(source: str, form: str) -> list[str | Cue]:
    """The file as kept text and cues, in order.

    A block that cannot be read is kept text, and a warning names its line; a
    file with nothing to read (an SRT without a cue, a WebVTT without its
    header) is an :class:`InputError` that names a line.
    """
    name = "SRT" if form == "srt" else "WebVTT"
    lines = lines_with_ends(source)
    if lines and lines[-1] == ("", ""):
        lines.pop()
    if form == "vtt" and not (lines and lines[0][0].lstrip("\ufeff").startswith("WEBVTT")):
        raise InputError("this is not a valid WebVTT file (line 1 must start with WEBVTT)")
    items, unread = _blocks(lines, name, form == "vtt")
    if form == "srt" and source.strip() and not any(isinstance(item, Cue) for item in items):
        where = f"line {unread[0].line}: {unread[0].why}" if unread else "no line with text"
        raise InputError(f"this is not a valid SRT file (no cue with a valid timing line; {where})")
    if unread:
        listed = ", ".join(str(u.line) for u in unread[:MAX_LISTED])
        more = f" and {len(unread) - MAX_LISTED} more" if len(unread) > MAX_LISTED else ""
        logger.warning("%d %s block(s) without a valid timing line kept as written, untranslated: line(s) %s%s "
                       "(first: %s)", len(unread), name, listed, more, unread[0].why)
    return items


def _blocks(lines: list[tuple[str, str]], name: str, header: bool) -> tuple[list[str | Cue], list[_Unread]]:
    """Blank lines and blocks, each kept as text or read as its cues; and the blocks that could not be read."""
    # A line of spaces parts blocks too, as Netflix's files use it.
    blank = lambda line: not line.strip()  # noqa: E731
    items: list[str | Cue] = []
    unread: list[_Unread] = []
    k = 0
    while k < len(lines):
        if blank(lines[k][0]):
            items.append("".join(lines[k]))
            k += 1
            continue
        j = k
        while j < len(lines) and not blank(lines[j][0]):
            j += 1
        found = _block(lines[k:j], k, name, header=header and k == 0)
        if isinstance(found, _Unread):
            unread.append(found)
            found = "".join(line + end for line, end in lines[k:j])
        items += found if isinstance(found, list) else [found]
        k = j
    return items, unread


def _block(block: list[tuple[str, str]], first: int, name: str, *,
           header: bool) -> str | list[str | Cue] | _Unread:
    """A kept block as its text, a block's cues, or why it cannot be read: a line with ``-->`` starts a cue
    (as WebVTT parsers read a cue that runs into the next one's timing line); the line before the first may
    be its number or id. The WebVTT header ends, as parsers end it, at a line with ``-->``: a cue written
    right after it, with no blank line, is read (the lines before it all stay in the header)."""
    if header:
        t = next((t for t, (line, _) in enumerate(block) if t and "-->" in line), len(block))
        kept = "".join(line + end for line, end in block[:t])
        rest = _block(block[t:], first + t, name, header=False) if t < len(block) else []
        return rest if isinstance(rest, _Unread) else [kept, *([rest] if isinstance(rest, str) else rest)]
    if name == "WebVTT" and _KEPT_BLOCKS.match(block[0][0]):
        return "".join(line + end for line, end in block)
    starts = [t for t, (line, _) in enumerate(block) if "-->" in line]
    if not starts:
        return _Unread(first + 1, f"a block without a timing line: {block[0][0][:60]!r}")
    if starts[0] > 1:
        return _Unread(first + 1, "more than one line before the timing")
    cues: list[str | Cue] = []
    for n, t in enumerate(starts):
        if not _TIMING.match(block[t][0]):
            return _Unread(first + t + 1, f"a bad timing line: {block[t][0][:60]!r}")
        a, b = (0 if n == 0 else t), (starts[n + 1] if n + 1 < len(starts) else len(block))
        head = "".join(line + end for line, end in block[a : t + 1])
        cues.append(Cue(head, [line for line, _ in block[t + 1 : b]], [end for _, end in block[t + 1 : b]]))
    return cues


def _render(items: list[str | Cue], texts: list[list[str]]) -> str:
    done = iter(texts)
    out = []
    for item in items:
        if isinstance(item, str):
            out.append(item)
            continue
        lines = next(done) if item.lines else []
        if len(lines) == len(item.lines):
            ends = item.ends
        else:  # the cue's own line end between lines; its last line's end (none at the end of a file) after
            inner = item.ends[0] if len(item.ends) > 1 else (item.head[-2:] if item.head.endswith("\r\n") else "\n")
            ends = [inner] * (len(lines) - 1) + [item.ends[-1]]
        out.append(item.head + "".join(line + end for line, end in zip(lines, ends)))
    return "".join(out)


class _Chunk(NamedTuple):
    """A cue's text between two tags (``raw`` as written; ``text`` what the model reads)."""

    cue: int
    line: int
    raw: str
    text: str


def _chunks(cues: list[list[str]], entities: bool) -> tuple[list[_Chunk], list[list[list[str]]]]:
    """Every cue's text cut at its tags, and each line's tags (one fewer than its chunks)."""
    chunks: list[_Chunk] = []
    tags: list[list[list[str]]] = []
    for c, lines in enumerate(cues):
        tags.append([])
        for n, line in enumerate(lines):
            parts = TAG.split(line)
            tags[-1].append(TAG.findall(line))
            for part in parts:
                chunks.append(_Chunk(c, n, part, html.unescape(part) if entities else part))
    return chunks, tags


def _groups(cues: list[list[str]], entities: bool = False) -> list[list[int]]:
    """Runs of cues that together hold whole sentences (at most :data:`MAX_RUN` cues); a dialogue cue is a
    run of its own, as is a cue of too many lines (:func:`.cues.line_by_line`); a cue without words is in none
    (it takes no words and gives none: kept as written)."""
    groups: list[list[int]] = []
    current: list[int] = []
    for i, lines in enumerate(cues):
        text = _joined(lines)
        if not (html.unescape(text) if entities else text).strip():  # WebVTT's "&nbsp;" is no word either
            continue
        if line_by_line(lines):
            if current:
                groups.append(current)
                current = []
            groups.append([i])
            continue
        current.append(i)
        if ends_sentence(text) or len(current) >= MAX_RUN:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def _joined(lines: list[str]) -> str:
    """A cue's text on one line, without tags."""
    return " ".join(TAG.sub("", line).strip() for line in lines).strip()


def translate_cues(cues: list[list[str]], translate: Translate, max_line: int | None = None,
                   entities: bool = False, aligned: Aligned | None = None) -> list[list[str]]:
    """The translated lines of each cue (a cue is its list of text lines, tags included).

    ``entities``: the cue text is HTML-escaped (WebVTT), read and written so.
    With ``aligned`` (:meth:`Pipeline.translate_aligned`) words, line breaks
    and tags follow the model's alignment; without, a sentence over several
    cues is shared out by length, and only a style around a whole cue is kept.
    """
    width = max_line or max([MIN_LINE, *(visible_width(line) for lines in cues for line in lines)])
    if aligned is None:
        return _by_length(cues, translate, width, entities)
    chunks, tags = _chunks(cues, entities)
    units = _units(cues, chunks, entities)
    words = aligned([_model_text(chunks, unit) for unit, _ in units]) if units else []
    units, words = _each_cue_alone(chunks, units, words, aligned)
    new = [c.raw for c in chunks]
    for (unit, every), unit_words in zip(units, words):
        for k, text in _shared(chunks, unit, unit_words, every):
            same = same_words(text, chunks[k].text)  # then it stays as written (its entities too)
            new[k] = chunks[k].raw if same else _respace(chunks[k].raw, text, entities)
    out: list[list[str]] = [[] for _ in cues]
    at = 0
    for c, lines in enumerate(cues):
        for n in range(len(lines)):
            parts = new[at : at + len(tags[c][n]) + 1]
            at += len(parts)
            out[c].append("".join(p + t for p, t in zip(parts, [*tags[c][n], ""])))
    over = 0
    for c, source in enumerate(cues):
        out[c], long = fit(out[c], source, width)
        over += long
    if over:
        logger.warning("%d subtitle cue(s) do not fit two lines of %d characters: kept on two longer lines",
                       over, width)
    return out


def _units(cues: list[list[str]], chunks: list[_Chunk], entities: bool) -> list[tuple[list[int], bool]]:
    """What is translated in one piece (chunk numbers): a run of cues holding whole sentences (no cue of it
    may go blank), or one line of a cue translated line by line (a dialogue's speaker, or a line of a cue too
    long to share out: :func:`.cues.line_by_line`)."""
    # A cue's chunks are consecutive: one pass finds each cue's, so the cost is the file's, not runs x chunks.
    of_cue: list[list[int]] = [[] for _ in cues]
    for k, ch in enumerate(chunks):
        of_cue[ch.cue].append(k)
    units: list[tuple[list[int], bool]] = []
    for group in _groups(cues, entities):
        if len(group) == 1 and line_by_line(cues[group[0]]):
            by_line: list[list[int]] = [[] for _ in cues[group[0]]]
            for k in of_cue[group[0]]:
                by_line[chunks[k].line].append(k)
            units += [(unit, False) for unit in by_line]
        else:
            units.append(([k for c in group for k in of_cue[c]], len(group) > 1))
    return [(unit, every) for unit, every in units if any(chunks[k].text.strip() for k in unit)]


def _each_cue_alone(chunks: list[_Chunk], units: list[tuple[list[int], bool]], words: list[list[tuple[str, int]]],
                    aligned: Aligned) -> tuple[list[tuple[list[int], bool]], list[list[tuple[str, int]]]]:
    """The units and their words, a run translated into fewer words than it has cues translated cue by cue
    instead (shared out, one cue would go blank)."""
    kept: list[tuple[list[int], bool]] = []
    kept_words: list[list[tuple[str, int]]] = []
    alone: list[tuple[list[int], bool]] = []
    for (unit, every), unit_words in zip(units, words):
        cues = sorted({chunks[k].cue for k in unit})
        if every and len(unit_words) < len(cues):  # a run is at most MAX_RUN cues
            alone += [([k for k in unit if chunks[k].cue == c], False) for c in cues]
        else:
            kept.append((unit, every))
            kept_words.append(unit_words)
    if not alone:
        return units, words
    return kept + alone, kept_words + list(aligned([_model_text(chunks, unit) for unit, _ in alone]))


def _model_text(chunks: list[_Chunk], unit: list[int]) -> str:
    """A unit's text as the model reads it: a line break is a space, a line's leading dash is left out."""
    return "".join(_texts(chunks, unit))


def _texts(chunks: list[_Chunk], unit: list[int]) -> list[str]:
    """The unit's chunks as the model reads them: a line ends with a space, a line's leading dash is blanked
    out (it is put back in place: a dash the words moved would make, or unmake, a dialogue line)."""
    leads = _leads(chunks, unit)
    out = []
    for n, k in enumerate(unit):
        text = chunks[k].text
        if k in leads:
            text = DASH.sub(lambda m: " " * len(m.group(0)), text, count=1)
        place = (chunks[k].cue, chunks[k].line)
        if (n + 1 == len(unit) or (chunks[unit[n + 1]].cue, chunks[unit[n + 1]].line) != place) \
                and not text[-1:].isspace():
            text += " "
        out.append(text)
    return out


def _leads(chunks: list[_Chunk], unit: list[int]) -> set[int]:
    """The unit's chunks that start their line's text (only tags before them): where a dash reads as a
    dialogue line's (a unit holds whole lines)."""
    seen: set[tuple[int, int]] = set()
    out = set()
    for k in unit:
        place = (chunks[k].cue, chunks[k].line)
        if place not in seen and chunks[k].text.strip():
            seen.add(place)
            out.add(k)
    return out


def _shared(chunks: list[_Chunk], unit: list[int], words: list[tuple[str, int]], every: bool) -> list[tuple[int, str]]:
    """Each chunk's part of a unit's translation: first each cue's words, in order (none blank where
    ``every``), then within a cue its lines' and tags' parts, by the alignment."""
    texts = _texts(chunks, unit)
    mine: dict[int, list[int]] = {}  # each cue's places in the unit, cues in order
    for m, k in enumerate(unit):
        mine.setdefault(chunks[k].cue, []).append(m)
    places = list(mine.values())
    counts = [len("".join(texts[m] for m in cue).split()) for cue in places]
    owner = [n for n, count in enumerate(counts) for _ in range(count)]
    groups = in_order(word_groups([i for _, i in words], owner), len(places), every=every)
    first = list(itertools.accumulate(counts, initial=0))
    own: list[list[tuple[str, int]]] = [[] for _ in places]
    for (w, i), n in zip(words, groups):
        own[n].append((w, min(max(i - first[n], 0), max(counts[n] - 1, 0))))
    out: list[tuple[int, str]] = []
    for n, cue in enumerate(places):
        # ``every``: a tag (a line) whose words went elsewhere would be left empty, then lost with its line.
        cut = dict(segments([texts[m] for m in cue], own[n], ordered=True, every=True))
        out += [(unit[m], cut.get(j, "")) for j, m in enumerate(cue)]
    leads = _leads(chunks, unit)
    for n, (k, text) in enumerate(out):
        if k in leads:
            dash = _dash(chunks[k].text)
            out[n] = (k, dash + text.lstrip() if dash else _undashed(text))
    return out


def _undashed(text: str) -> str:
    """``text`` (a line's start) with its first word that is no dash put first: a dash the model wrote, or
    the words brought, at the start of a line that had none would make it a dialogue line."""
    words = text.split()
    if not (words and DASH.match(words[0])):
        return text
    first = next((j for j, w in enumerate(words) if not DASH.match(w)), None)
    if first is None:
        return text
    words.insert(0, words.pop(first))
    return text[: len(text) - len(text.lstrip())] + " ".join(words) + text[len(text.rstrip()):]


def _respace(raw: str, text: str, entities: bool) -> str:
    """``text`` written in place of ``raw``: escaped in WebVTT; in SRT, which has no escapes, a ``<`` the
    model wrote that would open a tag is followed by a space (a chunk never holds a tag of its own)."""
    text = escaped(text, spellings(raw)) if entities else TAG.sub(lambda m: "< " + m.group(0)[1:], text)
    return respace(raw, text) if raw.strip() else text


def _by_length(cues: list[list[str]], translate: Translate, width: int, entities: bool) -> list[list[str]]:
    """Without alignment: a sentence's translation shared out among its cues by their length, whole-cue
    styles and the voice kept, the tags inside a line left out."""
    plain = [[html.unescape(TAG.sub("", line)) if entities else TAG.sub("", line) for line in lines]
             for lines in [[VOICE.sub("", line) for line in cue] for cue in cues]]
    groups = _groups(plain)
    alone = lambda group: len(group) == 1 and line_by_line(plain[group[0]])  # noqa: E731
    texts: list[str] = []
    for group in groups:
        if alone(group):  # each line with words on its own, its dash (a speaker's) left out
            texts += [line[len(_dash(line)):] for line in plain[group[0]] if _spoken(line)]
        else:
            texts.append(" ".join(_joined(plain[i]) for i in group))
    done = iter(translate(texts) if texts else [])
    out: list[list[str]] = [[] for _ in cues]
    for group in groups:
        if alone(group):
            lines = plain[group[0]]
            out[group[0]] = [_dash(line) + next(done) if _spoken(line) else line for line in lines if line.strip()]
            continue
        parts = _spread(next(done), [len(" ".join(plain[i])) for i in group])
        if parts is None:  # fewer words than cues: each cue on its own
            parts = translate([_joined(plain[i]) for i in group])
        for i, part in zip(group, parts):
            out[i] = two_lines(part, width) if part else []
    grouped = {i for group in groups for i in group}
    return [_written(lines, cue, entities) if i in grouped else cue  # no words: as written
            for i, (lines, cue) in enumerate(zip(out, cues))]


def _dash(line: str) -> str:
    """A line's leading dash, with the spaces around it, or nothing."""
    m = DASH.match(line)
    return m.group(0) if m else ""


def _spoken(line: str) -> bool:
    """Whether a line has words besides its leading dash (a bare dash is no text to translate)."""
    return bool(line[len(_dash(line)):].strip())


def _written(lines: list[str], source: list[str], entities: bool) -> list[str]:
    """A cue's translated ``lines`` as written without alignment: its whole-cue style around each line, the
    voice that opened it first and, where it closed it, ``</v>`` last; escaped in WebVTT, each reference the
    source wrote (``&nbsp;``) written as it wrote it."""
    opening, closing = cue_style(source)
    voice = m.group(0) if source and (m := VOICE_OPEN.match(source[0])) else ""
    close = "</v>" if voice and any(VOICE_CLOSE.search(line) for line in source) else ""
    spelled = spellings("\n".join(source)) if entities else None
    out = [opening + (escaped(line, spelled) if entities else line) + closing for line in lines]
    if out:
        out[0] = voice + out[0]
        out[-1] += close
    return out


def _spread(text: str, weights: list[int]) -> list[str] | None:
    """``text`` cut at word boundaries into ``len(weights)`` non-empty parts, sized by ``weights``; a no-break
    space (``&nbsp;`` before French ``!``) is no boundary: it stays, as written."""
    words = _WORDS.findall(text)
    if len(words) < len(weights):
        return None
    total = sum(weights) or 1
    cuts, seen = [0], 0
    for k, w in enumerate(weights[:-1]):
        seen += w
        lowest = cuts[-1] + 1  # every cue keeps at least one word, and leaves one for each after it
        highest = len(words) - (len(weights) - 1 - k)
        cuts.append(min(max(round(len(words) * seen / total), lowest), highest))
    cuts.append(len(words))
    return [" ".join(words[a:b]) for a, b in zip(cuts, cuts[1:])]


def cue_text(source: str, form: str) -> str:
    """The text of every cue, a cue per line."""
    cues = [item for item in read_subtitles(source, form) if isinstance(item, Cue)]
    text = [" ".join(TAG.sub("", " ".join(c.lines)).split()) for c in cues]
    return "\n".join(html.unescape(t) if form == "vtt" else t for t in text)


def _translate_file(source: str, translate: Translate, aligned: Aligned | None, max_line: int | None,
                    form: str) -> str:
    items = read_subtitles(source, form)
    cues = [item for item in items if isinstance(item, Cue) and item.lines]
    texts = translate_cues([c.lines for c in cues], translate, max_line, entities=form == "vtt", aligned=aligned)
    return _render(items, texts)


def translate_srt(source: str, translate: Translate, aligned: Aligned | None = None, max_line: int | None = None) -> str:
    """An SRT file translated; numbers, timings, position settings and line ends unchanged."""
    return _translate_file(source, translate, aligned, max_line, "srt")


def translate_vtt(source: str, translate: Translate, aligned: Aligned | None = None, max_line: int | None = None) -> str:
    """A WebVTT file translated; header, styles, notes, regions, cue ids, timings, settings and voices kept."""
    return _translate_file(source, translate, aligned, max_line, "vtt")


register_format("srt", extensions=(".srt",), translate=translate_srt, text=functools.partial(cue_text, form="srt"))
register_format("vtt", extensions=(".vtt",), translate=translate_vtt, text=functools.partial(cue_text, form="vtt"))
