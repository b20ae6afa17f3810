"""An identity engine: each sentence comes back as its own source tokens, at once, with no model.

It is a test and benchmark engine, never chosen by ``auto``. With it, any
change between a document and its "translation" is bilingua's own doing, not
the model's: the round-trip tests of every format run on it
(``tests/test_roundtrip.py``), and so does the pipeline's overhead benchmark
(``scripts/bench_overhead.py``).

Its tokens are words written the way SentencePiece writes them (``▁`` starts
a word), so alignment reads them as it reads a Marian model's; whitespace
other than one space between words is a token of its own, so a sentence's
text comes back byte for byte. Its alignment is the diagonal.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .base import Generated, GenerationOptions, TranslationBackend

__all__ = ["IdentityBackend", "words_of", "text_of"]

_WORD = "\u2581"
_EOS = "</s>"
_PARTS = re.compile(r"(\s*)(\S+)")


def words_of(text: str) -> list[str]:
    """``text`` as tokens: ``▁word`` after one space (or at the start), and any other whitespace as a token."""
    out: list[str] = []
    end = 0
    for match in _PARTS.finditer(text):
        space, word = match.groups()
        if space not in ("", " ") or (space and not out):
            out.append(space)
        out.append(_WORD + word)
        end = match.end()
    if end < len(text):
        out.append(text[end:])
    return out


def text_of(tokens: Sequence[str]) -> str:
    """The text :func:`words_of` read ``tokens`` from."""
    out: list[str] = []
    for k, token in enumerate(tokens):
        if token.startswith(_WORD):
            glue = k > 0 and tokens[k - 1].startswith(_WORD)
            out.append((" " if glue else "") + token[1:])
        else:
            out.append(token)
    return "".join(out)


class IdentityBackend(TranslationBackend):
    """Writes each source's tokens back, with score 0 and each token linked to itself.

    ``model`` is ignored (there is none); a source's length is its number of
    words and whitespace runs, and up to 512 are accepted at once, as opus-mt does.
    """

    name = "identity"
    needs_model = False

    def __init__(self, model: Any = None, *, device: str = "cpu", options: GenerationOptions | None = None,
                 compute_type: str = "float32", threads: int | None = None, **_: Any) -> None:
        self.options = options or GenerationOptions()
        self.max_input_tokens = 512
        self.device, self.compute_type, self.beams = "cpu", "float32", 1

    def encode(self, texts: Sequence[str]) -> list[list[Any]]:
        return [[*words_of(text), _EOS] for text in texts]

    def _generate(self, tokens: Sequence[Sequence[Any]], no_repeat_ngram_size: int) -> Generated:
        out = [[t for t in source if t != _EOS] for source in tokens]
        return Generated(out, [0.0] * len(out), [list(range(len(o))) for o in out])

    def _detokenize(self, tokens: Sequence[Sequence[Any]]) -> list[str]:
        return [text_of(t) for t in tokens]

    def _rescore(self, sources: Sequence[Sequence[Any]], outputs: Sequence[Sequence[Any]]) -> list[float]:
        return [0.0] * len(outputs)

    def info(self) -> dict[str, Any]:
        return {"id": "identity", "revision": None, "backend": self.name, "device": self.device,
                "compute_type": self.compute_type, "beams": self.beams}
