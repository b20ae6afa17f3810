"""Writing a translated Markdown sentence back: each code span once, each link and emphasis once, the
rest escaped so that nothing the model writes becomes markup.

The model reads a sentence with its code spans in it (not its images and
autolinks, which it has no words for), and may reorder, glue, copy or drop
them. Before its words are shared out among the sentence's formattings,
each code span, image and autolink is put back exactly once, as a
placeholder the model never saw (:func:`place_codes`);
the placeholders are replaced by the code spans as written only once the
Markdown is written (:meth:`Markers.unmark`), so no escaping or re-cutting can touch
them. A link or an emphasis whose words the translation scatters wraps the
smallest stretch that holds them all (:func:`nest`), so it comes out once.
"""

from __future__ import annotations

import bisect
import itertools
import re
import string
from collections.abc import Sequence

from ..segmentation import CODE_SPAN

__all__ = ["Wrap", "CODE", "Markers", "place_codes", "reindex", "fill", "nest", "flank", "serialize", "shared", "escape"]

#: The markup that opens and closes around some text, and which one it is in its paragraph:
#: ("**", "**", 3), ("[", "](url)", 4). Two links to one address are two wrappers.
Wrap = tuple[str, str, int]
#: Marks a chunk that is a code span or an image: in the sentence the model reads, but written back exactly
#: as it was. It opens and closes with nothing (the chunk holds its own markup).
CODE: Wrap = ("", "", -1)
#: What would be markup inside a paragraph's text, escaped with a backslash.
_ESCAPE = re.compile(r"([\\`*_\[\]<>])|&(?=#?\w+;)")
#: What CommonMark counts as punctuation next to an emphasis marker (ASCII's, and Unicode's commonest).
_PUNCTUATION = string.punctuation + "«»“”‘’…–—¡¿·"
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
        """``text`` with each placeholder replaced by its chunk as written (``raw[k]``; none without ``raw``)."""
        return self._found.sub(lambda m: raw[int(m.group(1))] if raw else "", text)

    def after(self, text: str, at: int) -> int:
        """``at``, or past the placeholders that start there."""
        while (m := self._found.match(text, at)) is not None:
            at = m.end()
        return at


def place_codes(model: Sequence[str], codes: Sequence[int], words: list[tuple[str, int]],
                marker: Markers) -> list[tuple[str, int]]:
    """The translated ``words`` with each code chunk (``codes``, indexes into ``model``, the chunks as the model
    read them) replaced by its placeholder exactly once.

    A code is found where the model copied it (the same text; protection puts
    it back where the model changed it), else (an image, which the model
    does not read) it goes next to the words aligned with its neighbours.
    Text the model glued to a copy stays glued to the placeholder; the
    model's extra copies stay as text.
    """
    where = _code_words(model, codes)
    for k in codes:
        texts = [w for w, _ in words]
        joined = " ".join(texts)
        code = " ".join(model[k].split())  # as the words hold it: a line break inside a code span is a space
        bounds = list(itertools.accumulate((len(w) + 1 for w in texts[:-1]), initial=0))  # where each word starts
        at = _copy(joined, bounds, code, [i for _, i in words], where[k][0])
        if at < 0:
            glued = _glued(words, model, where[k], marker, marker(k))
            words = glued if glued is not None else _insert_near(words, (marker(k), where[k][0]), marker)
            continue
        first = max(n for n, a in enumerate(bounds) if a <= at)
        last = max(n for n, a in enumerate(bounds) if a < at + len(code))
        merged = joined[bounds[first]:at] + marker(k) + joined[at + len(code):bounds[last] + len(texts[last])]
        words = [*words[:first], (merged, words[first][1]), *words[last + 1:]]
    return words


def _copy(joined: str, starts: list[int], code: str, links: list[int], word: int) -> int:
    """Where ``code`` is in ``joined`` (the translated words, starting at ``starts``, whose source words are
    ``links``): a copy that
    is a whole code span there first (`` `x` `` is also inside `` `x``x` ``, another one), then one in a word
    aligned with the code's own source ``word``, then one with no backtick against it, then the first;
    -1 for none (or no code: an image)."""
    found = [m.start() for m in re.finditer(re.escape(code), joined)] if code else []
    spans = {m.span() for m in CODE_SPAN.finditer(joined)}

    def rank(a: int) -> tuple[bool, bool, bool, int]:
        glued = joined[a - 1: a] == "`" or joined[a + len(code): a + len(code) + 1] == "`"
        n = bisect.bisect_right(starts, a) - 1
        return (a, a + len(code)) not in spans, links[n] != word if 0 <= n < len(links) else True, glued, a

    return min(found, key=rank, default=-1)


