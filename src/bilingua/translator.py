"""Document translation on top of a backend: split, deduplicate, batch, reassemble."""

from __future__ import annotations

import contextvars
import functools
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .alignment import align_sentences
from .backends import Hypothesis, TranslationBackend
from .backends.cache import CachedBackend
from . import cancel, progress
from .checks import at_least
from .languages import SOURCE
from .protect import Protector
from .segmentation import Document, Line, PysbdSplitter, Sentence, Splitter, iter_lines, parse_block, split_long

__all__ = ["Translator", "CachedBackend", "DocumentTranslation", "plan_batches"]


def plan_batches(lengths: Sequence[int], batch_size: int, max_batch_tokens: int) -> list[list[int]]:
    """Group item indices into batches, longest first, by size and padded-token budget.

    Sorting by length keeps padding small; a batch is closed when one more
    item would exceed ``batch_size`` items or ``max_batch_tokens`` padded
    tokens. Every index appears in exactly one batch.
    """
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    width = 0
    for i in order:
        new_width = max(width, lengths[i])
        if current and (len(current) + 1 > batch_size or new_width * (len(current) + 1) > max_batch_tokens):
            batches.append(current)
            current, width = [], 0
            new_width = lengths[i]
        current.append(i)
        width = new_width
    if current:
        batches.append(current)
    return batches


@dataclass
class DocumentTranslation:
    document: Document
    hypotheses: list[Hypothesis]
    text: str
    segment_seconds: float
    translate_seconds: float
    #: Each sentence's source tokens as the engine read them (None for one split below the input limit):
    #: protection and alignment reuse them instead of encoding the sentence again.
    tokens: list[list[Any] | None] = field(default_factory=list)

    def sentences(self) -> list[Sentence]:
        return self.document.sentences()


