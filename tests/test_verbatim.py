"""Segments are the source's own text: ``text[seg.start:seg.end] == seg.source`` on every path and format,
and formats hand the translator blocks whose line breaks are soft."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

import bilingua
from bilingua import Pipeline
from bilingua.backends import Hypothesis
from bilingua.backends.base import WrappingBackend

TRICKY = ("Le conseil s'est réuni\u00a0: «\u00a0Nous voterons.\u00a0» Il fait 4\u202fmois de travaux.\r\n"
          "\r\n"
          "- Premier\tpoint. Second point\u00a0!\r\n"
          "\tUne ligne\u00a0indentée, puis   des espaces.\n")


@pytest.fixture(scope="module")
def pipeline(marian_dir: Path) -> Pipeline:
    return Pipeline(str(marian_dir), backend="ctranslate2", compute_type="float32", beams=1, summarizer="extractive")


def _verbatim(text: str, segments: Sequence[bilingua.Segment]) -> None:
    assert segments
    for seg in segments:
        assert text[seg.start:seg.end] == seg.source, seg
    starts = [s.start for s in segments]
    assert starts == sorted(starts) and all(a.end <= b.start for a, b in zip(segments, segments[1:]))


def test_no_break_spaces_crlf_and_tabs_stay_in_the_segments(pipeline: Pipeline) -> None:
    result = pipeline.process(TRICKY)
    _verbatim(TRICKY, result.segments)
    sources = [s.source for s in result.segments]
    assert "Le conseil s'est réuni\u00a0: «\u00a0Nous voterons.\u00a0»" in sources
    assert "Il fait 4\u202fmois de travaux." in sources
    assert "Premier\tpoint." in sources  # the list marker is not part of the sentence


def test_every_segment_of_the_flores_devtest_is_verbatim(pipeline: Pipeline, evaldata: Path) -> None:
    lines = (evaldata / "flores200_devtest" / "fra_Latn.devtest").read_text(encoding="utf-8").split("\n")
    text = "\n\n".join(" ".join(lines[k:k + 12]) for k in range(0, len(lines), 12))  # paragraphs of 12 sentences
    result = pipeline.process(text, summarize=False)
    _verbatim(text, result.segments)
    assert sum(len(s.source.split()) for s in result.segments) == len(text.split())  # nothing left out


def test_hard_wrapped_paragraphs_are_verbatim_too(pipeline: Pipeline) -> None:
    wrapped = ("Le conseil municipal de Lyon s'est réuni mardi soir pour voter le budget de\r\n"
               "l'année prochaine, qui prévoit la rénovation de deux écoles et d'un gymnase.\r\n")
    result = pipeline.process(wrapped, summarize=False)
    _verbatim(wrapped, result.segments)
    assert len(result.segments) == 1 and "\r\n" in result.segments[0].source


def _docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("Le conseil municipal s'est réuni mardi. Il a voté le budget.")
    document.add_paragraph("Les travaux commenceront au printemps.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


DOCUMENTS: dict[str, Any] = {
    "markdown": "# Le budget\n\nLe conseil s'est **réuni** mardi. Il a voté [le budget](https://x.fr).\n",
    "html": "<html><body><article><p>Le conseil municipal s'est réuni mardi soir. Il a voté le budget de "
            "l'année.</p><p>Les travaux commenceront au printemps prochain, selon la mairie.</p></article></body></html>",
    "srt": "1\n00:00:01,000 --> 00:00:03,000\nLe conseil s'est réuni\n\n2\n00:00:03,500 --> 00:00:05,000\nmardi soir.\n",
    "vtt": "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nLe conseil s'est réuni mardi.\n\n"
           "00:00:03.500 --> 00:00:05.000\nIl a voté le budget.\n",
    "docx": _docx(),
}


@pytest.mark.parametrize("form", sorted(DOCUMENTS))
def test_segments_of_a_document_in_each_format_are_verbatim_in_its_text(pipeline: Pipeline, form: str) -> None:
    from bilingua.formats import plain_text

    document = DOCUMENTS[form]
    text = plain_text(document, form) if form == "docx" else document
    result = pipeline.process(text, summarize=False, format="text" if form == "docx" else form)
    assert result.source == plain_text(document, form)
    _verbatim(result.source, result.segments)


def test_a_french_summary_of_french_is_made_of_exact_source_sentences(pipeline: Pipeline) -> None:
    text = ("Le conseil municipal s'est réuni\u00a0: il a voté le budget pour 4\u202fmois. "
            "La séance a duré trois heures\u00a0! Les élus ont débattu des écoles. "
            "Le maire a conclu par un appel au calme.")
    french = Pipeline(summarizer="extractive", source_lang="fr", summary_lang="fr", summary_sentences=2)
    summary = french.summarize(text)
    assert "\u00a0" in summary or "\u202f" in summary  # not turned into plain spaces
    sentences = [s.source for s in pipeline.process(text, summarize=False).segments]
    assert all(part in sentences for part in _cut(summary, sentences))
    picked = pipeline.process(text, summary_from="source", translate_all=False, summarize=True)
    assert all(text[s.start:s.end] == s.source for s in picked.summary_segments)


def _cut(summary: str, sentences: list[str]) -> list[str]:
    """The summary as the source sentences it was made of (in order, one space apart)."""
    out, rest = [], summary
    while rest:
        head = next(s for s in sentences if rest.startswith(s))
        out.append(head)
        rest = rest[len(head):].lstrip(" ")
    return out


class Recording(WrappingBackend):
    """The real engine, with a note of every sentence it was given."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner, "recording")
        self.seen: list[str] = []

    def translate_batch(self, sources: Sequence[str], tokens: Sequence[Sequence[Any]] | None = None) -> list[Hypothesis]:
        self.seen += list(sources)
        return self.inner.translate_batch(sources, tokens)


