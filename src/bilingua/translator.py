"""Document translation on top of a backend: split, deduplicate, batch, reassemble."""

from __future__ import annotations

import sys
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from .backends import Hypothesis, TranslationBackend
from .segmentation import Document, PysbdSplitter, Splitter, parse_document, split_long

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


class CachedBackend(TranslationBackend):
    """Wraps a backend with an LRU cache of sentence translations (composition, as in Argos Translate)."""

    def __init__(self, inner: TranslationBackend, maxsize: int = 10_000) -> None:
        self.inner = inner
        self.name = f"cached({inner.name})"  # type: ignore[misc]
        self.max_input_tokens = inner.max_input_tokens
        self.maxsize = maxsize
        self._cache: OrderedDict[str, Hypothesis] = OrderedDict()
        self.hits = 0

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    def translate_batch(self, sources: Sequence[str]) -> list[Hypothesis]:
        missing = [s for s in dict.fromkeys(sources) if s not in self._cache]
        if missing:
            for s, h in zip(missing, self.inner.translate_batch(missing)):
                self._cache[s] = h
        new = set(missing)
        out = []
        for s in sources:
            if s not in new:
                self.hits += 1
            self._cache.move_to_end(s)
            out.append(self._cache[s])
        while len(self._cache) > self.maxsize:
            self._cache.popitem(last=False)
        return out

    def info(self) -> dict[str, object]:
        return {**self.inner.info(), "cache": {"size": len(self._cache), "hits": self.hits}}


@dataclass
class DocumentTranslation:
    document: Document
    hypotheses: list[Hypothesis]
    text: str
    segment_seconds: float
    translate_seconds: float


class Translator:
    """Translates sentences and whole documents with one backend.

    Long sentences are split below the model's input limit (never truncated),
    identical sentences are translated once per call, and sentences are sorted
    by length and grouped by token budget so each batch is one engine call;
    results come back in the original order.
    """

    def __init__(
        self,
        backend: TranslationBackend,
        *,
        splitter: Splitter | None = None,
        batch_size: int = 16,
        max_batch_tokens: int = 8192,
        progress: bool = False,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.backend = backend
        self.splitter = splitter or PysbdSplitter("fr")
        self.batch_size = batch_size
        self.max_batch_tokens = max(max_batch_tokens, backend.max_input_tokens)
        self.progress = progress

    def _count(self, text: str) -> int:
        return self.backend.count_tokens([text])[0]

    def translate_sentences(self, sentences: Sequence[str]) -> list[Hypothesis]:
        """Translate each sentence; the result has one hypothesis per input, in order."""
        limit = self.backend.max_input_tokens
        pieces_of: list[list[str]] = []
        counts = self.backend.count_tokens([s for s in sentences])
        for sentence, n in zip(sentences, counts):
            if not sentence.strip():
                pieces_of.append([])
            elif n <= limit:
                pieces_of.append([sentence])
            else:
                pieces_of.append(split_long(sentence, self._count, limit))

        unique = list(dict.fromkeys(p for pieces in pieces_of for p in pieces))
        lengths = self.backend.count_tokens(unique)
        batches = plan_batches(lengths, self.batch_size, self.max_batch_tokens)
        done: dict[str, Hypothesis] = {}
        bar = _progress(len(unique), self.progress)
        for batch in batches:
            texts = [unique[i] for i in batch]
            for text, hyp in zip(texts, self.backend.translate_batch(texts)):
                done[text] = hyp
            if bar is not None:
                bar.update(len(batch))
        if bar is not None:
            bar.close()

        out = []
        for pieces in pieces_of:
            hyps = [done[p] for p in pieces]
            if not hyps:
                out.append(Hypothesis("", 0.0, 0))
            elif len(hyps) == 1:
                out.append(hyps[0])
            else:
                tokens = sum(h.num_tokens for h in hyps)
                score = sum(h.score * h.num_tokens for h in hyps) / max(tokens, 1)
                out.append(Hypothesis(" ".join(h.text for h in hyps if h.text), score, tokens))
        return out

    def translate_document(self, text: str) -> DocumentTranslation:
        """Translate ``text`` keeping its lines, paragraphs and list markers."""
        return self.translate_documents([text])[0]

    def translate_documents(self, texts: Sequence[str]) -> list[DocumentTranslation]:
        """Translate several documents in one pass: their sentences share batches and deduplication.

        A document of nothing but whitespace comes back unchanged. The times of
        the shared pass are reported on every document.
        """
        t0 = time.perf_counter()
        documents = [parse_document(text, self.splitter) for text in texts]
        per_doc = [[s for _, _, s in d.sentences()] for d in documents]
        t1 = time.perf_counter()
        hyps = self.translate_sentences([s for sentences in per_doc for s in sentences])
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


