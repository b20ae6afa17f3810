"""Documents in their own formats: the text is translated, the markup is kept."""

from __future__ import annotations

from .html import translate_html

__all__ = ["FORMATS", "translate_html"]

#: Formats a text may be given in (the service's ``format`` parameter).
FORMATS = ("text", "html")
