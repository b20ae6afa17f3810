#!/usr/bin/env python
"""Translation speed, side by side, at the real opus-mt-fr-en shape.

Builds (once, offline) a random-weight Marian model with opus-mt-fr-en's shape
(d_model 512, 6+6 layers, 8 heads, FFN 2048, a shared vocabulary of 59514
entries from a French and an English SentencePiece model of 32k pieces each),
picks French sentences of about 25 tokens from FLORES-200 devtest, and
forces every output to exactly --out-len tokens, so every system does the
same arithmetic as the real model would on outputs of that length.

Each measurement runs in a fresh process; systems run interleaved (A B C A B
C ...) for --runs rounds, and the table shows medians, each system's ratio
to transformers fp32 in the same mode, model load time and peak RSS. The
"bilingua" row is the whole pipeline (segmentation, batching, reassembly)
on a multi-paragraph document made of the same sentences, so its overhead
over the bare engine of the same configuration shows.

    python scripts/bench_translate.py                 # CPU, all systems, 3 rounds
    python scripts/bench_translate.py --quick         # 1 round, fewer sentences
    python scripts/bench_translate.py --device cuda   # GPU systems
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "evaldata" / "flores200_devtest"
SHORTLIST_CORPUS = ROOT.parent / "shared" / "evaldata" / "wmt14_newstest2014_fren" / "opus-mt-testsets" / "newstest2014.fra"

# name -> (backend, compute type, extra backend options)
CPU_SYSTEMS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "transformers-fp32": ("transformers", "float32", {}),
    "transformers-int8": ("transformers", "int8", {}),
    "ct2-fp32": ("ctranslate2", "float32", {}),
    "ct2-int8": ("ctranslate2", "int8", {}),
    "ct2-fp32-targetvocab": ("ctranslate2", "float32", {"target_vocab_only": True}),
    "ct2-int8-targetvocab": ("ctranslate2", "int8", {"target_vocab_only": True}),
    # Learnt (bilingua models shortlist) from WMT newstest2014's French, not from the sentences timed.
    "ct2-int8-shortlist": ("ctranslate2", "int8", {"shortlist": "shortlist.vmap"}),
    "bilingua": ("auto", "auto", {}),
}
GPU_SYSTEMS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "transformers-fp32": ("transformers", "float32", {}),
    "transformers-fp16": ("transformers", "float16", {}),
    "ct2-fp32": ("ctranslate2", "float32", {}),
    "ct2-fp16": ("ctranslate2", "float16", {}),
    "ct2-int8_fp16": ("ctranslate2", "int8_float16", {}),
    "ct2-fp16-targetvocab": ("ctranslate2", "float16", {"target_vocab_only": True}),
    "bilingua": ("auto", "auto", {}),
}
MODES = {"greedy-bs1": (1, 1), "greedy-bs16": (1, 16), "beam4-bs1": (4, 1), "beam4-bs16": (4, 16),
         # A GPU is fed bigger batches (scripts/gpu_bench.sh asks for these).
         "greedy-bs64": (1, 64), "beam4-bs64": (4, 64)}
# An AVX2-only CPU, emulated: CTranslate2's own kernels, MKL, oneDNN and torch's own kernels all held to
# AVX2 (torch's ATen otherwise keeps AVX-512 for everything that is not a matrix product).
AVX2_ENV = {"CT2_FORCE_CPU_ISA": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_ENABLE_INSTRUCTIONS": "AVX2",
            "ATEN_CPU_CAPABILITY": "avx2"}
DEFAULT_MODES = ("greedy-bs1", "greedy-bs16", "beam4-bs1", "beam4-bs16")
BASELINE = "transformers-fp32"


def build_model(folder: Path, data: Path, shape: dict[str, Any] | None = None) -> Path:
    """A random model of ``shape`` (default: opus-mt-fr-en's), built once into ``folder``."""
    if (folder / "config.json").is_file():
        return folder
    from bilingua.testing import OPUS_MT_FR_EN_SHAPE, build_marian

    fr = (data / "fra_Latn.devtest").read_text(encoding="utf-8").splitlines()
    en = (data / "eng_Latn.devtest").read_text(encoding="utf-8").splitlines()
    tmp = folder.with_name(folder.name + ".tmp")
    build_marian(tmp, fr, target_texts=en, spm_vocab_size=8000, pieces_per_side=32000,
                 **(shape or OPUS_MT_FR_EN_SHAPE))
    tmp.rename(folder)
    return folder


def build_shortlist(model: Path, work: Path, lines: int = 600) -> Path:
    """A shortlist of the random model's own translations of newstest2014's first French lines.

    Random weights choose random pieces, so it says nothing about quality; its
    size (candidates per sentence) is what sets the speed, and that is of the
    same order as a real model's.
    """
    out = work / "shortlist.vmap"
    if out.is_file():
        return out
    os.environ.setdefault("BILINGUA_CACHE", str(work / "cache"))
    from bilingua.models import make_shortlist
    from bilingua.options import TranslationOptions

    corpus = work / "shortlist-corpus.fr"
    corpus.write_text("\n".join(SHORTLIST_CORPUS.read_text(encoding="utf-8").splitlines()[:lines]) + "\n", encoding="utf-8")
    report = make_shortlist(corpus, out, TranslationOptions(model=str(model), backend="ctranslate2", compute_type="int8",
                                                            beams=1, batch_size=32))
    print(f"shortlist: {report}", file=sys.stderr)
    return out


def pick_sentences(model: Path, data: Path, n: int, target: int) -> list[str]:
    """The first n FLORES sentences whose length is within 3 tokens of ``target``."""
    from bilingua.backends.marian_tokenizer import MarianSentencePieceTokenizer

    tok = MarianSentencePieceTokenizer(model)
    lines = (data / "fra_Latn.devtest").read_text(encoding="utf-8").splitlines()
    chosen = [s for s in lines if abs(len(tok.tokens(s)) - target) <= 3][:n]
    if len(chosen) < n:
        raise SystemExit(f"only {len(chosen)} sentences of about {target} tokens in {data}")
    return chosen


# --- one measurement, in its own process ---------------------------------------------------------

def worker(args: argparse.Namespace) -> None:
    t_start = time.perf_counter()
    from bilingua.backends import GenerationOptions, load_backend
    from bilingua.hub import resolve_model

    systems = GPU_SYSTEMS if args.device == "cuda" else CPU_SYSTEMS
    backend_name, compute, extra = systems[args.system]
    beams, batch = MODES[args.mode]
    sentences = json.loads(Path(args.inputs).read_text(encoding="utf-8"))
    if batch == 1:
        sentences = sentences[: args.bs1_sentences]
    options = GenerationOptions(beams=beams, fixed_length=args.out_len, loop_guard=False)
    model = resolve_model(args.model)
    pipeline = None
    if args.system == "bilingua":
        from bilingua import Pipeline

        pipeline = Pipeline(str(args.model), backend=backend_name, compute_type=compute, device=args.device,
                            generation=options, batch_size=batch, summarizer="extractive")
        backend = pipeline.translator.backend
    else:
        if backend_name == "ctranslate2":  # the engine alone, called batch after batch: every core on each batch
            extra = {"inter_threads": 1, **extra}
        if "shortlist" in extra:
            extra["shortlist"] = str(Path(args.inputs).parent / extra["shortlist"])
        backend = load_backend(backend_name, model, device=args.device, options=options, compute_type=compute, **extra)
    load_s = time.perf_counter() - t_start  # imports included: what a user waits for

    backend.translate_batch(sentences[:batch])  # warm-up (allocations, oneDNN kernels)
    _sync(args.device)
    clock = EngineClock()
    if pipeline is not None:
        # Time spent inside the engine, so that the pipeline's own share is measured in-process.
        clock.watch(backend, "translate_batch", "engine")
        clock.watch(backend, "align", "align")  # protection's forced decoding
    t0 = time.perf_counter()
    if pipeline is not None:
        # Paragraphs of 8 sentences: the document a user would hand in.
        doc = "\n\n".join(" ".join(sentences[i:i + 8]) for i in range(0, len(sentences), 8))
        done = pipeline.translator.translate_document(doc)
        n_out = len(done.hypotheses)
        texts = [h.text for h in done.hypotheses]
    else:
        texts = []
        for i in range(0, len(sentences), batch):
            texts += [h.text for h in backend.translate_batch(sentences[i:i + batch])]
        n_out = len(texts)
    _sync(args.device)
    seconds = time.perf_counter() - t0

    print(json.dumps({
        "system": args.system, "mode": args.mode, "load_s": load_s, "seconds": seconds,
        "engine_s": clock.busy("engine", "align"), "align_s": clock.busy("align"),
        "sentences": n_out, "tokens": n_out * args.out_len,
        "peak_rss_mb": own_peak_rss_mb(),
        "backend": backend.info(), "outputs": texts,
    }))


class EngineClock:
    """When calls into the engine ran. Batches may run two at a time, so busy time is the union of
    the calls' intervals (wall time with at least one call running), not their sum."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float, float]] = []
        self._lock = threading.Lock()

    def watch(self, obj: object, method: str, kind: str) -> None:
        inner = getattr(obj, method)

        def timed(*a, **k):  # type: ignore[no-untyped-def]
            t = time.perf_counter()
            try:
                return inner(*a, **k)
            finally:
                with self._lock:
                    self.calls.append((kind, t, time.perf_counter()))

        setattr(obj, method, timed)

    def busy(self, *kinds: str) -> float:
        total, end = 0.0, float("-inf")
        for start, stop in sorted((a, b) for k, a, b in self.calls if k in kinds):
            total += max(0.0, stop - max(start, end))
            end = max(end, stop)
        return total


def own_peak_rss_mb() -> float:
    """This process's own peak resident memory (VmHWM).

    Not ``ru_maxrss``: on Linux a child keeps its parent's high-water mark
    across fork and exec, so every worker started by a driver that had
    built the model itself would report the driver's ~920 MB.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: the best there is


def _sync(device: str) -> None:
    if device == "cuda" and "torch" in sys.modules:
        sys.modules["torch"].cuda.synchronize()


# --- the driver --------------------------------------------------------------------------------------

def _child_env(args: argparse.Namespace) -> dict[str, str]:
    """A timed process's environment: the benchmark's own model cache, and no network."""
    return {**os.environ, "BILINGUA_CACHE": str(args.work / "cache"), "HF_HUB_OFFLINE": "1"}


def run_one(args: argparse.Namespace, system: str, mode: str, inputs: Path) -> dict | None:
    cmd = [sys.executable, __file__, "--worker", "--system", system, "--mode", mode, "--model", str(args.model),
           "--inputs", str(inputs), "--out-len", str(args.out_len), "--bs1-sentences", str(args.bs1_sentences),
           "--device", args.device]
    env = _child_env(args)
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        print(f"{system} {mode} failed; left out of the table:\n{done.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


# transformers 5 has no "translation" pipeline any more: this is the hand-rolled script that replaces it.
ONE_OFF_TRANSFORMERS = """
import sys
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
tokenizer = AutoTokenizer.from_pretrained(sys.argv[1])
model = AutoModelForSeq2SeqLM.from_pretrained(sys.argv[1]).eval()
batch = tokenizer([sys.argv[2]], return_tensors="pt")
out = model.generate(**batch, num_beams=4, max_new_tokens=int(sys.argv[3]))
print(tokenizer.decode(out[0], skip_special_tokens=True))
"""


def one_off(args: argparse.Namespace, sentence: str) -> dict[str, float]:
    """Wall time of one sentence translated by a new process: ``bilingua translate`` against a transformers script.

    Both decode with beam 4 within the same length bound (bilingua's: twice the
    source tokens plus 10); the conversion for CTranslate2 is already cached.
    """
    from bilingua.backends.marian_tokenizer import MarianSentencePieceTokenizer

    bound = 2 * len(MarianSentencePieceTokenizer(args.model).tokens(sentence)) + 10
    env = _child_env(args)
    commands = {
        "bilingua": [sys.executable, "-m", "bilingua", "translate", "--quiet", "--beams", "4", "--model", str(args.model), sentence],
        "transformers": [sys.executable, "-c", ONE_OFF_TRANSFORMERS, str(args.model), sentence, str(bound)],
    }
    seconds = {}
    for name, cmd in commands.items():
        t0 = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, env=env)
        seconds[name] = time.perf_counter() - t0
        if done.returncode != 0:
            raise SystemExit(f"the one-off {name} command failed:\n{done.stderr[-2000:]}")
    return seconds


def agreement(a: list[str], b: list[str]) -> float:
    same = sum(x == y for x, y in zip(a, b))
    return same / max(len(a), 1)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--system")
    p.add_argument("--mode")
    p.add_argument("--inputs")
    p.add_argument("--model", type=Path)
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    p.add_argument("--systems", help="comma-separated subset of the systems")
    p.add_argument("--modes", default=",".join(DEFAULT_MODES), help="comma-separated subset of: " + ", ".join(MODES))
    p.add_argument("--runs", type=int, default=3, help="interleaved rounds (median reported)")
    p.add_argument("--sentences", type=int, default=64)
    p.add_argument("--bs1-sentences", type=int, default=16, help="sentences for batch-1 modes (they are slow)")
    p.add_argument("--src-tokens", type=int, default=25)
    p.add_argument("--out-len", type=int, default=32)
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="FLORES-200 devtest folder")
    p.add_argument("--work", type=Path, default=ROOT / "bench-out", help="model, cache and results folder")
    p.add_argument("--json", type=Path, help="write results here (default: WORK/bench_translate.json)")
    p.add_argument("--quick", action="store_true", help="1 round, 32 sentences, 8 at batch 1")
    p.add_argument("--no-one-off", action="store_true", help="leave out the one-off command row")
    p.add_argument("--profile", action="store_true", help="print where batch-1 time goes in CTranslate2, and stop")
    p.add_argument("--emulate-avx2", action="store_true", help="hold every engine to AVX2: " + " ".join(
        f"{k}={v}" for k, v in AVX2_ENV.items()))
    args = p.parse_args()
    if args.emulate_avx2:
        os.environ.update(AVX2_ENV)  # the workers inherit it
    if args.worker:
        worker(args)
        return
    if args.quick:
        args.runs, args.sentences, args.bs1_sentences = 1, 32, 8

    args.work.mkdir(parents=True, exist_ok=True)
    args.model = build_model(args.work / "opus-mt-fr-en-shape", args.data)
    sentences = pick_sentences(args.model, args.data, args.sentences, args.src_tokens)
    if args.profile:
        sys.path.insert(0, str(ROOT / "scripts"))
        from profile_bs1 import profile

        print(profile(args.model, sentences[: args.bs1_sentences], args.out_len, args.work))
        return
    if any(n.endswith("-shortlist") for n in (args.systems.split(",") if args.systems else CPU_SYSTEMS)) \
            and args.device == "cpu":
        build_shortlist(args.model, args.work)
    inputs = args.work / "inputs.json"
    inputs.write_text(json.dumps(sentences, ensure_ascii=False), encoding="utf-8")
    table = GPU_SYSTEMS if args.device == "cuda" else CPU_SYSTEMS
    systems = args.systems.split(",") if args.systems else list(table)
    modes = args.modes.split(",")
    for name in systems:
        if name not in table:
            raise SystemExit(f"unknown system {name}; choose from {', '.join(table)}")

    # Convert once up front so that no timed run pays for a conversion; a system that cannot run
    # here (no GPU build of an engine, say) is left out with its error shown.
    systems = [n for n in systems if table[n][0] == "transformers" or run_one(args, n, "greedy-bs16", inputs)]

    results: dict[tuple[str, str], list[dict]] = {}
    one_offs: list[dict[str, float]] = []
    for r in range(args.runs):
        if args.device == "cpu" and not args.no_one_off:
            one_offs.append(one_off(args, sentences[0]))
            print(f"round {r + 1}/{args.runs} one-off command {one_offs[-1]}", file=sys.stderr)
        for mode in modes:
            for name in systems:
                res = run_one(args, name, mode, inputs)
                if res is None:
                    raise SystemExit(f"{name} {mode} failed after it had run before")
                results.setdefault((name, mode), []).append(res)
                print(f"round {r + 1}/{args.runs} {mode:12s} {name:22s} {res['tokens'] / res['seconds']:8.1f} tok/s",
                      file=sys.stderr)

    def med(name: str, mode: str, key: str) -> float:
        runs = results[(name, mode)]
        if key == "tps":
            return statistics.median(x["tokens"] / x["seconds"] for x in runs)
        if key == "sps":
            return statistics.median(x["sentences"] / x["seconds"] for x in runs)
        return statistics.median(x[key] for x in runs)

    rows = []
    for name in systems:
        row = {"system": name, "backend": results[(name, modes[0])][0]["backend"]}
        for mode in modes:
            tps = med(name, mode, "tps")
            base = med(BASELINE, mode, "tps") if BASELINE in systems else None
            row[mode] = {
                "target_tokens_per_s": tps, "sentences_per_s": med(name, mode, "sps"),
                "load_s": med(name, mode, "load_s"), "peak_rss_mb": med(name, mode, "peak_rss_mb"),
                "ratio_to_baseline": tps / base if base else None,
            }
        rows.append(row)

    # Do the systems write the same thing? Same mode, same inputs, first round.
    parity = {}
    for name in systems:
        for mode in modes:
            if BASELINE in systems and name != BASELINE and name != "bilingua":
                parity[f"{name} vs {BASELINE} {mode}"] = agreement(results[(name, mode)][0]["outputs"],
                                                                  results[(BASELINE, mode)][0]["outputs"])
    # The pipeline's own cost (segmentation, sorting, batching, reassembly) over the engine calls it makes,
    # measured inside the same process: far less noisy than comparing two processes' throughput.
    overhead = {}
    if "bilingua" in systems:
        for mode in modes:
            runs = results[("bilingua", mode)]
            overhead[mode] = {
                "outside_engine": statistics.median(x["seconds"] / x["engine_s"] - 1 for x in runs),
                "alignment_share": statistics.median(x["align_s"] / x["seconds"] for x in runs),
            }

    from bilingua.cpu import cpu_facts

    cpu = cpu_facts()
    report = {
        "machine": {"cpu": cpu.model, "cores": cpu.cores, "int8_dot_product": cpu.int8_dot_product,
                    "platform": platform.platform(), "device": args.device},
        "settings": {k: v for k, v in vars(args).items()
                     if k in ("runs", "sentences", "bs1_sentences", "src_tokens", "out_len", "emulate_avx2")},
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "rows": rows, "output_agreement": parity, "pipeline_overhead": overhead,
        "one_off_seconds": {k: statistics.median(x[k] for x in one_offs) for k in one_offs[0]} if one_offs else {},
    }
    out = args.json or args.work / "bench_translate.json"
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(markdown(report, modes))
    print(f"\nJSON: {out}")


