"""A subtitle cue's markup and line rules, for :mod:`.subtitles`: its tags, dialogue dashes and wrapping.

A cue's tags are kept through wrapping: a style around the whole cue (or
around each of its lines) goes around each new line, and any other tag stays
where it stood among the words, even where it then runs over a line break,
as SRT and WebVTT players read it. A wrap never starts a line with a dash,
which would make it a dialogue line.
"""

from __future__ import annotations

import html
import re

__all__ = ["TAG", "DASH", "VOICE", "VOICE_OPEN", "VOICE_CLOSE", "MAX_LINES", "MAX_CUE_LINES", "is_dialogue",
           "line_by_line", "fit", "two_lines", "cue_style", "visible_width", "escaped", "spellings"]

#: Lines per cue, unless the source's cue had more.
MAX_LINES = 2
#: Lines a cue may have and still be shared out as one piece (real cues have 1 to 3): sharing costs its words
#: times its lines, so a cue of thousands of lines is translated line by line instead.
MAX_CUE_LINES = 12
DASH = re.compile(r"^\s*[-‐–—]\s*")
#: Cue markup: <i>, </b>, <c.yellow>, <v Marie>, <font color="red">, and karaoke timestamps <00:00:04.500>.
TAG = re.compile(r"</?[A-Za-z][^<>]*>|<\d[\d:.]*>")
VOICE = re.compile(r"</?v(?:[.\s][^<>]*)?>")
VOICE_OPEN = re.compile(r"<v(?:[.\s][^<>]*)?>")
VOICE_CLOSE = re.compile(r"</v>")
#: A character reference as WebVTT (HTML) writes one: &nbsp; &lrm; &#160; &#xA0;.
ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_WRAPPED = re.compile(r"(?P<open><(?P<name>[A-Za-z]+)(?:[.\s][^<>]*)?>)(?P<body>.*)</(?P=name)>", re.S)


def is_dialogue(lines: list[str]) -> bool:
    """A cue of two lines or more, each (its tags aside) starting with a dash: one line per speaker."""
    plain = [TAG.sub("", line) for line in lines]
    return len(plain) > 1 and all(DASH.match(line) for line in plain if line.strip())


def line_by_line(lines: list[str]) -> bool:
    """Whether a cue is translated line by line: a dialogue (one line per speaker), or a cue of more than
    :data:`MAX_CUE_LINES` lines (no real cue; shared out as one piece, its cost would grow as its square)."""
    return len(lines) > MAX_CUE_LINES or is_dialogue(lines)


def spellings(source: str) -> dict[str, str]:
    """How ``source`` (WebVTT cue text) writes each character it escapes: ``&``, ``<`` and ``>`` as
    html.escape does, and each one it wrote as a reference (``&nbsp;``, ``&lrm;``) as it wrote it."""
    spelled = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
    for m in ENTITY.finditer(source):
        char = html.unescape(m.group(0))
        if len(char) == 1 and char not in "&<>":
            spelled.setdefault(char, m.group(0))
    return spelled


def escaped(text: str, spelled: dict[str, str] | None = None) -> str:
    """``text`` escaped for WebVTT, its characters written as :func:`spellings` says: so ``&nbsp;`` stays
    ``&nbsp;`` rather than coming back a bare no-break space."""
    if spelled is None or len(spelled) == 3:
        return html.escape(text, quote=False)
    return "".join(spelled.get(c, c) for c in text)  # one pass: a reference's own ";" is not written again


def visible_width(line: str) -> int:
    return len(TAG.sub("", line))


def fit(lines: list[str], source: list[str], width: int) -> tuple[list[str], bool]:
    """A translated cue's ``lines`` (one per ``source`` line) under the line rules, and whether it had to
    keep lines longer than ``width``."""
    lines = _kept(lines, source)
    long = any(visible_width(line) > width for line in lines)
    if line_by_line(source) or (len(lines) <= max(MAX_LINES, len(source)) and not long):
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
