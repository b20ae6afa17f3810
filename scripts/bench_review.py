#!/usr/bin/env python
"""What the review flags cost beside the translation they review, measured side by side in one run.

Builds (once, offline) a random-weight model at opus-mt-fr-en's shape (6+6 layers at width 512) and
runs bilingua's pipeline with the default engine (CTranslate2 int8 on a CPU, the model's own beam of
4) on a document of FLORES-200 devtest French sentences, every output forced to --out-len tokens.
Each round times the pipeline's stages in the same call: ``process()`` reviews every segment after
translating it, and reports both times (``timings["translate"]``, ``timings["review"]``).

Random weights write random pieces, and a reviewer may spend more or less on those than on real
English; so the same sentences' human translations (FLORES-200 devtest English) are reviewed too,
and their time per sentence is set beside the translation's.

    python scripts/bench_review.py              # 5 rounds of 64 sentences
    python scripts/bench_review.py --runs 1
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_translate as bt  # noqa: E402  (the model builder and sentence picker are that script's)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=5, help="rounds (median reported)")
    p.add_argument("--sentences", type=int, default=64)
    p.add_argument("--src-tokens", type=int, default=25)
    p.add_argument("--out-len", type=int, default=32)
    p.add_argument("--data", type=Path, default=bt.DEFAULT_DATA, help="FLORES-200 devtest folder")
    p.add_argument("--work", type=Path, default=bt.ROOT / "bench-out", help="models, cache and results folder")
    args = p.parse_args()
    import os

    args.work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("BILINGUA_CACHE", str(args.work / "cache"))
    from bilingua import Pipeline, Reviewer
    from bilingua.backends import GenerationOptions
    from bilingua.cpu import cpu_facts

    model = bt.build_model(args.work / "opus-mt-fr-en-shape", args.data)
    sentences = bt.pick_sentences(model, args.data, args.sentences, args.src_tokens)
    fr = (args.data / "fra_Latn.devtest").read_text(encoding="utf-8").splitlines()
    en = (args.data / "eng_Latn.devtest").read_text(encoding="utf-8").splitlines()
    human = [en[fr.index(s)] for s in sentences]
    doc = "\n\n".join(" ".join(sentences[i:i + 8]) for i in range(0, len(sentences), 8))
    pipeline = Pipeline(str(model), summarizer="extractive",
                        generation=GenerationOptions(fixed_length=args.out_len, loop_guard=False))
    pipeline.process(doc, summarize=False)  # warm-up: the model loads and converts, untimed
    reviewer = Reviewer()
    rows = []
    for r in range(args.runs):
        result = pipeline.process(doc, summarize=False)
        t0 = time.perf_counter()
        reviewer.review_all(sentences, human)
        human_s = time.perf_counter() - t0
        t = result.timings
        rows.append({"translate_s": t["segment"] + t["translate"], "review_s": t["review"], "human_review_s": human_s,
                     "segments": len(result.segments)})
        print(f"round {r + 1}/{args.runs}: translate {rows[-1]['translate_s']:.3f} s, review {t['review']:.4f} s, "
              f"review of the human translations {human_s:.4f} s", file=sys.stderr)
    med = {k: statistics.median(row[k] for row in rows) for k in ("translate_s", "review_s", "human_review_s")}
    n = rows[0]["segments"]
    facts = cpu_facts()
    info = result.models["translation"]
    report = {
        "machine": f"{facts.model or platform.machine()}, {facts.cores} cores", "python": platform.python_version(),
        "engine": f"{info.get('backend')} {info.get('compute_type', '')}, beam {info.get('beams', '?')}".strip(), "sentences": n, "pairs": len(sentences),
        "out_len": args.out_len,
        "runs": args.runs, **med,
        "review_share": med["review_s"] / med["translate_s"],
        "human_review_share": med["human_review_s"] / med["translate_s"] * n / len(sentences),
    }
    out = args.work / "bench_review.json"
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(markdown(report))
    print(f"\nJSON: {out}")


def markdown(r: dict) -> str:
    per = 1000 / r["sentences"]
    return "\n".join([
        f"Machine: {r['machine']}; engine {r['engine']}; {r['sentences']} sentences, outputs forced to "
        f"{r['out_len']} tokens; medians of {r['runs']} rounds.",
        "",
        "| | ms per sentence | beside translating |",
        "|---|---:|---:|",
        f"| translate (segment + engine) | {r['translate_s'] * per:.2f} | 1 |",
        f"| review, in `process()` (random-weight output) | {r['review_s'] * per:.3f} | {r['review_share']:.1%} |",
        f"| review of the human translations (FLORES-200 English) | {r['human_review_s'] * 1000 / r['pairs']:.3f} | "
        f"{r['human_review_share']:.1%} |",
    ])


if __name__ == "__main__":
    main()
