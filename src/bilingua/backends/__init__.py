"""Translation backends behind one ``translate_batch`` interface, found by name.

Backends are imported lazily: ``import bilingua`` loads neither torch nor
ctranslate2 until a model is needed.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from ..errors import BackendUnavailableError
from ..hub import ResolvedModel
from .base import GenerationOptions, Hypothesis, TranslationBackend, has_repetition_loop

__all__ = [
    "BACKENDS",
    "GenerationOptions",
    "Hypothesis",
    "TranslationBackend",
    "available_backends",
    "load_backend",
    "has_repetition_loop",
]

#: name -> "module:Class", imported on first use.
BACKENDS: dict[str, str] = {
    "transformers": "bilingua.backends.hf:TransformersBackend",
    "ctranslate2": "bilingua.backends.ct2:CTranslate2Backend",
}
_REQUIRES = {"transformers": "torch", "ctranslate2": "ctranslate2"}


def available_backends() -> list[str]:
    """Backends whose engine package is installed."""
    return [n for n in BACKENDS if importlib.util.find_spec(_REQUIRES[n]) is not None]


def backend_class(name: str) -> Any:
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; choose one of: auto, {', '.join(BACKENDS)}")
    if importlib.util.find_spec(_REQUIRES[name]) is None:
        raise BackendUnavailableError(
            f"the {name} backend needs the '{_REQUIRES[name]}' package; install it with `pip install {_REQUIRES[name]}`"
        )
    module, cls = BACKENDS[name].split(":")
    return getattr(importlib.import_module(module), cls)


def load_backend(name: str, model: ResolvedModel, **kwargs: Any) -> TranslationBackend:
    """Instantiate backend ``name`` (not ``auto``: see :func:`bilingua.pipeline.choose_backend`)."""
    return backend_class(name)(model, **kwargs)
