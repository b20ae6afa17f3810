"""What a document *is*, read independently of bilingua: its visible text and its structure, per format.

Each format's view parses a document with a parser of its own (markdown-it,
the standard library's ``html.parser``, lxml, a small subtitle reader written
here) and gives a :class:`View`:

``text``
    The multiset of the non-whitespace characters a reader sees, after
    parsing: Markdown's text and escape/entity tokens *decoded* (so ``\\*``
    and ``*`` are the same character, ``&eacute;`` and ``é`` too), outside
    code spans, images and raw HTML (those are structure); HTML's text nodes
    with character references decoded, plus the values of the attributes
    bilingua translates (``title``, ``alt``, ``placeholder``), outside
    ``script``, ``style``, ``pre``, ``code`` and ``textarea`` (structure);
    DOCX's ``w:t`` text; a cue's text with its tags removed (WebVTT's
    character references decoded); plain text's whole document.

``structure``
    A multiset (``Counter``) of structural elements that every engine must
    keep exactly once, with their targets and content: Markdown's block
    tokens in order (with list and heading markers, fenced and raw HTML
    blocks' content) and each paragraph's code spans, links and images
    (target, title), raw inline HTML, emphasis and hard breaks; HTML's start
    tags with their attributes (the translated ones and ``lang`` by name
    only), end tags, comments, declarations, the order of the non-inline
    tags, and the text of verbatim elements; DOCX's paragraphs, run tabs,
    breaks, fields, hyperlinks (with targets), drawings, note references,
    content controls, tracked changes and bookmarks, part by part; every
    cue with its number/identifier, timing line and settings, the set of its
    tags (a cue's lines may be joined, so ``<i>`` around each of two lines may
    come back once around both), its dialogue dashes, in order, WebVTT's
    NOTE/STYLE/REGION blocks, and any block that is not a cue, as written;
    plain text's paragraphs. A link, an emphasis, an element, a hyperlink
    or a content control is keyed with whether it holds visible text, and a
    cue with whether it holds text: one left empty, or filled, is a change.

``entities``
    The character references written in the source, except those that
    decode to ASCII punctuation (``&amp;``, ``&lt;``, ``&#42;``: escapes,
    which a writer may need to add). Only the no-new-markup law reads it:
    a translation may spell ``&eacute;`` as ``é``, but must not add one.

A document that does not parse in its format raises :class:`Unparsable`.
"""

from __future__ import annotations

import html
import io
import re
import string
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

__all__ = ["View", "Unparsable", "view", "VIEWS"]


class Unparsable(AssertionError):
    """The document does not parse in its format."""


@dataclass
class View:
    text: Counter[str] = field(default_factory=Counter)
    structure: Counter[Any] = field(default_factory=Counter)
    entities: Counter[str] = field(default_factory=Counter)


def _visible(text: str) -> Counter[str]:
    """The characters a reader sees, composed (NFC): bilingua hands the model composed text on purpose
    (segmentation's text convention), so a translated ``İ`` may come back composed where the source
    wrote ``I`` and a combining dot."""
    return Counter(c for c in unicodedata.normalize("NFC", text) if not c.isspace())


def _escape_like(decoded: str) -> bool:
    return len(decoded) == 1 and decoded in string.punctuation


# -- Markdown ------------------------------------------------------------------------------------------------

_MD_CONTAINERS = {"link_open": "link_close", "em_open": "em_close", "strong_open": "strong_close",
                  "s_open": "s_close"}


def markdown_view(source: str) -> View:
    """Markdown as markdown-it (CommonMark with tables, as bilingua reads it) parses it."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"maxNesting": 100}).enable("table")
    parser.disable("text_join")
    out = View()
    for position, token in enumerate(parser.parse(source)):
        if token.type == "inline":
            _markdown_inline(token.children or [], out)
        else:
            kept = token.content if token.type in ("fence", "code_block", "html_block") else ""
            out.structure[("block", position, token.type, token.markup, token.info, kept)] += 1
    return out


def _markdown_inline(children: list[Any], out: View) -> None:
    """A paragraph's inline elements into ``out`` (containers keyed with whether they hold text)."""
    stack: list[list[Any]] = []
    for child in children:
        kind = child.type
        if kind in _MD_CONTAINERS:
            stack.append([kind, child.markup, child.attrs.get("href"), child.attrs.get("title"), False])
        elif kind in _MD_CONTAINERS.values() and stack:
            out.structure[("inline", *stack.pop())] += 1
        elif kind in ("text", "text_special"):
            out.text += _visible(child.content)
            if child.content.strip():
                for frame in stack:
                    frame[-1] = True
            if child.info == "entity" and not _escape_like(child.content):
                out.entities[child.markup] += 1
        elif kind == "code_inline":
            out.structure[("code", child.content)] += 1
            for frame in stack:
                frame[-1] = True
        elif kind == "image":
            out.structure[("image", child.attrs.get("src"), child.attrs.get("title"), child.content)] += 1
        elif kind in ("html_inline", "hardbreak"):
            out.structure[(kind, child.content)] += 1
    for frame in stack:
        out.structure[("inline", *frame)] += 1


