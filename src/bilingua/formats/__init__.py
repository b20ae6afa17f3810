"""Documents in their own formats: the text is translated, the structure is kept.

Each format module registers itself in :mod:`bilingua.formats.registry`
(name, extensions, binary or text, a translate function and a text
function); importing this package registers them all. Plain text is a
format too: its translation is the pipeline's own (lines, paragraphs and
lists kept).
"""

from __future__ import annotations

from ..errors import InputError
from . import docx, html, markdown, subtitles  # noqa: F401  (each registers its format)
from ..text import lines_with_ends
from .base import Aligned, Notes, Translate, respace
from .extract import main_article
from .html import html_text
from .markdown import translate_markdown
from .registry import FORMATS, Format, format_of, formats, get_format, register_format

__all__ = ["FORMATS", "Format", "register_format", "get_format", "format_of", "formats", "translate_document",
           "extract_article", "plain_text", "main_article"]


def _plain(source: str, translate: Translate, aligned: Aligned | None = None) -> str:
    """Plain text through any ``translate``: each non-blank line on its own, line ends kept. (The pipeline
    translates plain text itself, with its lists, paragraphs and re-flow: see :meth:`Pipeline.translate`.)"""
    lines = lines_with_ends(source)
    done = iter(translate([line for line, _ in lines if line.strip()]))
    return "".join((respace(line, next(done)) if line.strip() else line) + end for line, end in lines)


register_format("text", extensions=(".txt", ".text"), translate=_plain, text=str)


def translate_document(document: str | bytes, form: str, translate: Translate, aligned: Aligned | None = None,
                       *, extract: bool = False, notes: Notes | None = None) -> str | bytes:
    """``document`` in format ``form`` with its text translated and its structure kept.

    A binary format's document is bytes, any other's text. ``extract=True``
    takes a web page's main article only and gives it, translated, as Markdown.
    ``notes`` (formats with comments: ``docx``) comments each paragraph with what to check in it.
    """
    fmt = get_format(form)
    if extract and fmt.name != "html":
        raise InputError("extract takes a web page (html)")
    if notes is not None and not fmt.comments:
        raise InputError(f"a {fmt.name} document cannot carry comments; {', '.join(formats(comments=True))} can")
    fmt.check(document)
    if extract:
        return extract_article(str(document), translate)
    if notes is not None:
        return fmt.translate(document, translate, aligned, notes=notes)  # type: ignore[no-any-return]
    return fmt.translate(document, translate, aligned)  # type: ignore[no-any-return]


def extract_article(page: str, translate: Translate) -> str:
    """The main article of a web page, as Markdown, translated (its text only: menus and footers left out)."""
    article = main_article(page, markdown=True)
    if article is None:
        article = html_text(page)
    return translate_markdown(article, translate)  # trafilatura leaves inline formatting out: nothing to align


def plain_text(source: str | bytes, form: str) -> str:
    """The text a document holds, one block per line (what a summary is made from); a web page's main article."""
    fmt = get_format(form)
    fmt.check(source)
    if fmt.name == "html":  # a web page: its main article, not its menus and footers
        return main_article(str(source)) or html_text(str(source))
    return fmt.text(source)
