"""Sentence-boundary evaluation: boundary precision, recall and F1 on documents rebuilt from test sets.

Parallel test sets are one sentence a line, with document ids beside them
(newstest's ``.docid`` file, FLORES-200's ``metadata_devtest.tsv`` URLs).
Joining the consecutive lines of one document with a space gives running
text whose true sentence boundaries are known: the splitter is scored on
the boundaries it finds there. A test-set line may hold two sentences, and a
few lines break a sentence in two: the suite's marks file, read by hand,
says where (:func:`read_marks`). Without it a line is one sentence, as the
test set's own segmentation says.
"""

from __future__ import annotations


import csv
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any

from ..text import ends_sentence
from ..text import data_lines

__all__ = ["SegmentationScore", "Mark", "documents_from_ids", "predicted_boundaries", "score_splitter", "load_documents",
           "read_marks", "gold_sentences"]


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


@dataclass(frozen=True)
class Mark:
    """A place in a test-set line read by hand: where a sentence starts or does not.

    ``kind`` is ``+`` (a sentence starts at ``offset`` of the stripped line),
    ``-`` (the line goes on the sentence of the line before it) or ``=``
    (final punctuation there, read: no sentence starts). ``context`` is the
    word before and the word after, ``|`` between, to check the data.
    """

    line: int  # 1-based, in the part's text file
    offset: int
    kind: str
    context: str


def read_marks(path: Path) -> dict[str, dict[int, list[Mark]]]:
    """A marks file (TSV: part, line, offset, mark, context) as each part's marks by line number."""
    marks: dict[str, dict[int, list[Mark]]] = {}
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["mark"] not in ("+", "-", "="):
                raise ValueError(f"{path}: mark {row['mark']!r} on line {row['line']} of {row['part']} is not +, - or =")
            mark = Mark(int(row["line"]), int(row["offset"]), row["mark"], row["context"])
            marks.setdefault(row["part"], {}).setdefault(mark.line, []).append(mark)
    return marks


def _check(mark: Mark, line: str, previous: str) -> None:
    before, _, after = mark.context.partition("|")
    head, tail = (previous, line) if mark.kind == "-" else (line[:mark.offset], line[mark.offset:])
    if not (head.rstrip().endswith(before) and tail.startswith(after)):
        raise ValueError(f"the marks do not fit the data: line {mark.line}, offset {mark.offset}, expected {mark.context!r}")


def gold_sentences(lines: Sequence[str], marks: Mapping[int, Sequence[Mark]], first: int = 1) -> list[str]:
    """The sentences of consecutive test-set lines (numbered from ``first``), the marks applied."""
    sentences: list[str] = []
    for n, line in enumerate(lines, first):
        line_marks = marks.get(n, ())
        for mark in line_marks:
            _check(mark, line, lines[n - first - 1] if n > first else "")
        cuts = sorted(m.offset for m in line_marks if m.kind == "+")
        pieces = [line[a:b].strip() for a, b in zip([0, *cuts], [*cuts, len(line)])]
        if sentences and any(m.kind == "-" for m in line_marks):
            sentences[-1] = f"{sentences[-1]} {pieces.pop(0)}".strip()
        sentences.extend(p for p in pieces if p)
    return sentences


def documents_from_ids(
    lines: Sequence[str], ids: Sequence[str], marks: Mapping[int, Sequence[Mark]] | None = None
) -> list[list[str]]:
    """Consecutive lines that share a document id, as each document's sentences (one a line without ``marks``)."""
    if len(lines) != len(ids):
        raise ValueError(f"{len(lines)} lines but {len(ids)} document ids")
    documents, n = [], 1
    for _, group in groupby(zip(ids, lines), key=lambda p: p[0]):
        doc = [line.strip() for _, line in group]
        documents.append(gold_sentences(doc, marks, n) if marks else doc)
        n += len(doc)
    return documents


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


def load_documents(
    root: Path, spec: dict[str, str], marks: Mapping[int, Sequence[Mark]] | None = None
) -> list[list[str]]:
    """Documents of one part of the segmentation suite (``text`` and ``ids`` files, ``ids_format`` docid|flores),
    each as its sentences: its lines, cut and joined where ``marks`` say."""
    return documents_from_ids(*_lines_and_ids(root, spec), marks)


def _lines_and_ids(root: Path, spec: dict[str, str]) -> tuple[list[str], list[str]]:
    """A part's text lines and the document id of each."""
    lines = data_lines((root / spec["text"]).read_text(encoding="utf-8"))
    id_lines = data_lines((root / spec["ids"]).read_text(encoding="utf-8"))
    if spec.get("ids_format") == "flores":  # a TSV with a header; the article's URL is its first column
        ids = [row.split("\t")[0] for row in id_lines[1:]]
    else:
        ids = [row.split("\t")[0].strip() for row in id_lines]
    return lines, ids


def evaluate_segmentation(
    parts: Sequence[dict[str, str]], root: Path, *, limit: int | None = None, max_errors: int = 20,
    marks: Path | None = None,
) -> dict[str, Any]:
    """Score bilingua's splitter on each part of a segmentation suite, and on each language's parts together.

    Three counts per part: ``punctuated`` (the suite's score: the sentences
    of the ``marks`` file; a boundary after a headline is not counted),
    ``lines`` (each test-set line one sentence, marks or not) and
    ``all_joins`` (the sentences, every line join a boundary).
    """
    from ..segmentation import PysbdSplitter

    read = read_marks(marks) if marks else {}
    rows: dict[str, dict[str, Any]] = {}
    totals: dict[str, dict[str, SegmentationScore]] = {}
    for spec in parts:
        text, ids = _lines_and_ids(root, spec)  # read once, scored as marked sentences and as plain lines
        sentences = documents_from_ids(text, ids, read.get(spec["name"], {}))[:limit]
        lines = documents_from_ids(text, ids)[:limit]
        split = PysbdSplitter(spec["language"]).split
        row = {}
        for mode, documents, headlines in (("punctuated", sentences, False), ("lines", lines, False),
                                           ("all_joins", sentences, True)):
            errors = max_errors if mode == "punctuated" else 0
            score = score_splitter(documents, split, headlines=headlines, max_errors=errors)
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
        "| part | documents | P | R | F1 | false splits | missed | F1, test-set lines | F1, all joins |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in report["parts"].items():
        p, plain, strict = row["punctuated"], row["lines"], row["all_joins"]
        lines.append(
            f"| {name} | {p['documents']} | {p['precision']:.4f} | {p['recall']:.4f} | **{p['f1']:.4f}** | "
            f"{p['false_positives']} | {p['false_negatives']} | {plain['f1']:.4f} | {strict['f1']:.4f} |"
        )
    for name, row in report["parts"].items():
        errors = row["punctuated"]["errors"]
        if errors:
            lines += ["", f"Errors in {name} (`|` marks the place):", ""]
            lines += [f"- {e['kind']}: `{e['context']}`" for e in errors]
    return "\n".join(lines) + "\n"
