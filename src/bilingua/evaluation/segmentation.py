"""Sentence-boundary evaluation: boundary precision, recall and F1 on documents rebuilt from test sets.

Parallel test sets are one sentence a line, with document ids beside them
(newstest's ``.docid`` file, FLORES-200's ``metadata_devtest.tsv`` URLs).
Joining the consecutive lines of one document with a space gives running
text whose true sentence boundaries are known: the splitter is scored on
the boundaries it finds there. A line that holds two sentences counts as one
(a split inside it is a false split), as the test set's own segmentation says.
"""

from __future__ import annotations


from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any

from ..text import ends_sentence
from ..text import data_lines

__all__ = ["SegmentationScore", "documents_from_ids", "predicted_boundaries", "score_splitter", "load_documents"]


@dataclass
class SegmentationScore:
    """Boundary counts over all documents, and the errors with some context."""

    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    documents: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        gold = self.true_positives + self.false_negatives
        return self.true_positives / gold if gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": self.precision, "recall": self.recall, "f1": self.f1,
            "true_positives": self.true_positives, "false_positives": self.false_positives,
            "false_negatives": self.false_negatives, "documents": self.documents, "errors": self.errors,
        }


def documents_from_ids(lines: Sequence[str], ids: Sequence[str]) -> list[list[str]]:
    """Consecutive lines that share a document id, as one list per document."""
    if len(lines) != len(ids):
        raise ValueError(f"{len(lines)} lines but {len(ids)} document ids")
    pairs = zip(ids, lines)
    return [[line.strip() for _, line in group] for _, group in groupby(pairs, key=lambda p: p[0])]


def predicted_boundaries(text: str, pieces: Sequence[str]) -> set[int]:
    """Character offsets in ``text`` where a piece after the first starts.

    A splitter keeps every character but whitespace, so each piece is found
    after the previous one.
    """
    starts, pos = set(), 0
    for i, piece in enumerate(pieces):
        at = text.find(piece.strip(), pos)
        if at < 0:
            raise ValueError(f"the splitter changed the text: {piece[:60]!r} not found")
        if i:
            starts.add(at)
        pos = at + len(piece.strip())
    return starts




def _context(text: str, at: int, width: int = 40) -> str:
    return f"{text[max(0, at - width):at]}|{text[at:at + width]}"


def score_splitter(
    documents: Sequence[Sequence[str]], split: Callable[[str], Sequence[str]], *, max_errors: int = 50,
    headlines: bool = False,
) -> SegmentationScore:
    """Score ``split`` on documents given as their gold sentences.

    A line without final punctuation (a headline) gives a boundary no splitter
    can see in running text; it is left out of the count unless ``headlines``.
    """
    score = SegmentationScore(documents=len(documents))
    for sentences in documents:
        text = " ".join(sentences)
        gold: set[int] = set()
        unmarked: set[int] = set()
        pos = 0
        for s in sentences[:-1]:
            pos += len(s) + 1
            (gold if headlines or ends_sentence(s) else unmarked).add(pos)
        # After a headline (no final punctuation) no splitter can know: neither counted nor penalised.
        found = predicted_boundaries(text, split(text)) - unmarked
        score.true_positives += len(gold & found)
        for kind, missed in (("false split", found - gold), ("missed boundary", gold - found)):
            if kind == "false split":
                score.false_positives += len(missed)
            else:
                score.false_negatives += len(missed)
            for at in sorted(missed):
                if len(score.errors) < max_errors:
                    score.errors.append({"kind": kind, "context": _context(text, at)})
    return score


def load_documents(root: Path, spec: dict[str, str]) -> list[list[str]]:
    """Documents of one part of the segmentation suite: ``text`` and ``ids`` files, ``ids_format`` docid|flores."""
    lines = data_lines((root / spec["text"]).read_text(encoding="utf-8"))
    id_lines = data_lines((root / spec["ids"]).read_text(encoding="utf-8"))
    if spec.get("ids_format") == "flores":  # a TSV with a header; the article's URL is its first column
        ids = [row.split("\t")[0] for row in id_lines[1:]]
    else:
        ids = [row.split("\t")[0].strip() for row in id_lines]
    return documents_from_ids(lines, ids)


def evaluate_segmentation(
    parts: Sequence[dict[str, str]], root: Path, *, limit: int | None = None, max_errors: int = 20
) -> dict[str, Any]:
    """Score bilingua's splitter on each part of a segmentation suite, and on each language's parts together.

    Two counts per part: ``punctuated`` (the suite's score; a boundary after
    a headline is not counted) and ``all_joins`` (every line join is a
    boundary, as a strict reading of the test sets has it).
    """
    from ..segmentation import PysbdSplitter

    rows: dict[str, dict[str, Any]] = {}
    totals: dict[str, dict[str, SegmentationScore]] = {}
    for spec in parts:
        documents = load_documents(root, spec)[:limit]
        split = PysbdSplitter(spec["language"]).split
        row = {}
        for mode, headlines in (("punctuated", False), ("all_joins", True)):
            score = score_splitter(documents, split, headlines=headlines, max_errors=max_errors if not headlines else 0)
            row[mode] = score.to_dict()
            total = totals.setdefault(spec["language"], {}).setdefault(mode, SegmentationScore())
            for attr in ("true_positives", "false_positives", "false_negatives", "documents"):
                setattr(total, attr, getattr(total, attr) + getattr(score, attr))
        rows[spec["name"]] = row
    for language, modes in totals.items():
        rows[f"all-{language}"] = {mode: {**s.to_dict(), "errors": []} for mode, s in modes.items()}
    return {"parts": rows}


def segmentation_markdown(report: dict[str, Any]) -> str:
    """The segmentation report as a Markdown table, then each part's errors."""
    lines = [
        "| part | documents | P | R | F1 | false splits | missed | F1, all joins |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in report["parts"].items():
        p, strict = row["punctuated"], row["all_joins"]
        lines.append(
            f"| {name} | {p['documents']} | {p['precision']:.4f} | {p['recall']:.4f} | **{p['f1']:.4f}** | "
            f"{p['false_positives']} | {p['false_negatives']} | {strict['f1']:.4f} |"
        )
    for name, row in report["parts"].items():
        errors = row["punctuated"]["errors"]
        if errors:
            lines += ["", f"Errors in {name} (`|` marks the place):", ""]
            lines += [f"- {e['kind']}: `{e['context']}`" for e in errors]
    return "\n".join(lines) + "\n"
