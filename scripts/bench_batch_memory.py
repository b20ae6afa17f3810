#!/usr/bin/env python
"""Peak memory of ``bilingua batch`` on a large corpus: is it O(chunk), not O(corpus)?

Writes a synthetic JSONL corpus of ``--records`` records (default 1,000,000: an id, a
French sentence of FLORES-200 devtest, a source field), runs ``bilingua batch``
on it with the identity engine (no model: the job's own cost, not a model's),
then prints the peak resident memory (max RSS) of the job's process and of its
worker processes, the output's size and the wall time. Run it with the output
format you want to check:

    python scripts/bench_batch_memory.py                        # 1M records, JSONL out
    python scripts/bench_batch_memory.py --out parquet --records 200000

The corpus and the output go to a temporary folder, removed at the end.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "evaldata" / "flores200_devtest" / "fra_Latn.devtest"


def corpus(path: Path, records: int) -> int:
    sentences = DATA.read_text(encoding="utf-8").splitlines()
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(records):
            fh.write(json.dumps({"id": f"doc-{i}", "text": sentences[i % len(sentences)], "source": "flores"},
                                ensure_ascii=False) + "\n")
    return path.stat().st_size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--out", choices=("jsonl", "csv", "parquet"), default="jsonl")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--chunk-size", type=int, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "corpus.jsonl", Path(tmp) / f"out.{args.out}"
        size = corpus(src, args.records)
        command = [sys.executable, "-m", "bilingua", "batch", str(src), "-o", str(out), "--backend", "identity",
                   "--no-summary", "--quiet", "--workers", str(args.workers), "--chunk-size", str(args.chunk_size)]
        t0 = time.perf_counter()
        # The job runs as a child; its peak RSS (and its workers') is read from this process's children.
        code = subprocess.call(["/usr/bin/time", "-f", "%M", "-o", str(Path(tmp) / "rss"), *command])
        wall = time.perf_counter() - t0
        job_kb = int((Path(tmp) / "rss").read_text().split()[-1]) if (Path(tmp) / "rss").is_file() else 0
        children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"records: {args.records:,} ({size / 2**20:,.0f} MB of JSONL in), output {args.out} "
              f"({out.stat().st_size / 2**20:,.0f} MB), workers {args.workers}, chunk {args.chunk_size}, exit {code}")
        print(f"peak RSS of the job's process: {job_kb / 1024:,.0f} MB; largest of any process it ran "
              f"(workers included): {children_kb / 1024:,.0f} MB")
        print(f"wall time: {wall:,.0f} s ({args.records / wall:,.0f} records/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
