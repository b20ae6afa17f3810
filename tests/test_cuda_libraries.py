"""CUDA 12's libraries from NVIDIA's wheels are found and loaded before CTranslate2 asks for them by name."""

from __future__ import annotations

import ctypes.util
import shutil
from pathlib import Path

import pytest

from bilingua.backends import cuda


def test_libraries_in_an_nvidia_wheel_layout_are_loaded_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Any real shared library stands in for cuBLAS: what is tested is finding, ordering and loading.
    found = ctypes.util.find_library("m")
    real = next((p for p in (Path("/lib/x86_64-linux-gnu") / (found or ""), Path("/usr/lib/x86_64-linux-gnu") / (found or ""))
                 if found and p.is_file()), None)
    if real is None:
        pytest.skip("no libm to stand in for cuBLAS on this system")
    monkeypatch.setattr(cuda, "_LOADED", {})
    root = tmp_path / "nvidia"
    (root / "cublas" / "lib").mkdir(parents=True)
    for name in ("libcublasLt.so.12", "libcublas.so.12"):
        shutil.copy(real, root / "cublas" / "lib" / name)
    (root / "cudnn" / "lib").mkdir(parents=True)
    (root / "cudnn" / "lib" / "libcudnn.so.9").write_bytes(b"not a library")  # a broken file is skipped
    loaded = cuda.preload_cuda12([root])
    assert loaded == [str(root / "cublas" / "lib" / "libcublasLt.so.12"), str(root / "cublas" / "lib" / "libcublas.so.12")]
    assert cuda.preload_cuda12([root]) == loaded  # loading again changes nothing


def test_nothing_is_loaded_without_the_wheels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cuda, "_LOADED", {})
    assert cuda.preload_cuda12([tmp_path / "nvidia"]) == []
