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

Without those wheels (they weigh about 600 MB), a machine with CUDA 13's
cuBLAS, which torch's CUDA 13 build brings, can serve instead: CTranslate2
looks up a few cuBLAS functions by name (:data:`CT2_CUBLAS_FUNCTIONS`), and
each keeps its CUDA 12 signature in cuBLAS 13. :func:`alias_cublas13` copies
CUDA 13's ``libcublas.so.13`` into the cache under the name CTranslate2 asks
for (its ELF ``SONAME`` rewritten) and loads that copy, so that the dynamic
loader's lookup by name finds it.
"""

from __future__ import annotations

import ctypes
import importlib.util
import logging
import mmap
import os
import struct
import threading
from collections.abc import Iterable
from pathlib import Path

__all__ = ["preload_cuda12", "alias_cublas13", "set_soname", "CUDA12_LIBRARIES", "CT2_CUBLAS_FUNCTIONS"]

logger = logging.getLogger("bilingua")

#: (wheel folder under nvidia/, library), in the order they depend on each other. No cuDNN: Marian
#: models have no convolutions, and ``nvidia/cudnn`` may hold CUDA 13's build under the same name.
CUDA12_LIBRARIES = (
    ("cuda_runtime", "libcudart.so.12"),
    ("cublas", "libcublasLt.so.12"),
    ("cublas", "libcublas.so.12"),
)

#: What CTranslate2 4.x's CUDA build takes from ``libcublas.so.12`` (``dlsym`` by name).
CT2_CUBLAS_FUNCTIONS = (
    "cublasCreate_v2", "cublasDestroy_v2", "cublasSetStream_v2", "cublasGetMathMode", "cublasGetProperty",
    "cublasSgemm_v2", "cublasSgemmStridedBatched", "cublasGemmEx", "cublasGemmStridedBatchedEx",
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


def _loadable(name: str) -> bool:
    try:
        ctypes.CDLL(name, mode=ctypes.RTLD_GLOBAL)
    except OSError:
        return False
    return True


def _cublas13(roots: Iterable[Path]) -> Path | None:
    """CUDA 13's libcublas.so.13: in an ``nvidia`` wheel folder, else wherever the dynamic loader finds it."""
    for root in roots:
        for folder in ("cu13/lib", "cublas/lib"):
            if (Path(root) / folder / "libcublas.so.13").is_file():
                return Path(root) / folder / "libcublas.so.13"
    if not _loadable("libcublas.so.13"):
        return None
    for line in Path("/proc/self/maps").read_text().splitlines():
        if line.endswith("/libcublas.so.13") or "/libcublas.so.13." in line:
            return Path(line.split(maxsplit=5)[-1])
    return None


def alias_cublas13(cache: Path, roots: Iterable[Path] | None = None) -> list[str]:
    """Serve CUDA 13's cuBLAS to CTranslate2 under the name ``libcublas.so.12``; return the paths loaded.

    Does nothing when ``libcublas.so.12`` can already be loaded (CUDA 12
    installed, or its wheels preloaded) or when no CUDA 13 cuBLAS is found.
    The copy lives in ``cache`` and is made once per source file.
    """
    with _LOCK:
        if "libcublas.so.12" in _LOADED or _loadable("libcublas.so.12"):
            return []
        source = _cublas13(list(roots) if roots is not None else _nvidia_roots())
        if source is None:
            return []
        loaded = []
        # The copy lives elsewhere, so its $ORIGIN-relative dependencies (cublasLt) are loaded first, by path.
        with open(source, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as image:
            needs = _needed(image)  # a few headers of a library of ~100 MB: mapped, not read whole
        for needed in needs:
            sibling = source.parent / needed
            if sibling.is_file() and needed not in _LOADED:
                ctypes.CDLL(str(sibling), mode=ctypes.RTLD_GLOBAL)
                _LOADED[needed] = str(sibling)
                loaded.append(str(sibling))
        st = source.stat()
        alias = cache / "cuda" / f"{st.st_size}-{int(st.st_mtime)}" / "libcublas.so.12"
        if not alias.is_file():
            set_soname(source, alias, "libcublas.so.12")
        ctypes.CDLL(str(alias), mode=ctypes.RTLD_GLOBAL)
        _LOADED["libcublas.so.12"] = str(alias)
        logger.info("CTranslate2 uses CUDA 13's cuBLAS (%s), loaded as libcublas.so.12", source)
        return [*loaded, str(alias)]


# --- the little of ELF that this needs (64-bit little-endian, what x86-64 and aarch64 Linux use) ---

_DT_NEEDED, _DT_STRTAB, _DT_SONAME = 1, 5, 14
Buffer = bytes | bytearray | mmap.mmap


def _dynamic(data: Buffer) -> tuple[list[tuple[int, int]], int]:
    """The dynamic section's (tag, value) entries and the file offset of its string table."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ValueError("not a 64-bit little-endian ELF file")
    phoff = struct.unpack_from("<Q", data, 0x20)[0]
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    loads, dynamic = [], None
    for i in range(phnum):
        kind, _, offset, vaddr, _, filesz, _, _ = struct.unpack_from("<IIQQQQQQ", data, phoff + i * phentsize)
        if kind == 1:  # PT_LOAD
            loads.append((vaddr, offset, filesz))
        elif kind == 2:  # PT_DYNAMIC
            dynamic = (offset, filesz)
    if dynamic is None:
        raise ValueError("no dynamic section: not a shared library")
    entries = []
    for at in range(dynamic[0], dynamic[0] + dynamic[1], 16):
        tag, value = struct.unpack_from("<qQ", data, at)
        if tag == 0:
            break
        entries.append((tag, value))
    strtab = dict(entries)[_DT_STRTAB]
    for vaddr, offset, filesz in loads:
        if vaddr <= strtab < vaddr + filesz:
            return entries, strtab - vaddr + offset
    raise ValueError("the dynamic string table is outside every loaded segment")


def _string(data: Buffer, at: int) -> str:
    return bytes(data[at:data.find(b"\0", at)]).decode()


def _needed(data: Buffer) -> list[str]:
    entries, strtab = _dynamic(data)
    return [_string(data, strtab + value) for tag, value in entries if tag == _DT_NEEDED]


def set_soname(source: Path, target: Path, soname: str) -> None:
    """Copy a shared library to ``target`` (atomically) with its ``SONAME`` replaced by a name no longer than the old."""
    data = bytearray(source.read_bytes())
    entries, strtab = _dynamic(data)
    at = strtab + next((value for tag, value in entries if tag == _DT_SONAME), -1 - strtab)
    if at < strtab:
        raise ValueError(f"{source} has no SONAME")
    old = _string(data, at)
    new = soname.encode()
    if len(new) > len(old.encode()):
        raise ValueError(f"the new SONAME {soname!r} is longer than {old!r}")
    data[at:at + len(old.encode())] = new.ljust(len(old.encode()), b"\0")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)
