"""Managing models beyond loading one: learning a vocabulary shortlist from a corpus with the pipeline itself."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from .backends.ct2 import target_vocabulary
from .backends.shortlist import build_shortlist
from .errors import InputError
from .io import read_text, write_atomic
from .options import TranslationOptions
from .pipeline import Pipeline
from .text import data_lines

__all__ = ["make_shortlist"]

logger = logging.getLogger("bilingua")


def make_shortlist(
    corpus: str | Path, output: str | Path, translation: TranslationOptions, *,
    frequent: int = 300, per_piece: int = 30, chunk_lines: int = 256,
) -> dict[str, Any]:
    """Translate ``corpus`` (French text) with the model of ``translation`` and write its shortlist to ``output``.

    Returns what was done: sentences read, pieces kept, mean candidates per sentence.
    """
    lines = [line for line in data_lines(read_text(corpus)) if line.strip()]
    if not lines:
        raise InputError(f"{corpus} has no text to learn a shortlist from")
    # The model's own choices, undisturbed: no protection, no earlier shortlist.
    options = replace(translation, protect=False, shortlist=None, target_vocab_only=False, backend="ctranslate2")
    pipeline = Pipeline(translation=options, progress=False)
    backend = pipeline.translator.backend
    pairs: list[tuple[list[str], list[str]]] = []
    for start in range(0, len(lines), chunk_lines):
        done = pipeline.translator.translate_document("\n".join(lines[start:start + chunk_lines]))
        sources = backend.encode([s.text for s in done.sentences()])
        pairs += [(src, [str(t) for t in h.tokens]) for src, h in zip(sources, done.hypotheses)]
        logger.info("shortlist: %d of %d lines translated", min(start + chunk_lines, len(lines)), len(lines))
    vocabulary = set(target_vocabulary(backend.model_ref.path))
    shortlist = build_shortlist(pairs, vocabulary, frequent=frequent, per_piece=per_piece)
    write_atomic(output, shortlist.to_vmap())
    sizes = [len(shortlist.candidates(src)) for src, _ in pairs]
    return {"sentences": len(pairs), "source_pieces": len(shortlist.by_source), "always": len(shortlist.always),
            "mean_candidates": sum(sizes) / len(sizes), "vocabulary": len(vocabulary), "output": str(output)}
