"""Reading a Word package (.docx) safely, before python-docx parses any of it.

A .docx is a zip of XML parts and pictures. A few hundred KB of zip can
inflate to gigabytes (a zip bomb), and the zip's own headers, which say how
big each member is, can lie. So every member is inflated here through a
counter, a chunk at a time and nothing kept, and the package is refused
(:class:`~bilingua.InputError`, one line saying which part went over which
limit) as soon as a count passes its limit in :class:`DocxLimits`. Only then
does python-docx read the package; if it finds a part that is not XML, the
part is named (:func:`invalid_xml`).
"""

from __future__ import annotations

import io
import math
import zipfile
import zlib
from dataclasses import dataclass, fields

from ..errors import InputError, InputTooLarge

__all__ = ["DocxLimits", "check_package", "invalid_xml"]

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
    held as bytes and bounded by ``max_total`` only). python-docx parses an
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
    """

    max_total: int = 256 * _MB
    max_xml_part: int = 32 * _MB
    max_ratio: float = 200.0
    ratio_from: int = 4 * _MB
    max_parts: int = 10_000

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            kinds = (int, float) if field.name == "max_ratio" else (int,)
            if isinstance(value, bool) or not isinstance(value, kinds) or not math.isfinite(value) or value < 1:
                kind = "a number" if float in kinds else "a whole number"
                raise InputError(f"DocxLimits.{field.name} must be {kind} of at least 1; got {value!r}")


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file: an encrypted .docx, or a .doc
_STRICT = b"http://purl.oclc.org/ooxml/wordprocessingml/main"
#: Inflated a chunk at a time: memory stays at one chunk whatever the part's size.
_CHUNK = 64 * 1024


def check_package(data: bytes, limits: DocxLimits) -> None:
    """Refuse, in one line that says what to do, a file python-docx would misread or choke on: not a zip,
    encrypted, Strict Open XML, or a package past one of ``limits`` (every member inflated and counted)."""
    if data.startswith(_OLE):
        raise InputError("this file is password-protected (encrypted) or an old Word .doc, not a .docx: "
                         "remove the password, or save it as a Word Document (.docx), in Word first")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            infos = package.infolist()
            if len(infos) > limits.max_parts:
                raise InputTooLarge(f"this .docx holds {len(infos):,} parts; bilingua reads at most "
                                 f"{limits.max_parts:,} (DocxLimits.max_parts)")
            total = 0
            for info in infos:
                total += _inflate(package, info, total, limits)
            if "word/document.xml" in package.namelist() and \
                    _STRICT in package.open("word/document.xml").read(4096):
                raise InputError("this .docx is saved as Strict Open XML, which bilingua does not read: save it "
                                 "as a Word Document (.docx) in Word first")
    except InputError:
        raise
    # What zipfile raises for a broken member: a bad CRC or header, a broken deflate stream, a cut-off
    # file, a compression it does not know, a member that needs a password.
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
        raise InputError(f"this is not a valid .docx file ({str(exc) or type(exc).__name__})") from None


def _inflate(package: zipfile.ZipFile, info: zipfile.ZipInfo, before: int, limits: DocxLimits) -> int:
    """The bytes one member inflates to, counted a chunk at a time (``before``: the members' before it);
    an :class:`InputError` the moment a count passes its limit."""
    size, xml = 0, None
    with package.open(info) as member:
        while chunk := member.read(_CHUNK):
            if xml is None:
                xml = _looks_like_xml(chunk)
            size += len(chunk)
            _check(info.filename, size, before + size, bool(xml), info.compress_size, limits)
    return size


def _check(name: str, size: int, total: int, xml: bool, zipped: int, limits: DocxLimits) -> None:
    """An :class:`InputError` that names the part and the limit, when a count so far is past its limit."""
    if xml and size > limits.max_xml_part:
        raise InputTooLarge(f"this .docx's {name} unzips to more than {_size(limits.max_xml_part)}, the most "
                         f"bilingua reads for one XML part (DocxLimits.max_xml_part)")
    if size > limits.ratio_from and size > limits.max_ratio * max(zipped, 1):
        raise InputTooLarge(f"this .docx's {name} unzips to more than {limits.max_ratio:,g} times its zipped size "
                         f"({_size(size)} from {_size(zipped)}), as a zip bomb does (DocxLimits.max_ratio)")
    if total > limits.max_total:
        raise InputTooLarge(f"this .docx unzips to more than {_size(limits.max_total)} (past it at {name}), "
                         f"the most bilingua reads in all (DocxLimits.max_total)")


def _size(n: int) -> str:
    for unit, scale in (("MB", _MB), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:,.1f}".removesuffix(".0") + f" {unit}"
    return f"{n:,} bytes"


def _looks_like_xml(head: bytes) -> bool:
    """Whether a part's first bytes may start XML (a byte-order mark, whitespace, ``<``, UTF-16's zeros):
    what does not can never become a tree, whatever its size."""
    start = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")[:1]
    return start in (b"", b"<", b"\x00", b"\xfe", b"\xff")


def invalid_xml(data: bytes, error: Exception) -> InputError:
    """The one-line error for a package python-docx found XML it cannot parse in (``error``): it names the
    part, the first that does not parse in the order python-docx reads them (content types, relationships,
    the document, the others)."""
    from lxml import etree

    # python-docx's own settings (no entity resolved, no network, no huge tree); every part's size is
    # already bounded by check_package, so each tree is too.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=True)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        names = [n for n in package.namelist() if n.endswith((".xml", ".rels"))]
        names.sort(key=lambda n: (n != "[Content_Types].xml", not n.endswith(".rels"), n != "word/document.xml"))
        for name in names:
            try:
                etree.fromstring(package.read(name), parser)
            except etree.XMLSyntaxError as exc:
                return InputError(f"this .docx file's {name} is not valid XML ({_one_line(exc)})")
    return InputError(f"this .docx file holds a part that is not valid XML ({_one_line(error)})")


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
