"""HTML: translate the text, keep every tag, attribute, comment and byte of markup as it was.

The page is scanned with the standard library's lenient ``html.parser``
(malformed HTML is read, not refused), and each piece of the source is either
copied byte for byte or, for a text node, replaced by its translation with
its surrounding whitespace kept; ``title``, ``alt`` and ``placeholder``
attribute values are translated in place and a ``lang`` of the source language becomes the target's.
The content of ``script``, ``style``, ``pre``, ``code`` and ``textarea``, and
of any element marked ``translate="no"`` or ``class="notranslate"``, is never
translated. Text nodes joined only by inline tags are translated together, in
whole sentences (see :func:`translate_html`).
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Callable, Iterable
from html.parser import HTMLParser
from typing import NamedTuple

from ..alignment import in_order, segments
from ..text import same_words
from ..languages import current_pair
from .registry import register_format
from .base import Aligned, Translate

__all__ = ["translate_html", "html_text"]



_VERBATIM = frozenset({"script", "style", "pre", "code", "textarea"})
_TEXT_ATTRIBUTES = frozenset({"title", "alt", "placeholder"})
#: Elements that sit inside a sentence; any other tag (p, li, br, td, code...) ends a stretch of text.
_INLINE = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "cite", "data", "del", "dfn", "em", "font", "i", "ins", "mark", "q", "s",
    "small", "span", "strong", "sub", "sup", "time", "u", "var",
})
_VOID = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
})


class _Piece(NamedTuple):
    start: int
    #: The decoded text of a translatable text node, else None (the piece is copied as it is).
    text: str | None
    #: A start tag's attributes whose values are text to translate (title, alt, placeholder).
    attributes: tuple[tuple[str, str], ...] = ()
    #: A start tag whose lang is the source language's: it becomes the target's.
    in_source: bool = False
    #: Text nodes of one block (no tag between them but inline ones) share a number.
    block: int = 0
    #: Blank text (whitespace only, kept as it is): it still parts the words around it.
    blank: bool = False


class _Scanner(HTMLParser):
    """Marks where each construct starts, and which text nodes may be translated."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.line_starts = [0]
        for i, ch in enumerate(source):
            if ch == "\n":
                self.line_starts.append(i + 1)
        self.pieces: list[_Piece] = []
        self.open: list[tuple[str, bool]] = []  # (tag, keep its content as it is)
        self.block = 0
        self.language = current_pair().source  # whose lang attributes are swapped

    def _mark(self, text: str | None = None, attributes: tuple[tuple[str, str], ...] = (), in_source: bool = False,
              tag: str | None = None, blank: bool = False) -> None:
        if text is None and tag not in _INLINE and tag != "#text":  # blank text does not end a stretch
            self.block += 1
        line, col = self.getpos()
        self.pieces.append(_Piece(self.line_starts[line - 1] + col, text, attributes, in_source, self.block, blank))

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        """Mark a start tag; True when its element is not to be translated."""
        values = dict(attrs)
        no = (values.get("translate") or "").lower() == "no" or "notranslate" in (values.get("class") or "").split()
        kept = self._kept() or no
        texts = () if kept else tuple((k, v) for k, v in attrs if k in _TEXT_ATTRIBUTES and v and v.strip())
        in_source = any(k in ("lang", "xml:lang") and (v or "").lower().split("-")[0] == self.language
                        for k, v in attrs)
        self._mark(None, texts, in_source, tag)
        return no

    def _kept(self) -> bool:
        return bool(self.open) and self.open[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        no = self._tag(tag, attrs)
        if tag in _VOID:
            return
        self.open.append((tag, self._kept() or no or tag in _VERBATIM))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self._mark(tag=tag)
        for k in range(len(self.open) - 1, -1, -1):
            if self.open[k][0] == tag:  # a stray end tag closes nothing; a missing one is implied
                del self.open[k:]
                break

    def handle_data(self, data: str) -> None:
        self._mark(None if self._kept() or not data.strip() else data, tag="#text", blank=not data.strip())

    def handle_comment(self, data: str) -> None:
        self._mark()

    def handle_decl(self, decl: str) -> None:
        self._mark()

    def handle_pi(self, data: str) -> None:
        self._mark()

    def unknown_decl(self, data: str) -> None:
        self._mark()


def translate_html(source: str, translate: Translate, aligned: Aligned | None = None) -> str:
    """``source`` with its text translated.

    The text is that of text nodes and of ``title``, ``alt`` and
    ``placeholder`` attributes; a ``lang`` of the source language becomes the target's.
    Everything else (tags and their other attributes, comments, doctype, and
    the content of verbatim and ``translate="no"`` elements) is copied
    unchanged. With ``aligned`` (:meth:`Pipeline.translate_aligned`), the
    text nodes of a stretch joined by inline tags (``<b>``, ``<a>``,
    ``<span>``...) are translated together, in whole sentences, and the
    translation is shared out among them in their order, following the
    model's word alignment, so every tag stays where it was in the tree.
    Without, each text node is translated on its own.
    """
    pieces = _scan(source)
    texts, attributes = _texts(pieces, translate, aligned)
    out = [source[: pieces[0].start] if pieces else source]
    ends = [p.start for p in pieces[1:]] + [len(source)]
    raws = [source[p.start : end] for p, end in zip(pieces, ends)]
    bare = _bare_names(r for r, p in zip(raws, pieces) if p.text is not None)
    for k, piece in enumerate(pieces):
        raw = raws[k]
        if piece.text is not None:
            same = same_words(texts[k], piece.text)  # then its entities and spaces stay as written
            out.append(raw if same else _respaced(raw, _escaped(texts[k], bare)))
            continue
        seen: dict[str, int] = {}
        for (name, before), value in zip(piece.attributes, attributes.get(k, [])):
            seen[name] = seen.get(name, -1) + 1  # an attribute written twice: each value its own translation
            if not same_words(value, before):
                raw = _set_attribute(raw, name, value, seen[name])
        out.append(_swap_lang(raw) if piece.in_source else raw)
    return "".join(out)


def _scan(source: str) -> list[_Piece]:
    scanner = _Scanner(source)
    scanner.feed(source)
    scanner.close()
    return scanner.pieces


def _texts(
    pieces: list[_Piece], translate: Translate, aligned: Aligned | None
) -> tuple[dict[int, str], dict[int, list[str]]]:
    """The translation of each text node, and of each tag's attribute values (both by piece number)."""
    blocks: dict[int, list[int]] = {}
    for k, piece in enumerate(pieces):
        if piece.text is not None:
            blocks.setdefault(piece.block, []).append(k)
    together = [ks for ks in blocks.values() if aligned is not None and len(ks) > 1]
    joined = {k for ks in together for k in ks}
    alone = [(k, p.text.strip()) for k, p in enumerate(pieces) if p.text is not None and k not in joined]
    attributes = [(k, v) for k, p in enumerate(pieces) for _, v in p.attributes]
    texts = [t for _, t in alone] + [v for _, v in attributes]
    done = iter(translate(texts) if texts else [])
    new = {k: next(done) for k, _ in alone}
    values: dict[int, list[str]] = {}
    for k, _ in attributes:
        values.setdefault(k, []).append(next(done))
    chunks = [_chunks(pieces, ks) for ks in together]
    words = aligned(["".join(c) for c in chunks]) if together and aligned else []
    for ks, block_chunks, block_words in zip(together, chunks, words):
        texts_of = dict.fromkeys(range(len(ks)), "")
        # every: no element that held text (a link) is left empty while the translation has words for it
        cut = segments(block_chunks, block_words, ordered=True, every=True)
        texts_of.update(_filled(cut, len(ks)))
        for n, k in enumerate(ks):
            new[k] = _trimmed(texts_of[n], block_chunks, n, block_chunks[n] != pieces[k].text)
    return new, values


def _trimmed(text: str, chunks: list[str], n: int, spaced: bool) -> str:
    """Chunk ``n``'s translated ``text`` without the whitespace at an end where the source parts it from
    its neighbour already (blank markup, ``spaced``, or whitespace of the neighbour's own, which is written
    as it was): a space moved in with a word would double it."""
    if spaced or n + 1 < len(chunks) and chunks[n + 1][:1].isspace():
        text = text.rstrip()
    if n and chunks[n - 1][-1:].isspace():
        text = text.lstrip()
    return text


#: A word with the whitespace after it (and, first in a text, before it).
_TOKEN = re.compile(r"\s*\S+\s*|\s+")


def _filled(cut: list[tuple[int, str]], count: int) -> dict[int, str]:
    """The texts of ``segments`` (chunk -> text), with no chunk left without a word while there are enough.

    ``segments`` keeps the tree's order, so a chunk whose text was only the end of a word that markup cuts
    (the ``<b>`` of ``le.<b>le.</b>``) is left empty when that word moved: the element would be emptied.
    The fewest words are moved to it from its neighbours, in order (:func:`in_order`), each with its
    whitespace, so every character is kept; with fewer words than chunks, the longest words are cut in two.
    """
    texts = dict(cut)
    if all(texts.get(k, "").strip() for k in range(count)):
        return texts
    owners: list[int] = []  # the chunk of each word
    words: list[str] = []  # each word with the whitespace after it (the first, before it too)
    pending = ""
    for k, text in cut:
        for token in _TOKEN.findall(text):
            if token.strip():
                owners.append(k)
                words.append(pending + token)
                pending = ""
            elif words:
                words[-1] += token
            else:
                pending += token
    if not words:
        return texts
    while len(words) < count and _halved(owners, words):
        pass
    out = dict.fromkeys(range(count), "")
    for word, k in zip(words, in_order(owners, count, every=True)):
        out[k] += word
    return out


def _halved(owners: list[int], words: list[str]) -> bool:
    """Cut the longest of ``words`` in two (in place); False when none has two characters to part."""
    n = max(range(len(words)), key=lambda j: len(words[j].strip()))
    word, body = words[n], words[n].strip()
    if len(body) < 2:
        return False
    half = len(word) - len(word.lstrip()) + len(body) // 2
    words[n : n + 1] = [word[:half], word[half:]]
    owners.insert(n, owners[n])
    return True


def _respaced(raw: str, text: str) -> str:
    """``text`` with the outer whitespace of ``raw`` (the piece it translates); where ``raw`` has none at an
    end but ``text`` has, one space: a word moved in from a neighbouring element is not glued to the next."""
    body = text.strip()
    lead = raw[: len(raw) - len(raw.lstrip())] or (" " if body and text[:1].isspace() else "")
    tail = raw[len(raw.rstrip()):] or (" " if body and text[-1:].isspace() else "")
    return lead + body + tail


#: An ampersand and the name after it, as a reader of the page takes it for a character reference.
_AMPERSAND = re.compile(r"&([A-Za-z][A-Za-z0-9]*)")
#: The same, once escaped, where it is no reference (no ``;`` after its name).
_ESCAPED_AMPERSAND = re.compile(r"&amp;([A-Za-z][A-Za-z0-9]*)(?![A-Za-z0-9;])")


def _bare_names(raws: Iterable[str]) -> frozenset[str]:
    """The names written after a bare ``&`` in the source's text (``S&P 500``): no reference, so kept bare."""
    names = set()
    for raw in raws:
        for m in _AMPERSAND.finditer(raw):
            written = raw[m.start() : m.end() + 1]
            if html.unescape(written) == written:
                names.add(m.group(1))
    return frozenset(names)


def _escaped(text: str, bare: frozenset[str]) -> str:
    """``text`` as HTML text: ``&``, ``<`` and ``>`` escaped (``&eacute;`` written by the model stays text),
    but an ampersand the source wrote bare before a name that is no reference (``S&P``) stays bare, as
    the source had it, so the page reads the same."""
    out = html.escape(text, quote=False)
    if not bare:
        return out
    return _ESCAPED_AMPERSAND.sub(lambda m: "&" + m.group(1) if m.group(1) in bare else m.group(0), out)


def _chunks(pieces: list[_Piece], ks: list[int]) -> list[str]:
    """The texts of a stretch's text nodes, each with a space after it where only blank text or inline
    tags with blank text between them separate it from the next (``<span>Prix</span> <span>douze</span>``)."""
    out = []
    for n, k in enumerate(ks):
        text = str(pieces[k].text)
        between = pieces[k + 1 : ks[n + 1]] if n + 1 < len(ks) else []
        spaced = any(p.text is None and p.blank for p in between)
        out.append(text + " " if spaced and not text[-1:].isspace() else text)
    return out


#: One attribute of a start tag: its name, and its value with the quotes (a name alone has none).
_ATTRIBUTE = re.compile(r"""\s+([^\s"'<>/=]+)(?:(\s*=\s*)("[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")


def _set_attribute(tag: str, name: str, value: str, nth: int = 0) -> str:
    """The raw start tag with the ``nth`` attribute ``name`` (and no other, nor any text inside another's
    value) given ``value``."""
    escaped = html.escape(value, quote=True)
    count = itertools.count()
    return _with_value(tag, lambda n: n == name and next(count) == nth, lambda _: f'"{escaped}"')


def _swap_lang(tag: str) -> str:
    """The raw start tag with ``lang``/``xml:lang`` of the source language given the target's (``fr-CA`` too)."""
    pair = current_pair()

    def swapped(quoted: str) -> str:
        q = quoted[0] if quoted[:1] in ("'", '"') else ""
        value = quoted[len(q): len(quoted) - len(q)]
        return q + pair.target + q if value.lower().split("-")[0] == pair.source else quoted

    return _with_value(tag, lambda n: n in ("lang", "xml:lang"), swapped)


def _with_value(tag: str, which: Callable[[str], bool], value: Callable[[str], str]) -> str:
    """The raw start tag with the value of each attribute ``which`` accepts (by lower-case name) replaced."""
    out, at = [], 0
    name_end = re.match(r"<[^\s/>]*", tag)
    for m in _ATTRIBUTE.finditer(tag, name_end.end() if name_end else 0):
        if m.group(3) is not None and which(m.group(1).lower()):
            out += [tag[at : m.start(3)], value(m.group(3))]
            at = m.end(3)
    return "".join(out) + tag[at:]


def html_text(source: str) -> str:
    """The translatable text of a page, one text node per line."""
    return "\n".join(" ".join(p.text.split()) for p in _scan(source) if p.text is not None)


register_format("html", extensions=(".html", ".htm"), translate=translate_html, text=html_text)
