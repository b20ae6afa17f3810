"""Facts about this machine's CPU, read once: model name, usable cores, instruction-set flags.

The engine choice (int8 only with VNNI), the thread cap and the evaluation
report's environment all read them from here.
"""

from __future__ import annotations

import functools
import logging
import os
import platform
from dataclasses import dataclass

logger = logging.getLogger("bilingua")

_INT8_DOT_PRODUCT = frozenset({"avx512_vnni", "avx_vnni", "amx_int8"})
_BELOW_AVX512 = frozenset({"GENERIC", "AVX", "AVX2", "NEON"})


@dataclass(frozen=True)
class CpuFacts:
    model: str
    cores: int
    flags: frozenset[str]

    @property
    def int8_dot_product(self) -> bool:
        """VNNI (or AMX) int8 dot-product instructions, where int8 inference measured fastest.

        False when CTranslate2 is held below AVX-512 (``CT2_FORCE_CPU_ISA``,
        which is how an AVX2-only CPU is emulated): the engine then uses no VNNI.
        """
        if os.environ.get("CT2_FORCE_CPU_ISA", "").upper() in _BELOW_AVX512:
            return False
        return bool(self.flags & _INT8_DOT_PRODUCT)

    @property
    def int8_fast(self) -> bool:
        """Where CTranslate2's int8 measured faster than its float32: VNNI/AMX, or AVX2 without them.

        Measured (README, Engines and speed): int8 1.5-1.7x float32 on an AVX2
        CPU emulated with ``CT2_FORCE_CPU_ISA=AVX2`` (both its MKL and oneDNN
        paths), and several times float32 with VNNI. Below AVX2 (or forced
        there) nothing was measured, and float32 stays.
        """
        if os.environ.get("CT2_FORCE_CPU_ISA", "").upper() in {"GENERIC", "AVX"}:
            return False
        return self.int8_dot_product or "avx2" in self.flags


@functools.lru_cache(maxsize=1)
def cpu_facts() -> CpuFacts:
    """This machine's CPU (``/proc/cpuinfo`` where there is one)."""
    model, flags = platform.processor() or "", frozenset[str]()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and not model:
                    model = value.strip()
                elif key.strip() == "flags" and not flags:
                    flags = frozenset(value.split())
                if model and flags:
                    break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return CpuFacts(model=model, cores=max(1, cores), flags=flags)


def cap_threads(threads: int | None) -> int:
    """``threads`` (default: every usable core), capped at the core count with a notice.

    More compute threads than cores only queue behind each other: on 2 cores,
    1000 threads made one sentence take minutes instead of a second.
    """
    cores = cpu_facts().cores
    if threads is None:
        return cores
    if threads < 1:
        raise ValueError(f"threads must be at least 1, not {threads}")
    if threads > cores:
        logger.warning("%d threads asked for but this machine has %d cores; using %d", threads, cores, cores)
        return cores
    return threads
