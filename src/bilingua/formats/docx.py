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
from .base import Aligned, Notes, Translate, respace

__all__ = ["translate_docx", "docx_text"]



#: The most a .docx may unzip to, all parts together, and one part alone: a few MB of zip can hold
#: gigabytes of XML, which python-docx would parse into many times that in memory.
MAX_UNZIPPED = 512 * 1024 * 1024
MAX_PART = 128 * 1024 * 1024
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file: an encrypted .docx, or a .doc
_STRICT = b"http://purl.oclc.org/ooxml/wordprocessingml/main"


def _open(data: bytes) -> Any:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    _check_package(data)
    try:
        return docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise InputError(f"this is not a valid .docx file ({exc or type(exc).__name__})") from None


def _check_package(data: bytes) -> None:
    """Refuse, in one line that says what to do, what python-docx would misread or choke on."""
    if data.startswith(_OLE):
        raise InputError("this file is password-protected (encrypted) or an old Word .doc, not a .docx: "
                         "remove the password, or save it as a Word Document (.docx), in Word first")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            infos = package.infolist()
            big = max(infos, key=lambda i: i.file_size, default=None)
            total = sum(i.file_size for i in infos)
            if big is not None and (big.file_size > MAX_PART or total > MAX_UNZIPPED):
                raise InputError(f"this .docx unzips to {total / 2**20:,.0f} MB ({big.filename}: "
                                 f"{big.file_size / 2**20:,.0f} MB); bilingua reads at most "
                                 f"{MAX_UNZIPPED // 2**20} MB in all and {MAX_PART // 2**20} MB a part")
            if "word/document.xml" in {i.filename for i in infos} and \
                    _STRICT in package.open("word/document.xml").read(4096):
                raise InputError("this .docx is saved as Strict Open XML, which bilingua does not read: save it "
                                 "as a Word Document (.docx) in Word first")
    except zipfile.BadZipFile:
        return  # python-docx says it is not a zip


