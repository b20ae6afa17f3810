"""Subtitles (SRT with ``srt``, WebVTT with ``webvtt-py``): cue numbers, timings and settings kept.

A sentence that runs over several cues is translated as one sentence, then
spread back over those cues in proportion to their source length, at word
boundaries. A dialogue cue (lines starting with ``-``, one per speaker) is
translated line by line and keeps its dashes. Each cue is wrapped to the
longest source line or 42 characters, whichever is more. Cue tags never reach
the model: a style that covers a whole cue (``<i>`` around it, or around each
of its lines alike) is put back around each translated line; a tag inside a
line is dropped, its text translated.
"""

from __future__ import annotations

import functools

import html
import re
import textwrap
from typing import NamedTuple

from ..errors import InputError
from ..text import ends_sentence
from .base import Translate
from .registry import register_format

__all__ = ["translate_cues", "translate_srt", "translate_vtt", "cue_text"]


#: The usual broadcast limit; a file whose own lines are longer keeps its own width.
MIN_LINE = 42
_DASH = re.compile(r"^\s*[-‐–—]\s*")
#: Cue markup: <i>, </b>, <c.yellow>, <v Marie>, <font color="red">, and karaoke timestamps <00:00:04.500>.
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<\d[\d:.]*>")
_WRAPPED = re.compile(r"(?P<open><(?P<name>[A-Za-z]+)(?:[.\s][^<>]*)?>)(?P<body>.*)</(?P=name)>", re.S)
_VOICE = re.compile(r"</?v(?:[.\s][^<>]*)?>")


class _Cue(NamedTuple):
    lines: list[str]  # the text, without tags
    style: tuple[str, str]  # the opening and closing tag around all of it, or two empty strings


def _style(text: str) -> tuple[str, str] | None:
    m = _WRAPPED.fullmatch(text.strip())
    if m is None or f"</{m['name']}>" in m["body"]:
        return None
    return m["open"], f"</{m['name']}>"


def _read_cue(lines: list[str], entities: bool) -> _Cue:
    """A cue's lines without tags (and with ``&amp;`` read as ``&`` where ``entities``), and its whole-cue style."""
    lines = [_VOICE.sub("", line) for line in lines]  # WebVTT's voice is kept apart
    filled = [line for line in lines if line.strip()]
    whole = _style("\n".join(filled))
    each = {_style(line) for line in filled}
    style = whole or (each.pop() if len(each) == 1 and None not in each else None)
    clean = [_TAG.sub("", line) for line in lines]
    return _Cue([html.unescape(line) if entities else line for line in clean], style or ("", ""))


def _styled(lines: list[str], style: tuple[str, str], entities: bool) -> list[str]:
    lines = [html.escape(line, quote=False) if entities else line for line in lines]
    return [style[0] + line + style[1] for line in lines]


def _is_dialogue(lines: list[str]) -> bool:
    return len(lines) > 1 and all(_DASH.match(line) for line in lines if line.strip())


def _groups(cues: list[list[str]]) -> list[list[int]]:
    """Runs of cues that together hold whole sentences; a dialogue cue is a run of its own."""
    groups: list[list[int]] = []
    current: list[int] = []
    for i, lines in enumerate(cues):
        if _is_dialogue(lines):
            if current:
                groups.append(current)
                current = []
            groups.append([i])
            continue
        current.append(i)
        if ends_sentence(_joined(lines)):
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def _joined(lines: list[str]) -> str:
    """A cue's text on one line."""
    return " ".join(line.strip() for line in lines).strip()


def _spread(text: str, weights: list[int]) -> list[str] | None:
    """``text`` cut at word boundaries into ``len(weights)`` non-empty parts, sized by ``weights``."""
    words = text.split()
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


