#!/usr/bin/env python
"""Long lines cost what the same text with line breaks costs: side by side, at growing sizes.

Text extracted from a PDF or a JSON field often has no line breaks. This
builds French documents of growing size from FLORES-200 devtest sentences
(tests/data when the evaluation data is not there), each once as a single
line and once with a line break after every sentence, and times
``Pipeline.process`` on both (segmentation, translation with a tiny random
Marian model built offline, extractive summary of the translated segments).
It prints seconds per stage, the one-line/line-broken ratio, and seconds
per 100k characters (flat when the cost is linear in the size). A last row
is a line of one million 'x' with no space at all.

    python scripts/bench_long_line.py            # 125k, 250k, 500k, 1M characters
    python scripts/bench_long_line.py --quick    # 62k and 125k
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLORES = ROOT.parent / "shared" / "evaldata" / "flores200_devtest" / "fra_Latn.devtest"
CORPUS = ROOT / "tests" / "data"


def sentences() -> list[str]:
    source = FLORES if FLORES.is_file() else CORPUS / "corpus.fr.txt"
    return [s for s in source.read_text(encoding="utf-8").split("\n") if s.strip()]


def document(pool: list[str], size: int, separator: str) -> str:
    out, n, k = [], 0, 0
    while n < size:
        out.append(pool[k % len(pool)])
        n += len(out[-1]) + 1
        k += 1
    return separator.join(out)


def timed(pipeline, text: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    result = pipeline.process(text)
    wall = time.perf_counter() - t0
    assert result.segments and result.summary
    return {**{k: result.timings[k] for k in ("segment", "translate", "summarize")}, "wall": wall}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from bilingua import Pipeline
    from bilingua.testing import build_marian

    corpus = [line for name in ("corpus.fr.txt", "corpus.en.txt")
              for line in (CORPUS / name).read_text(encoding="utf-8").splitlines()]
    model = build_marian(Path(tempfile.mkdtemp()) / "tiny-marian", corpus, max_position_embeddings=64)
    pipeline = Pipeline(str(model), backend="ctranslate2", compute_type="float32", beams=1,
                        summarizer="extractive", summary_sentences=5, progress=False)
    pipeline.translate("Bonjour.")  # load (and convert) before timing
    pool = sentences()
    sizes = [62_500, 125_000] if args.quick else [125_000, 250_000, 500_000, 1_000_000]
    print(f"{'characters':>10} | {'layout':<11} | {'segment s':>9} | {'translate s':>11} | {'summarize s':>11} "
          f"| {'wall s':>7} | {'s per 100k':>10} | one line / line breaks")
    for size in sizes:
        rows = {layout: timed(pipeline, document(pool, size, sep)) for layout, sep in
                (("line breaks", "\n"), ("one line", " "))}
        for layout, row in rows.items():
            ratio = row["wall"] / rows["line breaks"]["wall"]
            print(f"{size:>10,} | {layout:<11} | {row['segment']:>9.2f} | {row['translate']:>11.2f} | "
                  f"{row['summarize']:>11.2f} | {row['wall']:>7.2f} | {row['wall'] / size * 1e5:>10.2f} | {ratio:.2f}x")
    row = timed(pipeline, "x" * 1_000_000)
    print(f"{1_000_000:>10,} | {'x, no space':<11} | {row['segment']:>9.2f} | {row['translate']:>11.2f} | "
          f"{row['summarize']:>11.2f} | {row['wall']:>7.2f} | {row['wall'] / 1e6 * 1e5:>10.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