def test_a_hand_wrapped_html_paragraph_is_one_sentence(marian_dir: Path) -> None:
    pipeline = Pipeline(str(marian_dir), backend="ctranslate2", compute_type="float32", beams=1)
    recording = Recording(pipeline.translator.backend)
    pipeline.translator.backend = recording
    page = "<p>Le conseil municipal s'est réuni\nmardi soir pour voter le budget.</p>"
    out = pipeline.translate(page, format="html")
    assert recording.seen == ["Le conseil municipal s'est réuni mardi soir pour voter le budget."]
    assert out.startswith("<p>") and out.endswith("</p>") and "\n" not in out
    recording.seen.clear()
    pipeline.translate("Un paragraphe\nécrit à la main. *Une* phrase\nde plus.", format="markdown")
    assert recording.seen == ["Un paragraphe écrit à la main.", "Une phrase de plus."]


class Counting(Recording):
    """The real engine, counting how often each sentence is encoded."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self.encoded: list[str] = []

    def encode(self, texts: Sequence[str]) -> list[list[Any]]:
        self.encoded += list(texts)
        return self.inner.encode(texts)


def test_on_the_markdown_path_each_sentence_is_encoded_once(marian_dir: Path) -> None:
    # The schedule encodes a sentence; protection and alignment reuse its tokens (they encoded it again).
    pipeline = Pipeline(str(marian_dir), backend="ctranslate2", compute_type="float32", beams=1)
    counting = Counting(pipeline.translator.backend)
    pipeline.translator.backend = counting
    page = ("Le **conseil municipal** a publié le budget sur https://lyon.fr/budget hier soir.\n\n"
            "Écrivez à *mairie@lyon.fr* avant lundi. Les travaux durent 12 km.\n")
    pipeline.translate(page, format="markdown")
    assert counting.seen, "the engine was used"
    assert len(counting.encoded) == len(set(counting.encoded)), sorted(counting.encoded)


def test_every_text_format_is_registered_once_and_plain_text_keeps_its_lines_through_the_registry() -> None:
    from bilingua.formats import FORMATS, format_of, formats, translate_document

    assert set(formats(binary=False)) == {"text", "markdown", "html", "srt", "vtt"} and formats(binary=True) == ("docx",)
    extensions = [e for f in FORMATS.values() for e in f.extensions]
    assert len(extensions) == len(set(extensions))
    assert [format_of(name) for name in ("a.md", "b.HTM", "c.vtt", "d.docx", "e.txt", "f.rst")] == [
        "markdown", "html", "vtt", "docx", "text", "text"]
    shout = lambda texts: [t.strip().upper() for t in texts]  # noqa: E731
    assert translate_document("Un.\r\n\r\n  Deux.\nTrois", "text", shout) == "UN.\r\n\r\n  DEUX.\nTROIS"
