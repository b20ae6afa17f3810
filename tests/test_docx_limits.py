"""Word documents at their limits: zip bombs refused while unzipping, broken XML named by its part, and a
form's layout (tabs, breaks, blanks, aligning spaces) kept where it is whatever the engine does to the words."""

from __future__ import annotations

import io
import json
import random
import re
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

import bilingua
from bilingua.formats.docx import DocxLimits, docx_text, translate_docx

REAL = sorted((Path(__file__).parent / "realfiles" / "python-docx-1.2.0").glob("*.docx"))
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _package(parts: dict[str, bytes] | None = None, *, header: bool = False) -> bytes:
    """A .docx made by python-docx (with a header part when asked), its parts replaced by ``parts``."""
    import docx

    document = docx.Document()
    document.add_paragraph("Le conseil municipal s'est réuni mardi soir.")
    if header:
        document.sections[0].header.paragraphs[0].text = "Ville de Lyon"
    base, out = io.BytesIO(), io.BytesIO()
    document.save(base)
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            z.writestr(info.filename, (parts or {}).get(info.filename, source.read(info)))
        for name in (parts or {}).keys() - set(source.namelist()):
            z.writestr(name, parts[name])  # type: ignore[index]
    return out.getvalue()


def _bomb(padding_mb: int) -> bytes:
    """A .docx whose document.xml is padded with ``padding_mb`` MB of a repeated XML comment: valid XML,
    a few hundred KB deflated."""
    xml = zipfile.ZipFile(io.BytesIO(_package())).read("word/document.xml")
    comment = b"<!-- rembourrage de mise en page -->"
    at = xml.index(b"<w:body>")
    return _package({"word/document.xml": xml[:at] + comment * (padding_mb * 2**20 // len(comment)) + xml[at:]})


# -- zip bombs -------------------------------------------------------------------------------------------------

#: Run in a fresh interpreter: bilingua imported and the file read first, then the peak RSS before and after.
_MEASURE = """
import json, resource, sys, time
import bilingua
from bilingua.formats.docx import docx_text
path, how = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    bilingua.translate_file(path, backend="identity") if how == "translate" else docx_text(data)
    said = None
except bilingua.InputError as exc:
    said = str(exc)
seconds = time.perf_counter() - start
grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"said": said, "seconds": seconds, "grown_mb": grown_kb / 1024}))
"""


@pytest.mark.parametrize("how", ["translate", "text"])
def test_a_zip_bomb_docx_is_refused_while_unzipping_in_a_second_with_little_memory(tmp_path: Path, how: str) -> None:
    # 120 MB of XML in 0.4 MB of zip, under the old 128 MB part limit: python-docx parsed it all (+0.5 GB, 3 s).
    data = _bomb(120)
    assert len(data) < 2**20
    path = tmp_path / "bombe.docx"
    path.write_bytes(data)
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(path), how], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["said"] and "word/document.xml unzips to more than 32 MB" in result["said"], result
    assert "\n" not in result["said"]
    assert result["seconds"] < 1.0, result
    assert result["grown_mb"] < 50, result


def test_the_limits_are_checked_before_python_docx_reads_anything(monkeypatch: pytest.MonkeyPatch) -> None:
    import docx

    def never(*args: object) -> None:
        raise AssertionError("python-docx was given a package over the limits")

    bomb = _bomb(40)
    monkeypatch.setattr(docx, "Document", never)
    with pytest.raises(bilingua.InputError, match="unzips to more than"):
        translate_docx(bomb, lambda texts: list(texts))
    with pytest.raises(bilingua.InputError, match="unzips to more than"):
        docx_text(bomb)


def test_each_limit_is_the_callers_to_set_and_names_itself() -> None:
    small = _package()
    picture = _package({"word/media/photo.png": b"\x89PNG\r\n" + random.Random(0).randbytes(2 * 2**20)})
    with pytest.raises(bilingua.InputError, match=r"more than 1 MB .* in all \(DocxLimits.max_total\)"):
        docx_text(picture, limits=DocxLimits(max_total=2**20))
    # A part that is not XML never becomes a tree: it is bounded by the total only.
    assert "Le conseil" in docx_text(picture, limits=DocxLimits(max_xml_part=2**20))
    with pytest.raises(bilingua.InputError, match=r"word/document.xml unzips to more than 1 MB.*max_xml_part"):
        docx_text(_bomb(2), limits=DocxLimits(max_xml_part=2**20))
    with pytest.raises(bilingua.InputError, match=r"document.xml unzips to more than 200 times its zipped size"):
        docx_text(_bomb(3), limits=DocxLimits(ratio_from=2**20))
    assert "Le conseil" in docx_text(_bomb(3))  # a part under 4 MB is not judged by its ratio
    with pytest.raises(bilingua.InputError, match=r"holds \d+ parts; bilingua reads at most 3 \(DocxLimits.max_parts"):
        translate_docx(small, lambda texts: list(texts), limits=DocxLimits(max_parts=3))


@pytest.mark.parametrize("bad", [{"max_total": 0}, {"max_xml_part": -1}, {"max_ratio": 0.5},
                                 {"max_ratio": float("nan")}, {"ratio_from": 1.5}, {"max_parts": True},
                                 {"max_total": "1"}])
def test_limits_out_of_range_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(bilingua.InputError, match=f"DocxLimits.{next(iter(bad))} must be"):
        DocxLimits(**bad)  # type: ignore[arg-type]


def test_the_default_limits_read_every_real_file() -> None:
    assert REAL
    for path in REAL:
        docx_text(path.read_bytes())  # none refused


def _headers(count: int, size: int) -> bytes:
    """A .docx whose document points to ``count`` header parts of ``size`` bytes of empty paragraphs each:
    every part under the part limits, all of them parsed by python-docx."""
    xml = zipfile.ZipFile(io.BytesIO(_package())).read
    head = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:hdr xmlns:w="{W[1:-1]}">'.encode()
    header = head + b"<w:p/>" * ((size - len(head) - 8) // 6) + b"</w:hdr>"
    kind = "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"
    types = "".join(f'<Override PartName="/word/h{i}.xml" ContentType="{kind}"/>' for i in range(count))
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"
    rels = "".join(f'<Relationship Id="rH{i}" Type="{rel}" Target="h{i}.xml"/>' for i in range(count))
    return _package({
        "[Content_Types].xml": xml("[Content_Types].xml").replace(b"</Types>", types.encode() + b"</Types>"),
        "word/_rels/document.xml.rels": xml("word/_rels/document.xml.rels").replace(
            b"</Relationships>", rels.encode() + b"</Relationships>"),
        **{f"word/h{i}.xml": header for i in range(count)}})


def test_many_parts_each_under_the_part_limits_are_refused_together_in_a_second(tmp_path: Path) -> None:
    # 60 headers of just under 4 MB (416 KB of zip) took 5.4 GB and 19 s: no part went over a part limit.
    path = tmp_path / "entetes.docx"
    path.write_bytes(_headers(20, 4 * 2**20 - 4096))
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(path), "text"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["said"] and "more than 100 times its own size" in result["said"], result
    assert "(DocxLimits.max_package_ratio)" in result["said"] and "\n" not in result["said"]
    assert result["seconds"] < 1.0 and result["grown_mb"] < 50, result


def test_the_xml_parts_together_and_the_whole_package_have_limits_of_their_own() -> None:
    headers = _headers(3, 2**20)  # 3 MB of XML, no part over 1 MB
    assert "Le conseil" in docx_text(headers)
    with pytest.raises(bilingua.InputTooLarge, match=r"XML parts unzip to more than 2 MB together \(past it at "
                                                     r"word/h\d\.xml\).*\(DocxLimits.max_xml_total\)$"):
        docx_text(headers, limits=DocxLimits(max_xml_total=2 * 2**20))
    with pytest.raises(bilingua.InputTooLarge, match=r"more than 50 times its own size .*max_package_ratio\)$"):
        docx_text(_bomb(3), limits=DocxLimits(package_ratio_from=2**20, max_package_ratio=50))


@pytest.mark.parametrize("name", ["[Content_Types].xml", "word/_rels/document.xml.rels"])
def test_a_part_that_lists_the_others_has_a_limit_of_its_own(name: str) -> None:
    # Found by a hostile tester: 200,000 relationships (26 MB, under the XML part limit) took 412 MB to read.
    source = zipfile.ZipFile(io.BytesIO(_package())).read(name).decode()
    padded = source.replace("?>", "?><!--" + "x" * (3 * 2**20) + "-->", 1).encode()
    assert "Le conseil" in docx_text(_package({name: padded}))
    with pytest.raises(bilingua.InputTooLarge, match=rf"{re.escape(name)} unzips to more than 2 MB.*max_index_part"):
        docx_text(_package({name: padded}), limits=DocxLimits(max_index_part=2 * 2**20))


def test_zeros_are_not_xml_and_a_picture_of_them_is_named_as_a_picture() -> None:
    zeros = _package({"word/media/image1.png": b"\0" * (3 * 2**20)})
    assert "Le conseil" in docx_text(zeros, limits=DocxLimits(max_xml_part=2**20))
    with pytest.raises(bilingua.InputTooLarge) as caught:
        docx_text(_package({"word/media/image1.png": b"\0" * (64 * 2**20)}))
    said = str(caught.value)
    assert "word/media/image1.png" in said and "max_xml_part" not in said and "max_package_ratio" in said, said
    # UTF-16 XML is still XML, and bounded as XML.
    xml = zipfile.ZipFile(io.BytesIO(_package())).read("word/document.xml").decode()
    padded = xml.replace("UTF-8", "UTF-16", 1).replace("<w:body>", "<!--" + "x" * 2**20 + "--><w:body>", 1)
    for encoding in ("utf-16", "utf-16-le", "utf-16-be"):  # with and without a byte-order mark
        with pytest.raises(bilingua.InputTooLarge, match="word/document.xml unzips to more than 1.5 MB"):
            docx_text(_package({"word/document.xml": padded.encode(encoding)}),
                      limits=DocxLimits(max_xml_part=3 * 2**19))


# -- what Word documents do not hold ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["word/document.xml", "word/styles.xml", "[Content_Types].xml",
                                  "word/_rels/document.xml.rels", "word/theme/theme1.xml"])
@pytest.mark.parametrize("before", ["", "<!--" + "x" * 100_000 + "-->"])
def test_a_part_that_declares_a_dtd_is_refused_by_name(name: str, before: str) -> None:
    # python-docx wrote document.xml back without its DTD, its &co; undeclared: Word could not open it.
    xml = zipfile.ZipFile(io.BytesIO(_package())).read(name).decode()
    root = re.search(r"<(?![?!])([\w:]+)", xml).group(1)  # type: ignore[union-attr]
    dtd = f'{before}<!DOCTYPE {root} [<!ENTITY co "Société Générale">]>'
    at = xml.index("?>") + 2
    data = _package({name: (xml[:at] + dtd + xml[at:]).encode()})
    for read in (docx_text, lambda d: translate_docx(d, lambda texts: list(texts))):
        with pytest.raises(bilingua.InputError, match=rf"^this \.docx's {re.escape(name)} declares a DTD "
                                                      r"\(entities\), which Word documents do not use: bilingua does "
                                                      r"not read it$"):
            read(data)


def test_strict_open_xml_is_named_even_after_a_long_comment() -> None:
    xml = zipfile.ZipFile(io.BytesIO(_package())).read("word/document.xml").decode()
    strict = xml.replace("?>", "?><!--" + "x" * 5000 + "-->", 1).replace(  # the namespace past 4096 bytes
        W[1:-1], "http://purl.oclc.org/ooxml/wordprocessingml/main")
    with pytest.raises(bilingua.InputError, match="saved as Strict Open XML, which bilingua does not read"):
        docx_text(_package({"word/document.xml": strict.encode()}))


def test_a_zip_encrypted_docx_is_said_to_be_password_protected() -> None:
    data = bytearray(_package())
    for signature, flags in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # local and central headers
        for m in re.finditer(re.escape(signature), bytes(data)):
            data[m.start() + flags] |= 1
    with pytest.raises(bilingua.InputError, match=r"^this \.docx is password-protected .*: remove the pass") as caught:
        docx_text(bytes(data))
    assert "ZipInfo" not in str(caught.value)


def test_a_package_python_docx_cannot_follow_is_one_input_error_that_names_the_cause() -> None:
    xml = zipfile.ZipFile(io.BytesIO(_package())).read
    rels = xml("word/_rels/document.xml.rels").decode()
    no_target = re.sub(r'Target="styles.xml"', "", rels)
    w = f'xmlns:w="{W[1:-1]}"'
    cases = {  # what python-docx raised: TypeError, AttributeError, AttributeError, KeyError
        "word/_rels/document.xml.rels has a relationship without a Target": {"word/_rels/document.xml.rels": no_target},
        "its main part, word/document.xml, is a <foo>, not a Word document's <w:document>": {
            "word/document.xml": b'<?xml version="1.0"?><foo/>'},
        "word/document.xml has no <w:body>": {"word/document.xml": f"<w:document {w}/>".encode()},
    }
    for cause, parts in cases.items():
        for read in (docx_text, lambda d: translate_docx(d, lambda texts: list(texts))):
            with pytest.raises(bilingua.InputError, match=re.escape(cause)) as caught:
                read(_package(parts))  # type: ignore[arg-type]
            assert "\n" not in str(caught.value)
    assert docx_text(_package({"word/document.xml": f"<w:document {w}><w:body/></w:document>".encode()})) == ""


# -- XML that does not parse -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["word/document.xml", "word/styles.xml", "word/header1.xml", "word/settings.xml",
                                  "word/numbering.xml", "docProps/core.xml", "word/_rels/document.xml.rels",
                                  "_rels/.rels", "[Content_Types].xml"])
