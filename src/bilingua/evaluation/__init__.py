"""Evaluation: metrics (sacrebleu, rouge-score), suites, paired significance, speed and reports.

>>> from bilingua.evaluation import System, evaluate
>>> report = evaluate([System("mine", hyps)], [refs], "bleu,chrf,ter")  # doctest: +SKIP
>>> report.to_markdown()  # doctest: +SKIP
"""

from .data import Segments, read_segments
from .metrics import METRICS, Metric, MetricScore, expand_metric_names, make_metrics
from .report import Report
from .runner import System, evaluate, summarize_lines, translate_lines
from .suites import Suite, list_suites, load_suite

__all__ = [
    "evaluate",
    "System",
    "Report",
    "read_segments",
    "Segments",
    "Metric",
    "MetricScore",
    "METRICS",
    "make_metrics",
    "expand_metric_names",
    "Suite",
    "load_suite",
    "list_suites",
    "translate_lines",
    "summarize_lines",
]
