"""Markdown, parsed with markdown-it-py (CommonMark): blocks kept, text translated, code and links untouched.

Only the lines of paragraphs and headings (also inside lists and block
quotes) change; everything else (code blocks, fences, raw HTML, tables, YAML
front matter, blank lines, list markers, quote markers) is copied byte for
byte. Inside a paragraph, code spans, link and image targets, autolinks and
inline HTML are kept as written (each child of a paragraph is found in its source). A paragraph's soft line breaks are joined, and a
sentence with emphasis, a link or inline code in it is translated whole,
the emphasis and link put back on the words the model aligns with them (see
:func:`translate_markdown`); an image stays in its sentence, kept as it is and
placed next to the words the model aligns with its neighbours. Raw inline HTML still cuts a sentence.
"""

from __future__ import annotations

import re
from typing import Any

from ..alignment import segments
from ..errors import InputError
from ..text import same_words
from .registry import register_format
from .base import Aligned, Translate, respace
from .markdown_write import CODE as _CODE, Markers, Wrap, fill, flank, nest, place_codes, reindex, serialize, shared

__all__ = ["translate_markdown", "markdown_text"]


_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n.*?^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M)
#: A line with its end, as markdown-it counts lines: CRLF, LF or a lone CR ends one.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_CONTAINER = re.compile(r"^[ \t>]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?(?:#{1,6}[ \t]+)?")
_ATX = re.compile(r"^[ \t>]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?#{1,6}(?:[ \t]|$)")
_EMPHASIS_OPEN = {"em_open", "strong_open", "s_open"}
_EMPHASIS_CLOSE = {"em_close", "strong_close", "s_close"}
#: Nesting levels markdown-it reads (a list or quote level is two): CommonMark's preset stops at 20, and
#: deeper text would be left untranslated without a word; deeper than this is refused.
_MAX_NESTING = 100


def _blocks(source: str) -> tuple[list[Any], int]:
    """The inline tokens to translate (not in tables) and the line the body starts at (after front matter)."""
    from markdown_it import MarkdownIt

    front = _FRONT_MATTER.match(source)
    offset = source[: front.end()].count("\n") if front else 0
    parser = MarkdownIt("commonmark", {"maxNesting": _MAX_NESTING}).enable("table")
    parser.disable("text_join")  # an escape or entity stays a token of its own, as written (text_special)
    tokens = parser.parse(source[front.end():] if front else source)
    if any(token.level >= _MAX_NESTING - 2 for token in tokens):  # markdown-it stops reading there: refuse
        raise InputError(f"this Markdown nests lists or quotes deeper than bilingua reads ({_MAX_NESTING // 2} levels)")
    inlines, in_table = [], False
    for token in tokens:
        in_table = (in_table or token.type == "table_open") and token.type != "table_close"
        if token.type == "inline" and token.map and not in_table and token.content.strip():
            inlines.append(token)
    return inlines, offset


Chunk = tuple[str, tuple[Wrap, ...]]  # text, and the wrappers open around it


_BREAK = re.compile(r"[ \t]*\\?\n[ \t]*")


def _written(content: str, children: list[Any]) -> list[str] | None:
    """Each inline child's text as written in ``content`` (the paragraph's source, line prefixes removed),
    so markup is written back as it was: a reference link stays one, a link target keeps its encoding, a
    title its quotes. ``None`` where the children cannot all be found in order (then they are rendered)."""
    at, out = 0, []
    for child in children:
        end = _child_end(content, at, child)
        if end is None:
            return None
        out.append(content[at:end])
        at = end
    return out if not content[at:].strip() else None


def _child_end(content: str, at: int, child: Any) -> int | None:
    """Where ``child``, which starts at ``at``, ends in ``content``; ``None`` when it is not there."""
    kind = child.type
    if kind in ("softbreak", "hardbreak"):
        m = _BREAK.match(content, at)
        return m.end() if m else None
    if kind == "link_open" and child.markup == "autolink":
        return at + 1 if content.startswith("<", at) else None
    if kind == "link_close" and child.markup == "autolink":
        return at + 1 if content.startswith(">", at) else None
    if kind == "text" and not content.startswith(child.content, at):  # an autolink's address, normalised
        end = content.find(">", at)
        return end if end > at and " " not in content[at:end] else None
    if kind in ("text", "html_inline"):
        return at + len(child.content)
    if kind == "code_inline":
        m = re.compile(rf"(?<!`){re.escape(child.markup)}(?!`)").search(content, at + len(child.markup))
        return m.end() if content.startswith(child.markup, at) and m else None
    if kind == "link_open":
        return at + 1 if content.startswith("[", at) else None
    if kind == "link_close":
        return _link_tail(content, at + 1) if content.startswith("]", at) else None
    if kind == "image":
        label = _label_end(content, at + 1) if content.startswith("![", at) else None
        return _link_tail(content, label) if label is not None else None
    markup = str(child.markup)  # emphasis, escapes and entities (text_special)
    return at + len(markup) if markup and content.startswith(markup, at) else None


