"""One pipeline, many threads: every document comes back exactly as it does from one thread."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import bilingua
from bilingua import Pipeline
from bilingua.segmentation import PysbdSplitter, parse_document
from bilingua.summarizers import ExtractiveSummarizer

DATA = Path(__file__).parent / "data"
FR = (DATA / "corpus.fr.txt").read_text(encoding="utf-8").splitlines()


def documents(n: int) -> list[str]:
    """Documents of different lengths and layouts, some sharing sentences (so the cache is hit)."""
    docs = []
    for k in range(n):
        start = (k * 7) % len(FR)
        sentences = (FR[start:] + FR[:start])[: 2 + k % 9]
        half = len(sentences) // 2
        docs.append(" ".join(sentences[:half]) + "\n\n- " + " ".join(sentences[half:]) + ("\n" if k % 2 else ""))
    return docs


def in_threads(func, items, workers: int = 8):  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(workers)

    def start(item):  # type: ignore[no-untyped-def]
        try:
            barrier.wait(timeout=5)  # the first 8 calls start together
        except threading.BrokenBarrierError:
            pass
        return func(item)

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(start, items))


def test_splitting_from_eight_threads_equals_one_thread() -> None:
    splitter = PysbdSplitter("fr")  # shared, as a Pipeline shares it
    docs = documents(200)
    expected = [parse_document(d, splitter).sentences() for d in docs]
    assert in_threads(lambda d: parse_document(d, splitter).sentences(), docs) == expected


@pytest.mark.parametrize("backend", ["ctranslate2", "transformers"])
def test_eight_threads_with_a_cache_give_the_single_thread_results(marian_dir: Path, backend: str) -> None:
    docs = documents(40)
    # float32 greedy: the engines give a sentence the same translation in any batch (tested elsewhere).
    options = dict(backend=backend, compute_type="float32", beams=1, summarizer="extractive", progress=False)
    expected = [Pipeline(str(marian_dir), **options).process(d) for d in docs]  # type: ignore[arg-type]
    shared = Pipeline(str(marian_dir), cache_size=64, **options)  # type: ignore[arg-type]
    got = in_threads(shared.process, docs * 2)  # every document twice: the second time partly from the cache
    for result, want in zip(got, expected * 2):
        assert result.translation == want.translation
        assert result.summary == want.summary
        assert [_aligned(s) for s in result.segments] == [_aligned(s) for s in want.segments]
        # A cache hit changes which sentences share a batch, and padding moves a score in the 7th digit.
        assert [s.score for s in result.segments] == pytest.approx([s.score for s in want.segments], abs=1e-4)
    assert shared.models_info()["translation"]["cache"]["hits"] > 0


def _aligned(s: bilingua.Segment) -> tuple[str, str, int, int]:
    return (s.source, s.translation, s.paragraph, s.line)


def test_module_helpers_from_threads(marian_dir: Path) -> None:
    docs = documents(16)
    options = dict(model=str(marian_dir), backend="ctranslate2", compute_type="float32", beams=1)
    expected = [bilingua.translate(d, **options) for d in docs]  # type: ignore[arg-type]
    assert in_threads(lambda d: bilingua.translate(d, **options), docs) == expected  # type: ignore[arg-type]


def test_extractive_summaries_from_threads() -> None:
    summarizer = ExtractiveSummarizer(num_sentences=2)
    texts = [" ".join(documents(30)[k].split("\n")) for k in range(30)]
    expected = [summarizer.summarize(t) for t in texts]
    assert in_threads(summarizer.summarize, texts) == expected


def test_a_summarizer_loading_does_not_hold_up_translation(marian_dir: Path) -> None:
    p = Pipeline(str(marian_dir), backend="ctranslate2", beams=1, summarizer="extractive")
    done = threading.Event()
    with p._summarizers["en"]._lock:  # as if a summariser download were under way in another thread
        worker = threading.Thread(target=lambda: (p.translate("Bonjour."), done.set()))
        worker.start()
        assert done.wait(timeout=60), "translation waited for the summariser's load"
    worker.join()


def test_ctranslate2_runs_batches_in_parallel_with_inter_threads(marian_dir: Path) -> None:
    sentences = FR * 3
    one = Pipeline(str(marian_dir), backend="ctranslate2", compute_type="float32", beams=1, batch_size=4)
    two = Pipeline(str(marian_dir), backend="ctranslate2", compute_type="float32", beams=1, batch_size=4,
                   inter_threads=2, threads=2)
    assert two.translate(sentences) == one.translate(sentences)
    info = two.models_info()["translation"]
    assert info["inter_threads"] == 2 and two.translator.backend.parallel_batches == 2
    # Several callers at once, as a service would call it.
    assert in_threads(two.translate, sentences[:16], workers=4) == one.translate(sentences[:16])


def test_two_batches_are_in_flight_by_default_on_a_cpu_and_write_the_same(marian_dir: Path) -> None:
    sentences = FR * 3
    default = Pipeline(str(marian_dir), backend="ctranslate2", compute_type="float32", beams=1, batch_size=4, threads=2)
    serial = Pipeline(str(marian_dir), backend="ctranslate2", compute_type="float32", beams=1, batch_size=4, threads=2,
                      inter_threads=1)
    assert default.translator.backend.info()["inter_threads"] == 2
    assert default.translator.backend.parallel_batches == 2
    assert default.translate(sentences) == serial.translate(sentences)
    one_core = Pipeline(str(marian_dir), backend="ctranslate2", compute_type="float32", beams=1, threads=1)
    assert one_core.translator.backend.info()["inter_threads"] == 1  # one core: nothing to share


def test_translating_leaves_the_process_wide_transformers_logging_alone(
    marian_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from transformers.utils import logging as hf_logging

    p = Pipeline(str(marian_dir), backend="transformers", beams=1)
    p.translate("Bonjour.")  # loaded: silencing transformers while it loads is allowed
    changes: list[str] = []
    monkeypatch.setattr(hf_logging, "set_verbosity", lambda level: changes.append(f"level {level}"))
    monkeypatch.setattr(hf_logging, "set_verbosity_error", lambda: changes.append("error"))
    monkeypatch.setattr(hf_logging, "disable_progress_bar", lambda: changes.append("bars off"))
    in_threads(p.translate, ["Bonjour.", "Merci.", "Le train est parti."] * 3, workers=4)
    assert changes == []  # a global setting flipped per call races between threads
