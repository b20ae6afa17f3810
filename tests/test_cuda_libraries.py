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
    (root / "cuda_runtime" / "lib").mkdir(parents=True)
    (root / "cuda_runtime" / "lib" / "libcudart.so.12").write_bytes(b"not a library")  # a broken file is skipped
    loaded = cuda.preload_cuda12([root])
    assert loaded == [str(root / "cublas" / "lib" / "libcublasLt.so.12"), str(root / "cublas" / "lib" / "libcublas.so.12")]
    assert cuda.preload_cuda12([root]) == loaded  # loading again changes nothing


def test_nothing_is_loaded_without_the_wheels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cuda, "_LOADED", {})
    assert cuda.preload_cuda12([tmp_path / "nvidia"]) == []


def _library_with_a_long_soname() -> Path:
    """A real shared library whose SONAME is at least as long as 'libcublas.so.13' (15 characters)."""
    for name in ("sqlite3", "readline", "ncursesw", "stdc++"):
        found = ctypes.util.find_library(name)
        for folder in ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64"):
            if found and len(found) >= 15 and (Path(folder) / found).is_file():
                return Path(folder) / found
    pytest.skip("no shared library with a long enough SONAME to stand in for cuBLAS 13")


def _soname(path: Path) -> str:
    data = path.read_bytes()
    entries, strtab = cuda._dynamic(data)
    return cuda._string(data, strtab + dict(entries)[cuda._DT_SONAME])


def test_a_renamed_copy_is_found_by_its_new_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What CTranslate2 does: dlopen("libcublas.so.12") by name, then dlsym. A stand-in for cuBLAS 13 in
    # a CUDA 13 wheel's layout is aliased; the loader's lookup by name must then reach its functions.
    real = _library_with_a_long_soname()
    lib = tmp_path / "nvidia" / "cu13" / "lib"
    lib.mkdir(parents=True)
    cuda.set_soname(real, lib / "libcublas.so.13", "libcublas.so.13")
    assert _soname(lib / "libcublas.so.13") == "libcublas.so.13"
    assert real.read_bytes() != (lib / "libcublas.so.13").read_bytes()  # a copy was changed, not the original
    monkeypatch.setattr(cuda, "_LOADED", {})
    with pytest.raises(OSError):
        ctypes.CDLL("libcublas.so.12")  # no CUDA 12 here
    loaded = cuda.alias_cublas13(tmp_path / "cache", [tmp_path / "nvidia"])
    alias = Path(loaded[-1])
    assert alias.name == "libcublas.so.12" and alias.parent.parent == tmp_path / "cache" / "cuda"
    assert _soname(alias) == "libcublas.so.12"
    handle = ctypes.CDLL("libcublas.so.12")  # by name, as CTranslate2 asks
    symbol = {"sqlite3": "sqlite3_libversion", "readline": "readline", "ncursesw": "initscr"}.get(
        real.name.split(".")[0].removeprefix("lib"), "_ZSt4cout")
    assert hasattr(handle, symbol)
    assert cuda.alias_cublas13(tmp_path / "cache", [tmp_path / "nvidia"]) == []  # once is enough


def test_a_longer_soname_or_a_non_library_is_refused(tmp_path: Path) -> None:
    real = _library_with_a_long_soname()
    with pytest.raises(ValueError, match="longer"):
        cuda.set_soname(real, tmp_path / "x.so", "lib" + "x" * 60 + ".so")
    (tmp_path / "text.so").write_text("not a library")
    with pytest.raises(ValueError, match="ELF"):
        cuda.set_soname(tmp_path / "text.so", tmp_path / "y.so", "liby.so")
    assert not (tmp_path / "x.so").exists() and not (tmp_path / "y.so").exists()


def test_without_cublas13_nothing_is_aliased(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cuda, "_LOADED", {})
    monkeypatch.setattr(cuda, "_loadable", lambda name: False)
    assert cuda.alias_cublas13(tmp_path / "cache", [tmp_path / "nvidia"]) == []
    assert not (tmp_path / "cache").exists()