def test_a_part_that_is_not_xml_is_one_input_error_that_names_it(name: str) -> None:
    xml = zipfile.ZipFile(io.BytesIO(_package(header=True))).read(name)
    data = _package({name: xml[: len(xml) // 2]}, header=True)  # cut in the middle of its elements
    for read in (docx_text, lambda d: translate_docx(d, lambda texts: list(texts))):
        with pytest.raises(bilingua.InputError, match=rf"this \.docx file's {re.escape(name)} is not "
                                                      r"valid XML \(.+\)$") as caught:
            read(data)
        assert "\n" not in str(caught.value)


def test_the_command_line_says_which_part_is_broken_in_one_line(tmp_path: Path) -> None:
    xml = zipfile.ZipFile(io.BytesIO(_package())).read("word/document.xml")
    source, target = tmp_path / "casse.docx", tmp_path / "casse.en.docx"
    source.write_bytes(_package({"word/document.xml": xml.replace(b"</w:body>", b"</w:bdy>")}))
    done = subprocess.run([sys.executable, "-m", "bilingua", "translate", "-i", str(source), "-o", str(target),
                           "--backend", "identity", "--quiet"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert "word/document.xml is not valid XML" in done.stderr and "XMLSyntaxError" not in done.stderr
    assert not target.exists()


def test_a_broken_part_python_docx_does_not_read_is_copied_as_it_is() -> None:
    theme = b"<a:theme xmlns:a='urn:x'><a:broken>"
    data = _package({"word/theme/theme1.xml": theme})
    out = translate_docx(data, lambda texts: [t.upper() for t in texts])
    assert "LE CONSEIL" in docx_text(out)
    assert zipfile.ZipFile(io.BytesIO(out)).read("word/theme/theme1.xml") == theme


# -- layout ----------------------------------------------------------------------------------------------------

def _form() -> bytes:
    """A form: a label and 15 tabs in one run, an underlined blank, a hint, 2 more tabs; a line break
    inside an address's run; fields aligned with spaces, a lone non-breaking space and a fill-in line; a
    one-space blank."""
    import docx

    document = docx.Document()
    p = document.add_paragraph()
    label = p.add_run("Nom du signataire :")
    for _ in range(15):
        label.add_tab()
    p.add_run(" " * 24).underline = True
    p.add_run(" (à remplir).")
    p.add_run().add_tab()
    p.add_run().add_tab()
    address = document.add_paragraph().add_run("Adresse : 12 rue de la République")
    address.add_break()
    address.add_text("69001 Lyon")
    fields = document.add_paragraph()
    fields.add_run("Date :        Lieu\u00a0:")
    fields.add_run("\u00a0").bold = True
    fields.add_run("Signature ____________ fin.")
    box = document.add_paragraph()
    box.add_run("Oui")
    box.add_run(" ").underline = True  # one underlined space: a blank too
    box.add_run(" non.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


#: Layout inside a w:t: aligning spaces, a fill-in line.
_MARK = re.compile(r"\s{2,}|_{3,}")


def _skeleton(data: bytes) -> list[list[str]]:
    """Each paragraph's layout in order (tabs, breaks, aligning spaces, blanks, U when underlined), each
    stretch of words as one ``W``: what must not move."""
    from lxml import etree

    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
    out = []
    for p in root.iter(W + "p"):
        marks: list[str] = []
        for r in p.iter(W + "r"):
            underlined = "U" if r.find(f"{W}rPr/{W}u") is not None else ""
            for el in r:
                text = el.text or "" if el.tag == W + "t" else ""
                if el.tag in (W + "tab", W + "br") or (text and not text.strip()):
                    marks.append(underlined + (el.tag[len(W):] if not text else repr(text)))
                    continue
                at = 0
                for m in [*_MARK.finditer(text), None]:
                    if text[at:m.start() if m else None].strip() and marks[-1:] != ["W"]:
                        marks.append("W")
                    if m:
                        marks.append(underlined + repr(m.group()))
                        at = m.end()
        out.append(marks)
    return out


def _texts(data: bytes) -> list[str]:
    import docx

    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


def test_a_forms_tabs_breaks_and_blanks_stay_where_they_are_under_the_identity_engine(tmp_path: Path) -> None:
    source, target = tmp_path / "formulaire.docx", tmp_path / "formulaire.en.docx"
    source.write_bytes(_form())
    out = bilingua.translate_file(str(source), str(target), backend="identity")
    assert isinstance(out, bytes) and target.read_bytes() == out
    before, after = (zipfile.ZipFile(io.BytesIO(d)).read("word/document.xml").decode()
                     for d in (source.read_bytes(), out))
    assert after.count("<w:tab/>") == before.count("<w:tab/>") == 17
    assert after.count("<w:br/>") == before.count("<w:br/>") == 1
    blank = '<w:r><w:rPr><w:u w:val="single"/></w:rPr><w:t xml:space="preserve">' + " " * 24 + "</w:t></w:r>"
    assert blank in before and blank in after
    assert _texts(out) == _texts(source.read_bytes())
    assert _texts(out)[0] == "Nom du signataire :" + "\t" * 15 + " " * 24 + " (à remplir).\t\t"
    assert _skeleton(out) == _skeleton(source.read_bytes())
    assert after == before  # nothing changed, so the part is the original's, byte for byte


def _reversed(texts: Sequence[str]) -> list[str]:
    return [" ".join(t.split()[::-1]) for t in texts]


def test_a_forms_layout_stays_where_it_is_when_an_engine_reorders_the_words() -> None:
    from bilingua.backends import register_backend

    source = _form()
    # Without alignments (each formatting's text on its own), and through the pipeline with them.
    register_backend("reverse", "bilingua.backends.scramble:ReverseBackend", requires=None)
    pipeline = bilingua.Pipeline(backend="reverse", device="cpu")
    outs = [translate_docx(source, _reversed), pipeline.translate_document(source, "docx")]
    for out in outs:
        assert isinstance(out, bytes)
        assert _skeleton(out) == _skeleton(source), _texts(out)
        first, address, fields, box = _texts(out)
        assert first == ": signataire du Nom" + "\t" * 15 + " " * 24 + " remplir). (à\t\t"
        assert address == "République la de rue 12 : Adresse\nLyon 69001"
        assert fields.startswith(": Date        ") and fields.endswith("\u00a0Signature ____________ fin.")
        assert box == "Oui" + " " + " non."
