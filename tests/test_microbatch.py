"""Micro-batching: concurrent calls share engine batches, fairly, and each gets exactly its own answer."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from bilingua import Pipeline
from bilingua.backends import Hypothesis, TranslationBackend
from bilingua.errors import BilinguaError
from bilingua.backends.microbatch import BatchStats, MicroBatcher

DATA = Path(__file__).parent / "data"
FR = [s for s in (DATA / "corpus.fr.txt").read_text(encoding="utf-8").splitlines() if s.strip()]


class Gated(TranslationBackend):
    """A real backend whose batches (or those holding one sentence) can be held at a gate, to order events in a
    test; it may fail on a word."""

    def __init__(self, inner: TranslationBackend, fail_on: str | None = None, hold_only: str | None = None) -> None:
        self.inner, self.fail_on, self.hold_only = inner, fail_on, hold_only
        self.name = "gated"  # type: ignore[misc]
        self.max_input_tokens = inner.max_input_tokens
        self.gate = threading.Event()
        self.gate.set()
        self.started = threading.Event()
        self.batches: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> list[list[Any]]:
        return self.inner.encode(texts)

    def _generate(self, tokens: Any, n: int) -> Any:  # pragma: no cover
        raise NotImplementedError

    def _detokenize(self, tokens: Any) -> Any:  # pragma: no cover
        raise NotImplementedError

    def _rescore(self, sources: Any, outputs: Any) -> Any:  # pragma: no cover
        raise NotImplementedError

    def translate_batch(self, sources: Sequence[str], tokens: Any = None) -> list[Hypothesis]:
        self.batches.append(list(sources))
        if self.hold_only is None or self.hold_only in sources:
            self.started.set()
            self.gate.wait(10)
        if self.fail_on and any(self.fail_on in s for s in sources):
            raise RuntimeError("engine failure")
        return self.inner.translate_batch(sources, tokens)


@pytest.fixture(scope="module")
def plain(marian_dir: Path) -> Pipeline:
    return Pipeline(str(marian_dir), backend="ctranslate2", compute_type="float32", beams=1)


def test_concurrent_calls_share_batches_and_each_gets_its_own_answer(marian_dir: Path, plain: Pipeline) -> None:
    texts = [FR[(k * 5) % len(FR)] for k in range(64)]
    expected = [plain.translate(t) for t in texts]  # each alone
    merged = Pipeline(str(marian_dir), backend="ctranslate2", compute_type="float32", beams=1, micro_batch_ms=20)
    stats: list[BatchStats] = []
    batcher = merged.translator.backend
    assert isinstance(batcher, MicroBatcher)
    batcher.add_observer(stats.append)
    results: list[str | None] = [None] * len(texts)
    barrier = threading.Barrier(16)

    def client(k: int) -> None:
        barrier.wait(5)
        for i in range(k, len(texts), 16):
            results[i] = merged.translate(texts[i])

    threads = [threading.Thread(target=client, args=(k,)) for k in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    merged.close()
    assert results == expected
    assert sum(s.sentences for s in stats) == len(texts)
    assert max(s.calls for s in stats) > 1, "no batch held sentences of two calls"
    assert all(s.sentences <= merged.options.batch_size for s in stats)


def test_a_short_call_is_not_starved_by_a_long_one(plain: Pipeline) -> None:
    gated = Gated(plain.translator.backend)
    batcher = MicroBatcher(gated, wait_ms=0, batch_size=4)
    done: list[str] = []
    long_doc, short = FR[:40], ["Bonjour à tous."]
    gated.gate.clear()
    long_thread = threading.Thread(target=lambda: (batcher.translate_batch(long_doc), done.append("long")))
    long_thread.start()
    assert gated.started.wait(5)  # the first batch of the long call is in the engine
    short_thread = threading.Thread(target=lambda: (batcher.translate_batch(short), done.append("short")))
    short_thread.start()
    while len(batcher._queue) < 2:
        time.sleep(0.001)
    gated.gate.set()
    long_thread.join()
    short_thread.join()
    batcher.close()
    assert done == ["short", "long"]
    assert short[0] in gated.batches[1], "the short call waited behind the whole long call"
    assert sorted(s for b in gated.batches for s in b) == sorted(long_doc + short)


def test_a_short_call_takes_the_express_lane_while_a_long_one_holds_the_engine(plain: Pipeline) -> None:
    # Before: the short call waited for the long call's running batch, then rode in its next one.
    gated = Gated(plain.translator.backend, hold_only=FR[0])
    gated.express_lanes = 1
    batcher = MicroBatcher(gated, wait_ms=0, batch_size=4)
    long_doc, short = FR[:40], ["Bonjour à tous.", "Merci."]
    gated.gate.clear()
    long_thread = threading.Thread(target=batcher.translate_batch, args=(long_doc,))
    long_thread.start()
    assert gated.started.wait(5)  # the long call's first batch (its longest sentences) holds the bulk lane
    held = [s for b in gated.batches for s in b]
    answered = batcher.translate_batch(short)  # the gate is still shut
    assert [h.text for h in answered] == [h.text for h in plain.translator.backend.translate_batch(short)]
    assert gated.batches[-1] == short, "the short call rode with the long call's sentences"
    gated.gate.set()
    long_thread.join()
    batcher.close()
    assert FR[0] in held and all(len(b) <= 4 for b in gated.batches)
    assert sorted(s for b in gated.batches for s in b) == sorted(long_doc + short)


def test_an_engine_failure_reaches_only_the_calls_in_its_batch(plain: Pipeline) -> None:
    gated = Gated(plain.translator.backend, fail_on="BOOM")
    batcher = MicroBatcher(gated, wait_ms=0, batch_size=1)
    with pytest.raises(RuntimeError, match="engine failure"):
        batcher.translate_batch(["Une phrase BOOM.", "Une autre phrase."])
    assert [h.text for h in batcher.translate_batch(FR[:3])] == [h.text for h in plain.translator.backend.translate_batch(FR[:3])]
    batcher.close()


def test_close_finishes_queued_work_then_refuses_new_calls(plain: Pipeline) -> None:
    gated = Gated(plain.translator.backend)
    batcher = MicroBatcher(gated, wait_ms=0, batch_size=2)
    gated.gate.clear()
    out: list[list[Hypothesis]] = []
    worker = threading.Thread(target=lambda: out.append(batcher.translate_batch(FR[:6])))
    worker.start()
    assert gated.started.wait(5)
    closer = threading.Thread(target=batcher.close)
    closer.start()
    time.sleep(0.05)
    gated.gate.set()
    closer.join(10)
    worker.join(10)
    assert len(out) == 1 and len(out[0]) == 6 and all(h.text for h in out[0])
    with pytest.raises(BilinguaError, match="shutting down"):
        batcher.translate_batch(["Encore une phrase."])


def test_micro_batch_ms_is_checked() -> None:
    with pytest.raises(ValueError, match="micro_batch_ms"):
        Pipeline(micro_batch_ms=-1)


def test_callers_just_answered_are_waited_for_so_batches_stay_whole(plain: Pipeline) -> None:
    gated = Gated(plain.translator.backend)
    batcher = MicroBatcher(gated, wait_ms=0, batch_size=8, linger_ms=1500)
    gated.gate.clear()
    first = threading.Thread(target=batcher.translate_batch, args=(["Premier appel."],))
    first.start()
    assert gated.started.wait(5)  # the engine is busy: the next two callers queue up together
    pair = [threading.Thread(target=batcher.translate_batch, args=([text],)) for text in ("Appel A.", "Appel B.")]
    for t in pair:
        t.start()
    while len(batcher._queue) < 2:
        time.sleep(0.001)
    gated.gate.set()
    for t in (first, *pair):
        t.join(10)
    assert sorted(gated.batches[1]) == ["Appel A.", "Appel B."]
    # Two callers took part in that round: one caller alone now waits for the other to come back.
    late = threading.Thread(target=batcher.translate_batch, args=(["Appel C."],))
    late.start()
    time.sleep(0.2)
    batcher.translate_batch(["Appel D."])
    late.join(10)
    assert sorted(gated.batches[2]) == ["Appel C.", "Appel D."]
    # One caller in that round and one now: it goes at once, with no lingering.
    batcher.translate_batch(["Appel E."])  # a round of one caller
    started = time.monotonic()
    batcher.translate_batch(["Appel F."])
    assert time.monotonic() - started < 0.75
    batcher.close()
