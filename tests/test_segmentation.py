from __future__ import annotations

from pathlib import Path

import pytest

from bilingua.segmentation import PysbdSplitter, normalize, parse_document, split_long
from bilingua.translator import plan_batches


@pytest.fixture(scope="module")
def fr() -> PysbdSplitter:
    return PysbdSplitter("fr")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("M. Dupont est arrivé. Mme Durand aussi.", ["M. Dupont est arrivé.", "Mme Durand aussi."]),
        ("Le Dr Martin est là. Il parle.", ["Le Dr Martin est là.", "Il parle."]),
        ("Le prix est de 1.000,5 euros, soit 3,5 % de plus. Bien.", ["Le prix est de 1.000,5 euros, soit 3,5 % de plus.", "Bien."]),
        ("Des œuvres, p. ex. deux toiles de Monet. Gratuit.", ["Des œuvres, p. ex. deux toiles de Monet.", "Gratuit."]),
        ("Nous avons attendu... puis la réponse est arrivée. Enfin !", ["Nous avons attendu... puis la réponse est arrivée.", "Enfin !"]),
        ("Pourquoi ? Personne ne sait.", ["Pourquoi ?", "Personne ne sait."]),
    ],
)
def test_french_sentence_boundaries(fr: PysbdSplitter, text: str, expected: list[str]) -> None:
    assert fr.split(text) == expected


def test_layout_is_kept_line_for_line(fr: PysbdSplitter) -> None:
    text = "Titre\n\nUne phrase. Une autre.\n- premier point ;\n  2) second point\n— Vous venez ? demanda Marie.\n\n\nFin.\n"
    doc = parse_document(text, fr)
    assert len(doc.lines) == text.count("\n") + 1
    assert [line.prefix for line in doc.lines if not line.blank] == ["", "", "- ", "  2) ", "— ", ""]
    assert [line.paragraph for line in doc.lines] == [0, -1, 1, 1, 1, 1, -1, -1, 2, -1]
    upper = doc.render([s.text.upper() for s in doc.sentences()])
    assert upper == "TITRE\n\nUNE PHRASE. UNE AUTRE.\n- PREMIER POINT ;\n  2) SECOND POINT\n— VOUS VENEZ ? DEMANDA MARIE.\n\n\nFIN.\n"


def test_normalize_is_nfc_only() -> None:
    assert normalize("e\u0301t\u00e9\r\nx\ry") == "\u00e9t\u00e9\r\nx\ry"


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_line_ends_are_kept_and_a_lone_cr_ends_a_line(fr: PysbdSplitter, end: str) -> None:
    text = end.join(["Une phrase.", "", "- Un point ; deux.", "Fin."]) + end
    doc = parse_document(text, fr)
    assert [line.end for line in doc.lines] == [end, end, end, end, ""]
    assert doc.render([s.text.upper() for s in doc.sentences()]) == text.upper()
    mixed = "Un.\r\nDeux.\rTrois.\nQuatre."
    doc = parse_document(mixed, fr)
    assert [s.text for s in doc.sentences()] == ["Un.", "Deux.", "Trois.", "Quatre."]
    assert doc.render([s.text for s in doc.sentences()]) == mixed


def _words(text: str) -> list[str]:
    return text.split()


@pytest.mark.parametrize(
    "sentence",
    [
        "un deux trois ; quatre cinq six : sept huit, neuf dix onze et douze treize quatorze quinze seize",
        " ".join(f"mot{i}" for i in range(50)),
        "x" * 40,
    ],
)
def test_split_long_never_exceeds_and_never_loses(sentence: str) -> None:
    count = lambda s: len(s.split()) + len(s) // 10  # noqa: E731 - any monotone token count will do
    pieces = split_long(sentence, count, 5)
    assert all(count(p) <= 5 for p in pieces)
    assert "".join("".join(pieces).split()) == "".join(sentence.split())


def test_split_long_prefers_clause_boundaries() -> None:
    sentence = "le maire a parlé longtemps ; les habitants ont écouté en silence"
    pieces = split_long(sentence, lambda s: len(s.split()), 7)
    assert pieces == ["le maire a parlé longtemps ;", "les habitants ont écouté en silence"]


def test_plan_batches_sorts_respects_budget_and_keeps_every_item() -> None:
    lengths = [5, 40, 3, 40, 12, 7, 30, 1]
    batches = plan_batches(lengths, batch_size=3, max_batch_tokens=90)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for b in batches:
        assert len(b) <= 3
        assert max(lengths[i] for i in b) * len(b) <= 90
    flat = [lengths[i] for b in batches for i in b]
    assert flat == sorted(flat, reverse=True)


