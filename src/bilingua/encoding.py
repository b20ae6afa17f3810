"""Which encoding a text file is in, and text written back in one.

Reading (:func:`decode_bytes`): the first rule that applies decides.

1. An encoding the caller names (``--encoding``, ``encoding=``): ``given`` (each rule names its :data:`HOW`).
2. A byte-order mark: UTF-8, UTF-16 or UTF-32, little- or big-endian: ``bom``.
3. UTF-16 or UTF-32 without a mark, from where the NUL bytes of mostly-ASCII text fall: ``detected``.
   Looked for only in bytes that hold NULs, and before UTF-8: ASCII text in UTF-16 is valid UTF-8 too
   (with NULs).
4. Valid UTF-8: ``valid``. It is by far the commonest case, so it is tried before anything costlier (one
   pass in C). Pure ASCII that an HTML or XML document declares in an ASCII-compatible charset is
   reported in that charset (``declared``): the bytes are the same, and what is written back must say so.
   Other bytes with NULs are a binary file, refused.
5. The charset an HTML or XML document declares (``<meta charset>``, ``http-equiv``, ``<?xml encoding``)
   in its head, when it decodes them: ``declared``. One that does not is not believed, and the log says so.
6. Legacy encodings (``detected``): every reading that charset-normalizer proposes, and the Western code
   pages French text is found in, is scored by how French (or at least Western European) its non-ASCII
   characters are, in their context (a ½ before "litre" is French, one inside a word is not). The reading
   with the fewest characters such text would not have wins; cp1252 wins a tie, as the commonest by far,
   and a win by a character or two is logged as a warning. With no such reading, charset-normalizer's own
   best reading (CJK, Cyrillic, Greek...) is taken when no other comes close.

Nothing is guessed silently: a text with too few non-ASCII characters to tell, or with two readings
equally good, is refused with an :class:`InputError` that shows the candidates' readings and says to
choose with ``--encoding NAME`` (``encoding=`` in Python). The encoding used is logged: at debug level
for UTF-8, at info level otherwise, as a warning when a tie or an untrustworthy declaration was settled.

Writing (:func:`encode_text`): UTF-8, or the encoding read with ``keep_encoding``; a byte-order mark
when the input had one; a document's charset declaration is made to name the encoding it is written in
(and left byte for byte when it already does).
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass
from typing import Any

from .errors import InputError

__all__ = ["Decoded", "HOW", "codec_name", "decode_bytes", "encode_text"]

logger = logging.getLogger("bilingua")

#: How a :class:`Decoded` text's encoding was found (see the module's docstring).
HOW = ("given", "bom", "valid", "declared", "detected")

#: UTF-32's marks first: UTF-32LE's starts with UTF-16LE's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BOM_OF = {name: bom for bom, name in _BOMS}
#: The codecs whose byte-order mark is optional in the stream: given by name, they are read as the mark says.
_BOM_FAMILIES = {"utf-8-sig": "utf-8", "utf-16": "utf-16", "utf-32": "utf-32"}

#: How far into a document its charset declaration is looked for, when no </head> ends the search sooner.
#: HTML's own prescan reads 1024 bytes, but long comments, scripts and styles before the <meta> are not
#: rare, and a declaration missed on writing is left naming an encoding the output is not in.
_HEAD = 65536
_HEAD_END = re.compile(r"</head\s*>", re.I)
#: The sample whose NUL bytes tell UTF-16 and UTF-32 apart.
_WIDE_SAMPLE = 4096
_XML_DECLARATION = re.compile(r"""\A\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']\s*([\w.:-]+)""", re.I)
#: A <meta> tag's attributes (to its ">", greedily: each tag is scanned once, however many lack their ">"),
#: and the charset they name, in a charset attribute or an http-equiv's content.
_META = re.compile(r"<meta\b([^>]*)", re.I)
_CHARSET = re.compile(r"""\bcharset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
#: What a browser reads a declared label as (the WHATWG Encoding standard): a page that says Latin-1 or
#: ASCII is read as Windows-1252, whose curly quotes and euro sign such pages are full of.
_BROWSER_READS = {"iso8859-1": "cp1252", "ascii": "cp1252"}
#: The label a declaration is rewritten to: the web's name for the output codec (one not listed is written
#: as Python names it: cp1251, koi8-r, big5 are labels browsers know too).
_LABELS = {"utf-8": "UTF-8", "cp1252": "windows-1252", "iso8859-1": "ISO-8859-1", "iso8859-15": "ISO-8859-15",
           "mac-roman": "macintosh", "cp850": "IBM850", "utf-16-le": "UTF-16LE", "utf-16-be": "UTF-16BE",
           "utf-32-le": "UTF-32LE", "utf-32-be": "UTF-32BE", "shift_jis": "Shift_JIS", "euc_jp": "EUC-JP"}
#: Codecs that turn bytes into text but are no text encoding: Python literals' escapes, domain names, none.
_NOT_TEXT = frozenset({"unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined"})

#: Code pages French text is found in, tried besides charset-normalizer's candidates; the order breaks ties.
_WESTERN = ("cp1252", "iso8859-15", "mac-roman", "cp850")
#: Non-ASCII characters of French text (and of the names and typography it has): the rest are odd.
_FRENCH = frozenset(
    "àâäæçéèêëîïôöœùûüÿÀÂÄÆÇÉÈÊËÎÏÔÖŒÙÛÜŸ"  # French
    "áíóúñãõåøßìòÁÍÓÚÑÅØ"  # names from neighbouring languages
    "«»…’‘“”–—€°·§©®™²³£µ•\u00a0\u202f"  # typography
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
#: A capital in the middle of a lowercase word ("cafÈ") is a misreading, whatever the letter.
_MIDWORD_CAPITAL = re.compile(r"(?<=[a-zß-öø-ÿœ])[À-ÖØ-ÞŒŸ]")
#: A letter, for the rules below (to the re module ½ is a word character too).
_LETTER = r"[^\W\d_¼½¾]"
#: ¼ ½ ¾ as quantities, which French text has: not after a letter, before a non-letter or a unit ("½ litre",
#: "1½", "¾h"). Their bytes are Œ œ Ÿ in ISO-8859-15, so only their context tells a recipe from "cœur".
_QUANTITY = re.compile(rf"(?<!{_LETTER})[¼½¾](?=(?:h|min|g|kg|l|cl|dl|ml|m|cm|mm|km)?(?!{_LETTER}))")
#: Œ œ Ÿ touching no letter ("œ litre"): no French word is one of them alone, so they are a misreading.
_LONE_LIGATURE = re.compile(rf"(?<!{_LETTER})[œŒŸ](?!{_LETTER})")
#: C1 controls and the replacement character: no reading that holds them is text.
_CONTROL = re.compile("[\x80-\x9f\ufffd]")
#: Text this far in is enough to score a reading (the whole text is still decoded strictly).
_SAMPLE = 200_000
#: Fewer non-ASCII characters than this are too few to tell one code page from another.
MIN_EVIDENCE = 3
#: A reading may have this share of odd characters (a ½, a ×) and still count as French.
_ODD_SHARE = 0.05
#: charset-normalizer's chaos above which a reading is not text, and the margins by which its best
#: reading must beat any other (chaos lower, or coherence higher) to be taken.
_MAX_CHAOS, _CHAOS_MARGIN, _COHERENCE_MARGIN = 0.1, 0.1, 0.05
#: A Western reading that wins by this many odd characters or fewer wins on thin evidence: the log warns.
_CLOSE = 2


@dataclass(frozen=True)
class Decoded:
    """A text file's text and how it was read.

    ``encoding`` is Python's codec name (``utf-8``, ``cp1252``, ``utf-16-le``, ``shift_jis``...);
    ``bom`` whether a byte-order mark preceded the text (it is not part of ``text``); ``how`` one of
    :data:`HOW`; ``declared`` the codec the document's own charset declaration names, if any.
    """

    text: str
    encoding: str = "utf-8"
    bom: bool = False
    how: str = "valid"
    declared: str | None = None

    def describe(self) -> str:
        """``cp1252 (detected)``, ``utf-16-le with a byte-order mark``: what the log and messages say."""
        if self.bom:
            return f"{self.encoding} with a byte-order mark"
        return f"{self.encoding} ({'valid UTF-8' if self.how == 'valid' else self.how})"


def codec_name(name: str) -> str:
    """Python's name for the text encoding ``name`` (``windows-1252`` -> ``cp1252``), or an
    :class:`InputError` saying that it is not one."""
    try:
        info = codecs.lookup(name)
    except (LookupError, TypeError, ValueError):
        raise InputError(f"unknown encoding {name!r}; name one Python knows, such as utf-8, cp1252, "
                         "iso8859-15, utf-16, shift_jis") from None
    # base64, rot13, zlib say they are not of text; unicode_escape, idna and the like decode bytes to text
    # but would read any file "successfully" as something it is not, so they are refused alike.
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_TEXT:
        raise InputError(f"{name!r} is not a text encoding; name one such as utf-8, cp1252, utf-16")
    return info.name


def decode_bytes(data: bytes, name: str, encoding: str | None = None) -> Decoded:
    """The text of ``data`` (a file called ``name`` in messages) and how it was read; ``encoding``
    overrides every rule. An :class:`InputError` when it cannot be told without guessing."""
    if encoding is not None:
        found = _given(data, name, codec_name(encoding))
    else:
        found = _found(data, name)
    if found.encoding == "utf-8":
        logger.debug("%s: read as %s", name, found.describe())
    else:
        logger.info("%s: read as %s", name, found.describe())
    return found


def _found(data: bytes, name: str) -> Decoded:
    """Rules 2 to 6 of the module's docstring."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _strict(data[len(bom):], name, codec, "bom", bom=True)
    if b"\x00" in data:  # before UTF-8: ASCII text in UTF-16 or UTF-32 is valid UTF-8 (with NULs) too
        wide = _wide_encoding(data)
        if wide:
            return _strict(data, name, wide, "detected")
    declared = _declared_label(data, name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = exc.start
    else:
        return _valid(data, text, name, declared)
    nul = data.find(b"\x00")
    if nul != -1:
        raise InputError(f"{name} is not text: it has a NUL byte at offset {nul}; is it a binary file?")
    if declared is not None:
        read = _as_declared(data, name, declared)
        if read is not None:
            return read
    return _detected(data, name, bad, declared)


def _given(data: bytes, name: str, codec: str) -> Decoded:
    """``data`` in the encoding its caller named; a byte-order mark of that encoding is not text."""
    family = _BOM_FAMILIES.get(codec, codec)
    for bom, marked in _BOMS:
        if data.startswith(bom) and (marked == family or marked.startswith(family + "-")):
            return _strict(data[len(bom):], name, marked, "given", bom=True)
    if family in ("utf-16", "utf-32"):  # no mark: the order the NUL bytes show, else little-endian
        wide = _wide_encoding(data)
        family = wide if wide and wide.startswith(family) else family + "-le"
    return _strict(data, name, family, "given")


def _strict(data: bytes, name: str, codec: str, how: str, *, bom: bool = False) -> Decoded:
    """``data`` decoded by ``codec``, or an :class:`InputError` naming the first byte it cannot read."""
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise InputError(f"{name} is not valid {codec} (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                         "name its encoding with --encoding NAME (encoding= in Python)") from None
    except UnicodeError as exc:  # a codec that is not of bytes to text (idna, punycode) says so its own way
        raise InputError(f"{name} cannot be read as {codec} ({exc}); name another with --encoding NAME") from None
    return Decoded(text, codec, bom, how)


def _valid(data: bytes, text: str, name: str, declared: tuple[str, str] | None) -> Decoded:
    """Valid UTF-8: UTF-8, unless it is ASCII that a document declares in an ASCII-compatible charset."""
    if declared is None:
        return Decoded(text)
    label, codec = declared
    if data.isascii():
        try:
            same = data.decode(codec) == text  # UTF-16 declared over ASCII bytes is no declaration
        except UnicodeError:
            same = False
        if same:
            return Decoded(text, codec, how="declared", declared=codec)
    elif codec != "utf-8":
        logger.warning("%s declares %s but is valid UTF-8: read as UTF-8", name, label)
    return Decoded(text, declared=codec)


def _declared_label(data: bytes, name: str) -> tuple[str, str] | None:
    """The charset label an HTML or XML document declares and the codec it is read by, if any; a
    label Python does not know is logged and left out."""
    head = data[:_HEAD].decode("latin-1")
    span = _declaration(head)
    if span is None:
        return None
    label = head[span[0]:span[1]]
    try:
        codec = codec_name(label)
    except InputError:
        logger.warning("%s declares %s, which is no text encoding Python knows: not believed", name, label)
        return None
    return label, _BROWSER_READS.get(codec, codec)


def _declaration(text: str) -> tuple[int, int] | None:
    """Where in ``text`` the charset label that a document declares is: in its XML declaration, else in the
    first ``<meta>`` that names one, in its head (up to ``</head>``, at most :data:`_HEAD` characters in)."""
    head = text[:_HEAD]
    if not head.lstrip()[:1] == "<":  # plain text, Markdown, subtitles: a <meta> in them is quoted, not said
        return None
    end = _HEAD_END.search(head)  # a <meta> in the body, or in an example on the page, declares nothing
    head = head[:end.start()] if end else head
    xml = _XML_DECLARATION.search(head)
    if xml:
        return xml.span(1)
    for meta in _META.finditer(head):
        charset = _CHARSET.search(head, meta.start(1), meta.end(1))
        if charset:
            return charset.span(1)
    return None


def _as_declared(data: bytes, name: str, declared: tuple[str, str]) -> Decoded | None:
    """``data`` in the charset it declares (Latin-1 read as cp1252 first, as browsers do); ``None``, with a
    warning, when that charset does not decode it."""
    label, codec = declared
    for candidate in dict.fromkeys((codec, codec_name(label))):
        try:
            return Decoded(data.decode(candidate), candidate, how="declared", declared=candidate)
        except UnicodeError:
            continue
    logger.warning("%s declares %s but is not %s: its encoding is detected instead", name, label, label)
    return None


def _wide_encoding(data: bytes) -> str | None:
    """UTF-16/32 without a byte-order mark, from where the NUL bytes of mostly-ASCII text fall."""
    sample = data[:_WIDE_SAMPLE]
    if len(sample) < 4 or sample.count(0) < len(sample) // 4:
        return None
    for name, width, offset in (("utf-32-le", 4, 0), ("utf-32-be", 4, 3), ("utf-16-le", 2, 0), ("utf-16-be", 2, 1)):
        text_bytes = sample[offset::width]
        others = [sample[i] for i in range(len(sample)) if i % width != offset]
        # Mostly: a character outside Latin-1 (Œ, €) has a non-zero high byte.
        if others.count(0) >= 0.9 * len(others) and text_bytes.count(0) <= 0.1 * len(text_bytes):
            return name
    return None


@dataclass(frozen=True)
class _Reading:
    """One encoding's reading of the bytes: its non-ASCII characters, how many of them French text would
    not have, and charset-normalizer's scores when it proposed the encoding."""

    encoding: str
    text: str
    letters: int
    odd: int
    chaos: float = 1.0
    coherence: float = 0.0

    @property
    def french(self) -> bool:
        return self.letters > 0 and self.odd <= _ODD_SHARE * self.letters

    @property
    def plausible(self) -> bool:
        """Worth showing a user: a Western code page's reading, a French one, or one that charset-normalizer
        found to be coherent text (its other candidates read a few bytes as anything at all)."""
        return (self.encoding in _WESTERN or self.french
                or (self.chaos <= _MAX_CHAOS and self.coherence > 0))

    def shown(self, at: int | None = None) -> str:
        """``cp1252 reads 'café'``: the word around ``at`` (else its first non-ASCII character), for a message."""
        if at is None:
            found = _NON_ASCII.search(self.text)
            at = found.start() if found else 0
        before = re.search(r"\S{0,12}\Z", self.text[max(0, at - 12):at])
        after = re.match(r"\S{0,12}", self.text[at + 1:at + 13])
        word = (before.group() if before else "") + self.text[at:at + 1] + (after.group() if after else "")
        return f"{self.encoding} reads {word!r}"


def _detected(data: bytes, name: str, bad: int, declared: tuple[str, str] | None) -> Decoded:
    """Rule 6 of the module's docstring: a legacy encoding, or a refusal that shows the candidates."""
    readings = _readings(data)
    where = f"{name} is not valid UTF-8 (byte 0x{data[bad]:02x} at offset {bad})"
    french = sorted((r for r in readings if r.french), key=lambda r: r.odd)  # stable: ties keep _WESTERN's order
    best = french[0] if french else _foreign(readings, where)
    if french and best.letters < MIN_EVIDENCE:
        raise InputError(f"{where}, and too few of its characters are accented to tell its encoding: "
                         f"{_candidates(best, readings)}; {_CHOOSE}")
    close = [r for r in french[1:] if r.odd <= best.odd + _CLOSE and r.text != best.text]
    tied = [r for r in close if r.odd == best.odd]
    if tied and best.encoding != "cp1252":
        raise InputError(f"{where}, and several encodings read it equally well: {_candidates(best, tied)}; {_CHOOSE}")
    if close:  # a tie that cp1252, the commonest encoding of French text by far, settles, or a narrow win
        why = "the commonest for French text" if tied else "by a character or two"
        logger.warning("%s: %s; read as %s, %s (--encoding NAME to choose)",
                       name, _candidates(best, close), best.encoding, why)
    return Decoded(best.text, best.encoding, how="detected", declared=declared[1] if declared else None)


_CHOOSE = "name its encoding with --encoding NAME (encoding= in Python)"


def _foreign(readings: list[_Reading], where: str) -> _Reading:
    """charset-normalizer's best reading of a text that is not in a Western code page, when no other
    reading comes close; else an :class:`InputError` that shows them."""
    scored = sorted((r for r in readings if r.chaos <= _MAX_CHAOS), key=lambda r: (r.chaos, -r.coherence))
    if not scored:
        raise InputError(f"{where}, and no encoding reads it as text; if it is text, {_CHOOSE}")
    best = scored[0]
    rivals = [r for r in scored[1:] if r.text != best.text and r.chaos < best.chaos + _CHAOS_MARGIN
              and r.coherence > best.coherence - _COHERENCE_MARGIN]
    if rivals:
        raise InputError(f"{where}, and {len(rivals) + 1} encodings read it about as well, among them "
                         f"{_candidates(best, rivals)}; {_CHOOSE}")
    return best


def _candidates(best: _Reading, others: list[_Reading], most: int = 4) -> str:
    """``cp1252 reads 'café', mac-roman reads 'cafÈ'``: the best reading and at most ``most - 1`` other
    plausible ones, each shown where it first differs from the best (not where both read the same)."""
    picked: dict[str, _Reading] = {}
    for r in others:
        if len(picked) < most - 1 and r.plausible and r.text != best.text:
            picked.setdefault(r.text, r)
    at = [_difference(best.text, r.text) for r in picked.values()]
    return ", ".join([best.shown(at[0] if at else None)] + [r.shown(i) for r, i in zip(picked.values(), at)])


def _difference(a: str, b: str) -> int:
    """The first index at which ``a`` and ``b`` differ."""
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def _readings(data: bytes) -> list[_Reading]:
    """Each reading of ``data`` that is text: the Western code pages' (in order), then charset-normalizer's
    candidates'. A reading that holds C1 controls or fails to decode is none."""
    scores = _normalizer_scores(data)
    found: list[_Reading] = []
    for codec in dict.fromkeys((*_WESTERN, *scores)):
        try:
            text = data.decode(codec)
        except (UnicodeError, LookupError):
            continue
        sample = text[:_SAMPLE]
        if _CONTROL.search(sample):
            continue
        chars = _NON_ASCII.findall(sample)
        odd = (sum(c not in _FRENCH for c in chars) - len(_QUANTITY.findall(sample))
               + len(_MIDWORD_CAPITAL.findall(sample)) + len(_LONE_LIGATURE.findall(sample)))
        found.append(_Reading(codec, text, len(chars), odd, *scores.get(codec, (1.0, 0.0))))
    return found


def _normalizer_scores(data: bytes) -> dict[str, tuple[float, float]]:
    """charset-normalizer's candidates, best first, with their chaos (0: reads as text) and coherence
    (how much it looks like a language it knows). Imported here: it takes a tenth of a second to import,
    and most files are UTF-8."""
    from charset_normalizer import from_bytes

    scores: dict[str, tuple[float, float]] = {}
    match: Any
    for match in from_bytes(data):
        try:
            codec = codecs.lookup(match.encoding).name
        except LookupError:
            continue
        scores.setdefault(codec, (float(match.chaos), float(match.coherence)))
    return scores


def encode_text(text: str, read: Decoded | None = None, *, keep_encoding: bool = False,
                name: str = "the output") -> bytes:
    """The bytes to write for ``text``, a document that was read as ``read``.

    UTF-8, or with ``keep_encoding`` the encoding it was read in; a byte-order mark when it had one
    (a UTF-16 file written as UTF-8 gets UTF-8's). A charset declaration that names another encoding than
    the one written is made to name it, wherever in the head it is and however the input was read (a
    declaration that already names it is left byte for byte). A character the encoding cannot hold is an
    :class:`InputError`, raised before anything is written.
    """
    if read is None:
        return text.encode("utf-8")
    codec = read.encoding if keep_encoding else "utf-8"
    text = _declaring(text, codec)
    try:
        body = text.encode(codec)
    except UnicodeEncodeError as exc:
        char = str(exc.object[exc.start])
        raise InputError(f"{name}: {char!r} (U+{ord(char):04X}, at offset {exc.start}) cannot be written in "
                         f"{codec}, the input's encoding; write UTF-8 instead (without --keep-encoding or "
                         "keep_encoding=True)") from None
    except UnicodeError as exc:
        raise InputError(f"{name} cannot be written in {codec} ({exc}); write UTF-8 instead") from None
    return _BOM_OF.get(codec, b"") + body if read.bom else body


def _declaring(text: str, codec: str) -> str:
    """``text`` with its charset declaration, if it has one, naming ``codec``: a page written in UTF-8 that
    still said windows-1252 (or UTF-16) would be misread by every browser and XML parser."""
    span = _declaration(text)
    if span is None or _names(text[span[0]:span[1]], codec):
        return text
    label = _LABELS.get(codec, codec)
    label = label.lower() if text[span[0]:span[1]].islower() else label  # "utf-8" stays in the case it was in
    return text[:span[0]] + label + text[span[1]:]


def _names(label: str, codec: str) -> bool:
    """Whether the charset label ``label`` names ``codec`` as a reader takes it: ISO-8859-1 and ASCII are
    read as Windows-1252 (and ``codec`` is one of them when given by name), ``utf-16`` is either order."""
    try:
        named = codec_name(label)
    except InputError:
        return False
    named, codec = _BROWSER_READS.get(named, named), _BROWSER_READS.get(codec, codec)
    return named == codec or (named in _BOM_FAMILIES and codec.startswith(_BOM_FAMILIES[named]))
