"""Translation backends behind one ``translate_batch`` interface, found by name, and the engine choice.

Backends are imported lazily: ``import bilingua`` loads neither torch nor
ctranslate2 until a model is needed. Which engine, device and compute type
``auto`` means is decided here, in :func:`choose_backend`, and nowhere else.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from typing import Any

from ..cpu import cpu_facts
from ..errors import BackendUnavailableError, InputError, install_hint
from ..hub import ResolvedModel
from .base import (
    DEVICES, GenerationOptions, Hypothesis, ThreadPlan, TranslationBackend, has_repetition_loop, resolve_device,
    default_inter_threads, thread_plan,
)
from .cache import CachedBackend
from .microbatch import MicroBatcher

__all__ = [
    "BACKENDS",
    "COMPUTE_TYPES",
    "DEVICES",
    "GenerationOptions",
    "Hypothesis",
    "TranslationBackend",
    "available_backends",
    "choose_backend",
    "load_backend",
    "needs_model",
    "open_backend",
    "open_stack",
    "register_backend",
    "ThreadPlan",
    "thread_plan",
    "default_inter_threads",
    "CachedBackend",
    "MicroBatcher",
    "has_repetition_loop",
]

logger = logging.getLogger("bilingua")

#: name -> "module:Class", imported on first use (see :func:`register_backend`).
BACKENDS: dict[str, str] = {
    "transformers": "bilingua.backends.hf:TransformersBackend",
    "ctranslate2": "bilingua.backends.ct2:CTranslate2Backend",
    "identity": "bilingua.backends.identity:IdentityBackend",
}
#: The package each backend needs; ``auto`` chooses only among the first two.
_REQUIRES: dict[str, str | None] = {"transformers": "torch", "ctranslate2": "ctranslate2", "identity": None}


def register_backend(name: str, target: str, *, requires: str | None) -> None:
    """Make an engine available by name, as CTranslate2's ``register_loader`` does for converters.

    ``target`` is ``"module:Class"``, a :class:`TranslationBackend` subclass
    built as ``Class(model, device=..., options=..., compute_type=..., threads=...)``;
    ``requires`` is the package it imports (``None``: none). ``auto`` never chooses it.
    """
    if name == "auto" or ":" not in target:
        raise ValueError(f"register_backend({name!r}, {target!r}): a name other than auto, and 'module:Class'")
    BACKENDS[name] = target
    _REQUIRES[name] = requires
#: Every compute type some engine runs; each engine says which of them it supports.
COMPUTE_TYPES = ("int8", "int8_float32", "int16", "float32", "float16", "int8_float16", "bfloat16")


def _installed(name: str) -> bool:
    package = _REQUIRES[name]
    return package is None or importlib.util.find_spec(package) is not None


def available_backends() -> list[str]:
    """Backends whose engine package is installed."""
    return [n for n in BACKENDS if _installed(n)]


def needs_model(name: str) -> bool:
    """Whether backend ``name`` (``auto`` included) loads a model, so that one must be found first."""
    return name == "auto" or bool(backend_class(name).needs_model)


def backend_class(name: str) -> Any:
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; choose one of: auto, {', '.join(BACKENDS)}")
    if not _installed(name):
        raise BackendUnavailableError(f"the {name} backend needs {_REQUIRES[name]}: {install_hint(package=_REQUIRES[name])}")
    module, cls = BACKENDS[name].split(":")
    return getattr(importlib.import_module(module), cls)


def load_backend(name: str, model: ResolvedModel | None, **kwargs: Any) -> TranslationBackend:
    """Instantiate backend ``name`` (not ``auto``: see :func:`open_backend`)."""
    return backend_class(name)(model, **kwargs)  # type: ignore[no-any-return]


def choose_backend(requested: str, device: str, compute_type: str) -> tuple[str, str, str]:
    """Pick (backend, device, compute type) for ``auto`` values from what measured fastest.

    Measured with ``scripts/bench_translate.py`` (README, Performance):
    CTranslate2 beats transformers everywhere; on a CPU with VNNI int8
    dot products its int8 is several times its float32, and on an AVX2 CPU
    without VNNI (emulated) 1.5-1.7x, so int8 is the default on both
    (:attr:`~bilingua.cpu.CpuFacts.int8_fast`); float32 below AVX2. On a GPU, float16.
    Without ctranslate2 installed, transformers fp32 is used.
    """
    if requested != "auto" and requested not in BACKENDS:
        raise ValueError(f"unknown backend {requested!r}; choose one of: auto, {', '.join(BACKENDS)}")
    backend = requested
    if backend == "auto":
        backend = "ctranslate2" if "ctranslate2" in available_backends() else "transformers"
    if backend == "identity":
        return backend, "cpu", "float32"
    device = resolve_device(device, engine="ctranslate2" if backend == "ctranslate2" else "torch")
    if compute_type == "auto":
        if backend == "ctranslate2":
            if device == "cuda":
                compute_type = "float16"
            else:
                compute_type = "int8" if cpu_facts().int8_fast else "float32"
        else:
            compute_type = "float32"
    return backend, device, compute_type


def open_backend(
    model: ResolvedModel | None,
    backend: str = "auto",
    device: str = "auto",
    compute_type: str = "auto",
    *,
    options: GenerationOptions | None = None,
    threads: int | None = None,
    inter_threads: int | None = None,
    target_vocab_only: bool = False,
    shortlist: str | None = None,
    express: bool = False,
) -> tuple[TranslationBackend, dict[str, Any]]:
    """Choose and load the engine for ``model``; return it with a note for ``Result.models``.

    ``express`` asks an engine that has them for its express replicas (a micro-batcher's; see
    :func:`~bilingua.backends.base.express_lanes`). ``auto`` on a GPU that CTranslate2's build cannot use falls back to
    transformers on the same GPU, with a one-line notice that the note records.
    """
    name, device, compute = choose_backend(backend, device, compute_type)
    if target_vocab_only and shortlist:
        raise InputError("choose either target_vocab_only or a shortlist, not both")
    if (target_vocab_only or shortlist) and name != "ctranslate2":
        raise InputError(f"{'a shortlist' if shortlist else 'target_vocab_only'} needs the ctranslate2 backend")
    extra: dict[str, Any] = {"target_vocab_only": True} if target_vocab_only else {}
    if shortlist:
        extra["shortlist"] = shortlist
    if name == "ctranslate2":
        extra["inter_threads"] = inter_threads
        extra["express"] = express
    note: dict[str, Any] = {"requested_backend": backend}
    try:
        engine = load_backend(name, model, device=device, options=options, compute_type=compute,
                              threads=threads, **extra)
    except BackendUnavailableError as exc:
        if backend != "auto" or name != "ctranslate2" or device != "cuda":
            raise
        logger.warning("%s; using the transformers backend on the GPU", exc)
        note["fallback_reason"] = str(exc)
        engine = load_backend("transformers", model, device=device, options=options,
                              compute_type="float32", threads=threads)
    return engine, note


def open_stack(
    model: ResolvedModel | None, *, micro_batch_ms: float | None = None, batch_size: int = 16, max_batch_tokens: int = 8192,
    cache_size: int = 0, **engine: Any,
) -> tuple[TranslationBackend, dict[str, Any]]:
    """The engine for ``model`` (``engine`` are :func:`open_backend`'s options) with its wrappers, and its note.

    With ``micro_batch_ms`` the sentences of concurrent calls share engine batches; with ``cache_size``
    that many sentence translations are kept, outside the batcher so a cached sentence never waits in its queue.
    """
    backend, note = open_backend(model, express=micro_batch_ms is not None, **engine)
    if micro_batch_ms is not None:
        backend = MicroBatcher(backend, wait_ms=micro_batch_ms, batch_size=batch_size, max_batch_tokens=max_batch_tokens)
    if cache_size:
        backend = CachedBackend(backend, cache_size)
    return backend, note
