"""Test engines that write each sentence's words in another order, with honest links, and no model.

They are the identity engine (:mod:`bilingua.backends.identity`) with its
words moved: what a real model does to word order (and sometimes to word
count), so that every place where bilingua puts markup back by alignment is
exercised as it is with a real model. Each output token carries a link, the
index of the source token it was written from, as CTranslate2 gives it; so
alignment reads the truth. They are test engines only: never chosen by
``auto``, and not registered by bilingua itself (a test registers them with
:func:`bilingua.backends.register_backend`, e.g.
``register_backend("reverse", "bilingua.backends.scramble:ReverseBackend", requires=None)``;
:data:`ENGINES` names them all).

Whitespace: a sentence's whitespace tokens (anything but one space between
words) are dropped, as a model drops them; the output is its words joined by
single spaces. Words are never changed, except by ``punct_front`` (which cuts
a word's trailing punctuation into a word of its own) and ``markup`` (which
writes markup-looking text around them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .base import Generated
from .identity import IdentityBackend

__all__ = ["ScrambleBackend", "ReverseBackend", "RotateBackend", "SwapBackend", "PunctFrontBackend",
           "FewerBackend", "MoreBackend", "MarkupBackend", "ENGINES"]

_WORD = "\u2581"
_EOS = "</s>"
_TRAILING = re.compile(r"^(.*?[^\W_].*?)([^\w\s]+)$", re.S)

Piece = tuple[str, int]  # an output token and the source token it comes from


class ScrambleBackend(IdentityBackend):
    """The identity engine with each sentence's words rewritten by :meth:`rewrite` (links kept honest)."""

    name = "scramble"

    def rewrite(self, words: list[Piece]) -> list[Piece]:
        """The output for a sentence's words (each ``(▁word, source token index)``); the default keeps them."""
        return words

    def _generate(self, tokens: Sequence[Sequence[Any]], no_repeat_ngram_size: int) -> Generated:
        out: list[list[Any]] = []
        links: list[list[int]] = []
        for source in tokens:
            words = [(t, k) for k, t in enumerate(source) if t != _EOS and t.startswith(_WORD)]
            pieces = self.rewrite(words) if words else []
            out.append([t for t, _ in pieces])
            links.append([k for _, k in pieces])
        return Generated(out, [0.0] * len(out), links)

    def align(self, sources: Sequence[Sequence[Any]], targets: Sequence[Sequence[Any]]) -> list[list[int]]:
        """A forced alignment as honest as the links: each target token goes to a source token that reads
        the same (the first not taken yet), else to one that holds it or that it holds (a word protection
        cut a span out of, or glued one to), else to its place. Protection asks this of a translation it
        mended; the default (relative place) would put markup on other words than the engine moved."""
        out = []
        for source, target in zip(sources, targets):
            words = [t for t in source if t != _EOS]
            taken: set[int] = set()
            links = []
            for j, token in enumerate(target):
                same = [k for k, t in enumerate(words) if t == token and k not in taken]
                near = [k for k, t in enumerate(words) if token.strip(_WORD) and (
                    token.strip(_WORD) in t or t.strip(_WORD) in token)]
                k = (same or near or [min(len(words) - 1, j * len(words) // max(len(target), 1))])[0]
                taken.add(k)
                links.append(k)
            out.append(links)
        return out

    def info(self) -> dict[str, Any]:
        return {**super().info(), "id": self.name, "backend": self.name}


class ReverseBackend(ScrambleBackend):
    """Words in reverse order: ``a b c.`` -> ``c. b a``."""

    name = "reverse"

    def rewrite(self, words: list[Piece]) -> list[Piece]:
        return words[::-1]


class RotateBackend(ScrambleBackend):
    """The first word moved to the end: ``a b c.`` -> ``b c. a``."""

    name = "rotate"

    def rewrite(self, words: list[Piece]) -> list[Piece]:
        return words[1:] + words[:1]


class SwapBackend(ScrambleBackend):
    """Neighbours swapped pairwise: ``a b c d e`` -> ``b a d c e``."""

    name = "swap"

    def rewrite(self, words: list[Piece]) -> list[Piece]:
        out = list(words)
        for k in range(0, len(out) - 1, 2):
            out[k], out[k + 1] = out[k + 1], out[k]
        return out


class PunctFrontBackend(ScrambleBackend):
    """The last word's trailing punctuation becomes a word of its own at the sentence's front:
    ``a b (c).`` -> ``). a b (c`` (both pieces linked to the word they were cut from)."""

    name = "punct_front"

    def rewrite(self, words: list[Piece]) -> list[Piece]:
        for k in range(len(words) - 1, -1, -1):
            match = _TRAILING.match(words[k][0][1:])
            if match:
                body, punct = match.groups()
                cut = [(_WORD + body, words[k][1])]
                return [(_WORD + punct, words[k][1])] + words[:k] + cut + words[k + 1:]
        return words


class FewerBackend(ScrambleBackend):
    """Every third word dropped (a one- or two-word sentence kept): ``a b c d`` -> ``a b d``."""

    name = "fewer"

    def rewrite(self, words: list[Piece]) -> list[Piece]:
        return [w for k, w in enumerate(words) if k % 3 != 2]


class MoreBackend(ScrambleBackend):
    """Every third word written twice, both copies linked to it: ``a b c d`` -> ``a a b c d d``."""

    name = "more"

    def rewrite(self, words: list[Piece]) -> list[Piece]:
        return [x for k, w in enumerate(words) for x in ([w, w] if k % 3 == 0 else [w])]


#: What ``markup`` starts a sentence with: chosen by the sentence's word count, so a test can pick one.
PREFIXES = ("1995.", "-", "+", "#", ">")
#: What ``markup`` writes around the k-th word (k modulo 6); ``&eacute;`` reads as an entity if written raw.
AROUND = (("*", "*"), ("_", "_"), ("`", "`"), ("<", ">"), ("&eacute;", ""), ("[x]", ""))


class MarkupBackend(ScrambleBackend):
    """Writes text that would be markup if copied raw into the document: the sentence starts with
    ``PREFIXES[n % 5]`` (``n`` its word count) and each word gets ``AROUND[k % 6]`` glued around it:
    ``a b c`` -> ``# *a* _b_ `c```. Word order is kept; the inserted text is linked to its word."""

    name = "markup"

    def rewrite(self, words: list[Piece]) -> list[Piece]:
        out = [(_WORD + PREFIXES[len(words) % len(PREFIXES)], words[0][1])]
        for k, (word, link) in enumerate(words):
            before, after = AROUND[k % len(AROUND)]
            out.append((_WORD + before + word[1:] + after, link))
        return out


#: Every test engine: name -> ``"module:Class"`` for :func:`~bilingua.backends.register_backend`.
ENGINES = {cls.name: f"{__name__}:{cls.__name__}" for cls in (
    ReverseBackend, RotateBackend, SwapBackend, PunctFrontBackend, FewerBackend, MoreBackend, MarkupBackend)}