@pytest.mark.parametrize(
    "path", ["flores200_devtest/fra_Latn.devtest", "wmt14_newstest2014_fren/text/newstest2014.fr-en.fr"]
)
def test_long_lines_read_in_windows_split_exactly_as_pysbd_does(evaldata: Path, path: str) -> None:
    lines = (evaldata / path).read_text(encoding="utf-8").split("\n")[:600]
    windowed, whole = PysbdSplitter("fr", window=1000), PysbdSplitter("fr", window=10**9)
    paragraphs = [" ".join(lines[k : k + 30]) for k in range(0, len(lines), 30)]  # 3,000-6,000 characters each
    assert all(len(p) > 2000 for p in paragraphs)
    for paragraph in paragraphs:
        assert windowed.split(paragraph) == whole.split(paragraph)


def test_one_huge_line_loses_nothing() -> None:
    splitter = PysbdSplitter("fr", window=500)
    text = " ".join(["Le conseil a voté. M. Dupont était absent."] * 200) + " " + "x" * 3000 + " fin"
    pieces = splitter.split(text)
    assert "".join("".join(pieces).split()) == "".join(text.split())
    assert pieces[:2] == ["Le conseil a voté.", "M. Dupont était absent."]
    # The run is cut at window edges inside its one word, and joined again; after "absent." it is a
    # sentence of its own (a full stop after a word, then a lower-case word: a sentence typed in lower case).
    assert pieces[-2:] == ["M. Dupont était absent.", "x" * 3000 + " fin"]
    assert pieces == PysbdSplitter("fr", window=10**9).split(text)


@pytest.mark.parametrize(
    "language, text, expected",
    [
        # A closing quote after the final punctuation, then a capital: a boundary pysbd missed.
        ("fr", "Il a dit « c'est fini. » Le maire est parti.", ["Il a dit « c'est fini. »", "Le maire est parti."]),
        ("fr", 'Il a dit "non merci." "La ministre a menti", a-t-il ajouté.',
         ['Il a dit "non merci."', '"La ministre a menti", a-t-il ajouté.']),
        ("en", 'People are happy. It\'s cool. We really need this." Halloween is here.',
         ["People are happy.", "It's cool.", 'We really need this."', "Halloween is here."]),
        # Cuts pysbd made where no sentence ends.
        ("fr", "Le Dr. Georges Bwelle opère. Il part.", ["Le Dr. Georges Bwelle opère.", "Il part."]),
        ("fr", "Selon l'U.S. Census Bureau, les ventes montent. Le U.S. Corps of Engineers aussi.",
         ["Selon l'U.S. Census Bureau, les ventes montent.", "Le U.S. Corps of Engineers aussi."]),
        ("fr", "Ces skis datent de 5 000 ans av. J.-C. ! La pratique est ancienne.",
         ["Ces skis datent de 5 000 ans av. J.-C. !", "La pratique est ancienne."]),
        ("fr", "N. Wayne Hale Jr., le directeur, a parlé. Puis il est parti.",
         ["N. Wayne Hale Jr., le directeur, a parlé.", "Puis il est parti."]),
        ("fr", "L'association (NSW) inc., des bénévoles, aide. Bien.", ["L'association (NSW) inc., des bénévoles, aide.", "Bien."]),
        ("fr", "Le p.-d.g. de Cogeco a parlé. Le CRTC écoute.", ["Le p.-d.g. de Cogeco a parlé.", "Le CRTC écoute."]),
        ("en", "Sen. Claire McCaskill, D-Mo., disagreed. She left.", ["Sen. Claire McCaskill, D-Mo., disagreed.", "She left."]),
        # newstest2014-en: a closing single quote was cut off its sentence.
        ("en", "\"Back on track,\" he said. We've got to remember who we are.' It's five years later.",
         ["\"Back on track,\" he said.", "We've got to remember who we are.'", "It's five years later."]),
        # The segmentation suite's English misses: pysbd's abbreviations that are words ("Me." is Maine, "pH."),
        # its list items inside running text ("July | 8."), a figure and a dotted acronym before a sentence.
        ("en", "It reacts with your tongue at neutral pH. So as your mouth warms up, it glows.",
         ["It reacts with your tongue at neutral pH.", "So as your mouth warms up, it glows."]),
        ("en", "His spirit lives here with me. I'm 58 and I live alone.",
         ["His spirit lives here with me.", "I'm 58 and I live alone."]),
        ("en", "The first reading was on July 8. One was sent to Washington on July 6, who read it on July 9. "
               "A copy reached London on August 10. The copies survive.",
         ["The first reading was on July 8.", "One was sent to Washington on July 6, who read it on July 9.",
          "A copy reached London on August 10.", "The copies survive."]),
        ("en", "Its luxury lasted up until about 1100 A.D. Its status declined.",
         ["Its luxury lasted up until about 1100 A.D.", "Its status declined."]),
        ("fr", "Il dit : « 2 g coûtent 200 £ . » La protéine est chère.",
         ["Il dit : « 2 g coûtent 200 £ . »", "La protéine est chère."]),
        # A quotation's attribution is part of its sentence.
        ("en", 'He said: "That is 0.5% of the voters!" De Bock concludes. He left.',
         ['He said: "That is 0.5% of the voters!" De Bock concludes.', "He left."]),
        # A text typed in lower case has sentences too; not after an abbreviation, a figure or a quotation.
        ("en", "i went home. then i slept.", ["i went home.", "then i slept."]),
        ("fr", "je suis rentré. puis j'ai dormi.", ["je suis rentré.", "puis j'ai dormi."]),
        ("en", "He paid 5 dollars etc. which was fine.", ["He paid 5 dollars etc. which was fine."]),
        ("en", "Black can answer 1. e4 with a pawn.", ["Black can answer 1. e4 with a pawn."]),
        ("en", '"Stop." he said. Then he left.', ['"Stop." he said.', "Then he left."]),
        ("fr", "Spirit Airlines Inc. avait appliqué les frais.", ["Spirit Airlines Inc. avait appliqué les frais."]),
        # And what must stay as it was: initials, and a sentence that does end after "U.S.".
        ("fr", "M. Dupont est venu. Il est parti aux U.S. Le lendemain, il a écrit.",
         ["M. Dupont est venu.", "Il est parti aux U.S.", "Le lendemain, il a écrit."]),
    ],
)
def test_boundaries_pysbd_gets_wrong_are_mended(language: str, text: str, expected: list[str]) -> None:
    assert PysbdSplitter(language).split(text) == expected