def _paragraphs(document: Any) -> Iterator[Any]:
    """Every paragraph of the body and of each section's headers and footers, wherever it is: in tables
    (nested too), content controls, text boxes (Word's drawing and its VML fallback each hold a copy)."""
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    stories = [document._body]
    for section in document.sections:
        for part in (section.header, section.footer, section.first_page_header, section.first_page_footer,
                     section.even_page_header, section.even_page_footer):
            if not part.is_linked_to_previous and all(part._element is not s._element for s in stories):
                stories.append(part)
    for story in stories:
        for p in story._element.iter(qn("w:p")):
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
    hyperlink's runs one of their own. Runs inside a tracked insertion, a content control, a smart tag
    or a simple field are the paragraph's text too. A run that holds more than text (a picture, a
    note's mark, a field code, a page break) stays where it is, untouched, and ends the span; text that
    shares a run with one is first given runs of its own."""
    from docx.text.run import Run

    spans: list[list[list[Any]]] = []
    pieces: list[list[Any]] = []
    last_key: object = None
    for r in _own_runs(paragraph._p):
        if _anchored(r):
            if pieces:
                spans.append(pieces)
            pieces, last_key = [], None
            continue
        parent = r.getparent()
        link = parent if parent.tag.endswith("}hyperlink") else None
        key = (r.rPr.xml if r.rPr is not None else "", id(link) if link is not None else None)
        if pieces and key == last_key:
            pieces[-1].append(Run(r, paragraph))
        else:
            pieces.append([Run(r, paragraph)])
        last_key = key
    return [*spans, pieces] if pieces else spans


#: Elements whose runs are not this paragraph's text: deleted text, another paragraph (in a text box),
#: alternative content Word shows only where it cannot show the first choice.
_NOT_MINE = {"p", "del", "moveFrom", "Fallback", "txbxContent"}


def _own_runs(p: Any) -> list[Any]:
    """The paragraph's runs in order, those inside inline containers included; a run that mixes text with
    an anchor (a note's mark, a page break) split so that its text is a run of its own."""
    from docx.oxml.ns import qn

    runs = []
    for r in list(p.iter(qn("w:r"))):
        a = r.getparent()
        while a is not None and a is not p and a.tag.rsplit("}", 1)[-1] not in _NOT_MINE:
            a = a.getparent()
        if a is p:
            runs += _split_mixed(r)
    return runs


def _split_mixed(r: Any) -> list[Any]:
    """``r`` alone, or, when it holds text and an anchor, one run per stretch of text and per anchor."""
    import copy

    children = [c for c in r if not c.tag.endswith("}rPr")]
    kinds = [_is_anchor(c) for c in children]
    if not any(kinds) or all(kinds) or not any(c.tag.endswith("}t") for c in children):
        return [r]
    groups: list[list[Any]] = []
    for child, anchor in zip(children, kinds):
        if anchor or not groups or _is_anchor(groups[-1][0]):
            groups.append([child])
        else:
            groups[-1].append(child)
    parent = r.getparent()
    at = parent.index(r)
    out = []
    for n, group in enumerate(groups):
        new = copy.deepcopy(r)
        for child in [c for c in new if not c.tag.endswith("}rPr")]:
            new.remove(child)
        new.extend(group)
        parent.insert(at + n, new)
        out.append(new)
    parent.remove(r)
    return out


#: What a run may hold and still be text that a translation can replace.
_TEXT_PARTS = {"rPr", "t", "tab", "cr", "noBreakHyphen", "softHyphen", "lastRenderedPageBreak"}


def _anchored(r: Any) -> bool:
    return any(_is_anchor(child) for child in r)


def _is_anchor(child: Any) -> bool:
    """Whether a run's child is more than text (a picture, a note's mark, a field code, a page break)."""
    from docx.oxml.ns import qn

    name = child.tag.rsplit("}", 1)[-1]
    if name == "br" and child.get(qn("w:type")) in (None, "textWrapping"):
        return False
    return name not in _TEXT_PARTS


def _top(run: Any) -> Any:
    """The element a run hangs from: itself, or the hyperlink around it."""
    element = run._r
    parent = element.getparent()
    return parent if parent is not None and parent.tag.endswith("}hyperlink") else element


def _text(piece: list[Any]) -> str:
    return "".join(run.text for run in piece)


def translate_docx(data: bytes, translate: Translate, aligned: Aligned | None = None, *,
                   notes: Notes | None = None) -> bytes:
    """A .docx file's bytes with its text translated; styles, formatting, links, tables kept.

    With ``aligned`` (:meth:`Pipeline.translate_aligned`), a stretch of runs
    of different formatting is translated in whole sentences and each
    formatting goes to the words the model aligns with it; without, each
    formatting's text is translated on its own. With ``notes``, each
    paragraph of the body (tables too) gets a Word comment, by "bilingua",
    saying what a reader should check in its translation.
    """
    document = _open(data)
    footnotes = _notes(document)
    own = list(_paragraphs(document))
    body = [p for p in own if p.part is document.part] if notes is not None else []
    before = [p.text for p in body]
    stories = {str(p.part.partname) for p in own} | {str(part.partname) for part, _ in footnotes}
    paragraphs = [*own, *_note_paragraphs(document, footnotes)]
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
    _store_notes(footnotes)
    if notes is not None:
        stories |= _comment(document, body, before, notes)
    out = io.BytesIO()
    document.save(out)
    return _repacked(data, out.getvalue(), {name.lstrip("/") for name in stories})


def _comment(document: Any, body: list[Any], before: list[str], notes: Notes) -> set[str]:
    """Comment each translated paragraph that has something to check; the package parts that then change."""
    todo = [i for i, (p, text) in enumerate(zip(body, before)) if text.strip() and p.runs]
    said = notes([before[i] for i in todo], [body[i].text for i in todo]) if todo else []
    commented = [(body[i], messages) for i, messages in zip(todo, said) if messages]
    for paragraph, messages in commented:
        document.add_comment(paragraph.runs, "\n".join(messages), author="bilingua", initials="BL")
    if not commented:
        return set()
    from docx.opc.constants import RELATIONSHIP_TYPE

    # The comments part (new, or the document's own), the relationship to it, and its content type.
    part = document.part
    comments = {str(r.target_part.partname) for r in part.rels.values() if r.reltype == RELATIONSHIP_TYPE.COMMENTS}
    return comments | {str(part.partname.rels_uri), "/[Content_Types].xml"}


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
        for name in sorted(stories - set(old.namelist())):  # a part bilingua added (the comments)
            out.writestr(name, new.read(name), compress_type=zipfile.ZIP_DEFLATED)
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


register_format("docx", extensions=(".docx",), translate=translate_docx, text=docx_text, binary=True, comments=True)
