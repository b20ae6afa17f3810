"""The transformers (PyTorch) backend: MarianMTModel.generate."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Sequence
from typing import Any

from ..cpu import cap_threads
from ..hub import MARIAN_FILES, ResolvedModel, loading, require_files
from .base import (
    GenerationOptions,
    Generated,
    TranslationBackend,
    input_limit,
    output_limit,
    quiet_transformers,
    resolve_device,
)


class TransformersBackend(TranslationBackend):
    """Marian through ``transformers`` on PyTorch: float32, torch dynamic int8 (CPU) or float16 (GPU)."""

    name = "transformers"

    def __init__(
        self,
        model: ResolvedModel,
        *,
        device: str = "auto",
        options: GenerationOptions | None = None,
        compute_type: str = "float32",
        threads: int | None = None,
    ) -> None:
        import torch

        self.model_ref = model
        self.options = options or GenerationOptions()
        self.device = resolve_device(device)
        self.compute_type = _check_compute_type(compute_type, self.device)
        if threads:
            torch.set_num_threads(cap_threads(threads))
        self.tokenizer, net = _load(model, compute_type)
        # The tokenizer and generate() are not documented as thread-safe: calls take turns
        # (torch already spreads one call over every core).
        self._lock = threading.Lock()
        self.model = net.to(self.device)
        # Every call bounds its output with max_new_tokens; a max_length left in the model's config
        # would only make transformers warn on each call.
        self.model.generation_config.max_length = None
        self._torch = torch
        config = self.model.config
        self.max_input_tokens = input_limit(getattr(config, "max_position_embeddings", None),
                                            getattr(self.tokenizer, "model_max_length", None))
        self.max_output_tokens = int(getattr(config, "max_position_embeddings", None) or 512)
        gen = self.model.generation_config
        self.beams = self.options.beams or getattr(gen, "num_beams", None) or 1

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        if not texts:
            return []
        with self._lock:
            ids = self.tokenizer(list(texts), add_special_tokens=True, verbose=False)["input_ids"]
        return [list(x) for x in ids]

    def _generate(self, tokens: Sequence[Sequence[int]], no_repeat_ngram_size: int) -> Generated:
        torch = self._torch
        longest = max(len(t) for t in tokens)
        ids = self._padded(tokens, self.model.config.pad_token_id)
        mask = self._padded([[1] * len(t) for t in tokens], 0)
        enc = {"input_ids": ids.to(self.device), "attention_mask": mask.to(self.device)}
        limit = output_limit(longest, self.options, self.max_output_tokens - 1)
        kwargs: dict[str, Any] = dict(
            num_beams=self.beams,
            max_new_tokens=limit,
            do_sample=False,
            return_dict_in_generate=True,
            output_scores=True,
        )
        if self.options.fixed_length is not None:
            # forced_eos would end every output one token early.
            kwargs.update(min_new_tokens=limit, forced_eos_token_id=None)
        if no_repeat_ngram_size:
            kwargs["no_repeat_ngram_size"] = no_repeat_ngram_size
        with torch.inference_mode(), self._lock:
            out = self.model.generate(**enc, **kwargs)
        sequences = out.sequences
        if self.beams > 1:
            scores = out.sequences_scores.tolist()
        else:
            trans = self.model.compute_transition_scores(sequences, out.scores, normalize_logits=True)
            gen_tokens = sequences[:, -trans.shape[1]:]
            mask = gen_tokens.ne(self.model.config.pad_token_id)
            trans = trans.masked_fill(~mask, 0.0)
            scores = (trans.sum(dim=1) / mask.sum(dim=1).clamp(min=1)).tolist()
        special = {self.model.config.pad_token_id, self.model.config.eos_token_id,
                   self.model.config.decoder_start_token_id}
        token_lists = [[t for t in seq.tolist() if t not in special] for seq in sequences]
        return Generated(token_lists, [float(s) for s in scores])

    def nbest(self, sources: Sequence[str], n: int, tokens: Sequence[Sequence[int]] | None = None) -> list[list[str]]:
        """``n`` hypotheses of each sentence from one beam search (of at least ``n`` beams), best first."""
        if not sources:
            return []
        tokens = list(tokens) if tokens is not None else self.encode(sources)
        self._check_lengths(max(len(t) for t in tokens))
        ids = self._padded(tokens, self.model.config.pad_token_id)
        mask = self._padded([[1] * len(t) for t in tokens], 0)
        limit = output_limit(max(len(t) for t in tokens), self.options, self.max_output_tokens - 1)
        with self._torch.inference_mode(), self._lock:
            out = self.model.generate(input_ids=ids.to(self.device), attention_mask=mask.to(self.device),
                                      num_beams=max(self.beams, n), num_return_sequences=n, max_new_tokens=limit,
                                      do_sample=False)
        special = {self.model.config.pad_token_id, self.model.config.eos_token_id,
                   self.model.config.decoder_start_token_id}
        texts = self._detokenize([[t for t in seq.tolist() if t not in special] for seq in out])
        return [texts[k * n : (k + 1) * n] for k in range(len(sources))]

    def _padded(self, rows: Sequence[Sequence[int]], pad: int) -> Any:
        longest = max(len(r) for r in rows)
        return self._torch.tensor([list(r) + [pad] * (longest - len(r)) for r in rows], dtype=self._torch.long)

    def _rescore(self, sources: Sequence[Sequence[int]], outputs: Sequence[Sequence[int]]) -> list[float]:
        torch = self._torch
        pad = self.model.config.pad_token_id
        ids = self._padded(sources, pad).to(self.device)
        labels = self._padded(outputs, -100).to(self.device)
        with torch.inference_mode(), self._lock:
            logits = self.model(input_ids=ids, attention_mask=ids.ne(pad).long(), labels=labels).logits
        logp = logits.float().log_softmax(-1).gather(-1, labels.clamp(min=0).unsqueeze(-1)).squeeze(-1)
        mask = labels.ne(-100)
        return ((logp * mask).sum(1) / mask.sum(1).clamp(min=1)).tolist()  # type: ignore[no-any-return]

    def _detokenize(self, tokens: Sequence[Sequence[int]]) -> list[str]:
        with self._lock:
            texts = self.tokenizer.batch_decode([list(t) for t in tokens], skip_special_tokens=True)
        return [t.strip() for t in texts]


def _check_compute_type(compute_type: str, device: str) -> str:
    if compute_type not in {"float32", "int8", "float16"}:
        raise ValueError(
            f"the transformers backend supports compute types float32, int8 (CPU) and float16 (GPU), not {compute_type!r}"
        )
    if compute_type == "int8" and device != "cpu":
        raise ValueError("torch dynamic int8 runs on the CPU only; use --device cpu")
    if compute_type == "float16" and device == "cpu":
        raise ValueError("float16 with transformers needs a GPU; use --device cuda or another compute type")
    return compute_type


def _load(model: ResolvedModel, compute_type: str) -> tuple[Any, Any]:
    """The tokenizer and the network, quantised or halved as ``compute_type`` says."""
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    if (model.path / "source.spm").exists() or (model.path / "vocab.json").exists():  # a Marian layout
        require_files(model.path, MARIAN_FILES)
    with quiet_transformers(), loading(model.path):
        tokenizer = AutoTokenizer.from_pretrained(model.path)
        net = AutoModelForSeq2SeqLM.from_pretrained(model.path).eval()
    if compute_type == "int8":
        with warnings.catch_warnings():  # torch announces a move of this API to torchao
            warnings.simplefilter("ignore")
            net = torch.ao.quantization.quantize_dynamic(net, {torch.nn.Linear}, dtype=torch.qint8)
    elif compute_type == "float16":
        net = net.half()
    return tokenizer, net
