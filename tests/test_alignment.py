"""Word alignment from the model's attention, for keeping inline formatting on the right words."""

from __future__ import annotations

from pathlib import Path

import pytest

from bilingua import Pipeline
from bilingua.alignment import piece_words

TEXT = "Le conseil municipal s'est réuni mardi soir. Les travaux commenceront au printemps prochain."


def test_pieces_are_grouped_into_words() -> None:
    assert piece_words(["▁Le", "▁con", "seil", "▁s", "'", "est", ".", "</s>"]) == [0, 1, 1, 2, 2, 2, 2, -1]
    assert piece_words(["N", "▁promis", "</s>"]) == [0, 1, -1]


@pytest.mark.parametrize("backend", ["ctranslate2", "transformers"])
def test_every_translated_word_points_at_a_source_word_of_its_own_sentence(marian_dir: Path, backend: str) -> None:
    pipeline = Pipeline(str(marian_dir), backend=backend, compute_type="float32", beams=1)
    words = pipeline.translate_aligned([TEXT, "", "- Bonjour à tous."])
    assert " ".join(w for w, _ in words[0]) == pipeline.translate(TEXT)
    assert words[1] == []
    first = len("Le conseil municipal s'est réuni mardi soir.".split())
    per_sentence = [pipeline.translate(s) for s in ("Le conseil municipal s'est réuni mardi soir.",
                                                    "Les travaux commenceront au printemps prochain.")]
    links = [i for _, i in words[0]]
    split = len(per_sentence[0].split())
    assert all(0 <= i < first for i in links[:split]) and all(first <= i < len(TEXT.split()) for i in links[split:])
    assert words[2][0] == ("-", 0) and all(1 <= i <= 3 for _, i in words[2][1:])  # the list marker is kept first
    if backend == "transformers":  # no attention read there: words go by their place
        assert links[:split] == sorted(links[:split])


def test_ctranslate2_alignment_reads_attention_over_real_source_tokens(marian_dir: Path) -> None:
    backend = Pipeline(str(marian_dir), backend="ctranslate2", compute_type="float32", beams=1).translator.backend
    source = backend.encode(["Le conseil municipal s'est réuni."])[0]
    hyp = backend.translate_batch(["Le conseil municipal s'est réuni."])[0]
    links = backend.align([source], [list(hyp.tokens)])[0]
    assert len(links) == len(hyp.tokens) and all(0 <= i < len(source) - 1 for i in links)  # never the </s>


@pytest.mark.parametrize("beams", [1, 4])
def test_ctranslate2_links_come_with_the_translation_and_match_a_forced_pass(marian_dir: Path, beams: int) -> None:
    from dataclasses import replace

    from bilingua.alignment import align_sentences

    backend = Pipeline(str(marian_dir), backend="ctranslate2", compute_type="float32", beams=beams).translator.backend
    sources = ["Le conseil municipal s'est réuni mardi soir.", "Les travaux commenceront au printemps prochain."]
    hyps = backend.translate_batch(sources)
    assert all(len(h.links) == len(h.tokens) > 0 for h in hyps)
    # What protection and formatting read without a second decoding pass is what that pass would say.
    forced = backend.align(backend.encode(sources), [list(h.tokens) for h in hyps])
    assert [list(h.links[1:]) for h in hyps] == [f[1:] for f in forced]
    assert align_sentences(backend, sources, hyps) == align_sentences(backend, sources, [replace(h, links=()) for h in hyps])


def test_a_sentence_split_inside_a_word_copies_no_source_word(marian_dir: Path) -> None:
    def splitter(text: str) -> list[str]:  # a pluggable splitter may cut inside a word ("publ" | "ié")
        at = text.index("publié") + 4
        return [text[:at], text[at:]]

    pipeline = Pipeline(str(marian_dir), backend="ctranslate2", compute_type="float32", beams=1, splitter=splitter)
    text = "Le conseil a publié le plan du quartier."
    sentences = pipeline.translator.translate_document(text)
    assert sum(len(s.text.split()) for s in sentences.sentences()) > len(text.split())
    words = pipeline.translate_aligned([text])[0]
    assert [w for w, _ in words] == [w for h in sentences.hypotheses for w in h.text.split()]
