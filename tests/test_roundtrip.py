"""The round-trip law, on real files: translated with the identity engine, a document comes back unchanged.

The files are other projects' own test documents (``tests/realfiles``, built by
``scripts/build_realfiles.py``). With the identity engine any change is
bilingua's own doing. A file passes when it comes back byte for byte, or, for
DOCX, with every part equal once parsed. Every file that does not pass (or that
is refused) is named, with its reason, in the table of ``docs/documents.md``;
a file that starts passing must leave the table.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from pathlib import Path

import pytest

import bilingua
from bilingua.formats import format_of, get_format

ROOT = Path(__file__).parent / "realfiles"
DOCS = Path(__file__).parents[1] / "docs" / "documents.md"
FILES = sorted(p for p in ROOT.rglob("*") if p.is_file() and p.name not in ("LICENSE", "SOURCES.md"))
#: The CommonMark spec's examples, as markdown-it-py ships them (plain text to the law; its examples are
#: Markdown to their own test).
SPEC = ROOT / "markdown-it-py-4.3.0" / "tests__test_cmark_spec__commonmark.json"
#: The share of accepted files on which the law must hold.
GOAL = 0.99


def documented() -> dict[str, tuple[str, str]]:
    """The docs' table of exceptions: file -> (outcome, reason)."""
    rows = re.findall(r"^\| `([^`]+)` \| (refused|changed) \| (.+?) \|$", DOCS.read_text(encoding="utf-8"), re.M)
    return {name: (outcome, reason) for name, outcome, reason in rows}


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def _same_xml(a: bytes, b: bytes) -> bool:
    from lxml import etree

    if a == b:
        return True
    parser = etree.XMLParser(remove_blank_text=True)
    try:
        return bool(etree.tostring(etree.fromstring(a, parser), method="c14n")
                    == etree.tostring(etree.fromstring(b, parser), method="c14n"))
    except etree.XMLSyntaxError:
        return False


def outcome(path: Path) -> str:
    """``same`` (byte for byte), ``parsed`` (DOCX: every part equal once parsed), ``changed`` or ``refused``.

    A text file is written back in the encoding it was read in (``keep_encoding=True``): its encoding, its
    byte-order mark and its declared charset are part of the law."""
    keep = {} if get_format(format_of(path)).binary else {"keep_encoding": True}
    with tempfile.TemporaryDirectory() as folder:
        written = Path(folder) / path.name
        try:
            out = bilingua.translate_file(str(path), str(written), backend="identity", **keep)
        except bilingua.InputError:
            return "refused"
        back = written.read_bytes()
    source = path.read_bytes()
    if isinstance(out, bytes):
        if out == source:
            return "same"
        before, after = _parts(source), _parts(out)
        ok = before.keys() == after.keys() and all(_same_xml(before[n], after[n]) for n in before)
        return "parsed" if ok else "changed"
    return "same" if back == source else "changed"


@pytest.fixture(scope="module")
def outcomes() -> dict[str, str]:
    return {str(p.relative_to(ROOT)): outcome(p) for p in FILES}


def test_the_corpus_holds_every_format() -> None:
    found = {format_of(p) for p in FILES}
    assert found >= {"html", "markdown", "docx", "srt", "vtt", "text"}
    assert len(FILES) >= 300
    assert all((folder / "LICENSE").is_file() for folder in ROOT.iterdir() if folder.is_dir())


def test_every_file_comes_back_unchanged_or_is_a_documented_exception(outcomes: dict[str, str]) -> None:
    table = documented()
    undocumented = {n: o for n, o in outcomes.items() if o in ("changed", "refused") and table.get(n, ("",))[0] != o}
    assert not undocumented, f"changed or refused, and not in the table of {DOCS.name}: {undocumented}"
    stale = {n: o for n, o in outcomes.items() if n in table and o in ("same", "parsed")}
    assert not stale, f"these now pass: remove them from the table of {DOCS.name}: {sorted(stale)}"
    assert set(table) <= set(outcomes), f"the table names files that are not in the corpus: {set(table) - set(outcomes)}"


def test_the_share_of_files_that_keep_the_law_is_the_one_documented(outcomes: dict[str, str]) -> None:
    accepted = [o for o in outcomes.values() if o != "refused"]
    share = sum(o in ("same", "parsed") for o in accepted) / len(accepted)
    stated = re.search(r"The law holds on (\d+) of the (\d+) files bilingua accepts", DOCS.read_text(encoding="utf-8"))
    assert stated, "docs/documents.md states the measured share"
    assert (int(stated.group(1)), int(stated.group(2))) == (sum(o in ("same", "parsed") for o in accepted), len(accepted))
    if share < GOAL:
        pytest.fail(f"the law holds on {share:.1%} of accepted files; the goal is {GOAL:.0%}")


