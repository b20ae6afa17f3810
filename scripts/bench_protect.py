#!/usr/bin/env python
"""What protected spans cost: the same document translated with protection on and off, side by side.

The random-weight opus-mt-fr-en-shape model of ``bench_translate.py`` (built
once into bench-out/), outputs forced to 32 tokens, the first 128 FLORES-200
devtest sentences as 16 paragraphs; each setting twice, the faster shown. A
sentence with a protected span costs one more (forced-decoding) pass to read
the model's alignment.

    python scripts/bench_protect.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))


def main() -> int:
    from bench_translate import DEFAULT_DATA, build_model

    from bilingua import Pipeline
    from bilingua.backends import GenerationOptions
    from bilingua.protect import Protector

    work = ROOT / "bench-out"
    work.mkdir(exist_ok=True)
    os.environ.setdefault("BILINGUA_CACHE", str(work / "cache"))
    model = build_model(work / "opus-mt-fr-en-shape", DEFAULT_DATA)
    lines = (DEFAULT_DATA / "fra_Latn.devtest").read_text(encoding="utf-8").splitlines()[:128]
    doc = "\n\n".join(" ".join(lines[i:i + 8]) for i in range(0, len(lines), 8))
    spans = sum(bool(Protector().find(line)) for line in lines)
    pipes = {on: Pipeline(str(model), protect=on, progress=False,
                          generation=GenerationOptions(fixed_length=32, loop_guard=False)) for on in (True, False)}
    for pipe in pipes.values():
        pipe.translate(lines[0])  # load and warm up
    best: dict[bool, float] = {}
    for _ in range(2):
        for on, pipe in pipes.items():
            t0 = time.perf_counter()
            pipe.translate(doc)
            best[on] = min(best.get(on, float("inf")), time.perf_counter() - t0)
    print(f"{len(lines)} sentences, {spans} with a protected span: protection on {best[True]:.1f} s, "
          f"off {best[False]:.1f} s ({best[True] / best[False]:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
