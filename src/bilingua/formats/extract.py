"""The main article of a web page, without its menus, links lists and footers (trafilatura)."""

from __future__ import annotations

import logging

from ..errors import optional_import

__all__ = ["main_article"]

logger = logging.getLogger("bilingua")


def main_article(page: str, *, markdown: bool = False) -> str | None:
    """The article text of an HTML page (as Markdown if asked), or None when trafilatura finds none."""
    trafilatura = optional_import("trafilatura", "extracting the article of a web page", package="trafilatura")
    text = trafilatura.extract(page, output_format="markdown" if markdown else "txt", include_comments=False,
                               include_tables=True, favor_precision=True)
    if not text or not text.strip():
        logger.warning("no main article found in the page; using all of its text")
        return None
    return str(text)