def test_every_commonmark_spec_example_comes_back_unchanged() -> None:
    import json

    examples = json.loads(SPEC.read_text(encoding="utf-8"))
    pipeline = bilingua.Pipeline(backend="identity")
    changed = [e["example"] for e in examples if pipeline.translate(e["markdown"], format="markdown") != e["markdown"]]
    assert len(examples) == 652 and changed == []


def test_a_refused_file_is_one_line_that_names_its_fault(outcomes: dict[str, str]) -> None:
    for name in (n for n, o in outcomes.items() if o == "refused"):
        with pytest.raises(bilingua.InputError) as caught:
            bilingua.translate_file(str(ROOT / name), backend="identity")
        message = str(caught.value)
        assert "\n" not in message and ("line " in message or "UTF" in message or "WEBVTT" in message), message


def identity(text: str, form: str) -> str:
    return str(bilingua.translate(text, format=form, backend="identity"))


def test_the_identity_engine_needs_no_model_and_keeps_plain_text_as_written() -> None:
    text = "Le conseil  s'est réuni.   Il a voté.\n\n\tDeuxième\u00a0paragraphe ici. \r\nFin"
    pipeline = bilingua.Pipeline("no/such-model", backend="identity")
    assert pipeline.translate(text) == text
    assert pipeline.models_info()["translation"]["backend"] == "identity"


@pytest.mark.parametrize("page", [
    "<p><span>Prix</span>\n<span>douze euros</span></p>",
    "<p>Lisez <a href='/d'>la documentation</a>.</p>",
    "<p>l'<b>Union</b> européenne &amp; <i>le</i>&nbsp;reste</p>",
    '<a data-lang="fr" onclick="setLang(\'lang=fr\')" title="Aide">Aide</a>',
])
def test_html_inline_markup_and_attributes_come_back_as_written(page: str) -> None:
    assert identity(page, "html") == page


def test_only_lang_and_xml_lang_are_swapped_and_a_title_stays_in_its_attribute() -> None:
    from bilingua.formats.html import _set_attribute

    out = identity('<div lang="fr-CA" data-lang="fr" onclick="f(lang=\'fr\')">Oui</div>', "html")
    assert out == '<div lang="en" data-lang="fr" onclick="f(lang=\'fr\')">Oui</div>'
    assert _set_attribute('<a data-title="x title=y" title=\'z\'>', "title", 'Le "doc"') == \
        '<a data-title="x title=y" title="Le &quot;doc&quot;">'


VTT_BLOCKS = ("WEBVTT\r\n\r\nSTYLE\r\n::cue { color: yellow }\r\n\r\nNOTE après le style\r\n\r\n"
              "00:00:01.000 --> 00:00:02.000\r\nUn.\r\n\r\n00:00:02.000 --> 00:00:03.000\r\n\r\n"
              "REGION\r\nid:r\r\n\r\n00:00:03.000 --> 00:00:04.000\r\n<i>Deux</i> et <b>trois</b>.\r\n")


def test_subtitles_keep_crlf_block_order_empty_cues_and_missing_numbers() -> None:
    assert identity(VTT_BLOCKS, "vtt") == VTT_BLOCKS
    unnumbered = "00:00:01,000 --> 00:00:02,000\nUn.\n\n00:00:02,000 --> 00:00:03,000\nDeux.\n"
    assert identity(unnumbered, "srt") == unnumbered  # numbered all "0" before
    crlf = "1\r\n00:00:01,000 --> 00:00:02,000\r\nUn,\r\ndeux.\r\n\r\n2\r\n00:00:02,000 --> 00:00:03,000\r\nTrois.\r\n"
    assert identity(crlf, "srt") == crlf  # LF before


@pytest.mark.parametrize(("source", "form", "line"), [
    ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nUn.\n\nDeux sans minutage.\n", "vtt", 6),
    ("1\n00:00:01,000 --> 00:00:02,000\nUn.\n\n2\nDeux.\n", "srt", 5),
    ("1\n00:00:02,000 --> 00:00:03,000\nZéro.\n\n1\n00:00:01,000 --> 00:00:02:500\nDeux.\n", "srt", 6),
    ("1\n00:00:01,000 --> 00:00:02,000\nUn.\n\n2\nid\n00:00:01,000 --> 00:00:02,500\nDeux.\n", "srt", 5),
])
def test_a_block_without_a_valid_timing_line_is_kept_as_written_and_its_line_named(
        source: str, form: str, line: int, caplog: pytest.LogCaptureFixture) -> None:
    from bilingua.formats.subtitles import translate_srt, translate_vtt

    # Before, the whole file was refused for that one block.
    with caplog.at_level("WARNING", logger="bilingua"):
        assert identity(source, form) == source
    warned = [r.getMessage() for r in caplog.records if "kept as written" in r.getMessage()]
    assert len(warned) == 1 and f"line(s) {line} " in warned[0]
    upper = (translate_srt if form == "srt" else translate_vtt)(source, lambda texts: [t.upper() for t in texts])
    assert "DEUX" not in upper and ("UN." in upper or "ZÉRO." in upper)  # the block untranslated, the rest not
    assert upper.replace("UN.", "Un.").replace("ZÉRO.", "Zéro.") == source  # each in its place


