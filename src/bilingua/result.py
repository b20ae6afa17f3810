"""The result of processing one document."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Segment:
    """One source sentence with its translation.

    ``score`` is the model's mean log-probability per target token (closer to
    0 is more confident); ``paragraph`` and ``line`` are 0-based indices into
    the source.
    """

    source: str
    translation: str
    paragraph: int
    line: int
    score: float


@dataclass
class Result:
    """Translation, summary, aligned segments, timings (seconds) and the models used."""

    source: str
    translation: str
    summary: str
    segments: list[Segment] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    models: dict[str, Any] = field(default_factory=dict)
    #: With ``summary_from="source"``: the chosen French sentences and their translations.
    summary_segments: list[Segment] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)
