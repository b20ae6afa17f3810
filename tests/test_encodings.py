"""Text files in the encodings people have: found (a byte-order mark, a declared charset, valid UTF-8, a
legacy code page), named when it cannot be told, reported, and written back as read when asked."""

from __future__ import annotations

import codecs
import json
import logging
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bilingua
from bilingua.cli import main
from bilingua.corpus.records import read_records
from bilingua.encoding import Decoded, codec_name, decode_bytes, encode_text
from bilingua.errors import InputError
from bilingua.io import decode, read_decoded

PRICE = "Ça m'a coûté 20 €, déjà…"
SRT = f"1\r\n00:00:01,000 --> 00:00:02,500\r\n{PRICE}\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000\r\nÀ bientôt.\r\n"
IDENTITY = ["--backend", "identity", "--quiet"]


def written(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_windows_1252_french_srt_is_read_and_its_encoding_logged(tmp_path: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    path = written(tmp_path, "film.srt", SRT.encode("cp1252"))
    with caplog.at_level(logging.DEBUG, logger="bilingua"):
        read = read_decoded(path)
    assert read == Decoded(SRT, "cp1252", False, "detected")
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "bilingua"] == [
        ("INFO", f"'{path}': read as cp1252 (detected)")]
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="bilingua"):
        decode(SRT.encode("utf-8"), "utf8.srt")
    assert [r.levelname for r in caplog.records if r.name == "bilingua"] == ["DEBUG"]  # plain UTF-8: quiet


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "utf-8"])
def test_a_byte_order_mark_says_the_encoding(codec: str) -> None:
    data = codecs.lookup(codec).encode("\ufeff" + SRT)[0]
    assert decode_bytes(data, "x") == Decoded(SRT, codec, True, "bom")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_32_without_a_mark_are_found_by_their_nul_bytes(codec: str) -> None:
    text = "Le conseil municipal s'est réuni mardi.\n"
    assert decode_bytes(text.encode(codec), "x") == Decoded(text, codec, False, "detected")


@pytest.mark.parametrize(("label", "codec", "words"), [
    ("Shift_JIS", "shift_jis", "日本語のページです。"),
    ("EUC-JP", "euc_jp", "日本語のページです。"),
    ("GB2312", "gb2312", "这是中文网页。"),
    ("EUC-KR", "euc_kr", "한국어 페이지입니다."),
])
@pytest.mark.parametrize("meta", ['<meta charset="{}">',
                                  '<meta http-equiv="Content-Type" content="text/html; charset={}">'])
def test_a_page_is_read_in_the_charset_it_declares(label: str, codec: str, words: str, meta: str) -> None:
    page = (f"<!DOCTYPE html>\n<html><head>{meta.format(label)}<title>{words}</title></head>"
            f"<body><p>Bonjour tout le monde. {words}</p></body></html>\n")
    read = decode_bytes(page.encode(codec), "page.html")
    assert (read.text, read.encoding, read.how, read.declared) == (page, codec_name(label), "declared", codec)


def test_an_xml_declaration_names_the_encoding_and_latin1_is_read_as_browsers_do() -> None:
    page = '<?xml version="1.0" encoding="ISO-8859-15"?>\n<html><body><p>Le cœur a coûté 3 €.</p></body></html>'
    read = decode_bytes(page.encode("iso8859-15"), "page.xhtml")
    assert (read.text, read.encoding, read.how) == (page, "iso8859-15", "declared")
    # A page that says Latin-1 is read as Windows-1252, as a browser reads it: its curly quotes are text.
    quoted = '<html><head><meta charset="iso-8859-1"></head><body>« l’été »</body></html>'
    assert decode_bytes(quoted.encode("cp1252"), "q.html").encoding == "cp1252"


def test_a_declaration_the_bytes_belie_is_not_believed(caplog: pytest.LogCaptureFixture) -> None:
    page = ('<html><head><meta charset="UTF-8"></head>'
            "<body><p>Die Firma naturgrün unterhält fachmännisch Gärten.</p></body></html>")
    with caplog.at_level(logging.WARNING, logger="bilingua"):
        read = decode_bytes(page.encode("cp1252"), "page.html")
    assert (read.text, read.encoding, read.how) == (page, "cp1252", "detected")
    assert any("declares UTF-8 but is not UTF-8" in r.getMessage() for r in caplog.records)
    ascii_page = '<html><head><meta charset="utf-16"></head><body>Hello</body></html>'
    assert decode_bytes(ascii_page.encode(), "p.html").encoding == "utf-8"  # UTF-16 over ASCII bytes: no such thing


