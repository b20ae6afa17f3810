"""The result of processing one document."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any


#: What a review flag may say is wrong with a translated sentence (see :func:`bilingua.review`).
FLAG_KINDS = ("number", "negation", "name", "omission", "addition", "untranslated", "repetition", "protected",
              "length", "low_confidence")


@dataclass(frozen=True)
class Flag:
    """Why a person should check a translated sentence.

    ``kind`` is one of :data:`FLAG_KINDS`; ``message`` says what is wrong in
    one sentence; ``source_span`` and ``translation_span`` are ``(start, end)``
    character offsets into the sentence and its translation where the flag
    points at a part of them (a number, a name, a repeated phrase), else ``None``.
    """

    kind: str
    message: str
    source_span: tuple[int, int] | None = None
    translation_span: tuple[int, int] | None = None


@dataclass(frozen=True)
class Review:
    """The flags of one translated sentence; ``ok`` when it has none."""

    flags: tuple[Flag, ...] = ()
    ok: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ok", not self.flags)

    def kinds(self) -> tuple[str, ...]:
        """The kinds of its flags, in order, each once."""
        return tuple(dict.fromkeys(f.kind for f in self.flags))


@dataclass(frozen=True)
class Segment:
    """One source sentence with its translation.

    ``source`` is the sentence exactly as the input has it, at ``start:end``
    (``text[seg.start:seg.end] == seg.source``); ``score`` is the model's mean
    log-probability per target token (closer to 0 is more confident);
    ``paragraph`` and ``line`` are 0-based indices into the source; ``flags``
    say why a person should check the translation (none: nothing was found).
    """

    source: str
    translation: str
    paragraph: int
    line: int
    score: float
    start: int = 0
    end: int = 0
    flags: tuple[Flag, ...] = ()


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


class Stopwatch:
    """Seconds per stage of one call: ``with watch("translate"): ...``."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.timings = {"load": 0.0, "segment": 0.0, "translate": 0.0, "summarize": 0.0}

    @contextlib.contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.add(stage, time.perf_counter() - t0)

    def add(self, stage: str, seconds: float) -> None:
        self.timings[stage] = self.timings.get(stage, 0.0) + seconds

    def done(self) -> dict[str, float]:
        return {**self.timings, "total": time.perf_counter() - self.start}