# -- HTML ----------------------------------------------------------------------------------------------------

TRANSLATED_ATTRIBUTES = frozenset({"title", "alt", "placeholder"})
_LANG = frozenset({"lang", "xml:lang"})
_VERBATIM = frozenset({"script", "style", "pre", "code", "textarea"})
_INLINE = frozenset({"a", "abbr", "b", "bdi", "bdo", "cite", "data", "del", "dfn", "em", "font", "i", "ins",
                     "mark", "q", "s", "small", "span", "strong", "sub", "sup", "time", "u", "var", "code"})
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
                   "track", "wbr"})


class _HtmlReader(HTMLParser):
    """Collects an HTML page's :class:`View` (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out = View()
        self.open: list[list[Any]] = []  # [tag, attributes, holds text]
        self.order: list[str] = []

    def _attributes(self, attrs: list[tuple[str, str | None]]) -> tuple[Any, ...]:
        kept = []
        for name, value in attrs:
            if name in TRANSLATED_ATTRIBUTES:
                self.out.text += _visible(value or "")
            kept.append((name, None if name in TRANSLATED_ATTRIBUTES | _LANG else value))
        return tuple(sorted(kept, key=lambda kv: (kv[0], kv[1] or "")))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        key = self._attributes(attrs)
        if tag not in _INLINE:
            self.order.append(tag)
        if tag in _VOID:
            self.out.structure[("void", tag, key)] += 1
        else:
            self.open.append([tag, key, False])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.structure[("void", tag, self._attributes(attrs))] += 1

    def handle_endtag(self, tag: str) -> None:
        self.out.structure[("end", tag)] += 1
        if tag not in _INLINE:
            self.order.append("/" + tag)
        names = [frame[0] for frame in self.open]
        if tag in names:
            at = len(names) - 1 - names[::-1].index(tag)
            for frame in self.open[at:]:
                self.out.structure[("element", *frame)] += 1
            del self.open[at:]

    def _text(self, data: str, decoded: str) -> None:
        if any(frame[0] in _VERBATIM for frame in self.open) or self.cdata_elem:
            self.out.structure[("verbatim", data)] += 1
            return
        self.out.text += _visible(decoded)
        if decoded.strip():
            for frame in self.open:
                frame[-1] = True

    def handle_data(self, data: str) -> None:
        self._text(data, data)

    def handle_entityref(self, name: str) -> None:
        self._reference(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self._reference(f"&#{name};")

    def _reference(self, written: str) -> None:
        decoded = html.unescape(written)
        if not _escape_like(decoded):
            self.out.entities[written] += 1
        self._text(written, decoded)

    def handle_comment(self, data: str) -> None:
        self.out.structure[("comment", data)] += 1

    def handle_decl(self, decl: str) -> None:
        self.out.structure[("decl", decl)] += 1

    def handle_pi(self, data: str) -> None:
        self.out.structure[("pi", data)] += 1

    def unknown_decl(self, data: str) -> None:
        self.out.structure[("decl", data)] += 1


def html_view(source: str) -> View:
    """HTML as the standard library's lenient parser reads it."""
    reader = _HtmlReader()
    reader.feed(source)
    reader.close()
    for frame in reader.open:
        reader.out.structure[("element", *frame)] += 1
    reader.out.structure[("order", tuple(reader.order))] += 1
    return reader.out


# -- DOCX ----------------------------------------------------------------------------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_STORY = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml$")
#: Elements counted as they are, keyed by these attributes.
_DOCX_KEYS = {"tab": (), "br": ("type",), "cr": (), "fldSimple": ("instr",), "fldChar": ("fldCharType",),
              "drawing": (), "pict": (), "object": (), "footnoteReference": ("id",), "endnoteReference": ("id",),
              "ins": ("author",), "del": ("author",), "bookmarkStart": ("name",), "p": (), "tbl": (),
              "commentReference": ("id",)}


def docx_view(data: bytes) -> View:
    """A Word package: every story part (body, headers, footers, notes) parsed with lxml."""
    from lxml import etree

    out = View()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
            for name in (n for n in names if _STORY.match(n)):
                rels = _targets(z, name, names)
                _docx_part(etree.fromstring(z.read(name)), name, rels, out)
    except (zipfile.BadZipFile, etree.XMLSyntaxError, KeyError) as exc:
        raise Unparsable(f"not a readable Word package: {exc}") from None
    if "word/document.xml" not in names:
        raise Unparsable("no word/document.xml")
    return out


