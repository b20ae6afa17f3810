"""Document translation on top of a backend: split, deduplicate, batch, reassemble."""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from .backends import Hypothesis, TranslationBackend
from .backends.base import WrappingBackend
from .protect import Protector
from .segmentation import Document, PysbdSplitter, Sentence, Splitter, parse_document, split_long

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


class CachedBackend(WrappingBackend):
    """Wraps a backend with an LRU cache of sentence translations (composition, as in Argos Translate).

    The cache is shared by every thread that uses it; a lock guards it, but
    not the engine call, so threads still translate in parallel.
    """

    def __init__(self, inner: TranslationBackend, maxsize: int = 10_000) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        super().__init__(inner, "cached")
        self.maxsize = maxsize
        self._cache: OrderedDict[str, Hypothesis] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0

    def translate_batch(
        self, sources: Sequence[str], tokens: Sequence[Sequence[Any]] | None = None
    ) -> list[Hypothesis]:
        found: dict[str, Hypothesis] = {}
        with self._lock:
            for s in sources:
                if s in self._cache:
                    self._cache.move_to_end(s)
                    found[s] = self._cache[s]
                    self.hits += 1
        first: dict[str, int] = {}
        for i, s in enumerate(sources):
            if s not in found:
                first.setdefault(s, i)
        if first:
            missing = list(first)
            sub_tokens = [tokens[first[s]] for s in missing] if tokens is not None else None
            new = self.inner.translate_batch(missing, sub_tokens)
            with self._lock:
                for s, h in zip(missing, new):
                    found[s] = self._cache[s] = h
                    self._cache.move_to_end(s)
                while len(self._cache) > self.maxsize:
                    self._cache.popitem(last=False)
        return [found[s] for s in sources]

    def info(self) -> dict[str, object]:
        with self._lock:
            size, hits = len(self._cache), self.hits
        return {**self.inner.info(), "cache": {"size": size, "hits": hits}}


@dataclass
class DocumentTranslation:
    document: Document
    hypotheses: list[Hypothesis]
    text: str
    segment_seconds: float
    translate_seconds: float

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
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.backend = backend
        self.splitter = splitter or PysbdSplitter("fr")
        self.batch_size = batch_size
        self.max_batch_tokens = max(max_batch_tokens, backend.max_input_tokens)
        self.progress = progress
        self.reflow = reflow
        self.protector = protector

    def _count(self, text: str) -> int:
        return self.backend.count_tokens([text])[0]

    def _pieces(self, sentences: Sequence[str]) -> tuple[list[list[str]], dict[str, list[Any]]]:
        """Each sentence's pieces (itself, or parts below the input limit) and every piece's tokens.

        A sentence that occurs several times is encoded (and split) once.
        """
        limit = self.backend.max_input_tokens
        unique = [s for s in dict.fromkeys(sentences) if s.strip()]
        tokens_of: dict[str, list[Any]] = {}
        pieces_by: dict[str, list[str]] = {}
        for sentence, tokens in zip(unique, self.backend.encode(unique)):
            if len(tokens) <= limit:
                pieces_by[sentence] = [sentence]
                tokens_of[sentence] = tokens
            else:
                pieces_by[sentence] = split_long(sentence, self._count, limit)
        new = list(dict.fromkeys(p for pieces in pieces_by.values() for p in pieces if p not in tokens_of))
        tokens_of.update(zip(new, self.backend.encode(new)))
        return [pieces_by.get(s, []) for s in sentences], tokens_of

    def _run_batches(self, tokens_of: dict[str, list[Any]]) -> dict[str, Hypothesis]:
        unique = list(tokens_of)
        if self.backend.plans_batches:  # it merges these with other calls' sentences itself
            batches = [list(range(len(unique)))] if unique else []
        else:
            batches = plan_batches([len(tokens_of[u]) for u in unique], self.batch_size, self.max_batch_tokens)

        def run(batch: list[int]) -> list[Hypothesis]:
            texts = [unique[i] for i in batch]
            hyps = self.backend.translate_batch(texts, [tokens_of[t] for t in texts])
            if self.protector is not None:  # spans kept as they were, glossary terms as given
                # Here, in the batch's own worker: one batch's alignment pass overlaps another's decoding.
                hyps = self.protector.repair(self.backend, texts, hyps)
            return hyps

        done: dict[str, Hypothesis] = {}
        bar = _progress(len(unique), self.progress)
        workers = min(self.backend.parallel_batches, len(batches))
        with contextlib.ExitStack() as stack:
            if workers > 1:
                pool = stack.enter_context(ThreadPoolExecutor(workers, thread_name_prefix="bilingua"))
                results = pool.map(run, batches)
            else:
                results = map(run, batches)
            for batch, hyps in zip(batches, results):
                done.update(zip((unique[i] for i in batch), hyps))
                if bar is not None:
                    bar.update(len(batch))
        if bar is not None:
            bar.close()
        return done

    def translate_sentences(self, sentences: Sequence[str]) -> list[Hypothesis]:
        """Translate each sentence; the result has one hypothesis per input, in order."""
        pieces_of, tokens_of = self._pieces(sentences)
        done = self._run_batches(tokens_of)
        out = []
        for pieces in pieces_of:
            hyps = [done[p] for p in pieces]
            if not hyps:
                out.append(Hypothesis("", 0.0, 0))
            elif len(hyps) == 1:
                out.append(hyps[0])
            else:
                n = sum(h.num_tokens for h in hyps)
                score = sum(h.score * h.num_tokens for h in hyps) / max(n, 1)
                tokens = tuple(t for h in hyps for t in h.tokens)
                out.append(Hypothesis(" ".join(h.text for h in hyps if h.text), score, n, tokens))
        return out

    def translate_document(self, text: str) -> DocumentTranslation:
        """Translate ``text`` keeping its lines, line ends, paragraphs and list markers."""
        return self.translate_documents([text])[0]

    def translate_documents(self, texts: Sequence[str]) -> list[DocumentTranslation]:
        """Translate several documents in one pass: their sentences share batches and deduplication.

        A document of nothing but whitespace comes back unchanged. The times of
        the shared pass are reported on every document.
        """
        t0 = time.perf_counter()
        documents = [parse_document(text, self.splitter, reflow=self.reflow) for text in texts]
        per_doc = [d.sentences() for d in documents]
        t1 = time.perf_counter()
        hyps = self.translate_sentences([s.text for sentences in per_doc for s in sentences])
        t2 = time.perf_counter()
        out, start = [], 0
        for text, document, sentences in zip(texts, documents, per_doc):
            mine = hyps[start : start + len(sentences)]
            start += len(sentences)
            out.append(DocumentTranslation(
                document=document, hypotheses=mine,
                text=document.render([h.text for h in mine]) if text.strip() else text,
                segment_seconds=t1 - t0, translate_seconds=t2 - t1,
            ))
        return out


def _progress(total: int, enabled: bool):  # type: ignore[no-untyped-def]
    if not enabled or total < 2 or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="sent", desc="translating", leave=False)
