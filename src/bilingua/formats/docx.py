"""Word documents (.docx, with python-docx): every paragraph keeps its style, every run its formatting.

The paragraphs of the body, of tables (nested ones too), of every
section's headers and footers, of text boxes, and of footnotes and endnotes
are translated. Inside a paragraph, adjacent
runs with the same formatting form one piece (Word cuts runs at every edit),
and a hyperlink is a piece of its own. A paragraph of several pieces (a
bold phrase or a link inside a sentence) is translated in whole sentences,
and each piece's formatting, or link, is given to the translated words the
model aligns with its source words (:mod:`bilingua.alignment`). Layout is
not words and never goes to the model: a tab, a line break, spaces that
align, an underlined blank stay where they are, and the words on each side
of one are translated apart. A package is unzipped through counters before
python-docx reads it, and refused past :class:`DocxLimits` (:mod:`.ooxml`).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from typing import Any

from ..alignment import segments
from ..text import same_words
from ..errors import InputError
from .registry import register_format
from .base import Aligned, Notes, Translate, respace
from .ooxml import DocxLimits, check_package, invalid_xml, not_a_docx, xml_parser

__all__ = ["translate_docx", "docx_text", "DocxLimits"]

#: Elements cut apart for translation, each list with its first element's attributes as they were
#: (see :func:`_rejoin`).
Cuts = list[tuple[list[Any], dict[str, str]]]


def _open(data: bytes, limits: DocxLimits | None) -> Any:
    """The python-docx document of a package that :func:`check_package` let through (``limits``: the
    defaults when None); any file python-docx cannot read is a one-line :class:`InputError`."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml import etree

    check_package(data, limits or DocxLimits())
    try:
        document = docx.Document(io.BytesIO(data))
        body = document.element.body  # python-docx reads the main part's root lazily: a wrong one fails here
    except etree.XMLSyntaxError as exc:
        raise invalid_xml(data, exc) from None
    # What python-docx raises for a package it cannot follow (a relationship without a target, a main part
    # that is not a Word document), from deep inside it; not_a_docx says which.
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, TypeError, AttributeError) as exc:
        raise not_a_docx(data, exc) from None
    if body is None:  # the schema allows it, python-docx does not
        raise InputError(f"this .docx's {str(document.part.partname).lstrip('/')} has no <w:body>: no text to read")
    return document


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


def _spans(paragraph: Any, cuts: Cuts) -> list[list[list[Any]]]:
    """The paragraph's runs as spans of pieces: adjacent runs of one formatting form a piece, and a
    hyperlink's runs one of their own. Runs inside a tracked insertion, a content control, a smart tag
    or a simple field are the paragraph's text too. A run that holds more than text (a picture, a
    note's mark, a field code, a page break) or only layout (tabs, line breaks, aligning spaces, an
    underlined blank) stays where it is, untouched, and ends the span; words that share a run with one
    are first given runs of their own (recorded in ``cuts``)."""
    from docx.text.run import Run

    spans: list[list[list[Any]]] = []
    pieces: list[list[Any]] = []
    last_key: object = None
    for r in _own_runs(paragraph._p, cuts):
        if _anchored(r) or _is_layout(Run(r, paragraph).text, _underlined(r)):
            if pieces:
                spans.append(pieces)
            pieces, last_key = [], None
            continue
        top = _top(Run(r, paragraph))
        key = (r.rPr.xml if r.rPr is not None else "", id(top) if top is not r else None)
        if pieces and key == last_key:
            pieces[-1].append(Run(r, paragraph))
        else:
            pieces.append([Run(r, paragraph)])
        last_key = key
    return [*spans, pieces] if pieces else spans


#: Elements whose runs are not this paragraph's text: deleted text, another paragraph (in a text box),
#: alternative content Word shows only where it cannot show the first choice.
_NOT_MINE = {"p", "del", "moveFrom", "Fallback", "txbxContent"}


def _own_runs(p: Any, cuts: Cuts) -> list[Any]:
    """The paragraph's runs in order, those inside inline containers included; a run that mixes words with
    an anchor (a note's mark, a page break) or with layout split so that its words are a run of their own."""
    from docx.oxml.ns import qn

    runs = []
    for r in list(p.iter(qn("w:r"))):
        a = r.getparent()
        while a is not None and a is not p and a.tag.rsplit("}", 1)[-1] not in _NOT_MINE:
            a = a.getparent()
        if a is p:
            runs += _split_mixed(r, cuts)
    return runs


#: Layout inside a run's text, not words: a stretch of whitespace (or of underscores, a form's fill-in
#: line) holding two or more spaces of any kind, a tab or a line break. People align form fields and
#: columns with them, and a model would squeeze them to one space. One space, or one non-breaking space
#: (French puts one before : ; ? !), belongs to the sentence and goes to the model with it.
_LAYOUT = re.compile(r"[\s_]*(?:\s\s|[\t\n\r\f\v]|___)[\s_]*")