class Translator:
    """Translates sentences and whole documents with one backend.

    Long sentences are split below the model's input limit (never truncated),
    identical sentences are translated once per call, and sentences are sorted
    by length and grouped by token budget so each batch is one engine call;
    results come back in the original order. Each sentence is tokenised once.
    A backend that runs batches in parallel (CTranslate2 with ``inter_threads``)
    gets that many at a time. A paragraph hard-wrapped inside its sentences
    is translated whole and wrapped back (``reflow=False`` keeps every line
    on its own). A ``protector`` puts protected spans and glossary terms
    into each translation. One translator may serve many threads.
    """

    def __init__(
        self,
        backend: TranslationBackend,
        *,
        splitter: Splitter | None = None,
        batch_size: int = 16,
        max_batch_tokens: int = 8192,
        progress: bool = False,
        reflow: bool = True,
        protector: Protector | None = None,
    ) -> None:
        at_least("batch_size", batch_size, 1)
        self.backend = backend
        self.splitter = splitter or PysbdSplitter(SOURCE)
        self.batch_size = batch_size
        self.max_batch_tokens = max(max_batch_tokens, backend.max_input_tokens)
        self.progress = progress
        self.reflow = reflow
        self.protector = protector

    def _count(self, text: str) -> int:
        return self.backend.count_tokens([text])[0]

    def _pieces(self, unique: Sequence[str]) -> tuple[dict[str, list[str]], dict[str, list[Any]]]:
        """Each sentence's pieces (itself, or parts below the input limit) and every piece's tokens.

        A piece is also no longer than the model's output can hold (one token fewer than its position table,
        ``</s>`` aside): a piece the length of the input limit would come back cut by a token or more.
        """
        limit = min(self.backend.max_input_tokens, self.backend.max_output_tokens - 1)
        tokens_of: dict[str, list[Any]] = {}
        pieces_by: dict[str, list[str]] = {}
        for sentence, tokens in zip(unique, self.backend.encode(unique)):
            if len(tokens) <= limit:
                pieces_by[sentence] = [sentence]
                tokens_of[sentence] = tokens
            else:
                pieces_by[sentence] = split_long(sentence, self._count, limit,
                                                  language=getattr(self.splitter, "language", SOURCE))
        new = list(dict.fromkeys(p for pieces in pieces_by.values() for p in pieces if p not in tokens_of))
        tokens_of.update(zip(new, self.backend.encode(new)))
        return pieces_by, tokens_of

    def _run(self, texts: list[str], tokens: list[list[Any]]) -> list[Hypothesis]:
        """One batch through the engine, then its repair, in the batch's own worker: one batch's
        alignment pass overlaps another's decoding."""
        hyps = self.backend.translate_batch(texts, tokens)
        if self.protector is not None:  # spans kept as they were, glossary terms as given
            hyps = self.protector.repair(self.backend, texts, hyps, tokens)
        return hyps

    def translate_sentences(self, sentences: Sequence[str]) -> list[Hypothesis]:
        """Translate each sentence; the result has one hypothesis per input, in order."""
        with _Schedule(self, streaming=False) as schedule:
            schedule.add(sentences)
            return schedule.hypotheses(sentences)

    def translate_document(self, text: str) -> DocumentTranslation:
        """Translate ``text`` keeping its lines, line ends, paragraphs and list markers."""
        return self.translate_documents([text])[0]

    def translate_documents(self, texts: Sequence[str]) -> list[DocumentTranslation]:
        """Translate several documents in one pass: their sentences share batches and deduplication.

        The first batches are translated while later paragraphs are still being
        split. A document of nothing but whitespace comes back unchanged. Every
        document reports the shared pass's times: ``segment_seconds`` spent
        splitting, ``translate_seconds`` the rest of the call.
        """
        return self._translate(texts, lambda text: iter_lines(text, self.splitter, reflow=self.reflow))

    def translate_blocks(self, texts: Sequence[str]) -> list[DocumentTranslation]:
        """Translate the blocks of a formatted document (paragraphs, cells, cues) in one pass.

        A block's line breaks are soft: a paragraph wrapped by hand is read as
        the sentences it holds, never as lines (see :func:`parse_block`).
        """
        return self._translate(texts, lambda text: iter(parse_block(text, self.splitter).lines))

    def _translate(self, texts: Sequence[str], lines_of: Callable[[str], Iterator[Line]]) -> list[DocumentTranslation]:
        t0 = time.perf_counter()
        documents = [Document(source=text) for text in texts]
        split_s = 0.0
        with _Schedule(self, streaming=True) as schedule:
            for text, document in zip(texts, documents):
                lines = lines_of(text)
                while True:
                    t1 = time.perf_counter()
                    line = next(lines, None)
                    split_s += time.perf_counter() - t1
                    if line is None:
                        break
                    document.lines.append(line)
                    schedule.add(line.sentences)
            per_doc = [d.sentences() for d in documents]
            hyps = schedule.hypotheses([s.text for sentences in per_doc for s in sentences])
            tokens = [schedule.tokens(s.text) for sentences in per_doc for s in sentences]
        wall = time.perf_counter() - t0
        out, start = [], 0
        for text, document, sentences in zip(texts, documents, per_doc):
            mine = hyps[start : start + len(sentences)]
            out.append(DocumentTranslation(
                document=document, hypotheses=mine,
                text=document.render([h.text for h in mine]) if text.strip() else text,
                segment_seconds=split_s, translate_seconds=wall - split_s,
                tokens=tokens[start : start + len(sentences)],
            ))
            start += len(sentences)
        return out

    def translate_aligned(self, texts: list[str]) -> list[list[tuple[str, int]]]:
        """Translate each text (a paragraph) in whole sentences; give its words, each with its source word.

        The source word is an index into ``text.split()``: the word the
        translated word comes from, by the model's own attention where the
        engine gives it (see :mod:`bilingua.alignment`). Formats with inline
        markup put their markup back by it.
        """
        done = self.translate_blocks(texts)
        sources = [s.text for d in done for s in d.sentences()]
        links = iter(align_sentences(self.backend, sources, [h for d in done for h in d.hypotheses],
                                     [t for d in done for t in d.tokens]))
        out = []
        for text, document in zip(texts, done):
            mine = document.sentences()
            # What comes before the first sentence (a list marker) is copied as it is.
            ahead = len(text[: mine[0].start].split()) if mine else len(text.split())
            words = [(w, i) for i, w in enumerate(text.split()[:ahead])]
            for sentence, hyp in zip(mine, document.hypotheses):
                # A sentence's first word is counted from its place in the text, so a splitter that cut
                # inside a word ("espace.\h:-D") does not shift the words after it.
                base = len(text[: sentence.start].split())
                if 0 < sentence.start < len(text) and not text[sentence.start - 1].isspace():
                    base -= 1
                words += [(w, base + i) for w, i in zip(hyp.text.split(), next(links))]
            out.append(words)
        return out


