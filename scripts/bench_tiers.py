#!/usr/bin/env python
"""What the quality tier costs beside the fast one, side by side, at each tier's real shape.

Builds (once, offline) two random-weight models: opus-mt-fr-en's shape (the fast tier: 6+6 layers
at width 512) and opus-mt-tc-big-fr-en's (the quality tier: transformer-big, 6+6 layers at width
1024, FFN 4096, ReLU, a 53017-entry vocabulary), and times bilingua's whole pipeline on each with
the default engine (CTranslate2 int8 on a CPU), on the same FLORES-200 French sentences, every
output forced to --out-len tokens. Each measurement runs in a fresh process (bench_translate.py's
worker); tiers run interleaved for --runs rounds and the table shows medians and quality/fast.

    python scripts/bench_tiers.py                 # 3 rounds, greedy and beam 4, batches of 16
    python scripts/bench_tiers.py --runs 1        # one round
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_translate as bt  # noqa: E402  (the worker and the model builder are that script's)

TIERS = {"fast": "opus-mt-fr-en-shape", "quality": "opus-mt-tc-big-fr-en-shape"}


def folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=3, help="interleaved rounds (median reported)")
    p.add_argument("--sentences", type=int, default=32)
    p.add_argument("--src-tokens", type=int, default=25)
    p.add_argument("--out-len", type=int, default=32)
    p.add_argument("--modes", default="greedy-bs16,beam4-bs16", help="comma-separated: " + ", ".join(bt.MODES))
    p.add_argument("--data", type=Path, default=bt.DEFAULT_DATA, help="FLORES-200 devtest folder")
    p.add_argument("--work", type=Path, default=bt.ROOT / "bench-out", help="models, cache and results folder")
    args = p.parse_args()
    from bilingua.testing import OPUS_MT_TC_BIG_FR_EN_SHAPE

    args.work.mkdir(parents=True, exist_ok=True)
    models = {"fast": bt.build_model(args.work / TIERS["fast"], args.data),
              "quality": bt.build_model(args.work / TIERS["quality"], args.data, OPUS_MT_TC_BIG_FR_EN_SHAPE)}
    sentences = bt.pick_sentences(models["fast"], args.data, args.sentences, args.src_tokens)
    inputs = args.work / "inputs-tiers.json"
    inputs.write_text(json.dumps(sentences, ensure_ascii=False), encoding="utf-8")
    # What bench_translate's run_one reads from its arguments.
    worker = argparse.Namespace(out_len=args.out_len, bs1_sentences=args.sentences, device="cpu", work=args.work)
    modes = args.modes.split(",")
    results: dict[tuple[str, str], list[dict]] = {}
    for tier, model in models.items():  # converts each model once, untimed
        worker.model = model
        if bt.run_one(worker, "bilingua", modes[0], inputs) is None:
            raise SystemExit(f"the {tier} tier could not run")
    for r in range(args.runs):
        for mode in modes:
            for tier, model in models.items():
                worker.model = model
                res = bt.run_one(worker, "bilingua", mode, inputs)
                if res is None:
                    raise SystemExit(f"{tier} {mode} failed after it had run before")
                results.setdefault((tier, mode), []).append(res)
                print(f"round {r + 1}/{args.runs} {mode:12s} {tier:8s} {res['tokens'] / res['seconds']:8.1f} tok/s",
                      file=sys.stderr)
    report = summarise(args, models, modes, results)
    out = args.work / "bench_tiers.json"
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(markdown(report, modes))
    print(f"\nJSON: {out}")


def summarise(args: argparse.Namespace, models: dict[str, Path], modes: list[str],
              results: dict[tuple[str, str], list[dict]]) -> dict:
    from bilingua.cpu import cpu_facts

    def med(tier: str, mode: str, key: str) -> float:
        runs = results[(tier, mode)]
        if key == "tps":
            return statistics.median(x["tokens"] / x["seconds"] for x in runs)
        return statistics.median(x[key] for x in runs)

    rows = []
    for tier in models:
        row: dict = {"tier": tier, "model_mb": folder_mb(models[tier]),
                     "backend": results[(tier, modes[0])][0]["backend"]}
        for mode in modes:
            row[mode] = {"target_tokens_per_s": med(tier, mode, "tps"), "load_s": med(tier, mode, "load_s"),
                         "peak_rss_mb": med(tier, mode, "peak_rss_mb"),
                         "cost_vs_fast": med("fast", mode, "tps") / med(tier, mode, "tps")}
        rows.append(row)
    cpu = cpu_facts()
    return {"machine": {"cpu": cpu.model, "cores": cpu.cores, "platform": platform.platform()},
            "settings": {"runs": args.runs, "sentences": args.sentences, "out_len": args.out_len},
            "command": " ".join([Path(sys.executable).name, *sys.argv]), "rows": rows}


def markdown(report: dict, modes: list[str]) -> str:
    lines = [f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores; median of "
             f"{report['settings']['runs']} interleaved runs; {report['settings']['out_len']} output tokens per sentence.",
             "", "| tier (shape) | engine | " + " | ".join(f"{m} tok/s (time x fast)" for m in modes)
             + " | load s | peak RSS MB | model folder MB |", "|---|---|" + "---:|" * (len(modes) + 3)]
    for row in report["rows"]:
        cells = [f"{row[m]['target_tokens_per_s']:.0f} ({row[m]['cost_vs_fast']:.2f}x)" for m in modes]
        engine = f"{row['backend']['backend']} {row['backend']['compute_type']}"
        lines.append(f"| {row['tier']} ({TIERS[row['tier']]}) | {engine} | " + " | ".join(cells)
                     + f" | {row[modes[0]]['load_s']:.2f} | {row[modes[-1]]['peak_rss_mb']:.0f} | {row['model_mb']:.0f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
