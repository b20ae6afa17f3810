"""Does CTranslate2 compute the same thing on the GPU as on the CPU? (run by scripts/gpu_bench.sh)

Scores the same FLORES sentence pairs with the real-shape model, teacher
forced: CTranslate2 float32 on the CPU (its greedy outputs are identical to
transformers', tested), CTranslate2 float32 on the GPU (through whatever
cuBLAS bilingua loaded: CUDA 12's, or CUDA 13's under CUDA 12's name), and
transformers float32 on the GPU and on the CPU, and prints how far apart their
per-token log-probabilities are. A wrong matrix product would show as a
difference far larger than transformers' own, CPU against GPU.

    python scripts/gpu_scores.py MODEL FLORES_DIR [DEVICE]
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path


def transformers_scores(model: Path, sources: list[list[str]], targets: list[list[str]], device: str) -> list[list[float]]:
    import torch
    from transformers import MarianMTModel

    vocab = json.loads((model / "vocab.json").read_text(encoding="utf-8"))
    net = MarianMTModel.from_pretrained(model).to(device).eval()
    eos, start = net.config.eos_token_id, net.config.decoder_start_token_id
    out = []
    with torch.no_grad():
        for src, tgt in zip(sources, targets):
            labels = [vocab[t] for t in tgt] + [eos]  # score_batch appends </s> to a target as given
            logits = net(input_ids=torch.tensor([[vocab[t] for t in src]], device=device),
                         decoder_input_ids=torch.tensor([[start] + labels[:-1]], device=device)).logits[0]
            logp = torch.log_softmax(logits.float(), dim=-1)
            out.append(logp[torch.arange(len(labels)), torch.tensor(labels)].tolist())
    return out


def gap(a: list[list[float]], b: list[list[float]]) -> str:
    d = sorted(abs(x - y) for p, q in zip(a, b) for x, y in zip(p, q))
    return f"median {statistics.median(d):.1e}, 99th percentile {d[int(0.99 * (len(d) - 1))]:.1e}, largest {d[-1]:.1e}"


def main(model: Path, data: Path, device: str = "cuda", n: int = 32) -> int:
    from bilingua.backends import GenerationOptions, load_backend
    from bilingua.hub import resolve_model

    ref = resolve_model(str(model))
    fr = (data / "fra_Latn.devtest").read_text(encoding="utf-8").splitlines()[:n]
    en = (data / "eng_Latn.devtest").read_text(encoding="utf-8").splitlines()[:n]
    scores = {}
    for where in ("cpu", device):
        backend = load_backend("ctranslate2", ref, device=where, compute_type="float32",
                               options=GenerationOptions(beams=1, fixed_length=8, loop_guard=False))
        if where == "cuda":
            print("cuda libraries:", json.dumps(backend.info().get("cuda_libraries")))
        sources = backend.encode(fr)
        targets = [backend.tokenizer.tokens(e) for e in en]
        scores[f"ctranslate2 {where}"] = [r.log_probs for r in backend.translator.score_batch(sources, targets)]
    scores[f"transformers {device}"] = transformers_scores(model, sources, targets, device)
    # The same engine on both: how far the GPU's own rounding moves these scores, whatever the engine.
    scores["transformers cpu"] = transformers_scores(model, sources, targets, "cpu")
    names = list(scores)
    print(f"{n} pairs, {sum(map(len, scores[names[0]]))} target tokens, |log p difference| per token:")
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            print(f"  {a} vs {b}: {gap(scores[a], scores[b])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]), *sys.argv[3:4]))
