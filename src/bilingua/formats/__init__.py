"""Documents in their own formats: the text is translated, the structure is kept.

Each format is a function ``(source, translate, aligned) -> translated source``
(see :mod:`bilingua.formats.base`); :data:`FORMATS` and :data:`BINARY_FORMATS`
name them, and :data:`EXTENSIONS` maps file extensions to names.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import InputError
from .base import Aligned, Translate
from .docx import docx_text, translate_docx
from .extract import main_article
from .html import html_text, translate_html
from .markdown import markdown_text, translate_markdown
from .subtitles import cue_text, translate_srt, translate_vtt

__all__ = ["main_article", "extract_article", "FORMATS", "BINARY_FORMATS", "ALL_FORMATS", "EXTENSIONS", "docx_text", "format_of", "translate_formatted", "plain_text", "translate_html"]


#: ``(source, translate, aligned) -> translated source``; ``aligned`` is :meth:`Pipeline.translate_aligned`
#: (whole sentences with word alignment), which formats with inline markup use.
FORMATS: dict[str, Callable[[str, Translate, Aligned | None], str] | None] = {
    "text": None,  # plain text is the pipeline's own: lines, paragraphs and lists kept
    "html": translate_html,
    "markdown": translate_markdown,
    "srt": translate_srt,
    "vtt": translate_vtt,
}
#: Formats whose files are bytes, not text: ``(bytes, translate, aligned=translate_aligned) -> bytes``.
BINARY_FORMATS: dict[str, Callable[..., bytes]] = {"docx": translate_docx}
ALL_FORMATS = (*FORMATS, *BINARY_FORMATS)
EXTENSIONS = {
    ".txt": "text", ".text": "text", ".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown",
    ".srt": "srt", ".vtt": "vtt", ".docx": "docx",
}


def format_of(path: str | Path | None, forced: str | None = None) -> str:
    """The format given, or the one a file's extension names; plain text otherwise."""
    if forced is not None:
        if forced not in ALL_FORMATS:
            raise InputError(f"format must be one of {', '.join(ALL_FORMATS)}; got {forced!r}")
        return forced
    return EXTENSIONS.get(Path(path).suffix.lower(), "text") if path else "text"


def translate_formatted(source: str, form: str, translate: Translate, aligned: Aligned | None = None) -> str:
    """``source`` in format ``form`` (not ``text``) with its text translated and its structure kept."""
    form = format_of(None, form)
    if form in BINARY_FORMATS:
        raise InputError(f"a {form} document is bytes, not text: use translate_file()")
    handler = FORMATS[form]
    if handler is None:
        raise InputError("plain text is translated by the pipeline itself")
    return handler(source, translate, aligned)


def extract_article(page: str, translate: Translate) -> str:
    """The main article of a web page, as Markdown, translated (its text only: menus and footers left out)."""
    article = main_article(page, markdown=True)
    if article is None:
        article = html_text(page)
    return translate_markdown(article, translate)  # trafilatura leaves inline formatting out: nothing to align


def plain_text(source: str | bytes, form: str) -> str:
    """The text a document holds, one block per line (what a summary is made from); a ``docx`` is bytes."""
    form = format_of(None, form)
    if isinstance(source, bytes) != (form in BINARY_FORMATS):
        raise TypeError(f"a {form} document is {'bytes' if form in BINARY_FORMATS else 'text'}")
    if isinstance(source, bytes):
        return docx_text(source)
    if form == "html":  # a web page: its main article, not its menus and footers
        return main_article(source) or html_text(source)
    if form == "markdown":
        return markdown_text(source)
    if form in ("srt", "vtt"):
        return cue_text(source, form)
    return source
