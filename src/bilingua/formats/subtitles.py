"""Subtitles (SRT with ``srt``, WebVTT with ``webvtt-py``): cue numbers, timings and settings kept.

A sentence that runs over several cues is translated as one sentence, then
spread back over those cues in proportion to their source length, at word
boundaries. A dialogue cue (lines starting with ``-``, one per speaker) is
translated line by line and keeps its dashes. Each cue is wrapped to the
longest source line or 42 characters, whichever is more.
"""

from __future__ import annotations

import re
import textwrap

from ..errors import InputError
from .base import Translate

__all__ = ["translate_cues", "translate_srt", "translate_vtt", "cue_text"]


#: The usual broadcast limit; a file whose own lines are longer keeps its own width.
MIN_LINE = 42
_SENTENCE_END = re.compile(r"[.!?…][\"'»”)\]]*$")
_DASH = re.compile(r"^\s*[-‐–—]\s*")


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
        if _SENTENCE_END.search(_joined(lines)):
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


def translate_cues(cues: list[list[str]], translate: Translate, max_line: int | None = None) -> list[list[str]]:
    """The translated lines of each cue (a cue is its list of text lines)."""
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
        return "\n".join(" ".join(s.content.split()) for s in _read_srt(source))
    return "\n".join(" ".join(c.text.split()) for c in _read_vtt(source).captions)


def translate_srt(source: str, translate: Translate, aligned: object = None, max_line: int | None = None) -> str:
    """An SRT file translated; numbers, timings and position settings unchanged."""
    import srt

    subtitles = _read_srt(source)
    lines = translate_cues([s.content.splitlines() for s in subtitles], translate, max_line)
    for subtitle, new in zip(subtitles, lines):
        subtitle.content = "\n".join(new)
    return srt.compose(subtitles, reindex=False)


def translate_vtt(source: str, translate: Translate, aligned: object = None, max_line: int | None = None) -> str:
    """A WebVTT file translated; header, styles, notes, cue ids, timings, settings and voices kept."""
    vtt = _read_vtt(source)
    lines = translate_cues([c.text.splitlines() for c in vtt.captions], translate, max_line)
    for caption, new in zip(vtt.captions, lines):
        voice = f"<v {caption.voice}>" if caption.voice else ""
        caption.text = voice + "\n".join(new)
    return str(vtt.content)
