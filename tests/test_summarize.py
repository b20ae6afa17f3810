from __future__ import annotations

from pathlib import Path

import pytest

from bilingua import ExtractiveSummarizer, ModelNotFoundError, Pipeline
from bilingua.summarizers import AbstractiveSummarizer, end_on_sentence, make_summarizer, within_words

DATA = Path(__file__).parent / "data"
ENGLISH = (DATA / "corpus.en.txt").read_text(encoding="utf-8")


def _sentences(text: str) -> list[str]:
    return ExtractiveSummarizer().sentences(text)


@pytest.mark.parametrize("n", [1, 3, 7])
def test_extractive_length_by_sentence_count(n: int) -> None:
    summary = ExtractiveSummarizer(num_sentences=n).summarize(ENGLISH)
    assert len(_sentences(summary)) == n


def test_extractive_length_by_ratio_and_document_order() -> None:
    source = _sentences(ENGLISH)
    summary = ExtractiveSummarizer(ratio=0.25).summarize(ENGLISH)
    picked = _sentences(summary)
    assert len(picked) == round(0.25 * len(source))
    positions = [source.index(s) for s in picked]
    assert positions == sorted(positions)


def test_extractive_is_deterministic_and_prefers_central_sentences() -> None:
    text = (
        "The council voted on the traffic plan. "
        "The traffic plan closes two bridges to cars. "
        "My cat likes sardines. "
        "Critics say the traffic plan and the bridges will hurt shops."
    )
    s = ExtractiveSummarizer(num_sentences=2)
    assert s.summarize(text) == s.summarize(text)
    assert "sardines" not in s.summarize(text)


def test_extractive_short_and_degenerate_inputs() -> None:
    s = ExtractiveSummarizer(num_sentences=3)
    assert s.summarize("Only one sentence here.") == "Only one sentence here."
    assert s.summarize("") == ""
    assert s.summarize("?! … !") == "?! … !"


def test_end_on_sentence() -> None:
    assert end_on_sentence("One. Two is cut") == "One."
    assert end_on_sentence("One. Two.") == "One. Two."
    assert end_on_sentence("no boundary at all") == "no boundary at all"
    assert end_on_sentence('He said "yes." And then') == 'He said "yes."'


def test_abstractive_chunks_inputs_longer_than_its_limit(t5_dir: Path) -> None:
    s = AbstractiveSummarizer(str(t5_dir), device="cpu", max_length=12)
    assert s.max_input_tokens == 48
    assert s._count(ENGLISH) > 10 * s.max_input_tokens
    chunks = s.chunks(ENGLISH)
    assert len(chunks) > 10
    assert all(s._count(c) <= s.max_input_tokens for c in chunks)
    # Chunks are whole sentences, in order, and together they are the whole input.
    assert "".join("".join(chunks).split()) == "".join(ENGLISH.split())
    summary = s.summarize(ENGLISH)
    assert summary and summary == s.summarize(ENGLISH)
    assert s.info()["kind"] == "abstractive"


def test_abstractive_length_control(t5_dir: Path) -> None:
    short = AbstractiveSummarizer(str(t5_dir), device="cpu", max_length=5, min_length=1)
    longer = AbstractiveSummarizer(str(t5_dir), device="cpu", max_length=20, min_length=15)
    text = _sentences(ENGLISH)[0]
    n_short = len(short.tokenizer(short.summarize(text))["input_ids"])
    n_long = len(longer.tokenizer(longer.summarize(text))["input_ids"])
    # Re-tokenising decoded text is not exact, hence the slack.
    assert n_short <= 2 * 5 < n_long


def test_auto_falls_back_to_extractive_with_a_notice(caplog: pytest.LogCaptureFixture) -> None:
    summarizer, note = make_summarizer("auto", "no-such-org/no-such-model")
    assert isinstance(summarizer, ExtractiveSummarizer)
    assert "no-such-org/no-such-model" in note["fallback_reason"]
    notices = [r for r in caplog.records if r.name == "bilingua"]
    assert len(notices) == 1 and "using the extractive summarizer" in notices[0].getMessage()


def test_abstractive_fails_clearly_when_model_is_missing() -> None:
    with pytest.raises(ModelNotFoundError, match="bilingua models download"):
        make_summarizer("abstractive", "no-such-org/no-such-model")


