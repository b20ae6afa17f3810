#!/usr/bin/env python
"""Corpus throughput of ``bilingua batch``: 1 worker process against 2, side by side, at the real model shape.

Uses the random-weight opus-mt-fr-en-shape model of ``bench_translate.py``
(built once into bench-out/), documents of 8 consecutive FLORES-200 devtest
sentences (about 200 French words), the default engine choice and beam size,
and an extractive summary. Random weights never stop by themselves and loop,
which would make every sentence run to its bound and be decoded twice by the
loop guard; so, as in ``bench_translate.py``, every output is forced to 32
tokens (FLORES sentences average about 30 source tokens): the arithmetic of the
real model on real output lengths. Each setting runs on the same corpus, in turn, twice
(A B A B), and the table shows the faster of each; it also gives words per
second per core, which the README's capacity plan is worked out from.

    python scripts/bench_batch.py            # 48 documents
    python scripts/bench_batch.py --docs 16  # a quick look
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

# Top level on purpose: worker processes are spawned, and they run this module's top level too.
import bilingua.corpus.local as _local  # noqa: E402
from bilingua.backends import GenerationOptions  # noqa: E402


def _bounded_pipeline(translation, summary):  # type: ignore[no-untyped-def]
    from bilingua import Pipeline

    return Pipeline(translation=translation, summary=summary, progress=False,
                    generation=GenerationOptions(fixed_length=32))


_local._pipeline = _bounded_pipeline


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=48)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "evaldata" / "flores200_devtest")
    parser.add_argument("--work", type=Path, default=ROOT / "bench-out")
    args = parser.parse_args()
    from bench_translate import build_model

    import bilingua
    from bilingua.cpu import cpu_facts

    args.work.mkdir(exist_ok=True)
    model = build_model(args.work / "opus-mt-fr-en-shape", args.data)
    lines = (args.data / "fra_Latn.devtest").read_text(encoding="utf-8").splitlines()
    docs = [{"id": k, "text": " ".join(lines[8 * k: 8 * k + 8])} for k in range(args.docs)]
    words = sum(len(str(d["text"]).split()) for d in docs)
    tmp = Path(tempfile.mkdtemp())
    src = tmp / "corpus.jsonl"
    src.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    bilingua.batch(src, tmp / "warm.jsonl", model=str(model), summarizer="extractive", chunk_size=8)  # convert once
    best: dict[int, float] = {}
    for _ in range(2):
        for workers in (1, 2):
            t0 = time.perf_counter()
            bilingua.batch(src, tmp / f"out-{workers}.jsonl", model=str(model), summarizer="extractive",
                           chunk_size=8, workers=workers, overwrite=True)
            best[workers] = min(best.get(workers, float("inf")), time.perf_counter() - t0)
    cores = cpu_facts().cores
    print(f"{cpu_facts().model}, {cores} cores; {args.docs} documents, {words} French words")
    print("| workers | seconds | docs/s | French words/s | words/s per core | vs 1 worker |")
    print("|---:|---:|---:|---:|---:|---:|")
    for workers, seconds in sorted(best.items()):
        print(f"| {workers} | {seconds:.1f} | {args.docs / seconds:.2f} | {words / seconds:.0f} | "
              f"{words / seconds / cores:.0f} | {best[1] / seconds:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