def markdown(report: dict, modes: list[str]) -> str:
    lines = [f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores, device {report['machine']['device']}"
             f"{' (emulating an AVX2-only CPU)' if report['settings'].get('emulate_avx2') else ''}; "
             f"median of {report['settings']['runs']} interleaved runs; {report['settings']['out_len']} output tokens per sentence.",
             "", "Target tokens/s (ratio to transformers fp32):", "",
             "| system | " + " | ".join(modes) + " | load s | peak RSS MB (beam4-bs16) |",
             "|---|" + "---:|" * (len(modes) + 2)]
    for row in report["rows"]:
        cells = []
        for mode in modes:
            m = row[mode]
            cells.append(f"{m['target_tokens_per_s']:.0f}" + (f" ({m['ratio_to_baseline']:.2f}x)" if m["ratio_to_baseline"] else ""))
        last = row.get("beam4-bs16", row[modes[-1]])
        label = row["system"] + (f" = {row['backend']['backend']} {row['backend']['compute_type']}" if row["system"] == "bilingua" else "")
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {row[modes[0]]['load_s']:.2f} | {last['peak_rss_mb']:.0f} |")
    one = report.get("one_off_seconds")
    if one:
        lines += ["", f"One-off command (a new process translating one sentence, beam 4, wall time): "
                      f"`bilingua translate` {one['bilingua']:.2f} s, a transformers script (tokenizer, model, generate) "
                      f"{one['transformers']:.2f} s ({one['transformers'] / one['bilingua']:.2f}x)."]
    if report["pipeline_overhead"]:
        lines += ["", "In the bilingua run, time with no engine call running / time with one (the pipeline's own work): "
                  + ", ".join(f"{k} {v['outside_engine'] * 100:+.1f}%" for k, v in report["pipeline_overhead"].items()),
                  "and the share of its time in protection's alignment pass (forced decoding of the sentences whose "
                  "output lost a protected span): "
                  + ", ".join(f"{k} {v['alignment_share'] * 100:.1f}%" for k, v in report["pipeline_overhead"].items())]
    if report["output_agreement"]:
        lines += ["", "Identical outputs vs transformers fp32 (share of sentences):"]
        lines += [f"- {k}: {v * 100:.0f}%" for k, v in report["output_agreement"].items()]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