class _Schedule:
    """Sentences go in as segmentation finds them; batches of them go to the engine meanwhile.

    New sentences wait in a chunk; a full chunk is sorted by length, cut into
    batches (:func:`plan_batches`) and handed to the workers. Chunks start at
    one batch per worker, so the engine starts early, and grow to the size of
    all that came before (at most 8 rounds of batches), so later batches are
    sorted over a wide window. Which sentences share a batch depends on the
    input alone, never on timing, so a document translates the same every
    time. Without ``streaming`` everything is one chunk. A sentence is
    translated once however often it comes.
    """

    _MAX_ROUNDS = 8

    def __init__(self, translator: Translator, *, streaming: bool) -> None:
        self.translator = translator
        self.backend = translator.backend
        workers = max(1, self.backend.parallel_batches)
        self.first = translator.batch_size * workers if streaming else None
        self.pieces: dict[str, list[str]] = {}
        self.tokens_of: dict[str, list[Any]] = {}
        self.waiting: dict[str, None] = {}
        self.jobs: list[tuple[list[str], Future[list[Hypothesis]]]] = []
        self.submitted: set[str] = set()
        # A bar whose total grows as segmentation finds sentences.
        self.bar = progress.bar(translator.progress, 0, "sent", "translating", leave=False)
        # And whoever asked to be told (a service's document job), from the worker threads too.
        self.reporter = progress.reporter()
        self.counts = [0, 0]  # sentences translated, found
        self.counted = threading.Lock()
        # And whoever wants each sentence as soon as it is translated (a service's stream).
        self.listener = progress.listener()
        self.seen = 0  # sentences added so far, in document order
        self.places: dict[str, list[int]] = {}  # a sentence's places among them, until it is given out
        self.finished: dict[str, Hypothesis] = {}  # translated pieces
        # A worker even for one batch at a time when streaming: the calling thread keeps splitting.
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="bilingua") if streaming or workers > 1 else None

    def __enter__(self) -> _Schedule:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        self.bar.close()

    def add(self, sentences: Iterable[str]) -> None:
        token = cancel.current()
        if token is not None and token.cancelled:  # nobody waits for the rest: stop splitting it
            raise cancel.Cancelled(str(token.reason))
        for s in sentences:
            if self.listener is not None:
                self._place(s)
            if s.strip() and s not in self.pieces:
                self.waiting[s] = None
        if self.first is not None:
            chunk = max(self.first, min(len(self.submitted), self.first * self._MAX_ROUNDS))
            if len(self.waiting) >= chunk:
                self._flush()

    def _flush(self) -> None:
        if not self.waiting:
            return
        pieces_by, tokens_of = self.translator._pieces(list(self.waiting))
        self.waiting.clear()
        self.pieces.update(pieces_by)
        self.tokens_of.update(tokens_of)
        unique = [p for p in tokens_of if p not in self.submitted]
        self.submitted.update(unique)
        if self.backend.plans_batches:  # it merges these with other calls' sentences itself
            batches = [list(range(len(unique)))] if unique else []
        else:
            batches = plan_batches([len(tokens_of[u]) for u in unique], self.translator.batch_size,
                                   self.translator.max_batch_tokens)
        if self.bar.total is not None:  # a drawn bar's total grows with the document
            self.bar.total += len(unique)
            self.bar.refresh()
        self._report(0, len(unique))
        for batch in batches:
            texts = [unique[i] for i in batch]
            tokens = [tokens_of[t] for t in texts]
            if self.pool is None:
                job: Future[list[Hypothesis]] = Future()
                job.set_result(self.translator._run(texts, tokens))
            else:  # in the caller's context: a service request's cancel token goes with its batches
                job = self.pool.submit(contextvars.copy_context().run, self.translator._run, texts, tokens)
            job.add_done_callback(functools.partial(_tick, self.bar, len(texts)))
            job.add_done_callback(functools.partial(self._finished, texts))
            self.jobs.append((texts, job))

    def _finished(self, texts: list[str], job: Future[list[Hypothesis]]) -> None:
        self._report(len(texts), 0)
        if self.listener is not None and not job.cancelled() and job.exception() is None:
            self._heard(dict(zip(texts, job.result())))

    def _place(self, sentence: str) -> None:
        """Note where ``sentence`` is (a sentence already translated is given out at once)."""
        with self.counted:
            place, self.seen = self.seen, self.seen + 1
            whole = self._whole(sentence)
            if whole is None:
                self.places.setdefault(sentence, []).append(place)
        if whole is not None and self.listener is not None:
            self.listener(place, sentence, whole)

    def _whole(self, sentence: str) -> Hypothesis | None:
        """The sentence's translation once all its pieces are translated (the lock held)."""
        pieces = self.pieces.get(sentence)
        if not pieces or any(p not in self.finished for p in pieces):
            return None
        return _joined([self.finished[p] for p in pieces])

    def _heard(self, done: dict[str, Hypothesis]) -> None:
        """Give out every sentence whose last piece has just been translated, at each of its places."""
        out = []
        with self.counted:
            self.finished.update(done)
            for sentence in [s for s in self.places if any(p in done for p in self.pieces.get(s, []))]:
                whole = self._whole(sentence)
                if whole is not None:
                    out += [(place, sentence, whole) for place in self.places.pop(sentence)]
        for place, sentence, whole in out:
            self.listener(place, sentence, whole)  # type: ignore[misc]

    def _report(self, done: int, found: int) -> None:
        if self.reporter is None:
            return
        with self.counted:
            self.counts[0] += done
            self.counts[1] += found
            counts = tuple(self.counts)
        self.reporter(*counts)

    def tokens(self, sentence: str) -> list[Any] | None:
        """The tokens the engine read for ``sentence``, when it went whole (not in pieces)."""
        return self.tokens_of.get(sentence) if self.pieces.get(sentence) == [sentence] else None

    def hypotheses(self, sentences: Sequence[str]) -> list[Hypothesis]:
        """Wait for every batch; one hypothesis per sentence, in order (pieces of a long one joined)."""
        self._flush()
        done: dict[str, Hypothesis] = {}
        for texts, job in self.jobs:
            done.update(zip(texts, job.result()))
        return [_joined([done[p] for p in self.pieces.get(s, [])]) for s in sentences]


def _tick(bar: Any, n: int, _job: object) -> None:
    bar.update(n)


def _joined(hyps: list[Hypothesis]) -> Hypothesis:
    if not hyps:
        return Hypothesis("", 0.0, 0)
    if len(hyps) == 1:
        return hyps[0]
    n = sum(h.num_tokens for h in hyps)
    score = sum(h.score * h.num_tokens for h in hyps) / max(n, 1)
    tokens = tuple(t for h in hyps for t in h.tokens)
    return Hypothesis(" ".join(h.text for h in hyps if h.text), score, n, tokens)
