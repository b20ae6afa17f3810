"""Documents in their own formats: the text is translated, the structure is kept.

Each format is a function ``(source, translate) -> translated source`` where
``translate`` translates a list of texts in one pass (so their sentences
share batches); :data:`FORMATS` names them, and :data:`EXTENSIONS` maps file
extensions to names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from .html import html_text, translate_html
from .markdown import markdown_text, translate_markdown
from .subtitles import cue_text, translate_srt, translate_vtt

__all__ = ["FORMATS", "EXTENSIONS", "format_of", "translate_formatted", "plain_text", "translate_html"]

Translate = Callable[[Sequence[str]], list[str]]

FORMATS: dict[str, Callable[[str, Translate], str] | None] = {
    "text": None,  # plain text is the pipeline's own: lines, paragraphs and lists kept
    "html": translate_html,
    "markdown": translate_markdown,
    "srt": translate_srt,
    "vtt": translate_vtt,
}
EXTENSIONS = {
    ".txt": "text", ".text": "text", ".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown",
    ".srt": "srt", ".vtt": "vtt",
}


def format_of(path: str | Path | None, forced: str | None = None) -> str:
    """The format given, or the one a file's extension names; plain text otherwise."""
    if forced is not None:
        if forced not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}; got {forced!r}")
        return forced
    return EXTENSIONS.get(Path(path).suffix.lower(), "text") if path else "text"


def translate_formatted(source: str, form: str, translate: Translate) -> str:
    """``source`` in format ``form`` (not ``text``) with its text translated and its structure kept."""
    handler = FORMATS[format_of(None, form)]
    if handler is None:
        raise ValueError("plain text is translated by the pipeline itself")
    return handler(source, translate)


def plain_text(source: str, form: str) -> str:
    """The text a document holds, one block per line (what a summary is made from)."""
    form = format_of(None, form)
    if form == "html":
        return html_text(source)
    if form == "markdown":
        return markdown_text(source)
    if form in ("srt", "vtt"):
        return cue_text(source, form)
    return source
