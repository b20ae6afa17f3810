"""Evaluation reports: JSON for machines, Markdown for READMEs and papers."""

from __future__ import annotations

import json
import platform
import sys
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from ..cpu import cpu_facts

PACKAGES = ("bilingua", "sacrebleu", "rouge-score", "torch", "transformers", "ctranslate2", "sentencepiece", "pysbd", "numpy")


def environment() -> dict[str, Any]:
    """Package versions and hardware, so a number can be traced to where it was made."""
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    cpu = cpu_facts()
    return {
        "python": sys.version.split()[0], "platform": platform.platform(), "cpu": cpu.model,
        "cpu_count": cpu.cores, "int8_dot_product": cpu.int8_dot_product, "packages": versions,
    }


@dataclass
class Report:
    systems: list[dict[str, Any]]
    comparisons: list[dict[str, Any]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    suite: dict[str, Any] | None = None
    environment: dict[str, Any] = field(default_factory=environment)
    worst_segments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "systems": self.systems, "comparisons": self.comparisons, "data": self.data, "suite": self.suite,
            "environment": self.environment, "worst_segments": self.worst_segments, "notices": self.notices,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def to_markdown(self) -> str:
        metric_names = list(self.systems[0]["metrics"]) if self.systems else []
        bs = {(c["system"], c["metric"]): c for c in self.comparisons if c["test"] == "bs"}
        base_ci = {c["metric"]: c for c in self.comparisons if c["test"] == "bs"}
        lines = []
        if self.suite:
            lines.append(f"### {self.suite['name']} ({self.suite.get('langpair', '')}, {self.data.get('segments')} segments)\n")
        lines.append("| system | " + " | ".join(metric_names) + " |")
        lines.append("|---|" + "---:|" * len(metric_names))
        for i, s in enumerate(self.systems):
            cells = []
            for m in metric_names:
                text = f"{s['metrics'][m]['score']:.2f}"
                row = bs.get((s["name"], m))
                if row and row.get("ci95") is not None:
                    text += f" ± {row['ci95']:.2f}"
                elif i == 0 and m in base_ci and base_ci[m].get("baseline_ci95") is not None:
                    text += f" ± {base_ci[m]['baseline_ci95']:.2f}"
                if row is not None and row["significant"]:
                    text += " *"
                cells.append(text)
            lines.append(f"| {s['name']} | " + " | ".join(cells) + " |")
        if self.comparisons:
            lines.append("")
            lines.append("`± x`: 95% confidence interval from paired bootstrap resampling; "
                         "`*`: p < 0.05 against the first system (the baseline).")
            lines.append("")
            lines.append("| system | metric | test | p-value |")
            lines.append("|---|---|---|---:|")
            for c in self.comparisons:
                lines.append(f"| {c['system']} | {c['metric']} | {c['test']} | {c['p_value']:.4f} |")
        speeds = [(s["name"], s["speed"]) for s in self.systems if s.get("speed")]
        if speeds:
            lines.append("")
            lines.append("| system | load s | wall s | sentences/s | target tokens/s | peak RSS MB |")
            lines.append("|---|---:|---:|---:|---:|---:|")
            for name, sp in speeds:
                lines.append(
                    f"| {name} | {sp['load_seconds']:.2f} | {sp['wall_seconds']:.2f} | {sp['sentences_per_second']:.1f} "
                    f"| {sp['target_tokens_per_second']:.1f} | {sp['peak_rss_mb']:.0f} |"
                )
        lines.append("")
        lines.append("Signatures:")
        if self.systems:
            for m, v in self.systems[0]["metrics"].items():
                lines.append(f"- {m}: `{v['signature']}`")
        for name, worst in self.worst_segments.items():
            if not worst:
                continue
            lines.append("")
            lines.append(f"Worst segments of {name} by {worst[0]['metric']}:")
            lines.append("")
            for w in worst:
                lines.append(f"- #{w['index'] + 1} ({w['score']:.1f}): {w['hypothesis']!r} — ref {w['references'][0]!r}")
        return "\n".join(lines) + "\n"