def _label_end(content: str, at: int) -> int | None:
    """After the ``]`` that closes the ``[`` at ``at`` (brackets nest; a backslash escapes one)."""
    depth, i = 0, at
    while i < len(content):
        c = content[i]
        if c == "\\":
            i += 2
            continue
        depth += (c == "[") - (c == "]")
        i += 1
        if depth == 0:
            return i
    return None


def _link_tail(content: str, at: int) -> int | None:
    """After a link's destination part, which starts at ``at`` (just after its text's ``]``): ``(url
    "title")``, a reference ``[label]`` or ``[]``, or nothing (a shortcut reference)."""
    from markdown_it.helpers import parseLinkDestination, parseLinkTitle

    if content.startswith("[", at):
        return _label_end(content, at)
    if not content.startswith("(", at):
        return at
    i = _skip_space(content, at + 1)
    if i < len(content) and content[i] != ")":
        dest = parseLinkDestination(content, i, len(content))
        if not dest.ok:
            return None
        i = _skip_space(content, dest.pos)
        if i < len(content) and content[i] in "\"'(":
            title = parseLinkTitle(content, i, len(content))
            if not title.ok:
                return None
            i = _skip_space(content, title.pos)
    return i + 1 if content.startswith(")", i) else None


def _skip_space(content: str, i: int) -> int:
    while i < len(content) and content[i] in " \t\n":
        i += 1
    return i


def _close(children: list[Any], at: int, written: list[str]) -> str:
    """How the link opened at ``at`` closes, as written; a shortcut or collapsed reference (``[doc]``,
    ``[doc][]``), whose label is its text, names its label (``][doc]``): the translated text is no label."""
    end = _closing(children, at)
    close = written[end]
    return f"][{''.join(written[at + 1 : end])}]" if close in ("]", "][]") else close


def _closing(children: list[Any], at: int) -> int:
    """The index of the ``link_close`` of the ``link_open`` at ``at``."""
    depth = 0
    for k in range(at, len(children)):
        depth += (children[k].type == "link_open") - (children[k].type == "link_close")
        if depth == 0:
            return k
    return len(children) - 1


def _runs(inline: Any) -> list[Any]:
    """The children of an inline token as spans of text (lists of chunks) and markup kept as written.

    Emphasis, and a link around plain text, do not end a span: they are
    remembered with each chunk, so a sentence with an emphasised phrase or a
    link in it stays one span. A code span is a chunk of its own that is
    never translated, and so are an image and an autolink. Raw HTML and a
    hard break end a span.
    """
    parts: list[Any] = []
    stack: list[Wrap] = []
    links: list[tuple[bool, str]] = []  # each open link: written as it is (not a wrapper)?, and its close
    autolink = False
    children = inline.children or []
    written = _written(inline.content, children)

    def markup(n: int) -> str:  # as written where found, else rendered
        return written[n] if written is not None else _markup(children[n])

    skip = 0
    for n, child in enumerate(children):
        kind = child.type
        if skip:
            skip -= 1
            continue
        if kind == "link_open" and child.markup == "autolink" and n + 2 < len(children):
            # an autolink is part of the sentence (inside its emphasis), written as it is, like an image
            _open_span(parts).append(("".join(markup(n + j) for j in range(3)), (*stack, _CODE)))
            skip = 2
        elif kind in ("text", "text_special", "softbreak") and not autolink:
            _add_text(parts, " " if kind == "softbreak" else child.content, tuple(stack))
        elif kind in _EMPHASIS_OPEN:
            stack.append((str(child.markup), str(child.markup), n))
        elif kind in _EMPHASIS_CLOSE:
            if stack:
                stack.pop()
        elif kind == "link_open":
            autolink = child.markup == "autolink"
            _open_link(parts, stack, links, children, n, written)
        elif kind == "link_close":
            raw, closing = links.pop() if links else (True, "")
            if raw:
                parts.append(closing)
            elif stack:
                stack.pop()
            autolink = False
        elif kind == "text":  # the text of an autolink is its address
            parts.append(markup(n))
        elif kind == "code_inline" or (kind == "image" and "\n" not in markup(n)):
            # part of the sentence, but written as it is (an image written over two lines still ends it)
            _open_span(parts).append((markup(n), (*stack, _CODE)))
        elif kind == "hardbreak":
            parts.append(_markup(child))  # one form, "\\" then the line end, which the line prefixes follow
        else:
            parts.append(markup(n))
    return parts