def test_many_unreadable_blocks_are_one_bounded_warning_and_an_srt_with_none_readable_is_refused(
        caplog: pytest.LogCaptureFixture) -> None:
    bad = "".join(f"{n}\n00:00:01 --> 00:00:02\nMauvais {n}.\n\n" for n in range(1, 501))
    source = "0\n00:00:00,000 --> 00:00:01,000\nBon.\n\n" + bad
    with caplog.at_level("WARNING", logger="bilingua"):
        assert identity(source, "srt") == source
    (warned,) = [r.getMessage() for r in caplog.records if "kept as written" in r.getMessage()]
    assert warned.startswith("500 SRT block(s)") and "line(s) 6, 10, 14," in warned and "and 490 more" in warned
    assert len(warned) < 300
    with pytest.raises(bilingua.InputError, match=r"no cue with a valid timing line; line 2: a bad timing line"):
        identity(bad, "srt")
    assert identity("WEBVTT\n\nsans minutage\n", "vtt") == "WEBVTT\n\nsans minutage\n"  # its header is read


def test_an_empty_vtt_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "vide.vtt").write_bytes(b"")
    with pytest.raises(bilingua.InputError, match="WEBVTT"):
        bilingua.translate_file(str(tmp_path / "vide.vtt"), backend="identity")


def test_docx_parts_without_translated_text_are_copied_byte_for_byte() -> None:
    path = ROOT / "python-docx-1.2.0" / "features__steps__test_files__tbl-having-tables.docx"
    before, after = _parts(path.read_bytes()), _parts(bilingua.translate_file(str(path), backend="identity"))  # type: ignore[arg-type]
    assert list(after) == list(before)
    assert all(after[n] == before[n] for n in before if n != "word/document.xml")


@pytest.mark.parametrize("text", [
    "Ouvrez le fichier (`config.yml`) puis relancez.\n",
    "Le rôle de l'**Union européenne** est clair.\n",
    "Lisez [la doc](/d). Puis [le guide][g] et [ceci](</a b> \"titre \\\"cité\\\"\").\n\n[g]: https://ex.fr/guide  'Guide'\n",
    "\\# pas un titre, 1986\\. pas une liste, &#9; pas du code, &amp; &eacute;.\n",
    "Une ligne  \nune autre\\\net `hi`lo` collés.\n",
])
def test_markdown_inline_markup_escapes_and_links_come_back_as_written(text: str) -> None:
    assert identity(text, "markdown") == text


def test_deep_markdown_is_translated_or_refused_never_skipped() -> None:
    from bilingua.formats.markdown import translate_markdown

    upper = lambda texts: [t.upper() for t in texts]  # noqa: E731  (a format-level check of what reaches translation)
    lists = "".join("  " * k + f"- niveau {k}\n" for k in range(14))
    assert translate_markdown(lists, upper).count("NIVEAU") == 14  # 9 of 14 before: the rest left in French
    assert translate_markdown("> " * 25 + "citation\n", upper).endswith("CITATION\n")
    with pytest.raises(bilingua.InputError, match="deeper than"):
        translate_markdown("> " * 500 + "citation\n", upper)


def test_a_code_span_glued_to_text_keeps_that_text() -> None:
    # Protection replaced the whole word "`hi`lo`" by its code span: "lo`" was lost.
    assert bilingua.Pipeline(backend="identity").translate("a `hi`lo` b") == "a `hi`lo` b"


def test_a_protected_span_the_sentence_holds_twice_is_kept_twice() -> None:
    # Found once (inside href="..."), the URL's second copy, the link's text, was deleted as the model's extra.
    text = '<a href="https://foo.bar/?q=1">https://foo.bar/?q=1</a> est le lien.'
    assert bilingua.Pipeline(backend="identity").translate(text) == text


def test_a_translated_markdown_paragraph_keeps_its_link_forms_as_written() -> None:
    from bilingua.formats.markdown import translate_markdown

    upper = lambda texts: [t.upper() for t in texts]  # noqa: E731  (the words change, the markup must not)
    source = ('Voir [la doc](</a b> "titre \\"cité\\"") et [le guide][g], [ceci][] puis <https://ex.fr/a?b=%41>.\n\n'
              "[g]: /g\n[ceci]: /c\n")
    # Before: reference links became inline ones, the target was re-encoded, the quoted title broke its link.
    assert translate_markdown(source, upper) == (
        'VOIR [LA DOC](</a b> "titre \\"cité\\"") ET [LE GUIDE][g], [CECI][ceci] PUIS <https://ex.fr/a?b=%41>.\n\n'
        "[g]: /g\n[ceci]: /c\n")  # a collapsed reference's label was its French text: it is named
