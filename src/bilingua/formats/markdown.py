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

__all__ = ["translate_markdown", "markdown_text"]

Translate = Callable[[Sequence[str]], list[str]]

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n.*?^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M)
_LINE = re.compile(r"[^\n]*\n|[^\n]+")
_ESCAPE = re.compile(r"([\\`*_\[\]<>])")
_CONTAINER = re.compile(r"^[ \t>]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?(?:#{1,6}[ \t]+)?")
_MARKUP = {"em_open", "em_close", "strong_open", "strong_close", "s_open", "s_close"}


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


def _runs(inline: Any) -> list[Any]:
    """The children of an inline token as text runs (lists of words' pieces) and markup (strings)."""
    parts: list[Any] = []
    autolink = False
    for child in inline.children or []:
        kind = child.type
        if kind in ("text", "softbreak") and not autolink:
            piece = child.content if kind == "text" else " "
            if parts and isinstance(parts[-1], list):
                parts[-1].append(piece)
            else:
                parts.append([piece])
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
    if child.type in _MARKUP:
        return str(child.markup)
    if child.type == "code_inline":
        pad = " " if child.content.startswith("`") or child.content.endswith("`") else ""
        return f"{child.markup}{pad}{child.content}{pad}{child.markup}"
    if child.type == "image":
        title = child.attrs.get("title")
        return f"![{child.content}]({child.attrs.get('src', '')}{f' {chr(34)}{title}{chr(34)}' if title else ''})"
    if child.type == "hardbreak":
        return "\\\n"
    return str(child.content)  # html_inline and anything else: as written


def translate_markdown(source: str, translate: Translate) -> str:
    """``source`` with the text of its paragraphs and headings translated; everything else as it was."""
    inlines, offset = _blocks(source)
    runs = [_runs(inline) for inline in inlines]
    texts = [" ".join("".join(part).split()) for parts in runs for part in parts if isinstance(part, list)]
    done = iter(translate([t for t in texts if t]) if any(texts) else [])
    lines = _LINE.findall(source)
    rendered = []
    for inline, parts in zip(inlines, runs):
        out = []
        for part in parts:
            if isinstance(part, list):
                raw = "".join(part)
                if not raw.strip():
                    out.append(raw)
                    continue
                lead = " " if raw[:1].isspace() else ""  # the spaces that separate it from markup
                trail = " " if raw[-1:].isspace() else ""
                out.append(lead + _ESCAPE.sub(r"\\\1", next(done).strip()) + trail)
            else:
                out.append(part)
        rendered.append((inline, "".join(out)))
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


def _closing_hashes(first: str, head: str) -> str:
    """The optional closing #s of an ATX heading line, kept."""
    stripped = first.rstrip("\r\n")
    closing = re.search(r"[ \t]+#+[ \t]*$", stripped)
    return closing.group(0) if closing and head and stripped.startswith(("#", " #")) else ""


def markdown_text(source: str) -> str:
    """The text of a Markdown document's paragraphs and headings, one per line."""
    inlines, _ = _blocks(source)
    return "\n".join(" ".join(" ".join("".join(part) for part in _runs(i) if isinstance(part, list)).split())
                     for i in inlines)