def _open_link(parts: list[Any], stack: list[Wrap], links: list[tuple[bool, str]], children: list[Any], n: int,
               written: list[str] | None) -> None:
    """A link opening at child ``n``: a wrapper of the words it holds when it holds plain text, else markup
    written as it is (``links`` remembers which, and how it closes)."""
    child = children[n]
    autolink = child.markup == "autolink"
    raw = autolink or not _plain_link(children, n)
    close = ">" if autolink else _close(children, n, written) if written is not None else _link_target(child)
    links.append((raw, close))
    if raw:
        parts.append("<" if autolink else "[")
    else:
        stack.append(("[", close, n))


def _add_text(parts: list[Any], piece: str, stack: tuple[Wrap, ...]) -> None:
    """``piece`` at the end of the open span: in its last chunk when that has the same wrappers."""
    chunks = _open_span(parts)
    if chunks and chunks[-1][1] == stack:
        chunks[-1] = (chunks[-1][0] + piece, stack)
    else:
        chunks.append((piece, stack))


def _open_span(parts: list[Any]) -> list[Chunk]:
    """The span the next chunk goes into: the last part if it is a span, else a new one."""
    if not (parts and isinstance(parts[-1], list)):
        parts.append([])
    span: list[Chunk] = parts[-1]
    return span


def _plain_link(children: list[Any], at: int) -> bool:
    """Whether the link opening at ``at`` holds only text and emphasis (and some text)."""
    depth, text = 0, False
    for child in children[at + 1:]:
        if child.type == "link_close":
            if depth == 0:
                return text
            depth -= 1
        elif child.type == "link_open":
            depth += 1
        elif child.type == "text":
            text = text or bool(child.content.strip())
        elif child.type not in ("softbreak", *_EMPHASIS_OPEN, *_EMPHASIS_CLOSE):
            return False
    return False


def _link_target(child: Any) -> str:
    """``](href "title")``: how a link opened by ``child`` closes."""
    return f"]({child.attrs.get('href', '')}{_title(child)})"


def _title(child: Any) -> str:
    title = child.attrs.get("title")
    return f' "{title}"' if title else ""


def _markup(child: Any) -> str:
    if child.type == "code_inline":
        pad = " " if child.content.startswith("`") or child.content.endswith("`") else ""
        return f"{child.markup}{pad}{child.content}{pad}{child.markup}"
    if child.type == "image":
        return f"![{child.content}]({child.attrs.get('src', '')}{_title(child)})"
    if child.type == "hardbreak":
        return "\\\n"
    return str(child.content)  # html_inline and anything else: as written


def translate_markdown(source: str, translate: Translate, aligned: Aligned | None = None) -> str:
    """``source`` with the text of its paragraphs and headings translated; everything else as it was.

    With ``aligned`` (:meth:`Pipeline.translate_aligned`), a sentence with
    emphasis, a link or code in it is translated whole and the markup put on
    the words the model aligns with it; without, each stretch of one markup
    is translated on its own.
    """
    inlines, offset = _blocks(source)
    runs = [_runs(inline) for inline in inlines]
    spans = [part for parts in runs for part in parts if isinstance(part, list)]
    whole = [s for s in spans if aligned is not None and sum(bool(t.strip()) for t, _ in s) > 1
             and "".join(_for_model(t, stack) for t, stack in s).strip()]  # words for the model to read
    starts = {id(p) for parts in runs for n, p in enumerate(parts)
              if isinstance(p, list) and (n == 0 or str(parts[n - 1]).endswith("\n"))}
    rendered_spans, same = _render_spans(spans, whole, starts, _carried(runs), translate, aligned)
    lines = _LINE.findall(source)
    rendered = []
    for inline, parts in zip(inlines, runs):
        if all(id(p) in same for p in parts if isinstance(p, list)):
            continue  # its text came back as it was: its lines stay as written (escapes, breaks, link forms)
        rendered.append((inline, "".join(rendered_spans[id(p)] if isinstance(p, list) else p for p in parts)))
    for inline, body in reversed(rendered):  # from the end, so that earlier line numbers stay valid
        start, stop = inline.map[0] + offset, inline.map[1] + offset
        first = lines[start]
        head = inline.content.split("\n", 1)[0]
        at = first.find(head) if head else -1
        prefix = first[:at] if at >= 0 else _CONTAINER.match(first).group(0)  # type: ignore[union-attr]
        end = lines[stop - 1][len(lines[stop - 1].rstrip("\r\n")):]
        tail = _closing_hashes(first, head)
        if _ATX.match(first):  # a heading's text must not end in what reads as its closing #s
            body = re.sub(r"(^|\s)(#+\s*)$", r"\1\\\2", body)
        lines[start:stop] = [prefix + body.replace("\\\n", "\\\n" + re.sub(r"[^>\s]", " ", prefix)) + tail + end]
    return "".join(lines)