def _is_layout(text: str, underlined: bool = False) -> bool:
    """Whether a run's text is layout only: tabs, breaks, aligning spaces, a lone non-breaking space, a
    fill-in line; one plain space only when underlined (a blank to fill in): else it joins the words of
    two formattings, and is part of their sentence."""
    if not text or (text.strip() and _LAYOUT.fullmatch(text) is None):
        return False
    return text != " " or underlined


def _underlined(r: Any) -> bool:
    from docx.oxml.ns import qn

    u = r.find(f"{qn('w:rPr')}/{qn('w:u')}")
    return u is not None and u.get(qn("w:val"), "single") != "none"


def _kind(child: Any) -> str:
    """What a run's child is to translation: an ``anchor`` or ``layout``, both kept where they are, or
    ``words``."""
    if _is_anchor(child):
        return "anchor"
    name = child.tag.rsplit("}", 1)[-1]
    if name in ("tab", "br", "cr") or (name == "t" and _is_layout(child.text or "")):
        return "layout"
    return "words"


def _split_mixed(r: Any, cuts: Cuts) -> list[Any]:
    """``r`` alone, or, when it holds words beside an anchor or layout, one run per anchor and per stretch of
    layout or of words (a ``w:t`` cut around the layout inside it); each cut recorded in ``cuts``."""
    import copy

    children = [c for c in r if not c.tag.endswith("}rPr")]
    if not any(c.tag.endswith("}t") and (c.text or "").strip() and _kind(c) == "words" for c in children):
        return [r]  # no words: kept whole, as it is
    parts = [part for child in children for part in _cut_text(child, cuts)]
    kinds = [_kind(part) for part in parts]
    if set(kinds) == {"words"}:
        return [r]
    groups: list[list[Any]] = []
    for n, (part, kind) in enumerate(zip(parts, kinds)):
        if kind == "anchor" or not groups or kinds[n - 1] != kind:
            groups.append([part])
        else:
            groups[-1].append(part)
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
    cuts.append((out, dict(r.attrib)))
    return out


def _cut_text(child: Any, cuts: Cuts) -> list[Any]:
    """A run's child alone, or, for a ``w:t`` of words and layout, one ``w:t`` per stretch of each (recorded
    in ``cuts``)."""
    import copy

    from docx.oxml.ns import qn

    text = child.text or ""
    if not child.tag.endswith("}t") or _kind(child) != "words" or not _LAYOUT.search(text):
        return [child]
    bounds = [0, *(k for m in _LAYOUT.finditer(text) for k in m.span()), len(text)]
    out = []
    for start, end in zip(bounds, bounds[1:]):
        if start < end:
            piece = copy.deepcopy(child)
            piece.text = text[start:end]
            piece.set(qn("xml:space"), "preserve")
            out.append(piece)
    cuts.append((out, dict(child.attrib)))
    return out


def _rejoin(cuts: Cuts) -> None:
    """Put back together what was cut apart for translation (a run around its tab, a ``w:t`` around its
    aligning spaces) wherever its pieces still stand side by side, their first's attributes as they were:
    then the XML changes only where the words did. Pieces a translation moved or rewrote stay apart."""
    for elements, attrib in reversed(cuts):  # a run's cut before the cuts of its w:t's
        first, *rest = elements
        if any(a.getnext() is not b for a, b in zip(elements, rest)):
            continue
        if first.tag.endswith("}t"):
            first.text = "".join(e.text or "" for e in elements)
        else:
            for e in rest:
                first.extend([c for c in e if not c.tag.endswith("}rPr")])
        for e in rest:
            e.getparent().remove(e)
        first.attrib.clear()
        first.attrib.update(attrib)


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
    """The element a run hangs from in its paragraph: itself, or the container around it (a hyperlink, a
    content control, a simple field, a tracked insertion, a smart tag)."""
    element = run._r
    while (parent := element.getparent()) is not None and not parent.tag.endswith("}p"):
        element = parent
    return element


def _exclusive(span: list[list[Any]]) -> bool:
    """Whether every container the span's runs hang from holds no run of another span (text beside a
    picture or a tab in one hyperlink): only then can the span be rebuilt in translation order."""
    from docx.oxml.ns import qn

    mine = {id(run._r) for piece in span for run in piece}
    for top in {id(t): t for t in (_top(run) for piece in span for run in piece)}.values():
        if not top.tag.endswith("}r") and any(id(r) not in mine for r in top.iter(qn("w:r"))):
            return False
    return True


def _text(piece: list[Any]) -> str:
    return "".join(run.text for run in piece)


