"""Reading a Word package (.docx) safely, before python-docx parses any of it.

A .docx is a zip of XML parts and pictures. A few hundred KB of zip can
inflate to gigabytes (a zip bomb), and the zip's own headers, which say how
big each member is, can lie. So every member is inflated here through a
counter, a chunk at a time and nothing kept, and the package is refused
(:class:`~bilingua.InputError`, one line saying which part went over which
limit) as soon as a count passes its limit in :class:`DocxLimits`. The
start of each XML part is read on the way too: a DTD (entities), which
Word never writes and python-docx drops on writing, and Strict Open XML
are refused there. Only then does
python-docx read the package; if it finds a part that is not XML, or a
package it cannot make a document of, the cause is named
(:func:`invalid_xml`, :func:`not_a_docx`).
"""

from __future__ import annotations

import io
import math
import zipfile
import zlib
from dataclasses import dataclass, fields
from typing import Any

from ..errors import InputError, InputTooLarge

__all__ = ["DocxLimits", "check_package", "invalid_xml", "not_a_docx"]

_MB = 2**20


@dataclass(frozen=True)
class DocxLimits:
    """How much a .docx may unzip to before bilingua refuses it; each count is made on the bytes as they
    are inflated, never read from the zip's headers.

    ``max_total``: all parts together. Pictures are most of a big .docx and do
    not compress (JPEG, PNG), so 256 MB unzipped is about 256 MB of file,
    far past the service's 20 MB upload; python-docx holds every part in
    memory once. (It was 512 MB, counted from the headers.)

    ``max_xml_part``: one XML part (a part that starts like XML; a picture is
    held as bytes and bounded by the package's counts only). python-docx parses an
    XML part into a tree of about ten times its size: a 25 MB document.xml
    of 120,000 paragraphs (some 4,000 pages) took 264 MB and 10 s to read.
    A 600-page report's document.xml is about 4 MB; 32 MB bounds one tree to
    some 350 MB.

    ``max_ratio`` and ``ratio_from``: a part that inflates past ``ratio_from``
    bytes to more than ``max_ratio`` times its zipped size. Real parts deflate
    6 to 35 times (python-docx's test files 8 to 32; an empty 3,000-row table,
    the most repetitive part a person makes, 134); a part padded with a
    repeated comment inflates some 300 times, with whitespace or zeros 1,000.
    A part under 4 MB costs little whatever its ratio, so it is not judged.

    ``max_parts``: members of the zip. A real .docx has tens, a few hundred
    with many pictures; each member is opened and copied on writing.

    ``max_xml_total``: the XML parts together. python-docx parses every
    header, footer, styles and relationships part it is pointed at, so sixty
    header parts just under 4 MB each (no part limit reached) took 5.4 GB and
    19 s. A 600-page report's XML is about 5 MB in all; 64 MB is two parts
    at ``max_xml_part``, some 0.7 GB of trees for real paragraphs (1.5 GB
    for nothing but empty ``<w:p/>``, the densest XML there is).

    ``max_index_part``: a part that only lists the others (``[Content_Types].xml``, a ``.rels``).
    A real one holds a few KB (a document of ten thousand links, some 1.5 MB); 30 MB of them took
    some 400 MB to read, as python-docx parses every relationship.

    ``max_package_ratio`` and ``package_ratio_from``: the whole package
    inflating past ``package_ratio_from`` bytes to more than
    ``max_package_ratio`` times the file's size, however its parts share it
    out. Real packages inflate 1.4 to 24 times (python-docx's 50 test files;
    pictures do not deflate, and a package mixes repetitive parts with
    others); the sixty headers 600. Up to 8 MB a package costs little
    (some 200 MB of trees at worst) whatever its ratio.
    """

    max_total: int = 256 * _MB
    max_xml_part: int = 32 * _MB
    max_ratio: float = 200.0
    ratio_from: int = 4 * _MB
    max_parts: int = 10_000
    # Added after the others, so that limits given by position keep their meaning.
    max_xml_total: int = 64 * _MB
    max_package_ratio: float = 100.0
    package_ratio_from: int = 8 * _MB
    max_index_part: int = 8 * _MB

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            kinds = (int, float) if field.name.endswith("_ratio") else (int,)
            if isinstance(value, bool) or not isinstance(value, kinds) or not math.isfinite(value) or value < 1:
                kind = "a number" if float in kinds else "a whole number"
                raise InputError(f"DocxLimits.{field.name} must be {kind} of at least 1; got {value!r}")


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file: an encrypted .docx, or a .doc
_UNLOCK = "remove the password, or save it as a Word Document (.docx), in Word first"
_STRICT = "{http://purl.oclc.org/ooxml/wordprocessingml/main}"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
#: Inflated a chunk at a time: memory stays at one chunk whatever the part's size.
_CHUNK = 64 * 1024


@dataclass
class _Tally:
    """What the members inflated so far came to, with the zip's own size to judge the whole by."""

    zipped: int
    total: int = 0
    xml: int = 0