def translate_cues(cues: list[list[str]], translate: Translate, max_line: int | None = None,
                   entities: bool = False) -> list[list[str]]:
    """The translated lines of each cue (a cue is its list of text lines, tags included).

    ``entities``: the cue text is HTML-escaped (WebVTT), read and written so.
    """
    read = [_read_cue(lines, entities) for lines in cues]
    done = _translate_text([cue.lines for cue in read], translate, max_line)
    return [_styled(lines, cue.style, entities) for lines, cue in zip(done, read)]


def _translate_text(cues: list[list[str]], translate: Translate, max_line: int | None) -> list[list[str]]:
    width = max_line or max([MIN_LINE, *(len(line) for lines in cues for line in lines)])
    groups = _groups(cues)
    texts: list[str] = []
    for group in groups:
        lines = cues[group[0]]
        if len(group) == 1 and _is_dialogue(lines):
            texts += [_DASH.sub("", line) for line in lines if line.strip()]
        else:
            texts.append(" ".join(_joined(cues[i]) for i in group))
    done = iter(translate(texts) if texts else [])
    out: list[list[str]] = [[] for _ in cues]
    for group in groups:
        lines = cues[group[0]]
        if len(group) == 1 and _is_dialogue(lines):  # each speaker's line starts with its dash; a long one wraps
            for line in lines:
                if line.strip():
                    dash = _DASH.match(line).group(0)  # type: ignore[union-attr]
                    out[group[0]] += _wrap(dash + next(done), width)
            continue
        translated = next(done)
        parts = _spread(translated, [len(" ".join(cues[i])) for i in group])
        if parts is None:  # fewer words than cues: each cue on its own
            parts = translate([_joined(cues[i]) for i in group])
        for i, part in zip(group, parts):
            out[i] = _wrap(part, width)
    return out


def _wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` characters, broken between words only."""
    return textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False) or [text]


def _read_srt(source: str) -> list:  # type: ignore[type-arg]
    import srt

    try:
        subtitles = list(srt.parse(source))
    except srt.SRTParseError as exc:
        raise InputError(f"this is not a valid SRT file ({exc})") from None
    if not subtitles and source.strip():
        raise InputError("this is not a valid SRT file (no cue with a timing line)")
    return subtitles


def _read_vtt(source: str):  # type: ignore[no-untyped-def]
    import webvtt
    from webvtt.errors import MalformedFileError

    try:
        return webvtt.from_string(source)
    except MalformedFileError as exc:
        raise InputError(f"this is not a valid WebVTT file ({exc})") from None


def cue_text(source: str, form: str) -> str:
    """The text of every cue, a cue per line."""
    if form == "srt":
        return "\n".join(" ".join(_TAG.sub("", s.content).split()) for s in _read_srt(source))
    return "\n".join(" ".join(html.unescape(c.text).split()) for c in _read_vtt(source).captions)


def translate_srt(source: str, translate: Translate, aligned: object = None, max_line: int | None = None) -> str:
    """An SRT file translated; numbers, timings and position settings unchanged."""
    import srt

    subtitles = _read_srt(source)
    lines = translate_cues([s.content.splitlines() for s in subtitles], translate, max_line)
    for subtitle, new in zip(subtitles, lines):
        subtitle.content = "\n".join(new)
    return srt.compose(subtitles, reindex=False)


def translate_vtt(source: str, translate: Translate, aligned: object = None, max_line: int | None = None) -> str:
    """A WebVTT file translated; header, styles, notes, cue ids, timings, settings, voices and whole-cue styles kept."""
    vtt = _read_vtt(source)
    lines = translate_cues([c.raw_text.splitlines() for c in vtt.captions], translate, max_line, entities=True)
    for caption, new in zip(vtt.captions, lines):
        voice = f"<v {caption.voice}>" if caption.voice else ""
        caption.text = voice + "\n".join(new)
    return str(vtt.content)


register_format("srt", extensions=(".srt",), translate=translate_srt, text=functools.partial(cue_text, form="srt"))
register_format("vtt", extensions=(".vtt",), translate=translate_vtt, text=functools.partial(cue_text, form="vtt"))
