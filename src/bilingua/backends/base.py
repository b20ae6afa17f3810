"""The narrow boundary between text handling and a translation engine.

A backend turns a batch of source sentences into hypotheses; everything
around it (segmentation, deduplication, length sorting, batching by token
budget, reassembly) lives in :mod:`bilingua.translator` and is the same for
every engine, CTranslate2-style.
"""

from __future__ import annotations

import importlib.util

import contextlib
import logging
import threading
import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

from ..cpu import cpu_facts
from ..errors import BilinguaError

logger = logging.getLogger("bilingua")

DEVICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class Hypothesis:
    """One translation: its text, mean log-probability per target token, and length.

    ``tokens`` are the target tokens the engine wrote (what word alignment reads).
    """

    text: str
    score: float
    num_tokens: int
    tokens: tuple[Any, ...] = ()
    #: For each of ``tokens``, the source token the engine attended to most while writing it
    #: (CTranslate2; empty where the engine gives none): protection's alignment, for free.
    links: tuple[int, ...] = ()


class Generated(NamedTuple):
    """One engine call's outputs (specials removed), their length-normalised log-probabilities, and links."""

    tokens: list[list[Any]]
    scores: list[float]
    links: list[list[int]] | None = None


@dataclass(frozen=True)
class GenerationOptions:
    """Decoding settings shared by all backends.

    ``beams=None`` takes the model's own generation config (4 for opus-mt).
    The output length is bounded by the source length:
    ``max_length_ratio * source_tokens + max_length_extra``, which together
    with the repetition-loop guard keeps a random headline from looping to 512.
    ``fixed_length`` forces exactly that many output tokens (benchmarks only:
    every system then does the same arithmetic).
    """

    beams: int | None = None
    max_length_ratio: float = 2.0
    max_length_extra: int = 10
    loop_guard: bool = True
    fixed_length: int | None = None


def has_repetition_loop(tokens: Sequence[object], *, max_ngram: int = 4, min_repeats: int = 4) -> bool:
    """True when the sequence ends in one n-gram repeated ``min_repeats`` times or more."""
    tokens = list(tokens)
    for n in range(1, max_ngram + 1):
        span = n * min_repeats
        if len(tokens) < span:
            break
        tail = tokens[-span:]
        gram = tail[:n]
        if all(tail[i : i + n] == gram for i in range(0, span, n)):
            return True
    return False


def output_limit(source_tokens: int, options: GenerationOptions, ceiling: int) -> int:
    if options.fixed_length is not None:
        return options.fixed_length
    return max(1, min(ceiling, int(options.max_length_ratio * source_tokens) + options.max_length_extra))


_QUIET_LOCK = threading.RLock()


@contextlib.contextmanager
def quiet_transformers() -> Iterator[None]:
    """Silence transformers' progress bars and advice while a model loads, then restore.

    transformers' verbosity is process-wide, so this is used around loading
    only (never per call) and holds a lock: two loads in two threads cannot
    restore each other's settings out of order.
    """
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # pragma: no cover
        yield
        return
    with _QUIET_LOCK, _quiet(hf_logging):
        yield


@contextlib.contextmanager
def _quiet(hf_logging: Any) -> Iterator[None]:
    level = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*sacremoses.*")
            yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()