def check_package(data: bytes, limits: DocxLimits) -> None:
    """Refuse, in one line that says what to do, a file python-docx would misread or choke on: not a zip,
    encrypted, Strict Open XML, an XML part with a DTD, or a package past one of ``limits`` (every member
    inflated and counted)."""
    if data.startswith(_OLE):
        raise InputError(f"this file is password-protected (encrypted) or an old Word .doc, not a .docx: {_UNLOCK}")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            infos = package.infolist()
            if len(infos) > limits.max_parts:
                raise InputTooLarge(f"this .docx holds {len(infos):,} parts; bilingua reads at most "
                                 f"{limits.max_parts:,} (DocxLimits.max_parts)")
            tally = _Tally(zipped=len(data))
            for info in infos:
                if info.flag_bits & 0x1:  # the zip's own encryption: zipfile would only ask for a password
                    raise InputError(f"this .docx is password-protected (its parts are encrypted): {_UNLOCK}")
                _inflate(package, info, tally, limits)
    except InputError:
        raise
    # What zipfile raises for a broken member: a bad CRC or header, a broken deflate stream, a cut-off
    # file, a compression it does not know.
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
        raise InputError(f"this is not a valid .docx file ({str(exc) or type(exc).__name__})") from None


def _inflate(package: zipfile.ZipFile, info: zipfile.ZipInfo, tally: _Tally, limits: DocxLimits) -> None:
    """Inflate one member a chunk at a time, counted into ``tally``; an :class:`InputError` the moment a
    count passes its limit, or once an XML part's start (:class:`_Start`) is one bilingua does not read."""
    size, xml, start = 0, False, None
    with package.open(info) as member:
        while chunk := member.read(_CHUNK):
            if size == 0:
                xml = _looks_like_xml(chunk)
                start = _Start() if xml else None
            size += len(chunk)
            tally.total += len(chunk)
            tally.xml += len(chunk) if xml else 0
            _check(info.filename, size, xml, info.compress_size, tally, limits)
            if start is not None and start.read(chunk):
                start.judge(info.filename)
                start = None


def _check(name: str, size: int, xml: bool, zipped: int, tally: _Tally, limits: DocxLimits) -> None:
    """An :class:`InputError` that names the part and the limit, when a count so far is past its limit."""
    if size > limits.max_index_part and (name == "[Content_Types].xml" or name.endswith(".rels")):
        raise InputTooLarge(f"this .docx's {name} unzips to more than {_size(limits.max_index_part)}, the most "
                            f"bilingua reads for a part that lists the others (DocxLimits.max_index_part)")
    if xml and size > limits.max_xml_part:
        raise InputTooLarge(f"this .docx's {name} unzips to more than {_size(limits.max_xml_part)}, the most "
                         f"bilingua reads for one XML part (DocxLimits.max_xml_part)")
    if size > limits.ratio_from and size > limits.max_ratio * max(zipped, 1):
        raise InputTooLarge(f"this .docx's {name} unzips to more than {limits.max_ratio:,g} times its zipped size "
                         f"({_size(size)} from {_size(zipped)}), as a zip bomb does (DocxLimits.max_ratio)")
    if tally.xml > limits.max_xml_total:
        raise InputTooLarge(f"this .docx's XML parts unzip to more than {_size(limits.max_xml_total)} together "
                         f"(past it at {name}), the most bilingua reads (DocxLimits.max_xml_total)")
    if tally.total > limits.package_ratio_from and tally.total > limits.max_package_ratio * max(tally.zipped, 1):
        raise InputTooLarge(f"this .docx unzips to more than {limits.max_package_ratio:,g} times its own size "
                         f"({_size(tally.total)} from {_size(tally.zipped)}, past it at {name}), as a zip bomb "
                         f"does (DocxLimits.max_package_ratio)")
    if tally.total > limits.max_total:
        raise InputTooLarge(f"this .docx unzips to more than {_size(limits.max_total)} (past it at {name}), "
                         f"the most bilingua reads in all (DocxLimits.max_total)")


def _size(n: int) -> str:
    for unit, scale in (("MB", _MB), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:,.1f}".removesuffix(".0") + f" {unit}"
    return f"{n:,} bytes"


def _looks_like_xml(head: bytes) -> bool:
    """Whether a part's first bytes may start XML: ``<`` after a byte-order mark and whitespace, in UTF-8
    or, its NULs left out, UTF-16. What does not can never become a tree, whatever its size; nor can NULs
    alone (a "picture" of zeros is bounded as a picture, and named so)."""
    for bom in (b"\xef\xbb\xbf", b"\xfe\xff", b"\xff\xfe"):
        head = head.removeprefix(bom)
    head = head[:256]
    if b"\x00" in head[:4]:  # UTF-16 (or 32): a NUL beside each ASCII character
        head = head.replace(b"\x00", b"")
        if not head:
            return False
    return head.lstrip(b" \t\r\n")[:1] in (b"", b"<")


