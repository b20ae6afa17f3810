"""Writing a translated Markdown sentence back: each code span once, each link and emphasis once, the
rest escaped so that nothing the model writes becomes markup.

The model reads a sentence with its code spans (and images, read as
`` `image` ``) in it, and may reorder, glue, copy or drop them. Before its
words are shared out among the sentence's formattings, each code span is
put back exactly once, as a placeholder the model never saw (:func:`place_codes`);
the placeholders are replaced by the code spans as written only once the
Markdown is written (:meth:`Markers.unmark`), so no escaping or re-cutting can touch
them. A link or an emphasis whose words the translation scatters wraps the
smallest stretch that holds them all (:func:`nest`), so it comes out once.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Sequence

from ..alignment import word_parts

__all__ = ["Wrap", "CODE", "Markers", "place_codes", "reindex", "nest", "serialize", "escape"]

#: The markup that opens and closes around some text, and which one it is in its paragraph:
#: ("**", "**", 3), ("[", "](url)", 4). Two links to one address are two wrappers.
Wrap = tuple[str, str, int]
#: Marks a chunk that is a code span or an image: in the sentence the model reads, but written back exactly
#: as it was. It opens and closes with nothing (the chunk holds its own markup).
CODE: Wrap = ("", "", -1)
#: A code span as CommonMark reads one: a backtick string, then text, then a backtick string as long.
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).*?(?<!`)\1(?!`)")
#: What would be markup inside a paragraph's text, escaped with a backslash.
_ESCAPE = re.compile(r"([\\`*_\[\]<>])|&(?=#?\w+;)")
#: What would start a block at the start of a line: a list item (``1995.``, ``3)``, ``-``, ``+``), a heading,
#: a setext underline or a fence (``=``, ``~``).
_LINE_START = re.compile(r"^(\d{1,9})([.)])(?=\s|$)|^([-+#=~])")


class Markers:
    """Placeholders for a sentence's code chunks: a private-use character the sentence does not hold
    around the chunk's number, so no text of the document can be taken for one."""

    def __init__(self, texts: Sequence[str]) -> None:
        used = set("".join(texts))
        self.tag = next(chr(c) for c in range(0xE000, 0xF900) if chr(c) not in used)
        self._found = re.compile(f"{self.tag}(\\d+){self.tag}")

    def __call__(self, k: int) -> str:
        """The placeholder of chunk ``k``."""
        return f"{self.tag}{k}{self.tag}"

    def unmark(self, text: str, raw: Sequence[str]) -> str:
        """``text`` with each placeholder replaced by its chunk as written (``raw[k]``)."""
        return self._found.sub(lambda m: raw[int(m.group(1))], text)


def place_codes(model: Sequence[str], codes: Sequence[int], words: list[tuple[str, int]],
                marker: Markers) -> list[tuple[str, int]]:
    """The translated ``words`` with each code chunk (``codes``, indexes into ``model``, the chunks as the model
    read them) replaced by its placeholder exactly once.

    A code is found where the model copied it (the same text), else in the
    next run of backticks it wrote (a copy it changed), else it goes next to
    the word aligned nearest to it. Text the model glued to a copy stays
    glued to the placeholder; the model's extra copies stay as text.
    """
    where = _code_words(model, codes)
    for k in codes:
        texts = [w for w, _ in words]
        joined = " ".join(texts)
        at = joined.find(model[k])
        found = (at, at + len(model[k])) if at >= 0 else None
        if found is None and (m := _CODE_SPAN.search(joined)):
            found = m.span()
        if found is None:
            words = _insert_near(words, (marker(k), where[k]))
            continue
        bounds, start = [], 0
        for w in texts:
            bounds.append(start)
            start += len(w) + 1
        first = max(n for n, a in enumerate(bounds) if a <= found[0])
        last = max(n for n, a in enumerate(bounds) if a < found[1])
        merged = joined[bounds[first]:found[0]] + marker(k) + joined[found[1]:bounds[last] + len(texts[last])]
        words = [*words[:first], (merged, words[first][1]), *words[last + 1:]]
    return words


