"""A decoding-time vocabulary shortlist for CTranslate2 (``bilingua models shortlist``; ``--shortlist``).

At batch 1, half of each decoding step is the output layer over every entry
of opus-mt's 59514-entry vocabulary. A shortlist lets the decoder score only
the target pieces likely for the sentence at hand: the ``frequent``
commonest pieces of the model's own English output, and for each source
piece the ``per_piece`` target pieces that most often come with it in the
model's translations of a French corpus (plus the piece itself where the
English side can write it: names and numbers are copied). CTranslate2 reads
it as a vocabulary map (``use_vmap``): a line per source piece, a tab, its
candidates; the line whose source is empty holds those always allowed.
CTranslate2 gives a batch the union of its sentences' candidates.

Opt-in: a piece outside a sentence's candidates can no longer be written, so
outputs may change. Build it from text like what you will translate, and
score it against the full vocabulary (``bilingua eval``) before relying on it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..io import read_text
from ..text import data_lines

__all__ = ["Shortlist", "build_shortlist", "read_shortlist", "ALWAYS_KEPT"]

logger = logging.getLogger("bilingua")

#: Specials the decoder needs whatever the sentence.
ALWAYS_KEPT = ("</s>", "<unk>")


@dataclass(frozen=True)
class Shortlist:
    """Target pieces always allowed, and those each source piece adds."""

    always: tuple[str, ...]
    by_source: dict[str, tuple[str, ...]]

    def candidates(self, source: Iterable[str]) -> set[str]:
        """The target pieces a sentence made of ``source`` pieces may be translated with."""
        allowed = set(self.always)
        for piece in source:
            allowed.update(self.by_source.get(piece, ()))
        return allowed

    def to_vmap(self) -> str:
        """CTranslate2's vocabulary-map text."""
        lines = ["\t" + " ".join(self.always)]
        lines += [f"{s}\t{' '.join(t)}" for s, t in sorted(self.by_source.items()) if t]
        return "\n".join(lines) + "\n"


def build_shortlist(
    pairs: Iterable[tuple[Sequence[str], Sequence[str]]], target_vocabulary: set[str], *,
    frequent: int = 300, per_piece: int = 30,
) -> Shortlist:
    """A shortlist from (source pieces, translated pieces) pairs of one model.

    A source piece's candidates are ranked by how many of its sentences'
    translations have them, most first.
    """
    together: dict[str, Counter[str]] = {}  # source piece -> sentences whose translation has each target piece
    written: Counter[str] = Counter()  # target pieces, every occurrence
    for source, target in pairs:
        written.update(target)
        targets = set(target)
        for piece in set(source):
            together.setdefault(piece, Counter()).update(targets)
    always = tuple(dict.fromkeys([*ALWAYS_KEPT, *(t for t, _ in written.most_common(frequent))]))
    kept = set(always)
    by_source = {}
    for piece, counts in together.items():
        ranked = sorted((t for t in counts if t not in kept), key=lambda t: (-counts[t], t))[:per_piece]
        if piece in target_vocabulary and piece not in kept and piece not in ranked:
            ranked.append(piece)  # copied through: names, numbers
        by_source[piece] = tuple(ranked)
    return Shortlist(always, by_source)


def read_shortlist(path: str | Path) -> Shortlist:
    """A shortlist file written by :func:`bilingua.models.make_shortlist` (CTranslate2's vocabulary-map format)."""
    always: tuple[str, ...] = ()
    by_source: dict[str, tuple[str, ...]] = {}
    for number, line in enumerate(data_lines(read_text(path)), 1):
        source, tab, targets = line.partition("\t")
        if not tab:
            raise InputError(f"{path}, line {number}: expected a source piece, a tab and target pieces")
        if source:
            by_source[source] = tuple(targets.split())
        else:
            always = tuple(targets.split())
    if not always:
        raise InputError(f"{path} has no line of pieces always allowed (an empty source, a tab, pieces)")
    return Shortlist(always, by_source)
