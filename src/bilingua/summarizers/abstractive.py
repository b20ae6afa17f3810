"""Abstractive summarisation with any Hugging Face seq2seq model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import threading

from ..backends.base import quiet_transformers, resolve_device
from ..hub import DEFAULT_SUMMARIZER_MODEL, ResolvedModel, loading, resolve_model
from ..segmentation import Splitter, split_long
from .base import Summarizer, end_on_sentence, within_words

_FUSION_ROUNDS = 3


class AbstractiveSummarizer(Summarizer):
    """Summarises with a seq2seq model (default ``sshleifer/distilbart-cnn-6-6``).

    A text longer than the model's input limit is cut at sentence boundaries
    into chunks that fit; each chunk is summarised, and the chunk summaries,
    in order, are summarised again (a fusion pass, repeated while they do
    not fit one input), so every part of the input reaches the summary.
    Generated length comes from ``max_length``/``min_length`` (tokens), or
    ``ratio`` of each chunk's length, or else the model's generation config.
    Each summary is cut back to its last complete sentence, and then to
    whole sentences within ``words`` words when given.
    """

    name = "abstractive"

    def __init__(
        self,
        model: str | ResolvedModel = DEFAULT_SUMMARIZER_MODEL,
        revision: str | None = None,
        *,
        device: str = "auto",
        max_length: int | None = None,
        min_length: int | None = None,
        ratio: float | None = None,
        beams: int | None = None,
        words: int | None = None,
        splitter: Splitter | None = None,
    ) -> None:
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        self.model_ref = model if isinstance(model, ResolvedModel) else resolve_model(model, revision)
        self.device = resolve_device(device)
        with quiet_transformers(), loading(self.model_ref.path):
            self.tokenizer = AutoTokenizer.from_pretrained(self.model_ref.path)
            self.model = AutoModelForSeq2SeqLM.from_pretrained(self.model_ref.path).eval().to(self.device)
        self._lock = threading.Lock()  # tokenizer and generate() take turns across threads
        self._torch = torch
        config = self.model.config
        positions = getattr(config, "max_position_embeddings", None)
        tok_limit = self.tokenizer.model_max_length
        limits = [x for x in (positions, tok_limit) if x and x < 10**6]
        self.max_input_tokens = int(min(limits) if limits else 512)
        params = (getattr(config, "task_specific_params", None) or {}).get("summarization", {})
        self.prefix = params.get("prefix", "")
        gen = self.model.generation_config
        self.max_length = max_length or params.get("max_length") or gen.max_length or 128
        gen.max_length = None  # each call passes max_new_tokens; transformers would warn about both
        self.min_length = min_length if min_length is not None else (params.get("min_length") or gen.min_length or 0)
        self.ratio = ratio
        self.beams = beams or params.get("num_beams") or gen.num_beams or 1
        self.splitter = splitter
        self.words = words

    def _count(self, text: str) -> int:
        with self._lock:
            return len(self.tokenizer(self.prefix + text, verbose=False)["input_ids"])

    def chunks(self, text: str) -> list[str]:
        """Sentence-aligned pieces of ``text`` that each fit the model's input."""
        return self.chunk_sentences(self.sentences(text))

    def chunk_sentences(self, given: Sequence[str]) -> list[str]:
        """Consecutive sentences packed into pieces that each fit the model's input."""
        budget = self.max_input_tokens
        sentences: list[str] = []
        for s in given:
            sentences.extend(split_long(s, self._count, budget))
        chunks: list[str] = []
        current = ""
        for s in sentences:
            candidate = f"{current} {s}" if current else s
            if current and self._count(candidate) > budget:
                chunks.append(current)
                current = s
            else:
                current = candidate
        if current:
            chunks.append(current)
        return chunks

    def _summarize_chunks(self, chunks: Sequence[str]) -> list[str]:
        out = []
        for chunk in chunks:
            n = self._count(chunk)
            if self.ratio is not None:
                max_new = max(4, round(self.ratio * n))
                min_new = max(1, max_new // 2)
            else:
                max_new = self.max_length
                min_new = min(self.min_length, max(1, n // 2))
            with self._lock, self._torch.inference_mode():
                enc = self.tokenizer([self.prefix + chunk], return_tensors="pt").to(self.device)
                ids = self.model.generate(
                    **enc, num_beams=self.beams, max_new_tokens=max_new, min_new_tokens=min(min_new, max_new),
                    do_sample=False, no_repeat_ngram_size=3,
                )
                text = str(self.tokenizer.decode(ids[0], skip_special_tokens=True))
            out.append(end_on_sentence(text))
        return out

    def summarize_sentences(self, sentences: Sequence[str]) -> str:
        chunks = self.chunk_sentences(sentences)
        if not chunks:
            return ""
        summaries = [s for s in self._summarize_chunks(chunks) if s]
        for _ in range(_FUSION_ROUNDS):
            if len(summaries) < 2:
                break
            # Fuse: the chunk summaries, in order, are one shorter document to summarise again.
            fused = [s for s in self._summarize_chunks(self.chunk_sentences(summaries)) if s]
            if not fused or len(fused) >= len(summaries):
                summaries = fused or summaries
                break
            summaries = fused
        return within_words(self.sentences(" ".join(summaries)), self.words)

    def info(self) -> dict[str, Any]:
        return {
            "kind": self.name,
            **self.model_ref.info(),
            "max_input_tokens": self.max_input_tokens,
            "device": self.device,
            "words": self.words,
        }
