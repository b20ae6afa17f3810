"""What the writers do not keep yet under reordering: documents the generated laws pass over, by name.

Each limit is a class of input, found by the laws, that a reordering engine
can still break, with the reason. The generated laws skip such documents
(``hypothesis.assume``) so that they keep checking everything else; each
limit also has a named test in ``tests/test_laws.py`` marked
``xfail(strict=True)``, which fails the day the limit is lifted, and the
documents page lists them. A limit is a debt, not a rule: it never covers
identity (every document must come back unchanged) or crashing.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LIMITS", "limit_of"]

#: name -> why it is not kept yet.
LIMITS = {
    "markdown-emphasis-across-a-break": (
        "an emphasis around a hard break or raw inline HTML is written as two stretches of text, one on each "
        "side; when reordered words cross the break, one of them can open the emphasis a second time"),
    "markdown-literal-delimiters": (
        "literal * or _ glued to an emphasis (*****Hello*world****) are escaped when the paragraph is written "
        "again, which changes how CommonMark pairs the markers left"),
}


def limit_of(form: str, document: Any) -> str | None:
    """The name of the limit ``document`` falls under, or None."""
    if form != "markdown" or not isinstance(document, str):
        return None
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"maxNesting": 100}).enable("table")
    parser.disable("text_join")
    for token in parser.parse(document):
        children = token.children or []
        depth = 0
        for n, child in enumerate(children):
            depth += child.type.endswith("_open") and child.type != "link_open"
            depth -= child.type.endswith("_close") and child.type != "link_close"
            if depth > 0 and child.type in ("hardbreak", "html_inline"):
                return "markdown-emphasis-across-a-break"
            if child.type == "text" and child.content and set(child.content) <= set("*_") and any(
                    c.type.startswith(("em_", "strong_")) for c in children[max(n - 1, 0):n + 2]):
                return "markdown-literal-delimiters"
    return None