def _targets(z: zipfile.ZipFile, part: str, names: list[str]) -> dict[str, str]:
    from lxml import etree

    rels = part.replace("word/", "word/_rels/") + ".rels"
    if rels not in names:
        return {}
    return {r.get("Id"): r.get("Target") for r in etree.fromstring(z.read(rels))}


def _docx_part(root: Any, part: str, rels: dict[str, str], out: View) -> None:
    for el in root.iter():
        if not isinstance(el.tag, str) or not el.tag.startswith(W):
            continue
        local = el.tag[len(W):]
        if local == "t":
            out.text += _visible(el.text or "")
        elif local == "instrText":
            out.structure[(part, "instrText", el.text)] += 1
        elif local == "tab" and el.getparent().tag != W + "r":
            continue  # a tab stop of the paragraph's properties, not a tab character
        elif local == "hyperlink":
            target = rels.get(el.get(R + "id"), el.get(R + "id"))
            out.structure[(part, "hyperlink", target, el.get(W + "anchor"), _holds_text(el))] += 1
        elif local == "sdt":
            tag = el.find(f"{W}sdtPr/{W}tag")
            out.structure[(part, "sdt", None if tag is None else tag.get(W + "val"), _holds_text(el))] += 1
        if local in _DOCX_KEYS:
            out.structure[(part, local, *(el.get(W + a) for a in _DOCX_KEYS[local]))] += 1


def _holds_text(el: Any) -> bool:
    return any((t.text or "").strip() for t in el.iter(W + "t"))


# -- Subtitles -----------------------------------------------------------------------------------------------

_TIME = r"(?:\d+:)?\d{1,2}:\d{1,2}[.,]\d{1,3}"
_TIMING = re.compile(rf"^\s*{_TIME}\s+-->\s+{_TIME}(?:\s.*)?$")
_CUE_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<\d[\d:.]*>")
_DASH = re.compile(r"^\s*[-‐–—]")


def subtitles_view(source: str, form: str) -> View:
    """SRT or WebVTT read block by block: a cue (a number or identifier, a valid timing line, its text), or
    (WebVTT) the header or a NOTE, STYLE or REGION block; any other block is structure, to be kept as it is.
    A WebVTT file without its header does not parse."""
    lines = source.lstrip("\ufeff").splitlines()
    if form == "vtt" and not (lines and lines[0].startswith("WEBVTT")):
        raise Unparsable("no WEBVTT header")
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    out = View()
    for n, block in enumerate(b for b in blocks if b):
        if form == "vtt" and (n == 0 or re.match(r"(NOTE|STYLE|REGION)(\s|$)", block[0])):
            out.structure[("kept", n, tuple(block))] += 1
            continue
        _cue(block, n, form, out)
    return out


def _cue(block: list[str], n: int, form: str, out: View) -> None:
    """A block's cues (a line with ``-->`` starts one, as WebVTT parsers read a cue that runs into the next
    one's timing line; the line before the first may be its number or identifier), or the block kept."""
    starts = [k for k, line in enumerate(block) if "-->" in line]
    if not starts or starts[0] > 1 or not all(_TIMING.match(block[k]) for k in starts):
        out.structure[("not a cue", n, tuple(block))] += 1  # kept as it is (bilingua copies such a block)
        return
    for c, (at, stop) in enumerate(zip(starts, starts[1:] + [len(block)])):
        text = block[at + 1: stop]
        plain = [_CUE_TAG.sub("", line) for line in text]
        if form == "vtt":
            plain = [html.unescape(line) for line in plain]
        tags = tuple(sorted({t for line in text for t in _CUE_TAG.findall(line)}))  # a set: lines may be joined
        dashes = sum(bool(_DASH.match(line)) for line in text)
        head = tuple(block[: at + 1]) if c == 0 else (block[at],)
        out.structure[("cue", n, c, head, tags, dashes, any(p.strip() for p in plain))] += 1
        for line in plain:
            out.text += _visible(line)


# -- Plain text ----------------------------------------------------------------------------------------------

def text_view(source: str) -> View:
    """Plain text: its paragraphs (runs of non-blank lines) and all its visible characters."""
    paragraphs = [p for p in re.split(r"\n[ \t]*\r?\n", source.replace("\r\n", "\n")) if p.strip()]
    return View(_visible(source), Counter({("paragraphs", len(paragraphs)): 1}))


#: Each format's view, by the registry's name.
VIEWS = {
    "text": text_view,
    "markdown": markdown_view,
    "html": html_view,
    "docx": docx_view,
    "srt": lambda s: subtitles_view(s, "srt"),
    "vtt": lambda s: subtitles_view(s, "vtt"),
}


def view(form: str, document: str | bytes) -> View:
    """The view of ``document`` in format ``form`` (a format without a view is a ``KeyError`` saying so)."""
    if form not in VIEWS:
        raise KeyError(f"the laws have no view of the {form} format: add one to tests/laws/views.py")
    return VIEWS[form](document)
