"""Where batch-1 time goes in CTranslate2 (``bench_translate.py --profile``).

For each compute type, output vocabulary (all 59514 entries, or the target
side's through ``use_vmap``), intra-op thread count and beam size, one
sentence at a time: the time of the encoder and the first decoding step
(outputs of 1 token), the time of each further step ((32 tokens - 1 token)
/ 31), and the whole sentence. What bilingua adds around the engine
(tokenising, detokenising, the pipeline) is timed separately.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path
from typing import Any


def _per_sentence(translator: Any, tokens: list[list[str]], beams: int, length: int, vmap: bool) -> float:
    times = []
    for t in tokens:
        t0 = time.perf_counter()
        translator.translate_batch([t], beam_size=beams, max_decoding_length=length, min_decoding_length=length,
                                   use_vmap=vmap)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def profile(model: Path, sentences: list[str], out_len: int, work: Path) -> str:
    os.environ.setdefault("BILINGUA_CACHE", str(work / "cache"))
    import ctranslate2

    from bilingua.backends import GenerationOptions, load_backend
    from bilingua.backends.ct2 import convert
    from bilingua.backends.marian_tokenizer import MarianSentencePieceTokenizer
    from bilingua.hub import resolve_model

    ref = resolve_model(str(model))
    tok = MarianSentencePieceTokenizer(model)
    tokens = [tok.tokens(s) for s in sentences]
    lines = [
        "| compute | output vocabulary | threads | beams | encoder + 1st step ms | per step ms | sentence ms | tokens/s |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for compute in ("int8", "float32"):
        for vmap in (False, True):
            path = convert(ref, compute, target_vocab_only=vmap)
            for threads in (2, 1):
                translator = ctranslate2.Translator(str(path), compute_type=compute, intra_threads=threads)
                for beams in (1, 4):
                    _per_sentence(translator, tokens[:2], beams, out_len, vmap)  # warm-up
                    first = _per_sentence(translator, tokens, beams, 1, vmap)
                    whole = _per_sentence(translator, tokens, beams, out_len, vmap)
                    step = (whole - first) / (out_len - 1)
                    lines.append(f"| {compute} | {'target side' if vmap else 'all'} | {threads} | {beams} | "
                                 f"{1000 * first:.1f} | {1000 * step:.2f} | {1000 * whole:.0f} | {out_len / whole:.0f} |")
                del translator
    backend = load_backend("ctranslate2", ref, compute_type="int8", inter_threads=1,
                           options=GenerationOptions(beams=4, fixed_length=out_len, loop_guard=False))
    t0 = time.perf_counter()
    encoded = backend.encode(sentences)
    t_encode = (time.perf_counter() - t0) / len(sentences)
    outs = [h.text for h in backend.translate_batch(sentences[:1], encoded[:1])]
    t0 = time.perf_counter()
    backend._detokenize([tok.tokens(o) for o in outs * len(sentences)])
    t_detok = (time.perf_counter() - t0) / len(sentences)
    t0 = time.perf_counter()
    for s, e in zip(sentences, encoded):
        backend.translate_batch([s], [e])
    t_backend = (time.perf_counter() - t0) / len(sentences)
    raw = _per_sentence(backend.translator, encoded, 4, out_len, False)
    lines += [
        "",
        f"Around the engine (int8, beam 4, {len(sentences)} sentences, per sentence): tokenising "
        f"{1000 * t_encode:.2f} ms, detokenising {1000 * t_detok:.2f} ms; bilingua's translate_batch "
        f"{1000 * t_backend:.0f} ms against the bare engine call's {1000 * raw:.0f} ms "
        f"({100 * (t_backend - raw) / raw:+.1f}%).",
    ]
    return "\n".join(lines)