class _Start:
    """The start of an XML part, up to its first element, read from its chunks as they are inflated:
    whether it declares a DOCTYPE, and the first element's tag. It is an lxml parser target, so no tree
    is built, and no entity is resolved nor anything fetched."""

    def __init__(self) -> None:
        from lxml import etree

        self.declares_dtd = False
        self.root: str | None = None
        self._parser = etree.XMLParser(target=self, resolve_entities=False, no_network=True, load_dtd=False,
                                       huge_tree=False)

    def read(self, chunk: bytes) -> bool:
        """Read on; whether the start is all read (a DOCTYPE, the first element, or XML that does not
        parse: python-docx names that part if it reads it)."""
        from lxml import etree

        for at in range(0, len(chunk), 4096):  # a little at a time: what follows the first element is not read
            try:
                self._parser.feed(chunk[at:at + 4096])
            except etree.XMLSyntaxError:
                return True
            if self.declares_dtd or self.root is not None:
                return True
        return False

    def judge(self, name: str) -> None:
        """Refuse what the start says bilingua cannot write back as Word reads it."""
        if self.declares_dtd:  # python-docx writes the part without its DTD: its entities then undeclared
            raise InputError(f"this .docx's {name} declares a DTD (entities), which Word documents do not use: "
                             f"bilingua does not read it")
        if self.root is not None and self.root.startswith(_STRICT):
            raise InputError("this .docx is saved as Strict Open XML, which bilingua does not read: save it "
                             "as a Word Document (.docx) in Word first")

    # The parser target's callbacks.
    def doctype(self, *_: object) -> None:
        self.declares_dtd = True

    def start(self, tag: str, *_: object) -> None:
        if self.root is None:
            self.root = tag

    def close(self) -> None:
        return None


def invalid_xml(data: bytes, error: Exception) -> InputError:
    """The one-line error for a package python-docx found XML it cannot parse in (``error``): it names the
    part, the first that does not parse in the order python-docx reads them (content types, relationships,
    the document, the others)."""
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(data)) as package:
        names = [n for n in package.namelist() if n.endswith((".xml", ".rels"))]
        names.sort(key=lambda n: (n != "[Content_Types].xml", not n.endswith(".rels"), n != "word/document.xml"))
        for name in names:
            try:
                etree.fromstring(package.read(name), xml_parser())
            except etree.XMLSyntaxError as exc:
                return InputError(f"this .docx file's {name} is not valid XML ({_one_line(exc)})")
    return InputError(f"this .docx file holds a part that is not valid XML ({_one_line(error)})")


def not_a_docx(data: bytes, error: Exception) -> InputError:
    """The one-line error for a package python-docx could not make a document of (``error``: what it raised,
    as often as not a TypeError or AttributeError from deep inside it): the cause named where bilingua
    knows it (a relationship without a target, a main part missing or not a Word document), else
    python-docx's own words."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        cause = _broken_relationship(package) or _not_a_document(package)
    return InputError(f"this is not a valid .docx file ({cause or _one_line(error)})")


def _broken_relationship(package: zipfile.ZipFile) -> str | None:
    """The first relationship, in any relationships part, that lacks what python-docx follows it by."""
    from lxml import etree

    for name in (n for n in package.namelist() if n.endswith(".rels")):
        try:
            root = etree.fromstring(package.read(name), xml_parser())
        except etree.XMLSyntaxError:
            continue
        for rel in root:
            missing = next((a for a in ("Id", "Type", "Target") if rel.get(a) is None), None)
            if isinstance(rel.tag, str) and missing:  # not a comment
                return f"{name} has a relationship without a {missing}"
    return None


def _not_a_document(package: zipfile.ZipFile) -> str | None:
    """What is wrong with the package's main part (the one ``_rels/.rels`` names), when it is missing or
    its first element is not ``<w:document>``."""
    from lxml import etree

    main = "word/document.xml"
    try:
        rels = etree.fromstring(package.read("_rels/.rels"), xml_parser())
        main = next(r.get("Target", main) for r in rels if str(r.get("Type", "")).endswith("/officeDocument"))
    except (KeyError, StopIteration, etree.XMLSyntaxError):
        pass  # python-docx's own words say more
    main = main.lstrip("/")
    if main not in package.namelist():
        return f"its main part, {main}, is missing"
    start = _Start()
    with package.open(main) as member:
        while (chunk := member.read(_CHUNK)) and not start.read(chunk):
            pass
    if start.root is not None and start.root != f"{_W}document":
        return f"its main part, {main}, is a <{start.root.rsplit('}', 1)[-1]}>, not a Word document's <w:document>"
    return None


def xml_parser() -> Any:
    """python-docx's own parser settings: no entity resolved, no network, no huge tree. Every part's size
    is already bounded by check_package, so each tree is too."""
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=True)


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