def test_pipeline_reports_the_summarizer_it_used(marian_dir: Path, t5_dir: Path) -> None:
    p = Pipeline(str(marian_dir), beams=1, summarizer="auto", summarizer_model=str(t5_dir))
    result = p.process("Le conseil municipal s'est réuni. Les avis restaient partagés.")
    assert result.models["summarizer"]["kind"] == "abstractive"
    assert result.models["summarizer"]["id"] == str(t5_dir)
    assert result.summary


def test_position_aware_centrality_is_not_lead_k() -> None:
    # Lead-3 keeps the photo credit, and Lead-4 the weather; a central later sentence beats both.
    text = (
        "Photo AFP. "
        "The city council voted on Tuesday on the new traffic plan for the centre. "
        "The traffic plan closes two bridges in the centre to cars from next spring. "
        "Heavy rain will fall over most regions during Sunday. "
        "Shop owners in the centre say closing the bridges to cars will hurt their trade. "
        "The council says the plan for the bridges will cut traffic in the centre by a third. "
        "A vote on the budget of the plan is expected next month. "
        "Cyclists welcome a plan that gives the bridges in the centre to bikes. "
        "The mayor defended the traffic plan for the centre at a meeting on Tuesday."
    )
    sentences = _sentences(text)
    picked = ExtractiveSummarizer().select(sentences)
    assert len(picked) == 3 and picked[:2] == [1, 2] and picked[2] > 3
    summary = ExtractiveSummarizer().summarize(text)
    assert "rain" not in summary and "Photo AFP" not in summary
    assert summary.startswith("The city council voted")  # the lead sentence still wins on position


def test_near_duplicates_are_picked_once() -> None:
    text = (
        "The traffic plan closes two bridges to cars. "
        "The traffic plan closes two bridges to cars! "
        "Shops say the traffic plan will hurt trade on the bridges. "
        "The council will vote on the traffic plan for the bridges in May."
    )
    summary = ExtractiveSummarizer(num_sentences=2).summarize(text)
    assert summary.count("closes two bridges") == 1


@pytest.mark.parametrize("words", [15, 40, 80])
def test_no_summary_is_past_its_word_budget(evaldata: Path, words: int) -> None:
    articles = (evaldata / "summarization/orangesum/summaries/abstracts/source_documents.txt").read_text(
        encoding="utf-8").split("\n")[:60]
    s = ExtractiveSummarizer(words=words, language="fr")
    for article in articles:
        sentences = s.sentences(article)
        picked = s.select(sentences)
        size = sum(len(sentences[i].split()) for i in picked)
        # Over the budget only when the one sentence picked is longer than the budget by itself.
        assert size <= words or (len(picked) == 1 and all(len(x.split()) > words for x in sentences))


def test_default_length_is_three_sentences_within_eighty_words(evaldata: Path) -> None:
    articles = (evaldata / "summarization/orangesum/summaries/abstracts/source_documents.txt").read_text(
        encoding="utf-8").split("\n")[:60]
    s = ExtractiveSummarizer(language="fr")
    sizes = []
    for article in articles:
        sentences = s.sentences(article)
        picked = s.select(sentences)
        assert 1 <= len(picked) <= 3
        sizes.append(sum(len(sentences[i].split()) for i in picked))
    assert max(sizes) <= 80 and sum(sizes) / len(sizes) > 50


def test_orangesum_extractive_beats_every_lead_k(evaldata: Path) -> None:
    """The summariser's reason to exist: above Lead-1/2/3 in ROUGE-1 and ROUGE-L on OrangeSum abstracts."""
    from bilingua.evaluation import System, evaluate

    folder = evaldata / "summarization/orangesum/summaries/abstracts"
    articles = (folder / "source_documents.txt").read_text(encoding="utf-8").split("\n")[:400]
    gold = (folder / "gold.txt").read_text(encoding="utf-8").split("\n")[:400]
    s = ExtractiveSummarizer(language="fr")
    docs = [s.sentences(a) for a in articles]
    systems = [System("extractive", [s.summarize_sentences(d) for d in docs])]
    systems += [System(f"lead-{k}", [" ".join(d[:k]) for d in docs]) for k in (1, 2, 3)]
    report = evaluate(systems, [gold], "rouge1,rouge2,rougeL", significance=())
    scores = {sy["name"]: {m: v["score"] for m, v in sy["metrics"].items()} for sy in report.systems}
    for k in (1, 2, 3):
        for metric in ("rouge1", "rouge2", "rougeL"):
            assert scores["extractive"][metric] > scores[f"lead-{k}"][metric], (metric, k, scores)


