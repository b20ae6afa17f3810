"""Word documents (.docx, with python-docx): every paragraph keeps its style, every run its formatting.

The paragraphs of the body, of tables (nested ones too), of every
section's headers and footers, of text boxes, and of footnotes and endnotes
are translated. Inside a paragraph, adjacent
runs with the same formatting form one piece (Word cuts runs at every edit),
and a hyperlink is a piece of its own. A paragraph of several pieces (a
bold phrase or a link inside a sentence) is translated in whole sentences,
and each piece's formatting, or link, is given to the translated words the
model aligns with its source words (:mod:`bilingua.alignment`).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

from ..alignment import segments
from ..text import same_words
from ..errors import InputError
from .registry import register_format
from .base import Aligned, Translate, respace

__all__ = ["translate_docx", "docx_text"]



def _open(data: bytes) -> Any:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        return docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise InputError(f"this is not a valid .docx file ({exc or type(exc).__name__})") from None


def _paragraphs(document: Any) -> Iterator[Any]:
    """Every paragraph: body, tables (nested), each section's headers and footers, and text boxes."""

    def in_part(part: Any) -> Iterator[Any]:
        yield from part.paragraphs
        for table in part.tables:
            for row in table.rows:
                for cell in row.cells:
                    yield from in_part(cell)

    yield from in_part(document)
    stories = [document]
    seen = set()
    for section in document.sections:
        for part in (section.header, section.footer, section.first_page_header, section.first_page_footer,
                     section.even_page_header, section.even_page_footer):
            if not part.is_linked_to_previous and id(part._element) not in seen:
                seen.add(id(part._element))
                stories.append(part)
                yield from in_part(part)
    yield from _text_boxes(stories)


def _text_boxes(stories: list[Any]) -> Iterator[Any]:
    """The paragraphs inside text boxes (Word's drawing and its VML fallback each hold a copy)."""
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    seen: set[Any] = set()  # a box inside a box: its paragraphs come once
    for story in stories:
        for box in story._element.iter(qn("w:txbxContent")):
            for p in box.iter(qn("w:p")):
                if p not in seen:
                    seen.add(p)
                    yield Paragraph(p, story)


