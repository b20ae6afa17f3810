"""Metrics by name: sacrebleu's BLEU, chrF, chrF++ and TER, rouge-score's ROUGE, length ratio, COMET.

Each metric scores a corpus (with its signature, so the number can be
reproduced) and each segment. Optional metrics import their packages only
when asked for.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ..errors import BilinguaError, optional_import
from ..languages import LANGUAGES, TARGET

__all__ = ["Metric", "MetricScore", "METRICS", "make_metrics", "expand_metric_names", "MetricUnavailable"]


class MetricUnavailable(BilinguaError):
    """An optional metric cannot run here (package or model missing)."""


@dataclass
class MetricScore:
    score: float
    signature: str
    segments: list[float] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


class Metric(ABC):
    """A metric with corpus and segment scores; ``higher_is_better`` orders worst segments."""

    name: ClassVar[str]
    higher_is_better: ClassVar[bool] = True
    needs_sources: ClassVar[bool] = False

    @abstractmethod
    def compute(self, hyps: Sequence[str], refs: Sequence[Sequence[str]], sources: Sequence[str] | None = None) -> MetricScore:
        """``refs`` is a list of reference streams, each as long as ``hyps``."""

    def sacrebleu_metric(self) -> Any | None:
        """The sacrebleu object for paired significance tests, if this is a sacrebleu metric."""
        return None


class _SacreMetric(Metric):
    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs

    @abstractmethod
    def _make(self, sentence: bool = False) -> Any: ...

    def sacrebleu_metric(self) -> Any:
        return self._make()

    def compute(self, hyps: Sequence[str], refs: Sequence[Sequence[str]], sources: Sequence[str] | None = None) -> MetricScore:
        corpus = self._make()
        hyps, refs = list(hyps), [list(r) for r in refs]
        corpus._check_corpus_score_args(hyps, refs)
        # One pass of sufficient statistics serves the corpus score (as corpus_score
        # computes it) and every segment score (as sentence_score would), so TER's
        # edit distances are computed once, not twice.
        stats = corpus._extract_corpus_statistics(hyps, refs)
        result = corpus._aggregate_and_compute(stats)
        sentence = self._make(sentence=True)
        seg = [float(sentence._aggregate_and_compute([row]).score) for row in stats]
        return MetricScore(
            score=float(result.score), signature=str(corpus.get_signature()), segments=seg,
            details=self._details(result),
        )

    def _details(self, result: Any) -> dict[str, Any]:
        return {}


class BLEUMetric(_SacreMetric):
    name = "bleu"

    def _make(self, sentence: bool = False) -> Any:
        from sacrebleu.metrics import BLEU

        return BLEU(effective_order=True, **self.kwargs) if sentence else BLEU(**self.kwargs)

    def _details(self, result: Any) -> dict[str, Any]:
        return {
            "precisions": [round(p, 4) for p in result.precisions], "bp": round(result.bp, 4),
            "ratio": round(result.ratio, 4), "hyp_len": result.sys_len, "ref_len": result.ref_len,
            "verbose": str(result),
        }


class CHRFMetric(_SacreMetric):
    name = "chrf"
    word_order = 0

    def _make(self, sentence: bool = False) -> Any:
        from sacrebleu.metrics import CHRF

        return CHRF(word_order=self.word_order, **self.kwargs)


class CHRFPPMetric(CHRFMetric):
    name = "chrf++"
    word_order = 2


class TERMetric(_SacreMetric):
    name = "ter"
    higher_is_better = False

    def _make(self, sentence: bool = False) -> Any:
        from sacrebleu.metrics import TER

        return TER(**self.kwargs)


class LengthRatioMetric(Metric):
    """Hypothesis length over reference length in 13a tokens (BLEU's ratio; 1.0 is ideal)."""

    name = "len_ratio"

    def compute(self, hyps: Sequence[str], refs: Sequence[Sequence[str]], sources: Sequence[str] | None = None) -> MetricScore:
        from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

        tok = Tokenizer13a()
        h = [len(tok(x).split()) for x in hyps]
        r = [len(tok(x).split()) for x in refs[0]]
        seg = [hi / ri if ri else float(hi > 0) for hi, ri in zip(h, r)]
        return MetricScore(
            score=sum(h) / max(sum(r), 1), signature="len_ratio|tok:13a|ref:first",
            segments=seg, details={"hyp_len": sum(h), "ref_len": sum(r)},
        )


ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")


class RougeMetric(Metric):
    """ROUGE F1 (mean over segments, x100) with Google's rouge-score.

    Defaults follow rouge-score's own: its tokenizer (lower case, ASCII
    letters and digits only), no stemming; with several references the best
    per segment counts. ``rougeLsum`` needs sentences on separate lines: they
    are split with pysbd in the given ``language``. ``tokenizer="unicode"``
    keeps accented letters (better for French, but not comparable with
    published numbers).
    """

    higher_is_better = True

    def __init__(self, rouge_type: str, *, stem: bool = False, tokenizer: str = "default", language: str = TARGET) -> None:
        if rouge_type not in ROUGE_TYPES:
            raise ValueError(f"unknown ROUGE type {rouge_type!r}")
        if tokenizer not in {"default", "unicode"}:
            raise ValueError("ROUGE tokenizer must be 'default' or 'unicode'")
        self.rouge_type = rouge_type
        self.name = rouge_type  # type: ignore[misc]
        self.stem, self.tokenizer, self.language = stem, tokenizer, language

    def _scorer(self) -> Any:
        from rouge_score import rouge_scorer

        kwargs: dict[str, Any] = {}
        if self.stem and not _porter(self.language):  # rouge-score's Porter stemmer is English: Snowball for the rest
            kwargs["tokenizer"] = _SnowballTokenizer(self.language, unicode=self.tokenizer == "unicode")
            return rouge_scorer.RougeScorer([self.rouge_type], use_stemmer=False, **kwargs)
        if self.tokenizer == "unicode":
            kwargs["tokenizer"] = _UnicodeTokenizer()
        return rouge_scorer.RougeScorer([self.rouge_type], use_stemmer=self.stem, **kwargs)

    def _stem_name(self) -> str:
        if not self.stem:
            return "no"
        return "porter" if _porter(self.language) else f"snowball-{self.language}"

    def _prepare(self, text: str) -> str:
        if self.rouge_type != "rougeLsum":
            return text
        from ..segmentation import PysbdSplitter

        return "\n".join(PysbdSplitter(self.language).split(text))

    def compute(self, hyps: Sequence[str], refs: Sequence[Sequence[str]], sources: Sequence[str] | None = None) -> MetricScore:
        scorer = self._scorer()
        seg = []
        for i, h in enumerate(hyps):
            hp = self._prepare(h)
            seg.append(100 * max(scorer.score(self._prepare(r[i]), hp)[self.rouge_type].fmeasure for r in refs))
        import rouge_score

        version = getattr(rouge_score, "__version__", None)
        if version is None:
            from importlib.metadata import version as _v

            version = _v("rouge-score")
        sig = (
            f"{self.rouge_type}|impl:rouge-score-{version}|f1:mean|stem:{self._stem_name()}"
            f"|tok:{self.tokenizer}|refs:{len(refs)}|multiref:max"
            + (f"|split:pysbd-{self.language}" if self.rouge_type == "rougeLsum" else "")
        )
        return MetricScore(score=float(np.mean(seg)) if seg else 0.0, signature=sig, segments=seg)


class _UnicodeTokenizer:
    """Lower-cased word tokens that keep accented letters (rouge-score's tokenizer drops them)."""

    def tokenize(self, text: str) -> list[str]:
        import re

        return re.findall(r"\w+", text.lower())


class _SnowballTokenizer:
    """rouge-score's tokens (or Unicode word tokens), stemmed with the Snowball stemmer of ``language``."""

    _NAMES = {**{code: lang.snowball for code, lang in LANGUAGES.items()},
              "de": "german", "es": "spanish", "it": "italian", "pt": "portuguese", "nl": "dutch"}

    def __init__(self, language: str, *, unicode: bool) -> None:
        import snowballstemmer

        if language not in self._NAMES:
            raise ValueError(f"no Snowball stemmer for language {language!r}")
        self.stemmer = snowballstemmer.stemmer(self._NAMES[language])
        self.unicode = unicode

    def tokenize(self, text: str) -> list[str]:
        from rouge_score import tokenize

        words = _UnicodeTokenizer().tokenize(text) if self.unicode else tokenize.tokenize(text, None)
        return list(self.stemmer.stemWords(words))


class CometMetric(Metric):
    """COMET (unbabel-comet), when the package and the model are available."""

    name = "comet"
    needs_sources = True
    model_name = "Unbabel/wmt22-comet-da"

    def compute(self, hyps: Sequence[str], refs: Sequence[Sequence[str]], sources: Sequence[str] | None = None) -> MetricScore:
        comet = optional_import("comet", "COMET skipped: scoring with COMET", extra="comet", error=MetricUnavailable)
        download_model, load_from_checkpoint = comet.download_model, comet.load_from_checkpoint
        if sources is None:
            raise MetricUnavailable("COMET skipped: it needs the source sentences (--src or a suite)")
        try:
            model = load_from_checkpoint(download_model(self.model_name))
        except Exception as exc:
            raise MetricUnavailable(f"COMET skipped: model {self.model_name} unavailable ({exc})") from None
        data = [{"src": s, "mt": h, "ref": r} for s, h, r in zip(sources, hyps, refs[0])]
        out = model.predict(data, batch_size=16, gpus=0, progress_bar=False)
        return MetricScore(score=100 * float(out.system_score), signature=f"comet|model:{self.model_name}",
                           segments=[100 * float(x) for x in out.scores])


METRICS: dict[str, type[Metric]] = {
    "bleu": BLEUMetric,
    "chrf": CHRFMetric,
    "chrf++": CHRFPPMetric,
    "ter": TERMetric,
    "len_ratio": LengthRatioMetric,
    "comet": CometMetric,
}
_GROUPS = {"rouge": ROUGE_TYPES}


def expand_metric_names(names: str | Sequence[str]) -> list[str]:
    """``"bleu,chrf,rouge"`` -> ``["bleu", "chrf", "rouge1", "rouge2", "rougeL", "rougeLsum"]``."""
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    out: list[str] = []
    for n in names:
        for m in _GROUPS.get(n, (n,)):
            if m not in METRICS and m not in ROUGE_TYPES:
                known = ", ".join([*METRICS, "rouge", *ROUGE_TYPES])
                raise BilinguaError(f"unknown metric {m!r}; choose from: {known}")
            if m not in out:
                out.append(m)
    if not out:
        raise BilinguaError("no metric given")
    return out


def make_metrics(names: Sequence[str], *, rouge_stem: bool = False, rouge_tokenizer: str = "default",
                 language: str = TARGET) -> list[Metric]:
    metrics: list[Metric] = []
    for n in expand_metric_names(names):
        if n in ROUGE_TYPES:
            metrics.append(RougeMetric(n, stem=rouge_stem, tokenizer=rouge_tokenizer, language=language))
        else:
            metrics.append(METRICS[n]())
    return metrics


def _porter(language: str) -> bool:
    return language in LANGUAGES and LANGUAGES[language].porter
