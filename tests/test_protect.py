"""URLs, e-mail addresses, handles, code and numbers with units come through unchanged; glossary terms as given."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import bilingua
from bilingua import Pipeline
from bilingua.protect import Protector, read_glossary

SPANS = ["https://lyon.fr/budget-2027", "mairie@lyon.fr", "@MairieLyon", "#budget", "`make budget`", "3,5 %", "12 km"]
TEXT = ("Le conseil municipal a publié https://lyon.fr/budget-2027. Écrivez à mairie@lyon.fr ou à @MairieLyon "
        "avec #budget. Lancez `make budget` : les impôts montent de 3,5 % et la ligne fait 12 km.\n\n"
        "Le conseil municipal votera encore. Hausse de 3,5 % contre 3,5 % l'an dernier.")


@pytest.fixture(scope="module")
def glossary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("glossary") / "terms.tsv"
    path.write_text("# French\tEnglish\nconseil municipal\tcity council\nimpôts\tlocal taxes\n", encoding="utf-8")
    return path


def test_spans_are_found_left_to_right_without_overlap() -> None:
    found = Protector().find(TEXT.split("\n")[0])
    assert [s.text for s in found] == SPANS
    assert Protector().find("Le score est de 3 à 2, en 2026, à la page 12.") == []  # bare numbers are the model's


@pytest.mark.parametrize("backend", ["ctranslate2", "transformers"])
def test_every_protected_span_and_term_is_in_the_output_exactly_as_often_as_in_the_source(
    marian_dir: Path, glossary: Path, backend: str
) -> None:
    pipeline = Pipeline(str(marian_dir), backend=backend, compute_type="float32", beams=1, glossary=str(glossary))
    out = pipeline.translate(TEXT)
    for span in SPANS:
        assert out.count(span) == TEXT.count(span), span
    assert out.count("city council") == 2 and out.count("local taxes") == 1
    assert "conseil municipal" not in out
    assert out.count("\n") == TEXT.count("\n")  # the layout is kept


def test_without_protection_the_model_has_the_spans(marian_dir: Path) -> None:
    plain = Pipeline(str(marian_dir), backend="ctranslate2", compute_type="float32", beams=1, protect=False)
    assert sum(plain.translate(TEXT).count(span) for span in SPANS) < len(SPANS)  # the tiny model keeps few


def test_formats_get_protection_too(marian_dir: Path, glossary: Path) -> None:
    page = '<p>Le <b>conseil municipal</b> a publié https://lyon.fr/budget-2027 hier.</p>'
    out = bilingua.translate(page, format="html", model=str(marian_dir), beams=1, glossary=str(glossary))
    assert out.count("https://lyon.fr/budget-2027") == 1 and out.count("city council") == 1


def test_a_bad_glossary_is_one_line_before_any_model_loads(tmp_path: Path) -> None:
    bad = tmp_path / "terms.tsv"
    bad.write_text("conseil municipal city council\n", encoding="utf-8")
    with pytest.raises(bilingua.InputError, match="line 1: expected"):
        read_glossary(bad)
    done = subprocess.run([sys.executable, "-m", "bilingua", "translate", "--glossary", str(bad),
                           "--model", str(tmp_path / "no-model"), "Bonjour."], capture_output=True, text=True)
    assert done.returncode == 1 and done.stderr.strip().endswith("expected 'French term<TAB>English term'")


def test_a_translation_that_kept_its_spans_is_not_aligned_again(marian_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bilingua import protect
    from bilingua.backends import Hypothesis

    backend = Pipeline(str(marian_dir), backend="ctranslate2", compute_type="float32", beams=1).translator.backend
    aligned: list[list[str]] = []
    real = protect.align_sentences
    monkeypatch.setattr(protect, "align_sentences", lambda b, s, h, *t: aligned.append(list(s)) or real(b, s, h, *t))
    sentences = ["La ligne fait 12 km depuis www.lyon.fr.", "La ligne fait 12 km."]
    kept = Hypothesis("The line is 12 km from www.lyon.fr.", 0.0, 9, [])
    lost = Hypothesis("The line is twelve kilometres.", 0.0, 6, [])
    out = Protector().repair(backend, sentences, [kept, lost])
    assert out[0] == kept  # nothing to mend: the model's own output
    assert aligned == [sentences[1:]]  # only the sentence that lost its span is aligned
    assert out[1].text.count("12 km") == 1
    aligned.clear()
    near = Hypothesis("The line is 12 kms long.", 0.0, 6, [])  # "12 km" inside another word is not kept
    Protector().repair(backend, sentences[1:], [near])
    assert aligned == [sentences[1:]]  # so it is mended


def test_extra_copies_of_a_span_go_as_whole_words_only() -> None:
    from bilingua.protect import _once

    # The model wrote the kept "12" twice; "120" is another number and stays whole.
    assert _once("flight 12 leaves at 12 from gate 120", ["12"]) == "flight 12 leaves at from gate 120"
    assert _once("12 and 12", ["12", "12"]) == "12 and 12"


def test_the_words_the_model_wrote_for_a_span_give_way_to_the_span(marian_dir: Path) -> None:
    # The model spelt the address out ("jean @ x.fr"): those words are replaced by the span, never kept beside it.
    from bilingua.alignment import piece_words
    from bilingua.backends import Hypothesis

    backend = Pipeline(str(marian_dir), backend="ctranslate2", compute_type="float32", beams=1).translator.backend
    source = "Écrivez à jean@x.fr demain"
    pieces = backend.encode([source])[0]
    first = {}
    for i, word in enumerate(piece_words(pieces)):
        if word >= 0:  # not the end-of-sentence mark
            first.setdefault(word, i)
    assert len(first) == 4  # four source words, each with a first piece
    tokens = ["▁Write", "▁to", "▁jean", "▁@", "▁x", ".", "fr", "▁tomorrow"]
    links = [first[0], first[1], first[2], first[2], first[2], first[2], first[2], first[3]]
    spelt = Hypothesis("Write to jean @ x.fr tomorrow", -0.5, len(tokens), tuple(tokens), tuple(links))
    (out,) = Protector().repair(backend, [source], [spelt])
    assert out.text == "Write to jean@x.fr tomorrow"


def test_a_glossary_saved_with_a_byte_order_mark_keeps_its_first_term(tmp_path: Path) -> None:
    path = tmp_path / "terms.tsv"
    path.write_bytes("\ufeffconseil municipal\tcity council\r\nimpôts\ttaxes\r\n".encode("utf-8"))
    assert read_glossary(path) == {"conseil municipal": "city council", "impôts": "taxes"}