def _notes(document: Any) -> list[tuple[Any, Any]]:
    """The footnotes and endnotes parts, each with its XML tree (python-docx has no API for them)."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml.parser import parse_xml
    from lxml import etree

    notes = []
    for rel in document.part.rels.values():
        if rel.reltype in (RT.FOOTNOTES, RT.ENDNOTES) and not rel.is_external:
            part = rel.target_part
            element = getattr(part, "_element", None)  # a part python-docx parsed itself, else raw bytes
            if element is None:
                try:
                    element = parse_xml(part.blob)
                except (etree.XMLSyntaxError, ValueError) as exc:
                    raise InputError(f"this .docx file's {part.partname} is not valid XML ({exc})") from None
            notes.append((part, element))
    return notes


def _note_paragraphs(document: Any, notes: list[tuple[Any, Any]]) -> Iterator[Any]:
    """The paragraphs of every footnote and endnote (not the separators Word keeps among them)."""
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    for _, root in notes:
        for note in root:
            if note.get(qn("w:type")) in (None, "normal"):
                for p in note.iter(qn("w:p")):
                    yield Paragraph(p, document._body)


def _store_notes(notes: list[tuple[Any, Any]]) -> None:
    from docx.opc.oxml import serialize_part_xml

    for part, root in notes:
        if getattr(part, "_element", None) is None:
            part._blob = serialize_part_xml(root)


def _spans(paragraph: Any) -> list[list[list[Any]]]:
    """The paragraph's runs as spans of pieces: adjacent runs of one formatting form a piece, and a
    hyperlink's runs one of their own. A run that holds more than text (a picture, a note's mark, a
    field code, a page break) stays where it is, untouched, and ends the span."""
    from docx.text.hyperlink import Hyperlink

    spans: list[list[list[Any]]] = []
    pieces: list[list[Any]] = []
    last_key: object = None
    for item in paragraph.iter_inner_content():
        if isinstance(item, Hyperlink):
            if item.runs:
                pieces.append(list(item.runs))
            last_key = None
            continue
        if _anchored(item._r):
            if pieces:
                spans.append(pieces)
            pieces, last_key = [], None
            continue
        rpr = item._r.rPr
        key = rpr.xml if rpr is not None else ""
        if pieces and key == last_key:
            pieces[-1].append(item)
        else:
            pieces.append([item])
        last_key = key
    return [*spans, pieces] if pieces else spans


#: What a run may hold and still be text that a translation can replace.
_TEXT_PARTS = {"rPr", "t", "tab", "cr", "noBreakHyphen", "softHyphen", "lastRenderedPageBreak"}


def _anchored(r: Any) -> bool:
    from docx.oxml.ns import qn

    for child in r:
        name = child.tag.rsplit("}", 1)[-1]
        if name == "br" and child.get(qn("w:type")) in (None, "textWrapping"):
            continue
        if name not in _TEXT_PARTS:
            return True
    return False


def _top(run: Any) -> Any:
    """The element a run hangs from in its paragraph: itself, or the hyperlink around it."""
    element = run._r
    parent = element.getparent()
    return parent if parent is not None and parent.tag.endswith("}hyperlink") else element


def _text(piece: list[Any]) -> str:
    return "".join(run.text for run in piece)


def translate_docx(data: bytes, translate: Translate, aligned: Aligned | None = None) -> bytes:
    """A .docx file's bytes with its text translated; styles, formatting, links, tables kept.

    With ``aligned`` (:meth:`Pipeline.translate_aligned`), a stretch of runs
    of different formatting is translated in whole sentences and each
    formatting goes to the words the model aligns with it; without, each
    formatting's text is translated on its own.
    """
    document = _open(data)
    notes = _notes(document)
    own = list(_paragraphs(document))
    stories = {str(p.part.partname) for p in own} | {str(part.partname) for part, _ in notes}
    paragraphs = [*own, *_note_paragraphs(document, notes)]
    spans = [span for paragraph in paragraphs for span in _spans(paragraph)]
    mixed = [s for s in spans if aligned is not None and len(s) > 1 and sum(bool(_text(p).strip()) for p in s) > 1]
    together = {id(s) for s in mixed}
    pieces = [piece for span in spans if id(span) not in together for piece in span]
    texts = [_text(piece) for piece in pieces]
    todo = [i for i, text in enumerate(texts) if text.strip()]
    done = translate([" ".join(texts[i].split()) for i in todo]) if todo else []
    for i, translation in zip(todo, done):
        _put(pieces[i], texts[i], translation)
    if mixed and aligned is not None:
        words = aligned(["".join(_text(p) for p in span) for span in mixed])
        for span, span_words in zip(mixed, words):
            _rebuild(span, span_words)
    _store_notes(notes)
    out = io.BytesIO()
    document.save(out)
    return _repacked(data, out.getvalue(), {name.lstrip("/") for name in stories})


def _repacked(original: bytes, saved: bytes, stories: set[str]) -> bytes:
    """The original package with only the text parts (``stories``) whose content changed taken from ``saved``.

    python-docx writes every part anew (its own XML layout, member order and
    dates) and adds parts of its own (core properties, styles) to a package
    that has none. Every other part, and a text part whose XML reads the same
    as before, is copied byte for byte with its original zip entry.
    """
    from lxml import etree

    def same(a: bytes, b: bytes) -> bool:
        if a == b:
            return True
        parser = etree.XMLParser(remove_blank_text=True)  # python-docx drops the indentation between elements
        try:
            trees = etree.fromstring(a, parser), etree.fromstring(b, parser)
        except etree.XMLSyntaxError:
            return False
        return bool(etree.tostring(trees[0], method="c14n") == etree.tostring(trees[1], method="c14n"))

    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as old, zipfile.ZipFile(io.BytesIO(saved)) as new, \
            zipfile.ZipFile(buffer, "w") as out:
        for info in old.infolist():
            before = old.read(info)
            after = new.read(info.filename) if info.filename in stories else before
            out.writestr(info, before if same(before, after) else after, compress_type=info.compress_type)
    return buffer.getvalue()


def _unchanged(raw: str, translation: str) -> bool:
    """Whether a translation is its source's own words (a name, a number, code): then its runs stay as they are."""
    return same_words(translation, raw)


def _put(piece: list[Any], raw: str, translation: str) -> None:
    """The translation in the piece's first run (with the piece's outer spaces); its other runs emptied."""
    if _unchanged(raw, translation):
        return
    first, *rest = piece
    first.text = respace(raw, translation)
    for run in rest:
        run.text = ""


def _rebuild(span: list[list[Any]], words: list[tuple[str, int]]) -> None:
    """Replace a span's runs by runs in translation order, each with the formatting of its aligned words."""
    import copy

    from docx.oxml.ns import qn
    from docx.text.run import Run

    chunks = [_text(p) for p in span]
    cut = segments(chunks, words)
    if cut == [(k, c) for k, c in enumerate(chunks) if c]:
        return  # each formatting's text came back as it was
    first = _top(span[0][0])
    parent = first.getparent()
    at = parent.index(first)
    for n, (k, text) in enumerate(cut):
        element = copy.deepcopy(_top(span[k][0]))
        parent.insert(at + n, element)
        runs = [element] if element.tag.endswith("}r") else element.findall(qn("w:r"))
        for extra in runs[1:]:  # a hyperlink keeps its first run's formatting and its target
            element.remove(extra)
        Run(runs[0], span[0][0]._parent).text = text
    for element in dict.fromkeys(_top(run) for piece in span for run in piece):
        element.getparent().remove(element)


def docx_text(data: bytes) -> str:
    """The text of a .docx file, a paragraph per line."""
    return "\n".join(p.text for p in _paragraphs(_open(data)) if p.text.strip())


register_format("docx", extensions=(".docx",), translate=translate_docx, text=docx_text, binary=True)
