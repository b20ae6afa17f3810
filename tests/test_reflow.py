"""Hard-wrapped text (from a PDF or an e-mail): sentences broken over lines are translated whole."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bilingua import Pipeline
from bilingua.segmentation import PysbdSplitter, parse_document

ARTICLE = (
    "Le conseil municipal de Lyon s'est réuni mardi soir pour examiner le budget de l'année prochaine. "
    "Les élus ont longuement débattu de la rénovation des écoles et de la fermeture de deux ponts, "
    "avant de voter le texte à une large majorité."
)


def wrapped(text: str, width: int = 60) -> str:
    return textwrap.fill(text, width=width)


@pytest.fixture(scope="module")
def pipelines(marian_dir: Path) -> tuple[Pipeline, Pipeline]:
    options = dict(backend="ctranslate2", compute_type="float32", beams=1)
    return Pipeline(str(marian_dir), **options), Pipeline(str(marian_dir), keep_lines=True, **options)  # type: ignore[arg-type]


def test_a_wrapped_paragraph_is_read_as_whole_sentences() -> None:
    splitter = PysbdSplitter("fr")
    text = "Titre\n\n" + wrapped(ARTICLE) + "\n\nFin.\n"
    flowed = parse_document(text, splitter, reflow=True).sentences()
    strict = parse_document(text, splitter).sentences()
    assert [s.text for s in flowed] == ["Titre", *splitter(ARTICLE), "Fin."]
    assert len(strict) > len(flowed)  # line by line, sentences come in pieces
    assert [s.line for s in flowed] == [0, 2, 2, 2 + wrapped(ARTICLE).count("\n") + 2]


def test_translation_is_of_whole_sentences_wrapped_back_to_the_width(pipelines: tuple[Pipeline, Pipeline]) -> None:
    flowing, keeping = pipelines
    text = "Compte rendu\n\n" + wrapped(ARTICLE) + "\n"
    out = flowing.translate(text)
    head, body = out.split("\n\n", 1)
    assert head == flowing.translate("Compte rendu")
    assert body.split() == flowing.translate(ARTICLE).split()  # the same words as the paragraph on one line
    assert all(len(line) <= 60 or " " not in line for line in body.splitlines())
    assert body.endswith("\n") and not body.endswith("\n\n")
    strict = keeping.translate(text)
    assert strict.count("\n") == text.count("\n")  # --keep-lines: one output line per input line


@pytest.mark.parametrize("text", [
    "- la fermeture de deux ponts qui relient la presqu'île au reste\n- une réunion publique sur le budget de l'année",
    "Sous le pont Mirabeau coule la Seine\nEt nos amours\nFaut-il qu'il m'en souvienne",
    "Le conseil municipal s'est réuni mardi soir à Lyon pour le budget.\nLes élus ont voté le texte à une large majorité hier.",
    "Monsieur le maire de la ville de Lyon et ses adjoints\n    Hôtel de ville, place de la Comédie, 69001 Lyon",
])
def test_lists_verse_one_sentence_lines_and_indented_blocks_keep_their_lines(text: str) -> None:
    doc = parse_document(text, PysbdSplitter("fr"), reflow=True)
    assert [line.width for line in doc.lines] == [None] * (text.count("\n") + 1)


def test_crlf_wrapped_text_keeps_its_line_ends(pipelines: tuple[Pipeline, Pipeline]) -> None:
    text = wrapped(ARTICLE).replace("\n", "\r\n") + "\r\n"
    out = pipelines[0].translate(text)
    assert out.endswith("\r\n") and "\n" not in out.replace("\r\n", "")