def test_segmentation_suite_splits_english_as_well_as_french(evaldata: Path) -> None:
    """``bilingua eval --suite segmentation``, its sentences read by hand inside the test sets' lines:
    F1 0.9790 (French) and 0.9733 (English) on the lines alone before the last repairs; 0.9999 and 0.9999
    after, on the marked sentences."""
    from bilingua.evaluation.segmentation import evaluate_segmentation
    from bilingua.evaluation.suites import load_suite

    suite = load_suite("segmentation")
    report = evaluate_segmentation(suite.parts, evaldata, max_errors=0, marks=Path(suite.marks))["parts"]
    french, english = report["all-fr"]["punctuated"], report["all-en"]["punctuated"]
    assert english["f1"] >= french["f1"] >= 0.999
    assert french["false_positives"] + french["false_negatives"] <= 3
    assert english["false_positives"] + english["false_negatives"] <= 3
    assert report["all-fr"]["lines"]["f1"] >= 0.975  # each test-set line one sentence, as before the marks


def test_the_marks_cut_and_join_test_set_lines(tmp_path: Path) -> None:
    from bilingua.evaluation.segmentation import gold_sentences, read_marks

    marks_file = tmp_path / "marks.tsv"
    marks_file.write_text("part\tline\toffset\tmark\tcontext\n"
                          "p\t1\t11\t+\tvoté.|Il\n"     # a second sentence in the first line
                          "p\t1\t3\t=\tM.|a\n"        # read: no sentence starts there
                          "p\t2\t0\t-\tparti.|mais\n",  # the second line goes on the first's sentence
                          encoding="utf-8")
    marks = read_marks(marks_file)["p"]
    assert gold_sentences(["M. a voté. Il est parti.", "mais il revient."], marks) == [
        "M. a voté.", "Il est parti. mais il revient."]
    with pytest.raises(ValueError, match="do not fit the data"):
        gold_sentences(["M. a voté. Elle est partie.", "mais il revient."], marks)


def test_a_code_span_is_never_cut_into_two_sentences() -> None:
    split = PysbdSplitter("fr")
    assert split("Lancez `echo fin. Autre` puis partez. Ensuite revenez.") == [
        "Lancez `echo fin. Autre` puis partez.", "Ensuite revenez."]
    assert split('Voir `![le plan](plan.png "Plan")` du quartier. Fin.') == [
        'Voir `![le plan](plan.png "Plan")` du quartier.', "Fin."]
    assert split("l`homme est venu. Il est parti.") == ["l`homme est venu.", "Il est parti."]  # a lone backtick


class _PysbdAsIs(PysbdSplitter):
    """The splitter on pysbd's own segment() and without the one-sentence shortcut: the reference."""

    shortcut = False

    def _segment(self, text: str) -> list[str]:
        import pysbd

        return list(pysbd.Segmenter(language=self.language, clean=False).segment(text))


@pytest.mark.parametrize(
    "path", ["flores200_devtest/fra_Latn.devtest", "wmt14_newstest2014_fren/text/newstest2014.fr-en.fr"]
)
def test_the_fast_paths_split_exactly_as_pysbd_itself(evaldata: Path, path: str) -> None:
    # Two speed-ups: pysbd's sentences placed with find() instead of a regex compiled per sentence, and
    # a text without final punctuation before its end taken as one sentence without pysbd.
    lines = [line for line in (evaldata / path).read_text(encoding="utf-8").split("\n")[:500] if line.strip()]
    texts = lines + [" ".join(lines[k:k + 8]) for k in range(0, len(lines), 8)] + [" ".join(lines[:60])]
    fast, reference = PysbdSplitter("fr"), _PysbdAsIs("fr")
    assert [fast.split(t) for t in texts] == [reference.split(t) for t in texts]