def reindex(model: Sequence[str], chunks: Sequence[str], words: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """``words`` aligned with the words of ``"".join(model)`` (what the model read) made aligned with those
    of ``"".join(chunks)`` (the same chunks, a code span's as its one-word placeholder)."""
    model_at = list(itertools.accumulate((len(c) for c in model[:-1]), initial=0))
    chunk_at = list(itertools.accumulate((len(c) for c in chunks[:-1]), initial=0))
    starts = [m.start() for m in re.finditer(r"\S+", "".join(chunks))]
    index = []
    for m in re.finditer(r"\S+", "".join(model)):
        k = bisect.bisect_right(model_at, m.start()) - 1
        inside = 0 if chunks[k] != model[k] else m.start() - model_at[k]  # any word of a code span: its placeholder
        index.append(max(bisect.bisect_right(starts, chunk_at[k] + inside) - 1, 0))
    return [(w, index[i] if 0 <= i < len(index) else i) for w, i in words]


def _code_words(model: Sequence[str], codes: Sequence[int]) -> dict[int, int]:
    """The source word each code chunk is in (a code glued to text is in that text's word)."""
    parts, _ = word_parts(model)
    where = {k: 0 for k in codes}
    for w, word in enumerate(parts):
        for k, _ in word:
            if k in where:
                where[k] = w
    return where


def _insert_near(words: list[tuple[str, int]], item: tuple[str, int]) -> list[tuple[str, int]]:
    """``words`` with ``item`` before the first word aligned with a later source word (after those aligned
    with its own or earlier ones)."""
    if not words:
        return [item]
    near = min(range(len(words)), key=lambda j: (abs(words[j][1] - item[1]), j))
    at = near if words[near][1] >= item[1] else near + 1
    return [*words[:at], item, *words[at:]]


def nest(segments: list[tuple[tuple[Wrap, ...], str]]) -> list[tuple[tuple[Wrap, ...], str]]:
    """The segments' wrappers made to open once each: a wrapper covers every segment from its first to its
    last, wrappers that overlap are nested (two links, which cannot nest, are cut apart instead)."""
    spans = _spans(segments)
    for _ in range(len(spans) ** 2 + 1):  # each pass cuts or widens a stretch; few wrappers share a sentence
        pair = next(((v, w) for v in spans for w in spans if v != w and _clash(v, w, spans)), None)
        if pair is None:
            break
        _part(*pair, spans)
    rank = {w: n for n, w in enumerate(spans)}
    out = []
    for n, (stack, text) in enumerate(segments):
        mine = [w for w, (a, b) in spans.items() if a <= n <= b]
        mine.sort(key=lambda w: (spans[w][0] - spans[w][1], rank[w]))
        out.append(((*mine, CODE) if CODE in stack else tuple(mine), text))
    return out


def _spans(segments: list[tuple[tuple[Wrap, ...], str]]) -> dict[Wrap, list[int]]:
    """Each wrapper's first and last segment with words, outer wrappers first."""
    spans: dict[Wrap, list[int]] = {}
    depth: dict[Wrap, int] = {}
    for n, (stack, text) in enumerate(segments):
        if not text.strip():
            continue
        for d, w in enumerate(x for x in stack if x != CODE):
            spans.setdefault(w, [n, n])[1] = n
            depth[w] = min(depth.get(w, d), d)
    return dict(sorted(spans.items(), key=lambda item: depth[item[0]]))


def _links(v: Wrap, w: Wrap) -> bool:
    return v[0] == "[" and w[0] == "["


def _clash(v: Wrap, w: Wrap, spans: dict[Wrap, list[int]]) -> bool:
    """Whether ``v``'s stretch, which starts first, and ``w``'s overlap without one holding the other, or
    overlap at all when both are links (a link cannot hold a link) and can still be cut apart."""
    (a, b), (c, d) = spans[v], spans[w]
    if (a, -b) > (c, -d):
        return False  # w starts first (or holds v): the pair is looked at the other way round
    if _links(v, w):
        return c <= b and (a < c or a < b)
    return a < c <= b < d


def _part(v: Wrap, w: Wrap, spans: dict[Wrap, list[int]]) -> None:
    """Two clashing stretches (``v`` starts first): links are cut apart, anything else nested."""
    (a, b), (c, d) = spans[v], spans[w]
    if not _links(v, w):
        spans[v][1] = d
    elif a < c:
        spans[v][1] = c - 1
    else:  # one start: the inner link keeps its first segments, the outer one the rest (it has more)
        cut = min(d, b - 1)
        spans[w][1], spans[v][0] = cut, cut + 1


def serialize(segments: list[tuple[tuple[Wrap, ...], str]], *, line_start: bool = False) -> str:
    """Texts each inside its wrappers, opening and closing only what changes from one to the next.

    Spaces stay outside markers (CommonMark needs ``**bold**``, not ``** bold **``).
    All text is escaped, a code chunk's too (the model's words may land there): a code span or image is
    a placeholder here (:class:`Markers`), which escaping leaves alone and :meth:`Markers.unmark` replaces.
    A ``line_start`` text is also kept from starting a block.
    """
    out: list[str] = []
    current: tuple[Wrap, ...] = ()
    pending = ""  # the previous text's trailing spaces, which go after its closing markers
    for stack, text in segments:
        body = text.strip()
        lead = text[: len(text) - len(text.lstrip())]
        if not body:
            pending += text
            continue
        common = 0
        while common < min(len(current), len(stack)) and current[common] == stack[common]:
            common += 1
        closing = "".join(w[1] for w in reversed(current[common:]))
        opening = "".join(w[0] for w in stack[common:])
        first = line_start and not out and not opening and not pending and not lead
        out.append(closing + pending + lead + opening + escape(body, line_start=first))
        pending, current = text[len(text.rstrip()):], stack
    out.append("".join(w[1] for w in reversed(current)) + pending)
    return "".join(out)


def escape(text: str, *, line_start: bool = False) -> str:
    """``text`` as Markdown text: what would be inline markup escaped, and, at the start of a line, what
    would start a list, a heading, a setext underline or a fence."""
    text = _ESCAPE.sub(lambda m: "\\" + m.group(0), text)
    return _LINE_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", text) if line_start else text