def fill(cut: list[tuple[int, str]], stacks: Sequence[tuple[Wrap, ...]], marker: Markers) -> list[tuple[int, str]]:
    """``cut`` (chunk, text) with every wrapper that held text in the source holding some: a chunk whose
    words the model changed where they were glued to others' (``le*le*``) takes the nearest word of a
    neighbour that has two, and a code span or image that landed in another chunk's text is cut out of it
    into its own. No character is added or lost."""
    out = list(cut)
    held = {w for c, t in out if t.strip() for w in stacks[c]}
    for k, stack in enumerate(stacks):
        if all(w in held for w in stack):
            continue
        held.update(stack)  # it holds text now (or can't: then no other chunk will give it any either)
        if CODE in stack:
            at = next((i for i, (c, t) in enumerate(out) if c != k and marker(k) in t), None)
            if at is not None:
                c, t = out[at]
                a = t.index(marker(k))
                pieces = [(c, t[:a]), (k, marker(k)), (c, t[a + len(marker(k)):])]
                out[at:at + 1] = [p for p in pieces if p[1]]
            continue
        near = [i for i, (_, t) in enumerate(out) if len(t.split()) > 1]
        if not near:
            continue
        i = min(near, key=lambda i: (abs(out[i][0] - k), i))
        c, t = out[i]
        if c < k and (m := re.search(r"\S+\s*$", t)):
            out[i:i + 1] = [(c, t[:m.start()]), (k, m.group(0))]
        elif (m := re.match(r"\s*\S+", t)) is not None:
            out[i:i + 1] = [(k, m.group(0)), (c, t[m.end():])]
    return out


