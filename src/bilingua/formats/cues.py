"""A subtitle cue's markup and line rules, for :mod:`.subtitles`: its tags, dialogue dashes and wrapping.

A cue's tags are kept through wrapping: a style around the whole cue (or
around each of its lines) goes around each new line, and any other tag stays
where it stood among the words, even where it then runs over a line break,
as SRT and WebVTT players read it. A wrap never starts a line with a dash,
which would make it a dialogue line.
"""

from __future__ import annotations

import re

__all__ = ["TAG", "DASH", "VOICE", "VOICE_OPEN", "MAX_LINES", "is_dialogue", "fit", "two_lines", "cue_style",
           "visible_width"]

#: Lines per cue, unless the source's cue had more.
MAX_LINES = 2
DASH = re.compile(r"^\s*[-‐–—]\s*")
#: Cue markup: <i>, </b>, <c.yellow>, <v Marie>, <font color="red">, and karaoke timestamps <00:00:04.500>.
TAG = re.compile(r"</?[A-Za-z][^<>]*>|<\d[\d:.]*>")
VOICE = re.compile(r"</?v(?:[.\s][^<>]*)?>")
VOICE_OPEN = re.compile(r"<v(?:[.\s][^<>]*)?>")
_WRAPPED = re.compile(r"(?P<open><(?P<name>[A-Za-z]+)(?:[.\s][^<>]*)?>)(?P<body>.*)</(?P=name)>", re.S)


def is_dialogue(lines: list[str]) -> bool:
    """A cue of two lines or more, each (its tags aside) starting with a dash: one line per speaker."""
    plain = [TAG.sub("", line) for line in lines]
    return len(plain) > 1 and all(DASH.match(line) for line in plain if line.strip())


def visible_width(line: str) -> int:
    return len(TAG.sub("", line))


def fit(lines: list[str], source: list[str], width: int) -> tuple[list[str], bool]:
    """A translated cue's ``lines`` (one per ``source`` line) under the line rules, and whether it had to
    keep lines longer than ``width``."""
    lines = _kept(lines, source)
    long = any(visible_width(line) > width for line in lines)
    if is_dialogue(source) or (len(lines) <= max(MAX_LINES, len(source)) and not long):
        return lines, long
    joined = " ".join(line.strip() for line in lines)
    dashed = any(DASH.match(TAG.sub("", line)) for line in source[1:])  # joined, it would start no line
    if dashed or TAG.findall(joined) != [t for line in lines for t in TAG.findall(line)]:
        return lines, long  # a dash line would be lost, or words joined would read as a tag
    wrapped = _restyled(lines, width) or two_lines(joined, width)
    return wrapped, any(visible_width(line) > width for line in wrapped)


def _kept(lines: list[str], source: list[str]) -> list[str]:
    """The cue's lines less those whose words all went to other lines (a line that never held words, a tag,
    stays): such a line's tags go to the start of the next line kept, or the end of the last."""
    kept: list[str] = []
    waiting = ""
    for line, before in zip(lines, source):
        if TAG.sub("", line).strip() or not TAG.sub("", before).strip():
            kept.append(waiting + line)
            waiting = ""
        else:
            waiting += "".join(TAG.findall(line))
    if not kept:
        return ["".join(line.strip() for line in lines)]
    kept[-1] += waiting
    return kept


def _restyled(lines: list[str], width: int) -> list[str] | None:
    """The cue wrapped again with its voice first and its style (around the whole cue, or each line) around
    each new line; None for a cue without one style, or with a voice elsewhere than first."""
    voices = [m.start() for line in lines for m in VOICE.finditer(line)]
    first = VOICE_OPEN.match(lines[0].lstrip())
    if voices and not (len(voices) == 1 and first):
        return None
    voice = first.group(0) if first else ""
    bare = [VOICE.sub("", line).strip() for line in lines]
    style = cue_style(bare)
    if style == ("", "") or not all(bare):
        return None
    opening, closing = style
    joined = " ".join(bare)
    if _style(joined) == style:
        inner = joined[len(opening) : -len(closing)]
    else:
        inner = " ".join(line[len(opening) : -len(closing)] for line in bare)
    return [(voice if n == 0 else "") + opening + line + closing for n, line in enumerate(two_lines(inner, width))]


def two_lines(text: str, width: int) -> list[str]:
    """``text`` on one line if it fits, else on two lines as even as its spaces allow: cut outside tags (and
    not after an SRT ``<`` kept from opening one), with words on both lines, and not before a dash (it would
    make a dialogue line)."""
    total = visible_width(text)
    if total <= width:
        return [text]
    inside = {i for m in TAG.finditer(text) for i in range(*m.span())}
    cuts = [i for i in (m.start() for m in re.finditer(" ", text)) if i not in inside and text[i - 1] != "<"
            and TAG.sub("", text[:i]).strip() and (rest := TAG.sub("", text[i + 1 :])).strip()
            and not DASH.match(rest)]
    if not cuts:
        return [text]
    cut = min(cuts, key=lambda i: (max(visible_width(text[:i]), total - visible_width(text[:i]) - 1),
                                   abs(total / 2 - visible_width(text[:i]))))
    return [text[:cut], text[cut + 1 :]]


def _style(text: str) -> tuple[str, str] | None:
    m = _WRAPPED.fullmatch(text.strip())
    if m is None or f"</{m['name']}>" in m["body"]:
        return None
    return m["open"], f"</{m['name']}>"


def cue_style(lines: list[str]) -> tuple[str, str]:
    """The style around the whole cue, or around each of its lines alike (its voice aside), else none."""
    lines = [VOICE.sub("", line) for line in lines]
    filled = [line for line in lines if line.strip()]
    whole = _style("\n".join(filled))
    each = {_style(line) for line in filled}
    return whole or (each.pop() if len(each) == 1 and None not in each else None) or ("", "")