def translate_docx(data: bytes, translate: Translate, aligned: Aligned | None = None, *,
                   notes: Notes | None = None, limits: DocxLimits | None = None) -> bytes:
    """A .docx file's bytes with its text translated; styles, formatting, links, tables kept.

    With ``aligned`` (:meth:`Pipeline.translate_aligned`), a stretch of runs
    of different formatting is translated in whole sentences and each
    formatting goes to the words the model aligns with it; without, each
    formatting's text is translated on its own. With ``notes``, each
    paragraph of the body (tables too) gets a Word comment, by "bilingua",
    saying what a reader should check in its translation. Tabs, line
    breaks, aligning spaces and underlined blanks stay where they are: the
    words on each side of one are translated apart. ``limits``: how much
    the package may unzip to (:class:`DocxLimits`; its defaults when None).
    """
    document = _open(data, limits)
    footnotes = _notes(document)
    own = list(_paragraphs(document))
    body = [p for p in own if p.part is document.part] if notes is not None else []
    before = [p.text for p in body]
    stories = {str(p.part.partname) for p in own} | {str(part.partname) for part, _ in footnotes}
    paragraphs = [*own, *_note_paragraphs(document, footnotes)]
    cuts: Cuts = []
    spans = [span for paragraph in paragraphs for span in _spans(paragraph, cuts)]
    mixed = [s for s in spans if aligned is not None and len(s) > 1 and sum(bool(_text(p).strip()) for p in s) > 1
             and _exclusive(s)]
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
    _rejoin(cuts)
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
        parser = xml_parser()  # python-docx drops the indentation between elements; no entity is resolved
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
    """Replace a span's runs by runs in translation order, each with the formatting of its aligned words;
    each container (a hyperlink, a content control, a field) comes out once."""
    import copy

    from docx.oxml.ns import qn
    from docx.text.run import Run

    chunks = [_text(p) for p in span]
    cut = segments(chunks, words)
    if cut == [(k, c) for k, c in enumerate(chunks) if c]:
        return  # each formatting's text came back as it was
    tops = [_top(piece[0]) for piece in span]
    cut = _once(cut, {k for k, top in enumerate(tops) if not top.tag.endswith("}r")})
    first = tops[0]
    parent = first.getparent()
    at = parent.index(first)
    for n, (k, text) in enumerate(cut):
        element = copy.deepcopy(tops[k])
        parent.insert(at + n, element)
        runs = [element] if element.tag.endswith("}r") else list(element.iter(qn("w:r")))
        for extra in runs[1:]:  # a container keeps its first run's formatting, and its target or settings
            extra.getparent().remove(extra)
        Run(runs[0], span[0][0]._parent).text = text
    for element in dict.fromkeys(_top(run) for piece in span for run in piece):
        element.getparent().remove(element)


def _once(cut: list[tuple[int, str]], containers: set[int]) -> list[tuple[int, str]]:
    """``cut`` with each container chunk in one piece: the pieces from its first to its last are its text
    (up to another container's first piece, where that lies between); a later piece of it is given to the
    piece before. A container that no word went to (its words glued to others' and changed) is kept, after
    the pieces of the chunks before it, with a word of a neighbour that has two: a field or a content
    control is never dropped, and empty only when no neighbour can spare a word."""
    out = list(cut)
    for k in sorted(containers - {c for c, _ in cut}):
        at = next((i for i, (c, _) in enumerate(out) if c > k), len(out))
        out.insert(at, (k, ""))
        if at > 0 and (m := re.search(r"(?<=\S)(\s+)(\S+\s*)$", out[at - 1][1])):
            out[at - 1], out[at] = (out[at - 1][0], out[at - 1][1][:m.start(2)]), (k, m.group(2))
        elif at + 1 < len(out) and (m := re.match(r"\s*\S+\s+(?=\S)", out[at + 1][1])):
            out[at], out[at + 1] = (k, m.group(0)), (out[at + 1][0], out[at + 1][1][m.end():])
        elif at > 0 and len(core := out[at - 1][1].strip()) > 1:  # one word: its second half, a link is no blank
            text = out[at - 1][1]
            half = len(text) - len(text.lstrip()) + (len(core) + 1) // 2
            out[at - 1], out[at] = (out[at - 1][0], text[:half]), (k, text[half:])
    for k in dict.fromkeys(k for k, _ in cut if k in containers):
        mine = [i for i, (c, _) in enumerate(out) if c == k]
        others = [i for i in range(mine[0] + 1, mine[-1]) if out[i][0] in containers and out[i][0] != k]
        end = others[0] - 1 if others else mine[-1]
        merged: list[tuple[int, str]] = [*out[:mine[0]], (k, "".join(t for _, t in out[mine[0]:end + 1]))]
        for c, text in out[end + 1:]:
            if c == k:
                merged[-1] = (merged[-1][0], merged[-1][1] + text)
            else:
                merged.append((c, text))
        out = merged
    return out


def docx_text(data: bytes, *, limits: DocxLimits | None = None) -> str:
    """The text of a .docx file, a paragraph per line (``limits``: as :func:`translate_docx` reads them)."""
    return "\n".join(p.text for p in _paragraphs(_open(data, limits)) if p.text.strip())


register_format("docx", extensions=(".docx",), translate=translate_docx, text=docx_text, binary=True, comments=True)