def reindex(model: Sequence[str], chunks: Sequence[str], words: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """``words`` aligned with the words of ``"".join(model)`` (what the model read) made aligned with those
    of ``"".join(chunks)`` (the same chunks, a code span's as its one-word placeholder); a placeholder of
    an image, which the model did not read, standing alone is the image's own word."""
    model_at = list(itertools.accumulate((len(c) for c in model[:-1]), initial=0))
    chunk_at = list(itertools.accumulate((len(c) for c in chunks[:-1]), initial=0))
    starts = [m.start() for m in re.finditer(r"\S+", "".join(chunks))]
    index = []
    for m in re.finditer(r"\S+", "".join(model)):
        k = bisect.bisect_right(model_at, m.start()) - 1
        inside = 0 if chunks[k] != model[k] else m.start() - model_at[k]  # any word of a code span: its placeholder
        index.append(max(bisect.bisect_right(starts, chunk_at[k] + inside) - 1, 0))
    alone = {chunks[k]: bisect.bisect_right(starts, chunk_at[k]) - 1 for k in range(len(chunks)) if not model[k]}
    return [(w, alone[w] if w in alone else index[i] if 0 <= i < len(index) else i) for w, i in words]


def _code_words(model: Sequence[str], codes: Sequence[int]) -> dict[int, tuple[int, int | None]]:
    """The source word each code chunk is in or, for an image (which the model does not read), the first
    word after it (the number of words for none), before which it goes; and, for an image inside a word
    (``voir![x](a.png).``), where in that word it is."""
    at = list(itertools.accumulate((len(c) for c in model[:-1]), initial=0))
    spans = [m.span() for m in re.finditer(r"\S+", "".join(model))]
    starts = [a for a, _ in spans]
    where: dict[int, tuple[int, int | None]] = {}
    for k in codes:
        w = bisect.bisect_right(starts, at[k]) - 1
        if model[k]:
            where[k] = (max(w, 0), None)
        elif w >= 0 and spans[w][0] <= at[k] <= spans[w][1]:  # glued to a word (before, inside or after it)
            where[k] = (w, at[k] - spans[w][0])
        else:
            where[k] = (w + 1, None)
    return where


def _glued(words: list[tuple[str, int]], model: Sequence[str], where: tuple[int, int | None],
           marker: Markers, mark: str) -> list[tuple[str, int]] | None:
    """``words`` with an image's placeholder (``mark``) back inside the word it was glued to (after the placeholders
    already there), where that word came back as it was; None otherwise."""
    w, inner = where
    if inner is None:
        return None
    source = re.findall(r"\S+", "".join(model))[w]
    for n, (text, i) in enumerate(words):
        if i == w and marker.unmark(text, []) == source:
            at = 0
            for _ in range(inner):  # past ``inner`` characters of the word, placeholders skipped
                at = marker.after(text, at) + 1
            at = marker.after(text, at)
            return [*words[:n], (text[:at] + mark + text[at:], i), *words[n + 1:]]
    return None


def _insert_near(words: list[tuple[str, int]], item: tuple[str, int], marker: Markers) -> list[tuple[str, int]]:
    """``words`` with ``item`` before the first word aligned with a later source word (after those aligned
    with its own or earlier ones), after the placeholders put there before it (their order kept)."""
    if not words:
        return [item]
    near = min(range(len(words)), key=lambda j: (abs(words[j][1] - item[1]), j))
    at = near if words[near][1] >= item[1] else near + 1
    while at < len(words) and words[at][1] == item[1] and not marker.unmark(words[at][0], []):
        at += 1
    return [*words[:at], item, *words[at:]]


def nest(segments: list[tuple[tuple[Wrap, ...], str]], carry: tuple[tuple[Wrap, ...], tuple[Wrap, ...]] = ((), ())
         ) -> list[tuple[tuple[Wrap, ...], str]]:
    """The segments' wrappers made to open once each: a wrapper covers every segment from its first to its
    last, wrappers that overlap are nested (two links, which cannot nest, are cut apart instead). The
    wrappers of ``carry`` are open before the first segment and after the last (an emphasis around a hard
    break or inline HTML, which end a sentence's text): they cover the first, or the last, segment too."""
    spans = _spans(segments)
    carried = {*carry[0], *carry[1]}
    last = len(segments) - 1
    for w in carry[0]:  # open before this text: from its start, around whatever else opens there
        end = max([b for v, (a, b) in spans.items() if a == 0 and v not in carried], default=0)
        spans[w] = [0, max(spans.get(w, [0, 0])[1], end)]
    for w in carry[1]:  # open after it: to its end, around whatever else is open there
        start = min([a for v, (a, b) in spans.items() if b == last and v not in carried], default=last)
        spans[w] = [min(spans[w][0] if w in spans else last, start), last]
    for _ in range(len(spans) ** 2 + 1):  # each pass cuts or widens a stretch
        pair = _first_clash(spans)
        if pair is None:
            break
        _part(*pair, spans)
    rank = {w: n for n, w in enumerate(spans)}
    opening: dict[int, list[Wrap]] = {}
    for w, (a, _) in spans.items():
        opening.setdefault(a, []).append(w)
    out: list[tuple[tuple[Wrap, ...], str]] = []
    active: set[Wrap] = set()
    for n, (stack, text) in enumerate(segments):  # one sweep: the wrappers open over each segment
        active = {w for w in active if spans[w][1] >= n} | set(opening.get(n, ()))
        mine = sorted(active, key=lambda w: (w not in carried, spans[w][0] - spans[w][1], rank[w]))
        out.append(((*mine, CODE) if CODE in stack else tuple(mine), text))
    return out


def _first_clash(spans: dict[Wrap, list[int]]) -> tuple[Wrap, Wrap] | None:
    """Two wrappers whose stretches clash (the first to start first), looking only at stretches that
    overlap: in start order, each against those that start before it ends (a paragraph's many links and
    emphases are mostly apart, so this is about linear)."""
    order = sorted(spans, key=lambda w: (spans[w][0], -spans[w][1]))
    for i, v in enumerate(order):
        for w in order[i + 1:]:
            if spans[w][0] > spans[v][1]:
                break
            if _clash(v, w, spans):
                return v, w
    return None


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
    if v[0] == "[" and w[0] != "[":  # a link is never widened (it could come to hold another): the other is
        spans[w][0] = a
    elif not _links(v, w):
        spans[v][1] = d
    elif a < c:
        spans[v][1] = c - 1
    else:  # one start: the inner link keeps its first segments, the outer one the rest (it has more)
        cut = min(d, b - 1)
        spans[w][1], spans[v][0] = cut, cut + 1


def flank(segments: list[tuple[tuple[Wrap, ...], str]]) -> list[tuple[tuple[Wrap, ...], str]]:
    """The segments with punctuation moved out of an emphasis where its marker, between punctuation and a
    letter, would not open or close it (CommonMark's flanking rules: ``*le&*le`` is no emphasis, ``*le*&le``
    is); a space parts an ``_`` emphasis from a letter against it (``le_le_`` is no emphasis). No visible
    character is added or lost; an emphasis keeps at least one character of its own."""
    stacks = [stack for stack, _ in segments]
    texts = [text for _, text in segments]
    for n in range(len(texts) - 1):
        left, right = stacks[n], stacks[n + 1]
        if _emphasis(right, left, "_") and texts[n][-1:].isalnum():  # "_" inside a word is no marker: a space
            texts[n] += " "
        if _emphasis(left, right, "_") and texts[n + 1][:1].isalnum():
            texts[n + 1] = " " + texts[n + 1]
        a, b = texts[n], texts[n + 1]
        if _emphasis(left, right) and a.rstrip() == a and b[:1].isalnum():
            tail = len(a) - len(a.rstrip(_PUNCTUATION))
            if 0 < tail < len(a.strip()):
                texts[n], texts[n + 1] = a[:-tail], a[-tail:] + b
        elif _emphasis(right, left) and b.lstrip() == b and a[-1:].isalnum():
            head = len(b) - len(b.lstrip(_PUNCTUATION))
            if 0 < head < len(b.strip()):
                texts[n], texts[n + 1] = a + b[:head], b[head:]
    return list(zip(stacks, texts))


def _emphasis(inside: tuple[Wrap, ...], outside: tuple[Wrap, ...], markers: str = "*_") -> bool:
    """Whether an emphasis (of one of ``markers``) of ``inside`` ends where ``outside`` begins."""
    return any(w[0][:1] and w[0][:1] in markers and w not in outside for w in inside if w != CODE)


def serialize(segments: list[tuple[tuple[Wrap, ...], str]], *, line_start: bool = False,
              carry: tuple[tuple[Wrap, ...], tuple[Wrap, ...]] = ((), ())) -> str:
    """Texts each inside its wrappers, opening and closing only what changes from one to the next.

    Spaces stay outside markers (CommonMark needs ``**bold**``, not ``** bold **``).
    All text is escaped, a code chunk's too (the model's words may land there): a code span or image is
    a placeholder here (:class:`Markers`), which escaping leaves alone and :meth:`Markers.unmark` replaces.
    A ``line_start`` text is also kept from starting a block. ``carry``: the wrappers already open before
    the first text, and those left open after the last, for the text beyond.
    """
    out: list[str] = []
    current: tuple[Wrap, ...] = carry[0]  # opened before this text, and closed after it, by its neighbours
    pending = ""  # the previous text's trailing spaces, which go after its closing markers
    for stack, text in segments:
        body = text.strip()
        lead = text[: len(text) - len(text.lstrip())]
        if not body:
            pending += text
            continue
        common = len(shared(current, stack))
        closing = "".join(w[1] for w in reversed(current[common:]))
        opening = "".join(w[0] for w in stack[common:])
        first = line_start and not out and not opening and not pending and not lead
        if closing and opening and closing[-1] == opening[0] and not pending + lead:
            lead = " "  # "**b**" then "*c*" would read as one run of markers, "**b***c*"
        out.append(closing + pending + lead + opening + escape(body, line_start=first))
        pending, current = text[len(text.rstrip()):], stack
    kept = len(shared(current, carry[1]))
    out.append("".join(w[1] for w in reversed(current[kept:])) + pending)
    return "".join(out)


def shared(a: tuple[Wrap, ...], b: tuple[Wrap, ...]) -> tuple[Wrap, ...]:
    """The wrappers ``a`` and ``b`` open alike, outermost first (a code chunk's mark, which writes nothing,
    is not one)."""
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n] and a[n] != CODE:
        n += 1
    return a[:n]


def escape(text: str, *, line_start: bool = False) -> str:
    """``text`` as Markdown text: what would be inline markup escaped, and, at the start of a line, what
    would start a list, a heading, a setext underline or a fence."""
    text = _ESCAPE.sub(lambda m: "\\" + m.group(0), text)
    return _LINE_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", text) if line_start else text