def test_within_words_keeps_whole_sentences() -> None:
    sentences = ["One two three.", "Four five six seven.", "Eight."]
    assert within_words(sentences, 7) == "One two three. Four five six seven."
    assert within_words(sentences, 6) == "One two three."
    assert within_words(sentences, 2) == "One two three."  # at least the first sentence
    assert within_words(sentences, None) == " ".join(sentences)


def test_abstractive_fuses_chunk_summaries_within_the_budget(t5_dir: Path) -> None:
    s = AbstractiveSummarizer(str(t5_dir), device="cpu", max_length=12, words=25)
    assert len(s.chunks(ENGLISH)) > 10
    summary = s.summarize(ENGLISH)
    kept = s.sentences(summary)
    assert summary and (len(summary.split()) <= 25 or len(kept) == 1)
    # One pass joins as many chunk summaries as there are chunks; the fusion pass makes far fewer words.
    unfused = " ".join(s._summarize_chunks(s.chunks(ENGLISH)))
    assert len(summary.split()) < len(unfused.split())


def test_english_and_french_summaries_need_no_translation_model(tmp_path: Path) -> None:
    import bilingua

    missing = str(tmp_path / "no-translation-model")  # loading it would fail: proof that nothing loads it
    english = "The council met on Tuesday. The traffic plan closes two bridges. Shops fear the traffic plan."
    en = bilingua.summarize(english, model=missing, source_lang="en", summary_lang="en", summarizer="extractive",
                            summary_sentences=1)
    assert en in _sentences(english)
    assert bilingua.summarize(english, model=missing, source="en", summary_lang="en", summarizer="extractive",
                              summary_sentences=1) == en  # source_lang is source's old name
    french = "Le conseil s'est réuni mardi. Le plan de circulation ferme deux ponts. Les commerçants craignent le plan."
    fr = bilingua.summarize(french, model=missing, source_lang="fr", summary_lang="fr", summary_words=12)
    assert fr and fr in french and len(fr.split()) <= 12
    # An English text's summary is French by default now: it is translated, by the model given for en-fr.
    with pytest.raises(ModelNotFoundError, match="no-translation-model"):
        bilingua.summarize(english, model=missing, source_lang="en", summarizer="extractive")
    with pytest.raises(ModelNotFoundError, match="no-translation-model"):
        bilingua.process(english, model=missing, source="en")
    with pytest.raises(ValueError, match="writes English"):
        make_summarizer("abstractive", language="fr")


def test_process_can_give_a_french_summary_beside_the_translation(marian_dir: Path, long_document: str) -> None:
    result = Pipeline(str(marian_dir), beams=1, summary_lang="fr").process(long_document)
    assert result.translation and result.summary_segments
    assert result.summary == " ".join(s.source for s in result.summary_segments)


def test_the_summary_is_made_from_the_translated_segments(marian_dir: Path, long_document: str) -> None:
    class Recording(ExtractiveSummarizer):
        def summarize_sentences(self, sentences):  # type: ignore[no-untyped-def]
            self.seen = list(sentences)
            return super().summarize_sentences(sentences)

    recording = Recording(num_sentences=2)
    result = Pipeline(str(marian_dir), beams=1, summarizer=recording).process(long_document)
    assert recording.seen == [s.translation for s in result.segments]
    assert result.summary == " ".join(recording.seen[i] for i in recording.select(recording.seen))


def test_a_missing_summary_model_fails_before_any_translation(marian_dir: Path, tmp_path: Path) -> None:
    p = Pipeline(str(marian_dir), beams=1, summarizer="abstractive", summarizer_model=str(tmp_path / "none"))
    calls: list[object] = []
    real = p.translator.backend.translate_batch
    p.translator.backend.translate_batch = lambda xs, *tok: (calls.append(xs), real(xs, *tok))[1]  # type: ignore[method-assign]
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        p.process("Bonjour. Merci.")
    assert calls == []
