"""An identity engine: each sentence comes back as its own source tokens, at once.

It runs the model folder's real SentencePiece tokenizer and nothing else, so
what bilingua does around an engine can be measured and checked alone: the
pipeline's own speed (``scripts/bench_overhead.py``) and whether a document
comes back from a round trip the way it went in. Never chosen by ``auto``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..hub import ResolvedModel
from .base import Generated, GenerationOptions, TranslationBackend
from .marian_tokenizer import MarianSentencePieceTokenizer

__all__ = ["IdentityBackend"]


class IdentityBackend(TranslationBackend):
    """Writes each source's tokens back (its end of sentence left out), with score 0 and each token
    linked to itself."""

    name = "identity"

    def __init__(self, model: ResolvedModel, *, device: str = "cpu", options: GenerationOptions | None = None,
                 compute_type: str = "float32", threads: int | None = None, **_: Any) -> None:
        self.model_ref = model
        self.options = options or GenerationOptions()
        self.tokenizer = MarianSentencePieceTokenizer(model.path)
        self.max_input_tokens = self.tokenizer.model_max_length
        self.device, self.compute_type, self.beams = "cpu", "float32", 1

    def encode(self, texts: Sequence[str]) -> list[list[Any]]:
        return self.tokenizer.batch_tokens(texts)

    def _generate(self, tokens: Sequence[Sequence[Any]], no_repeat_ngram_size: int) -> Generated:
        out = [[t for t in source if t != self.tokenizer.eos] for source in tokens]
        return Generated(out, [0.0] * len(out), [list(range(len(o))) for o in out])

    def _detokenize(self, tokens: Sequence[Sequence[Any]]) -> list[str]:
        return [self.tokenizer.detokenize(t) for t in tokens]

    def _rescore(self, sources: Sequence[Sequence[Any]], outputs: Sequence[Sequence[Any]]) -> list[float]:
        return [0.0] * len(outputs)