def _carried(runs: list[list[Any]]) -> dict[int, tuple[tuple[Wrap, ...], tuple[Wrap, ...]]]:
    """For each span, the wrappers open across the markup before it and after it (an emphasis around a hard
    break or inline HTML): those it neither opens nor closes itself."""
    carry: dict[int, tuple[tuple[Wrap, ...], tuple[Wrap, ...]]] = {}
    for parts in runs:
        spans = [p for p in parts if isinstance(p, list)]
        for n, span in enumerate(spans):
            before = shared(spans[n - 1][-1][1], span[0][1]) if n else ()
            after = shared(span[-1][1], spans[n + 1][0][1]) if n + 1 < len(spans) else ()
            carry[id(span)] = (before, after)
    return carry


def _render_spans(spans: list[Any], whole: list[Any], starts: set[int], carry: dict[int, Any], translate: Translate,
                  aligned: Aligned | None) -> tuple[dict[int, str], set[int]]:
    """Each span's Markdown, translated: by chunk, or (spans in ``whole``) in whole sentences with alignment;
    and the spans whose every chunk came back with its own words, in its place (nothing to rewrite).
    A span in ``starts`` begins a line, where text must not start a block; ``carry``: see :func:`_carried`."""
    together = {id(s) for s in whole}
    chunked = [c for s in spans if id(s) not in together for c in s if " ".join(c[0].split()) and _CODE not in c[1]]
    done = iter(translate([" ".join(t.split()) for t, _ in chunked]) if chunked else [])
    out: dict[int, str] = {}
    same: set[int] = set()
    for span in spans:
        if id(span) not in together:
            marker = Markers([t for t, _ in span])
            texts = [marker(k) if _CODE in stack else respace(t, next(done)) if t.strip() else t
                     for k, (t, stack) in enumerate(span)]
            written = serialize([(stack, text) for (_, stack), text in zip(span, texts)], line_start=id(span) in starts,
                                carry=carry[id(span)])
            out[id(span)] = marker.unmark(written, [t for t, _ in span])
            texts = [t if _CODE in stack else text for (t, stack), text in zip(span, texts)]
            if all(same_words(text, t) for (t, _), text in zip(span, texts)):
                same.add(id(span))
    words = aligned(["".join(_for_model(t, stack) for t, stack in s) for s in whole]) if whole and aligned is not None else []
    for span, span_words in zip(whole, words):
        text, kept = _placed(span, span_words, line_start=id(span) in starts, carry=carry[id(span)])
        out[id(span)] = text
        if kept:
            same.add(id(span))
    return out, same


def _placed(span: list[Chunk], words: list[tuple[str, int]], *, line_start: bool,
            carry: tuple[tuple[Wrap, ...], tuple[Wrap, ...]]) -> tuple[str, bool]:
    """A span translated whole, as Markdown: its code spans and images each once, its other formattings on
    the words aligned with them (each once); and whether every chunk came back as it was, in its place."""
    model = [_for_model(t, stack) for t, stack in span]  # the words the model read
    codes = [k for k, (_, stack) in enumerate(span) if _CODE in stack]
    marker = Markers([*model, *(w for w, _ in words)])
    chunks = [marker(k) if k in codes else text for k, text in enumerate(model)]
    cut = segments(chunks, reindex(model, chunks, place_codes(model, codes, words, marker)))
    own = [k for k, c in enumerate(chunks) if c.split()]
    kept = [k for k, _ in cut] == own and all(same_words(text, chunks[k]) for k, text in cut)
    cut = fill(cut, [stack for _, stack in span], marker)
    written = serialize(flank(nest([(span[k][1], text) for k, text in cut], carry)), line_start=line_start,
                        carry=carry)
    return marker.unmark(written, [t for t, _ in span]), kept


def _for_model(text: str, stack: tuple[Wrap, ...]) -> str:
    """A chunk as the model reads it. An image or autolink is not read at all (its markup is not the model's
    to read, and a stand-in word could be mangled into the text): it goes back next to the words around it
    (:func:`~.markdown_write.place_codes`)."""
    return "" if _CODE in stack and not text.startswith("`") else text


def _closing_hashes(first: str, head: str) -> str:
    """The optional closing #s of an ATX heading line, kept."""
    stripped = first.rstrip("\r\n")
    closing = re.search(r"[ \t]+#+[ \t]*$", stripped)
    return closing.group(0) if closing and head and stripped.startswith(("#", " #")) else ""


def markdown_text(source: str) -> str:
    """The text of a Markdown document's paragraphs and headings, one per line."""
    inlines, _ = _blocks(source)
    return "\n".join(" ".join(" ".join(t for part in _runs(i) if isinstance(part, list) for t, stack in part
                                      if _CODE not in stack).split()) for i in inlines)


register_format("markdown", extensions=(".md", ".markdown"), translate=translate_markdown, text=markdown_text)
