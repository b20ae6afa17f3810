"""Markdown, parsed with markdown-it-py (CommonMark): blocks kept, text translated, code and links untouched.

Only the lines of paragraphs and headings (also inside lists and block
quotes) change; everything else (code blocks, fences, raw HTML, tables, YAML
front matter, blank lines, list markers, quote markers) is copied byte for
byte. Inside a paragraph, code spans, link and image targets, autolinks and
inline HTML are kept, and emphasis and link text stay around their words. A
run of text between two pieces of markup is translated as a unit, so a
paragraph without inline markup is translated in whole sentences (its soft
line breaks joined), but a sentence cut by emphasis or a link is
translated in pieces.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from ..alignment import grouped, source_groups

__all__ = ["translate_markdown", "markdown_text"]

Translate = Callable[[Sequence[str]], list[str]]
Aligned = Callable[[list[str]], list[list[tuple[str, int]]]]

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n.*?^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M)
_LINE = re.compile(r"[^\n]*\n|[^\n]+")
_ESCAPE = re.compile(r"([\\`*_\[\]<>])")
_CONTAINER = re.compile(r"^[ \t>]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?(?:#{1,6}[ \t]+)?")
_EMPHASIS_OPEN = {"em_open", "strong_open", "s_open"}
_EMPHASIS_CLOSE = {"em_close", "strong_close", "s_close"}


def _blocks(source: str) -> tuple[list[Any], int]:
    """The inline tokens to translate (not in tables) and the line the body starts at (after front matter)."""
    from markdown_it import MarkdownIt

    front = _FRONT_MATTER.match(source)
    offset = source[: front.end()].count("\n") if front else 0
    tokens = MarkdownIt("commonmark").enable("table").parse(source[front.end():] if front else source)
    inlines, in_table = [], False
    for token in tokens:
        in_table = (in_table or token.type == "table_open") and token.type != "table_close"
        if token.type == "inline" and token.map and not in_table and token.content.strip():
            inlines.append(token)
    return inlines, offset


Chunk = tuple[str, tuple[str, ...]]  # text, and the emphasis markers open around it


def _runs(inline: Any) -> list[Any]:
    """The children of an inline token as spans of text (lists of chunks) and markup kept as written.

    Emphasis does not end a span: it is remembered with each chunk, so a
    sentence with an emphasised phrase stays one span.
    """
    parts: list[Any] = []
    stack: list[str] = []
    autolink = False
    for child in inline.children or []:
        kind = child.type
        if kind in ("text", "softbreak") and not autolink:
            piece = child.content if kind == "text" else " "
            if not (parts and isinstance(parts[-1], list)):
                parts.append([])
            chunks: list[Chunk] = parts[-1]
            if chunks and chunks[-1][1] == tuple(stack):
                chunks[-1] = (chunks[-1][0] + piece, chunks[-1][1])
            else:
                chunks.append((piece, tuple(stack)))
        elif kind in _EMPHASIS_OPEN:
            stack.append(str(child.markup))
        elif kind in _EMPHASIS_CLOSE:
            if stack:
                stack.pop()
        elif kind == "link_open":
            autolink = child.markup == "autolink"
            parts.append("<" if autolink else "[")
        elif kind == "link_close":
            href, title = child_attrs(inline, child)
            parts.append(">" if autolink else f"]({href}{title})")
            autolink = False
        elif kind == "text":  # the text of an autolink is its address
            parts.append(child.content)
        else:
            parts.append(_markup(child))
    return parts


def child_attrs(inline: Any, close: Any) -> tuple[str, str]:
    """The target and title of the link that ``close`` ends."""
    children = inline.children
    depth = 0
    for child in reversed(children[: children.index(close)]):
        if child.type == "link_close":
            depth += 1
        elif child.type == "link_open":
            if depth == 0:
                title = child.attrs.get("title")
                return str(child.attrs.get("href", "")), f' "{title}"' if title else ""
            depth -= 1
    return "", ""


def _markup(child: Any) -> str:
    if child.type == "code_inline":
        pad = " " if child.content.startswith("`") or child.content.endswith("`") else ""
        return f"{child.markup}{pad}{child.content}{pad}{child.markup}"
    if child.type == "image":
        title = child.attrs.get("title")
        return f"![{child.content}]({child.attrs.get('src', '')}{f' {chr(34)}{title}{chr(34)}' if title else ''})"
    if child.type == "hardbreak":
        return "\\\n"
    return str(child.content)  # html_inline and anything else: as written


def translate_markdown(source: str, translate: Translate, aligned: Aligned | None = None) -> str:
    """``source`` with the text of its paragraphs and headings translated; everything else as it was.

    With ``aligned`` (:meth:`Pipeline.translate_aligned`), a sentence with
    emphasis in it is translated whole and the emphasis put on the words the
    model aligns with the emphasised ones; without, each emphasised stretch
    is translated on its own.
    """
    inlines, offset = _blocks(source)
    runs = [_runs(inline) for inline in inlines]
    spans = [part for parts in runs for part in parts if isinstance(part, list)]
    whole = [s for s in spans if aligned is not None and sum(bool(t.strip()) for t, _ in s) > 1]
    rendered_spans = _render_spans(spans, whole, translate, aligned)
    lines = _LINE.findall(source)
    rendered = []
    for inline, parts in zip(inlines, runs):
        rendered.append((inline, "".join(rendered_spans[id(p)] if isinstance(p, list) else p for p in parts)))
    for inline, body in reversed(rendered):  # from the end, so that earlier line numbers stay valid
        start, stop = inline.map[0] + offset, inline.map[1] + offset
        first = lines[start]
        head = inline.content.split("\n", 1)[0]
        at = first.find(head) if head else -1
        prefix = first[:at] if at >= 0 else _CONTAINER.match(first).group(0)  # type: ignore[union-attr]
        end = "\r\n" if lines[stop - 1].endswith("\r\n") else "\n" if lines[stop - 1].endswith("\n") else ""
        tail = _closing_hashes(first, head)
        lines[start:stop] = [prefix + body.replace("\\\n", "\\\n" + re.sub(r"[^>\s]", " ", prefix)) + tail + end]
    return "".join(lines)


def _render_spans(spans: list[Any], whole: list[Any], translate: Translate, aligned: Aligned | None) -> dict[int, str]:
    """Each span's Markdown, translated: by chunk, or (spans in ``whole``) in whole sentences with alignment."""
    chunked = [c for s in spans if not any(s is w for w in whole) for c in s if " ".join(c[0].split())]
    done = iter(translate([" ".join(t.split()) for t, _ in chunked]) if chunked else [])
    out: dict[int, str] = {}
    for span in spans:
        if not any(span is w for w in whole):
            out[id(span)] = "".join(_emphasised(t, stack, next(done) if t.strip() else "") for t, stack in span)
    words = aligned(["".join(t for t, _ in s) for s in whole]) if whole and aligned is not None else []
    for span, span_words in zip(whole, words):
        raw = "".join(t for t, _ in span)
        segments = grouped(span_words, source_groups([t for t, _ in span]))
        body = " ".join(_emphasised(" ".join(seg), span[k][1], " ".join(seg)) for k, seg in segments)
        out[id(span)] = raw[: len(raw) - len(raw.lstrip())] + body + raw[len(raw.rstrip()):]
    return out


def _emphasised(raw: str, stack: tuple[str, ...], translation: str) -> str:
    """A translated chunk inside its emphasis markers, with the chunk's outer spaces outside them."""
    if not raw.strip():
        return raw
    lead = " " if raw[:1].isspace() else ""
    trail = " " if raw[-1:].isspace() else ""
    return lead + "".join(stack) + _ESCAPE.sub(r"\\\1", translation.strip()) + "".join(reversed(stack)) + trail


def _closing_hashes(first: str, head: str) -> str:
    """The optional closing #s of an ATX heading line, kept."""
    stripped = first.rstrip("\r\n")
    closing = re.search(r"[ \t]+#+[ \t]*$", stripped)
    return closing.group(0) if closing and head and stripped.startswith(("#", " #")) else ""


def markdown_text(source: str) -> str:
    """The text of a Markdown document's paragraphs and headings, one per line."""
    inlines, _ = _blocks(source)
    return "\n".join(" ".join(" ".join(t for part in _runs(i) if isinstance(part, list) for t, _ in part).split())
                     for i in inlines)
