"""URLs, e-mail addresses, handles, code and numbers with units come through unchanged; glossary terms as given."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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



def test_text_where_a_word_follows_a_number_has_no_unit() -> None:
    # "l'", "s'", "m-" start a word: no litres, seconds or metres. A range's hyphen joins two numbers.
    found = Protector().find("En 2024 l'Union, en 2024 s'est réunie, 3 m-là, 3 km's et 3 km. De 12 h-14 h.")
    assert [s.text for s in found] == ["3 km", "12 h", "14 h"]


def test_a_code_span_in_text_is_read_as_its_backtick_runs_are_long() -> None:
    # "`` x ``" is one code span, not "` x `" inside it; a backtick inside a longer run is its text.
    found = Protector().find('a "`` x ``" b, ``a`b`` et `c`')
    assert [s.text for s in found] == ["`` x ``", "``a`b``", "`c`"]


@pytest.mark.parametrize(("sentence", "engine", "expected"), [
    ("Débit : 26,8 kB/seconde.", "reverse", "26,8 kB/seconde. : Débit"),  # "/seconde." was lost
    ('a "`` x ``" b', "reverse", 'b "`` x ``" a'),  # the quotes and a pair of backticks were lost
    ("(`x`)", "punct_front", "(`x`)"),  # "`) (`x": each piece loses the span's part, the span goes once
])
def test_text_glued_to_a_span_stays_with_it(sentence: str, engine: str, expected: str) -> None:
    import laws  # noqa: F401  (registers the test engines)

    assert Pipeline(backend=engine).translate(sentence) == expected


def test_the_text_glued_to_a_glossary_term_stays() -> None:
    from bilingua.backends import Hypothesis
    from bilingua.protect import _put_back

    sentence = "Le (conseil municipal) vote"
    spans = Protector({"conseil municipal": "city council"}).find(sentence)
    out = _put_back(sentence, Hypothesis("The (municipal council) votes", 0.0, 5), spans, [0, 1, 2, 3])
    assert out.text == "The (city council) votes"  # the parentheses the model wrote stay


def test_a_translation_that_holds_its_span_glued_to_text_keeps_its_tokens_and_links() -> None:
    from bilingua.backends import Hypothesis
    from bilingua.protect import _put_back

    # "`x`le" holds "`x`" glued to a word: nothing to put back, and the engine's links (markup goes by them) stay.
    sentence, written = "le le `x`le", Hypothesis("le `x`le le", 0.0, 3, ("▁le", "▁`x`le", "▁le"), (1, 2, 0))
    assert _put_back(sentence, written, Protector().find(sentence), [1, 2, 0]) is written

# -- under a test engine that reorders words (tests/laws registers them): nothing the model wrote is lost ------

_FRENCH = ["le", "conseil", "municipal", "a", "voté", "l'Union", "s'est", "réuni", "aujourd'hui", "jusqu'à", "Île"]
_UNITS = ["km", "kB", "%", "€", "l", "h", "s", "m", "m²", "°C", "Mo"]
_NUMBERS = st.builds("{}{}{}".format, st.sampled_from(["3", "12", "26,8", "2 024", "1.5"]),
                     st.sampled_from([" ", "", "\u00a0"]), st.sampled_from(_UNITS))
_URLS = ["https://lyon.fr/budget-2027", "www.ex.fr", "http://a.fr/x?y=1"]
_CODE = ["`pip`", "`make budget`", "`` x ``", "``a`b``", "`x`", "`a b c`"]
#: Text glued to a word on either side: punctuation, and what continues a word ("l'", "'s", "/seconde", "-là").
_BEFORE = ["", "", "(", '"', "«", "[", "'", "l'"]
_AFTER = ["", "", ")", ".", ",", '"', "»", ";", "!", ":", "…", "/seconde.", "'s", "'Union", "-là", '")']
_TOKENS = st.builds("{}{}{}".format, st.sampled_from(_BEFORE),
                    st.one_of(st.sampled_from(_FRENCH), _NUMBERS, st.sampled_from(_URLS), st.sampled_from(_CODE)),
                    st.sampled_from(_AFTER))
_SENTENCES = st.lists(_TOKENS, min_size=1, max_size=8).map(" ".join)


@pytest.fixture(scope="module")
def reverse() -> Pipeline:
    import laws  # noqa: F401  (registers the test engines)

    return Pipeline(backend="reverse")


def _visible(text: str) -> Counter[str]:
    """The characters of ``text`` but its whitespace, each as often as it is there."""
    return Counter(c for c in text if not c.isspace())


def _spans(text: str, spans: set[str]) -> dict[str, int]:
    """How often each of ``spans`` is in ``text`` as whole words, as protection counts it."""
    from bilingua.protect import _word

    return {span: len(_word(span).findall(text)) for span in spans}


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_SENTENCES)
def test_reordered_text_keeps_every_character_and_each_span_as_often(reverse: Pipeline, sentence: str) -> None:
    """Protection takes out of the translation only the model's copies of a span: text glued to a span
    (punctuation, "l'Union", "/seconde.") stays, and each span is there as often as in the source."""
    out = reverse.translate(sentence)
    assert _visible(out) == _visible(sentence), out
    flat, out = " ".join(sentence.split()), " ".join(out.split())  # the model reads no-break spaces as spaces
    spans = {s.text for s in Protector().find(flat)}
    assert _spans(out, spans) == _spans(flat, spans), out
