"""The review challenge suite: human translations as the clean cases, and copies of them with one
injected critical error each, of every kind a review flag names.

The rules (eval/README.md says them in words, so that others can rebuild the suite):

- **Pairs.** newstest2014 fr-en (all 3003 segments) and a fixed sample of Tatoeba (2000 pairs, seed
  2014), each in both directions: the human translation is the clean case. FLORES-200 devtest is
  left out: the review's word data and length ratio were measured on it.
- **Injections**, into a copy of the translation, at most one per pair and kind, each drawn with a
  seed of its own (``random.Random(f"{kind}:{corpus}:{source language}:{index}")``):
  ``number`` a figure that the source has too is changed (+1..9, or times 10); ``negation`` the
  translation's negation is taken out (not / n't / never / no... ; ne ... pas / sans ...);
  ``name`` a name the source has too is replaced by another name of the corpus; ``omission`` a
  clause (between commas, or before one of the language's clause words, ``Language.clause_words``) of
  at least a quarter of the words is deleted;
  ``addition`` another pair's translation (6 words or more) is appended as an invented sentence;
  ``untranslated`` the translation is replaced by the source; ``repetition`` a phrase of 2-4 words
  is written three times (a decoder loop); ``protected`` a URL, e-mail address or hashtag is put
  into both sides of the pair, and the translation's copy is dropped; ``length`` the translation is
  cut after 40-60% of its words (a truncated output). ``low_confidence`` needs an engine's scores
  and is not in the suite.
- **Scores.** Recall per kind is the share of the injected cases of that kind flagged with that
  kind; the false-alarm rate is the share of clean cases with any flag. Bootstrap intervals (1000
  resamples, seed 12345) give their 95% range.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..languages import LANGUAGES, PAIRS, SOURCE, TARGET, Language
from ..review import Reviewer, names, negations, numbers, Side
from ..text import data_lines

__all__ = ["Case", "build_cases", "score_review", "tatoeba_sample", "review_markdown", "KINDS"]

#: The kinds the suite injects (``low_confidence`` needs an engine's scores).
KINDS = ("number", "negation", "name", "omission", "addition", "untranslated", "repetition", "protected", "length")
TATOEBA_SAMPLE, TATOEBA_SEED = 2000, 2014


@dataclass(frozen=True)
class Case:
    corpus: str
    source_lang: str
    target_lang: str
    source: str
    translation: str
    #: The kind of the injected error; ``None`` for a human translation as it is.
    injected: str | None = None


def tatoeba_sample(size: int) -> list[int]:
    """The line numbers of Tatoeba the suite uses (the rest may be used to build the review's data)."""
    return sorted(random.Random(TATOEBA_SEED).sample(range(size), min(TATOEBA_SAMPLE, size)))


def _pairs(root: Path) -> Iterator[tuple[str, dict[str, list[str]]]]:
    """Each corpus as its lines per language (both corpora are French–English, the default pair's)."""
    news = root / "wmt14_newstest2014_fren" / "text"
    yield "newstest2014", {SOURCE: _read(news / "newstest2014.fr-en.fr"), TARGET: _read(news / "newstest2014.fr-en.en")}
    tat = root / "tatoeba_fra_eng"
    fr, en = _read(tat / "tatoeba-test-v2021-08-07.fra"), _read(tat / "tatoeba-test-v2021-08-07.eng")
    chosen = tatoeba_sample(len(fr))
    yield "tatoeba", {SOURCE: [fr[i] for i in chosen], TARGET: [en[i] for i in chosen]}


def _read(path: Path) -> list[str]:
    return [line.strip() for line in data_lines(path.read_text(encoding="utf-8"))]


def build_cases(root: Path, limit: int | None = None) -> list[Case]:
    """The suite's cases: each human translation, then its injected copies, in a fixed order."""
    cases: list[Case] = []
    for corpus, lines in _pairs(root):
        for p in PAIRS.values():
            s_lang, t_lang = p.source, p.target
            sources, targets = lines[s_lang][:limit or None], lines[t_lang][:limit or None]
            pool = [w.text for t in targets for w in names(Side(t, LANGUAGES[t_lang]))][:5000]
            for i, (s, t) in enumerate(zip(sources, targets)):
                cases.append(Case(corpus, s_lang, t_lang, s, t))
                for kind in KINDS:
                    rng = random.Random(f"{kind}:{corpus}:{s_lang}:{i}")
                    made = INJECT[kind](Side(s, LANGUAGES[s_lang]), Side(t, LANGUAGES[t_lang]), rng,
                                        _Corpus(targets, pool, i))
                    if made is not None:
                        cases.append(Case(corpus, s_lang, t_lang, made[0], made[1], kind))
    return cases


@dataclass
class _Corpus:
    translations: Sequence[str]
    names: Sequence[str]
    index: int


Injector = Callable[[Side, Side, random.Random, _Corpus], "tuple[str, str] | None"]


def _replace(text: str, start: int, end: int, new: str) -> str:
    return re.sub(r"\s{2,}", " ", text[:start] + new + text[end:]).strip()


def _number(s: Side, t: Side, rng: random.Random, corpus: _Corpus) -> tuple[str, str] | None:
    shared = [n for n in numbers(t) if not n.word and any(c.isdigit() for c in t.text[n.start:n.end])
              and any(n.values & m.values for m in numbers(s))]  # figures only (a Roman century has none)
    if not shared:
        return None
    n = rng.choice(shared)
    written = t.text[n.start:n.end]
    digits = [i for i, c in enumerate(written) if c.isdigit()]
    i = rng.choice(digits)
    changed = written[:i] + str((int(written[i]) + rng.randint(1, 9)) % 10) + written[i + 1:]
    if changed.lstrip("0") == "" or changed == written:
        changed = written + "0"
    return s.text, _replace(t.text, n.start, n.end, changed)


def _negation(s: Side, t: Side, rng: random.Random, corpus: _Corpus) -> tuple[str, str] | None:
    if not negations(t):
        return None
    for pattern, new in t.language.unnegations:
        changed = re.sub(pattern, new, t.text, count=1, flags=re.IGNORECASE)
        if changed != t.text:
            changed = re.sub(r"\s{2,}", " ", changed).strip()
            return (s.text, changed) if not negations(Side(changed, t.language)) else None
    return None


def _name(s: Side, t: Side, rng: random.Random, corpus: _Corpus) -> tuple[str, str] | None:
    kept = [w for w in names(t) if w.key in s.keys]
    if not kept or not corpus.names:
        return None
    w = rng.choice(kept)
    other = rng.choice([n for n in corpus.names if n.lower() not in s.lower and n.lower() not in t.lower] or [""])
    return (s.text, _replace(t.text, w.start, w.end, other)) if other else None


def _clauses(language: Language) -> re.Pattern[str]:
    return re.compile(r",\s+|;\s+|\s+(?=(?:%s)\s)" % "|".join(map(re.escape, language.clause_words)))


def _omission(s: Side, t: Side, rng: random.Random, corpus: _Corpus) -> tuple[str, str] | None:
    words = len(t.text.split())
    cuts = [0, *[m.start() for m in _clauses(t.language).finditer(t.text)], len(t.text.rstrip(".!?»\"” "))]
    clauses = [(a, b) for a, b in zip(cuts, cuts[1:]) if a > 0 and len(t.text[a:b].split()) >= max(words / 4, 3)]
    if words < 8 or not clauses:
        return None
    a, b = rng.choice(clauses)
    return s.text, _replace(t.text, a, b, "")


def _addition(s: Side, t: Side, rng: random.Random, corpus: _Corpus) -> tuple[str, str] | None:
    others = [x for x in corpus.translations if len(x.split()) >= 6]
    if not others:
        return None
    extra = rng.choice(others)
    return (s.text, f"{t.text} {extra}") if extra != t.text else None


def _untranslated(s: Side, t: Side, rng: random.Random, corpus: _Corpus) -> tuple[str, str] | None:
    plain = [w for w in s.words if not w.text[0].isupper() and not w.text.isdigit()]
    return (s.text, s.text) if len(plain) >= 2 and s.text != t.text else None


def _repetition(s: Side, t: Side, rng: random.Random, corpus: _Corpus) -> tuple[str, str] | None:
    words = t.text.split()
    if len(words) < 4:
        return None
    size = rng.randint(2, min(4, len(words) - 1))
    at = rng.randrange(0, len(words) - size + 1)
    phrase = words[at:at + size]
    return s.text, " ".join(words[:at] + phrase * 3 + words[at + size:])


_SPANS = ("https://www.example.org/{n}/report", "contact{n}@example.org", "#bilingua{n}")


def _protected(s: Side, t: Side, rng: random.Random, corpus: _Corpus) -> tuple[str, str] | None:
    if len(t.text.split()) < 3:
        return None
    span = rng.choice(_SPANS).format(n=corpus.index)
    # Both sides hold the span (the clean pair a document would have); the translation then loses it.
    return f"{s.text} ({span})", t.text


def _length(s: Side, t: Side, rng: random.Random, corpus: _Corpus) -> tuple[str, str] | None:
    words = t.text.split()
    if len(words) < 6:
        return None
    keep = max(2, round(len(words) * rng.uniform(0.4, 0.6)))
    return s.text, " ".join(words[:keep]).rstrip(",;:")


INJECT: dict[str, Injector] = {
    "number": _number, "negation": _negation, "name": _name, "omission": _omission, "addition": _addition,
    "untranslated": _untranslated, "repetition": _repetition, "protected": _protected, "length": _length,
}


def score_review(cases: Sequence[Case], *, resamples: int = 1000, seed: int = 12345,
                 examples: int = 0) -> dict[str, Any]:
    """Review every case; recall per kind, the false-alarm rate, each with a 95% bootstrap interval."""
    reviewers: dict[tuple[str, str], Reviewer] = {}
    hits: dict[str, list[bool]] = {}
    missed: dict[str, list[dict[str, str]]] = {}
    by_corpus: dict[str, list[bool]] = {}
    for case in cases:
        key = (case.source_lang, case.target_lang)
        reviewer = reviewers.get(key) or reviewers.setdefault(key, Reviewer(*key))
        found = reviewer.review(case.source, case.translation)
        if case.injected is None:
            flagged = not found.ok
            hits.setdefault("false_alarm", []).append(flagged)
            by_corpus.setdefault(f"{case.corpus} {case.source_lang}-{case.target_lang}", []).append(flagged)
            if flagged and len(missed.setdefault("false_alarm", [])) < examples:
                missed["false_alarm"].append({"source": case.source, "translation": case.translation,
                                              "flags": "; ".join(f.message for f in found.flags)})
        else:
            caught = case.injected in found.kinds()
            hits.setdefault(case.injected, []).append(caught)
            if not caught and len(missed.setdefault(case.injected, [])) < examples:
                missed[case.injected].append({"source": case.source, "translation": case.translation})
    rng = np.random.default_rng(seed)
    rows = {name: _interval(np.array(v, dtype=float), rng, resamples) for name, v in hits.items()}
    injected = np.array([x for k, v in hits.items() if k != "false_alarm" for x in v], dtype=float)
    return {
        "recall": {k: rows[k] for k in KINDS if k in rows},
        "recall_all": _interval(injected, rng, resamples) if len(injected) else None,
        "false_alarm": rows.get("false_alarm"),
        "false_alarm_by_corpus": {k: float(np.mean(v)) for k, v in by_corpus.items()},
        "examples": missed,
    }


def _interval(values: np.ndarray, rng: np.random.Generator, resamples: int) -> dict[str, float]:
    means = rng.choice(values, size=(resamples, len(values)), replace=True).mean(axis=1) if len(values) else np.zeros(1)
    return {"rate": float(values.mean()) if len(values) else 0.0, "low": float(np.percentile(means, 2.5)),
            "high": float(np.percentile(means, 97.5)), "n": int(len(values))}


def review_markdown(report: dict[str, Any]) -> str:
    """The report as a Markdown table: recall per kind, then the false-alarm rate."""
    lines = ["| | rate | 95% interval | cases |", "|---|---:|---:|---:|"]
    for kind, row in report["recall"].items():
        lines.append(f"| recall: {kind} | {row['rate']:.3f} | {row['low']:.3f}-{row['high']:.3f} | {row['n']} |")
    for label, row in (("recall: all", report["recall_all"]), ("false alarms", report["false_alarm"])):
        if row:
            lines.append(f"| **{label}** | {row['rate']:.3f} | {row['low']:.3f}-{row['high']:.3f} | {row['n']} |")
    by = report.get("false_alarm_by_corpus", {})
    if by:
        lines += ["", "False alarms by corpus and direction: "
                  + ", ".join(f"{k} {v:.3f}" for k, v in by.items())]
    return "\n".join(lines) + "\n"
