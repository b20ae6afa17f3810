from __future__ import annotations

from pathlib import Path

import pytest

from bilingua import ExtractiveSummarizer, ModelNotFoundError, Pipeline
from bilingua.summarizers import AbstractiveSummarizer, end_on_sentence, make_summarizer

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


def test_textrank_picks_central_sentences_not_the_first_ones() -> None:
    text = (
        "My cat likes sardines. "
        "Rain is expected on Sunday. "
        "The traffic plan closes two bridges to cars. "
        "The council voted on the traffic plan and the bridges. "
        "Critics say the traffic plan and the bridges will hurt shops."
    )
    summary = ExtractiveSummarizer(num_sentences=2).summarize(text)
    assert "sardines" not in summary and "Rain" not in summary
    assert summary.count("traffic plan") == 2


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