class TranslationBackend(ABC):
    """A loaded translation engine with its tokenizer.

    Engines implement four small hooks (``encode``, ``_generate``,
    ``_detokenize``, ``_rescore``); the decoding policy around them, such as
    each output's length bound and the repetition-loop guard, is written once here.
    ``translate_batch`` may be called from several threads at once.
    """

    name: ClassVar[str]

    #: Longest source, in tokens including </s>, that the model accepts.
    max_input_tokens: int
    #: Longest output the model's position table allows.
    max_output_tokens: int = 512
    #: How many batches the engine runs in parallel (CTranslate2's inter_threads).
    parallel_batches: int = 1
    #: Replicas beyond those, kept for calls that one batch answers (see :func:`express_lanes`).
    express_lanes: int = 0
    #: True when the backend forms its own engine batches (a MicroBatcher): give it all sentences at once.
    plans_batches: bool = False
    options: GenerationOptions = GenerationOptions()
    #: False for an engine that loads no model (identity): nothing is resolved or downloaded for it.
    needs_model: ClassVar[bool] = True
    # Set by engines that load a model through bilingua.hub (info() reports them).
    model_ref: Any
    device: str
    compute_type: str
    beams: int

    @abstractmethod
    def encode(self, texts: Sequence[str]) -> list[list[Any]]:
        """Source tokens as the model sees them (ending with </s>)."""

    @abstractmethod
    def _generate(self, tokens: Sequence[Sequence[Any]], no_repeat_ngram_size: int) -> Generated:
        """One engine call."""

    @abstractmethod
    def _detokenize(self, tokens: Sequence[Sequence[Any]]) -> list[str]:
        """Text of generated tokens."""

    @abstractmethod
    def _rescore(self, sources: Sequence[Sequence[Any]], outputs: Sequence[Sequence[Any]]) -> list[float]:
        """Mean log-probability per token of each given output (one forward pass, no search)."""

    def close(self) -> None:
        """Release what the backend holds beyond its memory (worker threads); the default holds nothing."""

    def align(self, sources: Sequence[Sequence[Any]], targets: Sequence[Sequence[Any]]) -> list[list[int]]:
        """For each target token, the source token it was translated from (an index into its source).

        Engines that can read the model's attention override this; the
        default assumes the same order on both sides (token i of n goes with
        the source token at the same relative place).
        """
        return [by_place(len(target), max(len(source) - 1, 1)) for source, target in zip(sources, targets)]  # no </s>

    def nbest(self, sources: Sequence[str], n: int, tokens: Sequence[Sequence[Any]] | None = None) -> list[list[str]]:
        """Up to ``n`` translations of each sentence, best first (LibreTranslate's ``alternatives``).

        The default gives the one translation; engines that search with beams give more (a beam of at
        least ``n``). Each sentence must fit ``max_input_tokens``; ``tokens`` are the sources already
        encoded, as for :meth:`translate_batch`.
        """
        return [[h.text] for h in self.translate_batch(sources, tokens)]

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Source token counts as the model sees them (with </s>)."""
        return [len(t) for t in self.encode(texts)]

    def info(self) -> dict[str, Any]:
        """What was loaded: model id, revision, backend, device, compute type, beam size."""
        return {
            **self.model_ref.info(),
            "backend": self.name,
            "device": self.device,
            "compute_type": self.compute_type,
            "beams": self.beams,
        }

    def _check_lengths(self, longest: int) -> None:
        if longest > self.max_input_tokens:
            raise ValueError(
                f"a source of {longest} tokens exceeds the model limit of {self.max_input_tokens}; "
                "split it before calling translate_batch"
            )

    def translate_batch(
        self, sources: Sequence[str], tokens: Sequence[Sequence[Any]] | None = None
    ) -> list[Hypothesis]:
        """Translate sentences that each fit ``max_input_tokens``; one engine call (two if one loops).

        ``tokens`` are the sources already encoded (by :meth:`encode`), so a
        caller that has counted them does not tokenise them again.
        """
        if not sources:
            return []
        tokens = list(tokens) if tokens is not None else self.encode(sources)
        self._check_lengths(max(len(t) for t in tokens))
        out, scores, found = self._generate(tokens, 0)
        links = found or [[] for _ in out]
        if self.options.fixed_length is None:
            caps = [max(1, output_limit(len(t), self.options, self.max_output_tokens - 1) - 1) for t in tokens]
            if self.options.loop_guard:
                looping = [i for i, o in enumerate(out) if has_repetition_loop(o[: caps[i]])]
                if looping:
                    # Decode only the looping sentences again, now forbidding repeated 3-grams.
                    again = self._generate([tokens[i] for i in looping], 3)
                    for j, i in enumerate(looping):
                        out[i], scores[i] = again.tokens[j], again.scores[j]
                        links[i] = again.links[j] if again.links else []
            self._cut_to_own_bound(tokens, out, scores, caps)
        texts = self._detokenize(out)
        return [Hypothesis(text, score, len(o), tuple(o), tuple(link[: len(o)]))
                for text, score, o, link in zip(texts, scores, out, links)]

    def _cut_to_own_bound(
        self, tokens: Sequence[Sequence[Any]], out: list[list[Any]], scores: list[float], caps: list[int]
    ) -> None:
        """Cut each output to its own source's bound, and score the kept tokens alone.

        An engine bounds a whole batch by its longest source. Cutting each
        output to its own bound makes a sentence come out the same in any
        batch under greedy decoding; an output that reached its bound is
        rescored on what is kept, so its score does not depend on its
        batch-mates either.
        """
        full = [i for i, (o, cap) in enumerate(zip(out, caps)) if len(o) >= cap]
        ceiling = [i for i in full if caps[i] >= self.max_output_tokens - 2 and len(out[i]) > caps[i]]
        if ceiling:  # not a runaway output (the length ratio's bound) but text past what the model can write
            logger.warning("%d translation(s) reached the model's output limit of %d tokens and were cut",
                           len(ceiling), self.max_output_tokens)
        for i in full:
            out[i] = out[i][: caps[i]]
        if full:
            for i, score in zip(full, self._rescore([tokens[i] for i in full], [out[i] for i in full])):
                scores[i] = score


class WrappingBackend(TranslationBackend):
    """A backend that adds a service around another one (a cache, a batch queue) and translates through it.

    Subclasses override :meth:`translate_batch`; tokenisation, limits,
    ``info`` and ``close`` are the inner backend's.
    """

    def __init__(self, inner: TranslationBackend, name: str) -> None:
        self.inner = inner
        self.name = f"{name}({inner.name})"  # type: ignore[misc]
        self.max_input_tokens = inner.max_input_tokens
        self.parallel_batches = inner.parallel_batches
        self.express_lanes = inner.express_lanes
        self.plans_batches = inner.plans_batches

    def encode(self, texts: Sequence[str]) -> list[list[Any]]:
        return self.inner.encode(texts)

    def _generate(self, tokens: Sequence[Sequence[Any]], no_repeat_ngram_size: int) -> Generated:
        raise NotImplementedError(f"{self.name} translates through its inner backend")  # pragma: no cover

    def _detokenize(self, tokens: Sequence[Sequence[Any]]) -> list[str]:
        raise NotImplementedError(f"{self.name} translates through its inner backend")  # pragma: no cover

    def _rescore(self, sources: Sequence[Sequence[Any]], outputs: Sequence[Sequence[Any]]) -> list[float]:
        raise NotImplementedError(f"{self.name} translates through its inner backend")  # pragma: no cover

    def info(self) -> dict[str, Any]:
        return self.inner.info()

    def nbest(self, sources: Sequence[str], n: int, tokens: Sequence[Sequence[Any]] | None = None) -> list[list[str]]:
        return self.inner.nbest(sources, n, tokens)  # alternatives are asked for rarely: straight to the engine

    def close(self) -> None:
        self.inner.close()

    def align(self, sources: Sequence[Sequence[Any]], targets: Sequence[Sequence[Any]]) -> list[list[int]]:
        return self.inner.align(sources, targets)


def by_place(n_target: int, n_source: int) -> list[int]:
    """For each of ``n_target`` items, the one of ``n_source`` at the same relative place."""
    return [round(j * (n_source - 1) / max(n_target - 1, 1)) for j in range(n_target)]


def input_limit(positions: int | None, tokenizer_limit: int | None) -> int:
    """The model's input limit: its position table, or the tokenizer's bound if smaller."""
    limits = [x for x in (positions, tokenizer_limit) if x and x < 10**6]
    return int(min(limits)) if limits else 512


def resolve_device(device: str, engine: str = "torch") -> str:
    """``auto`` -> ``cuda`` when the engine sees a GPU, else ``cpu``; ``cuda`` without a GPU is an error.

    Asking CTranslate2 rather than torch keeps torch out of the CTranslate2 path.
    """
    if device not in DEVICES:
        raise ValueError(f"device must be one of {', '.join(DEVICES)}, not {device!r}")
    if device == "cpu":
        return device
    gpus = _cuda_devices(engine)
    if device == "cuda" and gpus == 0:
        raise BilinguaError(f"no CUDA device: {engine} sees no usable NVIDIA GPU here; use --device cpu (or auto)")
    return "cuda" if gpus else "cpu"


def _cuda_devices(engine: str) -> int:
    try:
        if engine == "ctranslate2":
            import ctranslate2

            return int(ctranslate2.get_cuda_device_count())
        import torch

        return int(torch.cuda.device_count()) if torch.cuda.is_available() else 0
    except ImportError:  # pragma: no cover
        return 0


@dataclass(frozen=True)
class ThreadPlan:
    """How a job shares the machine: ``workers`` engines on ``device``, each with ``threads`` CPU threads.

    The local worker processes, the Ray actors and CTranslate2 all read it, so ``device="auto"``
    on a GPU machine means the same GPU everywhere.
    """

    device: str
    workers: int
    threads: int

    @property
    def gpus_per_worker(self) -> int:
        return 1 if self.device == "cuda" else 0


def thread_plan(device: str = "auto", workers: int = 1, threads: int | None = None, *,
                cores: int | None = None) -> ThreadPlan:
    """The plan for ``workers`` engines on ``cores`` cores (default: this machine's), ``auto`` resolved.

    Without ``threads`` each worker gets an equal share of the cores, at least one.
    """
    resolved = resolve_device(device, "ctranslate2" if importlib.util.find_spec("ctranslate2") else "torch")
    share = max(1, (cores if cores is not None else cpu_facts().cores) // max(1, workers))
    return ThreadPlan(resolved, workers, threads if threads is not None else share)


def default_inter_threads(device: str, threads: int) -> int:
    """Two batches in flight on a CPU: measured on 2 cores (docs, Performance), a document's batches
    ran 1.1-1.3x faster at batch 16 and 1.5-1.9x at batch 1, outputs unchanged, while one sentence alone
    on one core instead of two took 1.12x as long greedy and no longer at beam 4."""
    return 2 if device == "cpu" and threads >= 2 else 1


def express_lanes(device: str) -> int:
    """Engine replicas a micro-batcher keeps for calls that one batch answers, beside the bulk ones.

    Without one, a one-sentence request that comes while a long document runs waits for a running batch
    of the document's (1.5 s of batch 16 at opus-mt's shape on 2 cores, against 0.32 s for the request
    alone) and then rides in a batch of its sentences. CTranslate2's replicas share the weights (RSS
    was the same with 1, 2 or 3), so on a CPU a third single-core replica costs nothing while idle and,
    while busy, shares the cores with the document's batches. On a GPU batches are short: none.
    """
    return 1 if device == "cpu" else 0