@pytest.mark.parametrize(("text", "codec"), [
    ("Да, конечно. Это очень хорошая идея, давайте сделаем это завтра утром.", "cp1251"),
    ("今天天气很好。明天也会是晴天。我们去公园散步吧。", "gb2312"),
    ("Le cœur de l'œuvre est à Besançon. Où êtes-vous ? Très bien, merci, déjà vu.", "iso8859-15"),
    ("Le conseil municipal s'est réuni mardi à Besançon. Où êtes-vous ? Très bien.", "mac-roman"),
    ("Le conseil municipal s'est réuni mardi à Besançon. Où êtes-vous ? Très bien.", "cp850"),
])
def test_legacy_encodings_are_detected(text: str, codec: str) -> None:
    assert decode_bytes(text.encode(codec), "x").text == text


def test_an_ambiguous_short_input_is_refused_naming_the_candidates(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(InputError) as refused:
        decode_bytes(b"Le caf\xe9.", "'menu.txt'")
    message = str(refused.value)
    assert "\n" not in message and message.startswith("'menu.txt' is not valid UTF-8 (byte 0xe9 at offset 6)")
    assert "cp1252 reads 'café.'" in message and "mac-roman reads 'cafÈ.'" in message and "--encoding NAME" in message
    path = written(tmp_path, "menu.txt", b"Le caf\xe9.")
    assert main(["translate", *IDENTITY, "-i", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cp1252 reads" in err
    assert main(["translate", *IDENTITY, "-i", str(path), "--encoding", "cp1252"]) == 0
    assert capsys.readouterr().out == "Le café.\n"


LECTURE = ("Slavoj Žižek a présenté à Besançon, très tôt, un exposé déjà célèbre : « Hégémonie et idéologie ». "
           "Après la conférence, les étudiants réunis à côté de l'église ont débattu d'économie, de liberté, "
           "d'égalité et de fraternité, même après le dîner. Où était-il ? Déjà reparti, évidemment.\n")


def test_encoding_overrides_a_wrong_guess(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          caplog: pytest.LogCaptureFixture) -> None:
    # Ž and ž in ISO-8859-15 are ´ and ¸ in Windows-1252, neither of them French: a tie, which cp1252 (the
    # commonest by far) wins, with a warning. Here it is a wrong guess, which --encoding puts right.
    path = written(tmp_path, "conference.txt", LECTURE.encode("iso8859-15"))
    with caplog.at_level(logging.WARNING, logger="bilingua"):
        assert read_decoded(path).encoding == "cp1252"
    assert any("iso8859-15 reads 'Žižek'" in r.getMessage() for r in caplog.records)
    assert main(["translate", *IDENTITY, "-i", str(path)]) == 0
    assert "Slavoj ´i¸ek" in capsys.readouterr().out
    assert main(["translate", *IDENTITY, "-i", str(path), "--encoding", "ISO-8859-15"]) == 0
    assert capsys.readouterr().out == LECTURE
    assert bilingua.translate_file(str(path), encoding="iso8859-15", backend="identity") == LECTURE
    assert read_decoded(path, "latin9") == Decoded(LECTURE, "iso8859-15", False, "given")


@pytest.mark.parametrize("text", [
    "Recette : ½ litre de crème fraîche, un café.\n",
    "Ajoutez ½ litre de crème fraîche et ¼ de sucre, mélangez à la cuillère.\n",
    "Prenez ¾ de la pâte, laissez reposer ¼h à côté du four, très doucement.\n",
    "Il a mangé 1½ baguette et bu ¼ de café, à côté de l'église.\n",
])
def test_a_fraction_in_windows_1252_is_not_read_as_a_lone_ligature(text: str) -> None:
    # ¼ ½ ¾ are Œ œ Ÿ in ISO-8859-15, which wins by a character if œ counts as French wherever it stands:
    # "œ litre" is no French, "½ litre" is.
    assert decode_bytes(text.encode("cp1252"), "x") == Decoded(text, "cp1252", False, "detected")


@pytest.mark.parametrize("text", [
    "Le cœur de la ville, à côté de l'église, est très animé.\n",
    "Un bœuf et des œufs, à côté de l'église, déjà prêts.\n",
    "Œuvres complètes, à côté de l'église, très bien éditées.\n",
])
def test_a_ligature_in_iso_8859_15_is_still_read_as_one(text: str) -> None:
    # The same bytes read as fractions inside a word ("c½ur", "l'½uvre") are no quantity.
    assert decode_bytes(text.encode("iso8859-15"), "x").encoding == "iso8859-15"


def test_a_win_by_a_character_or_two_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    text = ("Le comité a réuni à Besançon les délégués, très nombreux, déjà présents à côté de l'église ; "
            "après un débat animé, le prix a été fixé à 5 € par élève, même pour les élèves étrangers.\n")
    with caplog.at_level(logging.WARNING, logger="bilingua"):
        read = decode_bytes(text.encode("iso8859-15"), "prix.txt")
    assert (read.text, read.encoding) == (text, "iso8859-15")
    warned = [r.getMessage() for r in caplog.records if r.name == "bilingua"]
    assert len(warned) == 1 and "iso8859-15 reads '€'" in warned[0] and "cp1252 reads '¤'" in warned[0]
    assert "by a character or two" in warned[0] and "--encoding NAME" in warned[0]


def test_the_ambiguity_message_shows_only_plausible_readings() -> None:
    with pytest.raises(InputError) as refused:
        decode_bytes(b"Le caf\xe9\n", "menu.txt")  # an even length: UTF-16 reads it too, as CJK nonsense
    message = str(refused.value)
    readings = message.split(": ", 1)[1].split("; ")[0].split(", ")
    assert readings == ["cp1252 reads 'café'", "mac-roman reads 'cafÈ'", "cp850 reads 'cafÚ'"]
    assert "utf-16" not in message and "cp1006" not in message


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_ascii_text_in_utf16_or_32_without_a_mark_is_not_taken_for_utf8(tmp_path: Path, codec: str) -> None:
    # ASCII with NULs is valid UTF-8 too: the NULs' pattern is looked at first.
    text = "Hello world, this is plain.\n"
    assert decode_bytes(text.encode(codec), "a.txt") == Decoded(text, codec, False, "detected")
    srt = "1\n00:00:01,000 --> 00:00:02,500\nBonjour a tous, merci d'etre venus.\n\n"
    path = written(tmp_path, "film.srt", srt.encode(codec))
    assert main(["translate", *IDENTITY, "-i", str(path), "-o", str(tmp_path / "out.srt")]) == 0
    assert (tmp_path / "out.srt").read_bytes() == srt.encode("utf-8")
    assert main(["translate", *IDENTITY, "--keep-encoding", "-i", str(path), "-o", str(tmp_path / "k.srt")]) == 0
    assert (tmp_path / "k.srt").read_bytes() == srt.encode(codec)


BODY = "<body><p>Le café était très agréable, à côté de l'église ; Noël coûte 5 €.</p></body></html>\n"


@pytest.mark.parametrize(("page", "codec", "given"), [
    ('<html><head><meta charset="windows-1252"></head>' + BODY, "cp1252", "cp1252"),  # named, so not "declared"
    ("<html><head><!-- " + "x" * 5000 + ' --><meta charset="windows-1252"></head>' + BODY, "cp1252", None),
    ('<?xml version="1.0" encoding="UTF-16"?>\n<html>' + BODY, "utf-16-le", None),  # no byte-order mark
    ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-16"></head>' + BODY,
     "utf-16", None),  # with one
])
def test_a_declaration_names_the_encoding_the_output_is_written_in(tmp_path: Path, page: str, codec: str,
                                                                  given: str | None) -> None:
    path = written(tmp_path, "page.html", page.encode(codec))
    out, kept = tmp_path / "out.html", tmp_path / "kept.html"
    assert bilingua.translate_file(str(path), str(out), encoding=given, backend="identity") == page
    labels = re.findall(r'(?:charset=|encoding=)"?([\w-]+)', out.read_bytes().decode("utf-8-sig"))
    assert [label.lower() for label in labels] == ["utf-8"]
    bilingua.translate_file(str(path), str(kept), encoding=given, backend="identity", keep_encoding=True)
    assert kept.read_bytes() == path.read_bytes()  # a true declaration is left byte for byte


def test_only_the_heads_first_declaration_is_rewritten() -> None:
    page = ('<html><head><meta charset="ISO-8859-15"></head><body><pre>&lt;meta charset="x"&gt;\n'
            '<meta charset="ISO-8859-15"></pre><p>Le cœur, à côté.</p></body></html>')
    assert encode_text(page, Decoded(page, "iso8859-15")) == page.replace("ISO-8859-15", "UTF-8", 1).encode()
    false = '<html><head><meta charset="windows-1252"></head><body>café</body></html>'  # but valid UTF-8
    assert encode_text(false, Decoded(false), keep_encoding=True) == false.replace("windows-1252", "utf-8").encode()


@pytest.mark.parametrize("bad", ["unicode_escape", "raw_unicode_escape", "idna", "punycode", "undefined"])
def test_codecs_that_do_not_encode_text_are_usage_errors(tmp_path: Path, bad: str,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    # They decode bytes to text, but into something else than what the file says: "\\n" read as a newline.
    with pytest.raises(InputError, match=f"{bad!r} is not a text encoding"):
        codec_name(bad)
    path = written(tmp_path, "notes.txt", b"Line one\\nLine two\n")
    assert main(["translate", *IDENTITY, "-i", str(path), "--encoding", bad]) == 2
    assert f"argument --encoding: {bad!r} is not a text encoding" in capsys.readouterr().err
    with pytest.raises(InputError, match="not a text encoding"):
        bilingua.translate_file(str(path), encoding=bad, backend="identity")


@pytest.mark.parametrize(("name", "data"), [
    ("film.srt", SRT.encode("cp1252")),
    ("film.srt", SRT.encode("utf-16")),  # with a byte-order mark
    ("film.vtt", ("WEBVTT\n\n00:01.000 --> 00:02.000\n" + PRICE + "\n").encode("utf-32-be")),
    ("notes.txt", ("\ufeff" + PRICE + "\n").encode("utf-8")),
    ("page.html", '<html><head><meta charset="EUC-JP"></head><body><p>Le café. 日本語</p></body></html>'
     .encode("euc_jp")),
    ("page.md", ("# Été\n\nLe cœur a coûté 3 €, à Besançon.\n").encode("iso8859-15")),
])
def test_keep_encoding_gives_back_the_same_bytes(tmp_path: Path, name: str, data: bytes) -> None:
    path = written(tmp_path, name, data)
    out = tmp_path / f"out.{name}"
    bilingua.translate_file(str(path), str(out), backend="identity", keep_encoding=True)
    assert out.read_bytes() == data
    assert main(["translate", *IDENTITY, "--keep-encoding", "-i", str(path), "-o", str(tmp_path / "cli.out")]) == 0
    assert (tmp_path / "cli.out").read_bytes() == data


def test_utf8_output_keeps_a_byte_order_mark_and_says_its_new_charset(tmp_path: Path) -> None:
    bom = written(tmp_path, "bom.txt", ("\ufeff" + PRICE + "\n").encode("utf-8"))
    bilingua.translate_file(str(bom), str(tmp_path / "bom.out.txt"), backend="identity")
    assert (tmp_path / "bom.out.txt").read_bytes() == bom.read_bytes()  # the same bytes, its mark included
    wide = written(tmp_path, "wide.srt", SRT.encode("utf-16"))
    bilingua.translate_file(str(wide), str(tmp_path / "wide.out.srt"), backend="identity")
    assert (tmp_path / "wide.out.srt").read_bytes() == codecs.BOM_UTF8 + SRT.encode("utf-8")
    plain = written(tmp_path, "plain.srt", SRT.encode("cp1252"))
    bilingua.translate_file(str(plain), str(tmp_path / "plain.out.srt"), backend="identity")
    assert (tmp_path / "plain.out.srt").read_bytes() == SRT.encode("utf-8")  # no mark it did not have
    page = '<html><head><meta charset="Shift_JIS"></head><body><p>Bonjour. 日本語</p></body></html>'
    sjis = written(tmp_path, "page.html", page.encode("shift_jis"))
    out = bilingua.translate_file(str(sjis), str(tmp_path / "page.out.html"), backend="identity")
    assert out == page  # the translation as it is; the file written says what it is written in
    assert (tmp_path / "page.out.html").read_bytes() == page.replace("Shift_JIS", "UTF-8").encode("utf-8")


def test_a_character_the_kept_encoding_cannot_hold_is_refused_before_anything_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = written(tmp_path, "film.srt", SRT.encode("cp1252"))
    out = tmp_path / "out.srt"
    monkeypatch.setattr(bilingua.Pipeline, "translate_document",
                        lambda self, doc, form, **kw: doc.replace("€", "₹"))
    with pytest.raises(InputError, match=r"'₹' \(U\+20B9, at offset \d+\) cannot be written in cp1252"):
        bilingua.translate_file(str(path), str(out), backend="identity", keep_encoding=True)
    assert not out.exists()
    bilingua.translate_file(str(path), str(out), backend="identity")  # in UTF-8 it can
    assert "₹" in out.read_text(encoding="utf-8")
    with pytest.raises(InputError, match="cannot be written in iso8859-15"):
        encode_text("Ā", Decoded("x", "iso8859-15"), keep_encoding=True)


def test_encoding_names_and_flags_that_make_no_sense_are_usage_errors(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = written(tmp_path, "film.srt", SRT.encode("cp1252"))
    for bad in ("klingon", "base64"):
        with pytest.raises(InputError, match=repr(bad)):
            codec_name(bad)
        assert main(["translate", *IDENTITY, "-i", str(path), "--encoding", bad]) == 2
        err = capsys.readouterr().err
        assert "argument --encoding: " in err and repr(bad) in err
    assert main(["translate", *IDENTITY, "--encoding", "cp1252", "Bonjour."]) == 2
    assert main(["translate", *IDENTITY, "-i", str(path), "--keep-encoding", "--format", "json"]) == 2
    docx = written(tmp_path, "a.docx", b"PK")
    assert main(["translate", *IDENTITY, "-i", str(docx), "-o", str(tmp_path / "b.docx"), "--encoding", "cp1252"]) == 2
    with pytest.raises(InputError, match="text files"):
        bilingua.translate_file(str(docx), encoding="cp1252", backend="identity")
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        bilingua.translate_file(str(path), encoding="klingon", backend="identity")
    err = capsys.readouterr().err
    assert "--encoding names the encoding of -i FILE or stdin" in err and "not --format json" in err


def test_the_json_result_says_the_encoding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = written(tmp_path, "film.srt", SRT.encode("cp1252"))
    extractive = ["--summarizer", "extractive", "--summary-sentences", "1"]
    assert main(["process", *IDENTITY, *extractive, "-i", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["encoding"] == "cp1252"
    assert main(["process", *IDENTITY, *extractive, "Bonjour."]) == 0 and capsys.readouterr().out
    assert main(["process", *IDENTITY, *extractive, "--json", "Bonjour."]) == 0
    assert json.loads(capsys.readouterr().out)["encoding"] is None  # arguments are text, not bytes


def test_a_folder_batch_gives_each_record_its_encoding(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    written(folder, "a.srt", SRT.encode("cp1252"))
    written(folder, "b.txt", "Bonjour.\n".encode("utf-8"))
    written(folder, "c.vtt", ("WEBVTT\n\n00:01.000 --> 00:02.000\n" + PRICE + "\n").encode("utf-16"))
    written(folder, "d.txt", b"caf\xe9")  # too short to tell: a record with its error, the others read on
    records = {r["id"]: r for r in read_records(folder, "folder")}
    assert {k: r.get("encoding") for k, r in records.items()} == {
        "a.srt": "cp1252", "b.txt": "utf-8", "c.vtt": "utf-16-le", "d.txt": None}
    assert records["a.srt"]["text"] == SRT and "--encoding NAME" in records["d.txt"]["bilingua_error"]


def test_the_service_reads_an_upload_as_the_library_does(tmp_path: Path) -> None:
    from bilingua.service.core import Service

    service = Service(bilingua.Pipeline(backend="identity", summarizer="extractive", progress=False),
                      bilingua.ServiceOptions(data_dir=str(tmp_path / "files")))
    assert service.translated("film.srt", SRT.encode("cp1252"), source="fr", target="en") == (
        "film.en.srt", SRT.encode("utf-8"))
    assert service.translated("notes.txt", codecs.BOM_UTF8 + b"Bonjour.", source="fr", target="en")[1] == (
        codecs.BOM_UTF8 + b"Bonjour.")
    with pytest.raises(InputError, match="--encoding NAME"):  # the service answers 400 for it
        service.translated("menu.txt", b"caf\xe9", source="fr", target="en")


def test_nul_laden_binary_is_refused() -> None:
    with pytest.raises(InputError, match="NUL byte at offset 8; is it a binary file"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xd8", "image.txt")


# French-ish words: ASCII letters around one accented letter (never first, so a capital is ASCII and no
# run of bytes is valid UTF-8 by chance), between French punctuation.
_LOWER = "abcdefghijklmnopqrstuvwxyz"
_ACCENTED = "àâäçéèêëîïôöùûüÿœæ"
_WORD = st.builds(lambda a, b, c, cap: (a + b + c).capitalize() if cap else a + b + c,
                  st.text(_LOWER, min_size=1, max_size=4), st.sampled_from(_ACCENTED),
                  st.text(_LOWER, max_size=4), st.booleans())
_GAP = st.sampled_from([" ", ", ", ". ", " « ", " » ", "… ", " 20 € ", "’", " – ", "\n"])
_TEXT = st.lists(st.tuples(_WORD, _GAP), min_size=40, max_size=80).map(lambda ws: "".join(w + g for w, g in ws))


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "utf-16", "utf-32", "cp1252"])
@settings(max_examples=40, deadline=None)
@given(text=_TEXT)
def test_french_text_comes_back_from_every_encoding_that_holds_it(codec: str, text: str) -> None:
    assert decode_bytes(text.encode(codec), "x").text == text
