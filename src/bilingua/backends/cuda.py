"""CUDA 12's libraries for CTranslate2 on machines whose CUDA is newer.

CTranslate2's wheels are built against CUDA 12 and open ``libcublas.so.12``
by name when they first translate on a GPU; a machine with CUDA 13 has no
such file, and CTranslate2 fails there. NVIDIA publishes CUDA 12's libraries
as wheels (``nvidia-cublas-cu12``, ``nvidia-cuda-runtime-cu12``; the
``bilingua[gpu]`` extra), which put them under ``site-packages/nvidia/``
without telling the dynamic loader. Loading them once, globally, before
CTranslate2 asks makes its request by name find them. A library already
loaded, or not installed, is left alone: nothing here is needed on a machine
whose CUDA 12 is installed system-wide.
"""

from __future__ import annotations

import ctypes
import importlib.util
import logging
import threading
from collections.abc import Iterable
from pathlib import Path

__all__ = ["preload_cuda12", "CUDA12_LIBRARIES"]

logger = logging.getLogger("bilingua")

#: (wheel folder under nvidia/, library), in the order they depend on each other.
CUDA12_LIBRARIES = (
    ("cuda_runtime", "libcudart.so.12"),
    ("cublas", "libcublasLt.so.12"),
    ("cublas", "libcublas.so.12"),
    ("cudnn", "libcudnn.so.9"),
)

_LOCK = threading.Lock()
_LOADED: dict[str, str] = {}


def _nvidia_roots() -> list[Path]:
    try:
        spec = importlib.util.find_spec("nvidia")
    except (ImportError, ValueError):
        return []
    return [Path(p) for p in (spec.submodule_search_locations or [])] if spec else []


def preload_cuda12(roots: Iterable[Path] | None = None) -> list[str]:
    """Load the CUDA 12 libraries found in the ``nvidia-*-cu12`` wheels; return the paths now loaded.

    ``roots`` are ``nvidia/`` folders to look in (default: those of the
    installed wheels). Safe to call many times and from many threads.
    """
    with _LOCK:
        for root in roots if roots is not None else _nvidia_roots():
            for package, name in CUDA12_LIBRARIES:
                path = Path(root) / package / "lib" / name
                if name in _LOADED or not path.is_file():
                    continue
                try:
                    ctypes.CDLL(str(path), mode=ctypes.RTLD_GLOBAL)
                except OSError as exc:
                    logger.debug("could not load %s: %s", path, exc)
                    continue
                _LOADED[name] = str(path)
                logger.debug("loaded %s for CTranslate2", path)
        return list(_LOADED.values())
