"""Word documents (.docx, with python-docx): every paragraph keeps its style, every run its formatting.

The paragraphs of the body, of tables (nested ones too) and of every
section's headers and footers are translated. Inside a paragraph, adjacent
runs with the same formatting form one piece of text, translated as a unit
(Word cuts runs at every edit, so a paragraph of one formatting is
translated in whole sentences); a hyperlink is a piece of its own and stays
a hyperlink. A piece's translation goes into its first run, and the other
runs of the piece are emptied, so bold, italic and links stay on their text.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ..errors import InputError

__all__ = ["translate_docx", "docx_text"]

Translate = Callable[[Sequence[str]], list[str]]


def _open(data: bytes) -> Any:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        return docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise InputError(f"this is not a valid .docx file ({exc or type(exc).__name__})") from None


def _paragraphs(document: Any) -> Iterator[Any]:
    """Every paragraph: body, tables (nested), and each section's headers and footers."""

    def in_part(part: Any) -> Iterator[Any]:
        yield from part.paragraphs
        for table in part.tables:
            for row in table.rows:
                for cell in row.cells:
                    yield from in_part(cell)

    yield from in_part(document)
    seen = set()
    for section in document.sections:
        for part in (section.header, section.footer, section.first_page_header, section.first_page_footer,
                     section.even_page_header, section.even_page_footer):
            if not part.is_linked_to_previous and id(part._element) not in seen:
                seen.add(id(part._element))
                yield from in_part(part)


def _pieces(paragraph: Any) -> list[list[Any]]:
    """The paragraph's runs in pieces: adjacent runs of one formatting together, each hyperlink alone."""
    from docx.text.hyperlink import Hyperlink

    pieces: list[list[Any]] = []
    last_key: object = None
    for item in paragraph.iter_inner_content():
        if isinstance(item, Hyperlink):
            if item.runs:
                pieces.append(list(item.runs))
            last_key = None
            continue
        rpr = item._r.rPr
        key = rpr.xml if rpr is not None else ""
        if pieces and key == last_key:
            pieces[-1].append(item)
        else:
            pieces.append([item])
        last_key = key
    return pieces


def translate_docx(data: bytes, translate: Translate) -> bytes:
    """A .docx file's bytes with its text translated; styles, formatting, links, tables kept."""
    document = _open(data)
    pieces = [piece for paragraph in _paragraphs(document) for piece in _pieces(paragraph)]
    texts = ["".join(run.text for run in piece) for piece in pieces]
    todo = [i for i, text in enumerate(texts) if text.strip()]
    done = translate([" ".join(texts[i].split()) for i in todo]) if todo else []
    for i, translation in zip(todo, done):
        raw = texts[i]
        lead = raw[: len(raw) - len(raw.lstrip())]
        trail = raw[len(raw.rstrip()):]
        first, *rest = pieces[i]
        first.text = lead + translation.strip() + trail
        for run in rest:
            run.text = ""
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_text(data: bytes) -> str:
    """The text of a .docx file, a paragraph per line."""
    return "\n".join(p.text for p in _paragraphs(_open(data)) if p.text.strip())
