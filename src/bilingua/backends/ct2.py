"""The CTranslate2 backend: the Marian model converted once, cached on disk, run by CTranslate2."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import BackendUnavailableError, BilinguaError
from ..hub import ResolvedModel
from .base import (
    GenerationOptions,
    TranslationBackend,
    input_limit,
    output_limit,
    quiet_transformers,
    resolve_device,
)

COMPUTE_TYPES = ("int8", "int8_float32", "float32", "float16", "int8_float16", "bfloat16")
# Weights are stored in the type they run in, so loading needs no conversion.
_QUANTIZATION = {
    "int8": "int8",
    "int8_float32": "int8_float32",
    "float32": None,
    "float16": "float16",
    "int8_float16": "int8_float16",
    "bfloat16": "bfloat16",
}
_FORMAT = 1  # bump when the conversion below changes


def cache_root() -> Path:
    """Where converted models live: ``$BILINGUA_CACHE`` or the user's cache folder."""
    env = os.environ.get("BILINGUA_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "bilingua"


def _fingerprint(model: ResolvedModel) -> str:
    if not model.local and model.revision and len(model.revision) == 40:
        return model.revision  # a commit hash names the content
    # A local folder (or a branch name): key on the weights' and config's size and mtime.
    h = hashlib.sha256()
    for p in sorted(model.path.iterdir()):
        if p.is_file():
            st = p.stat()
            h.update(f"{p.name}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()[:16]


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def converted_path(model: ResolvedModel, compute_type: str, target_vocab_only: bool = False) -> Path:
    slug = "".join(c if c.isalnum() or c in "-_." else "_" for c in model.id.strip("/"))[-80:]
    key = f"{slug}--{_fingerprint(model)}--{compute_type}{'--tv' if target_vocab_only else ''}--v{_FORMAT}"
    return cache_root() / "ct2" / key


def target_vocabulary(folder: Path) -> list[str]:
    """Vocabulary entries the target-side SentencePiece model can produce (plus specials).

    opus-mt models share one vocabulary between a French and an English
    SentencePiece model; output pieces outside the English model's pieces are
    ones the decoder was never trained to produce.
    """
    import sentencepiece as spm

    vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
    target = spm.SentencePieceProcessor(model_file=str(folder / "target.spm"))
    pieces = {target.id_to_piece(i) for i in range(target.get_piece_size())}
    return [tok for tok in vocab if tok in pieces or tok in {"</s>", "<unk>"}]


def convert(model: ResolvedModel, compute_type: str, *, target_vocab_only: bool = False) -> Path:
    """Convert ``model`` for CTranslate2 unless already cached; return the converted folder.

    The conversion is written to a temporary folder beside its final place and
    renamed into place at the end, so an interrupted conversion leaves nothing
    that looks finished.
    """
    target = converted_path(model, compute_type, target_vocab_only)
    if (target / "model.bin").is_file():
        return target
    from ctranslate2.converters import TransformersConverter

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        vmap = None
        if target_vocab_only:
            # An empty source n-gram: these candidates are always allowed, and nothing else.
            vmap = tmp / "vmap.txt"
            vmap.write_text("\t" + " ".join(target_vocabulary(model.path)) + "\n", encoding="utf-8")
        with quiet_transformers():
            TransformersConverter(str(model.path)).convert(
                str(tmp / "model"), vmap=str(vmap) if vmap else None,
                quantization=_QUANTIZATION[compute_type], force=True,
            )
        (tmp / "model" / "bilingua.json").write_text(
            json.dumps({**model.info(), "compute_type": compute_type, "format": _FORMAT}), encoding="utf-8"
        )
        try:
            os.replace(tmp / "model", target)
        except OSError:
            if not (target / "model.bin").is_file():  # not a concurrent conversion that won the race
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


class CTranslate2Backend(TranslationBackend):
    """Marian run by CTranslate2 (float32, int8, float16 ... per ``compute_type``)."""

    name = "ctranslate2"

    def __init__(
        self,
        model: ResolvedModel,
        *,
        device: str = "auto",
        options: GenerationOptions | None = None,
        compute_type: str = "float32",
        threads: int | None = None,
        target_vocab_only: bool = False,
    ) -> None:
        import ctranslate2

        from .marian_tokenizer import MarianSentencePieceTokenizer

        self.model_ref = model
        self.options = options or GenerationOptions()
        self.device = resolve_device(device, engine="ctranslate2")
        if compute_type not in COMPUTE_TYPES:
            raise ValueError(f"unknown compute type {compute_type!r}; choose one of: {', '.join(COMPUTE_TYPES)}")
        supported = ctranslate2.get_supported_compute_types(self.device)
        if compute_type not in supported:
            raise BilinguaError(
                f"compute type {compute_type} is not supported by CTranslate2 on {self.device} "
                f"(supported: {', '.join(sorted(supported))})"
            )
        self.compute_type = compute_type
        self.target_vocab_only = target_vocab_only
        self.converted = convert(model, compute_type, target_vocab_only=target_vocab_only)
        # sentencepiece alone: no transformers/torch import on the warm path.
        self.tokenizer = MarianSentencePieceTokenizer(model.path)
        config = json.loads((model.path / "config.json").read_text(encoding="utf-8"))
        # CTranslate2's default is 4 threads whatever the machine; more threads than cores only queue.
        self.threads = threads or _cores()
        self.translator = ctranslate2.Translator(
            str(self.converted), device=self.device, compute_type=compute_type,
            intra_threads=self.threads if self.device == "cpu" else 0, inter_threads=1,
        )
        if self.device == "cuda":
            self._probe_gpu()
        self.max_input_tokens = input_limit(config.get("max_position_embeddings"), self.tokenizer.model_max_length)
        self.max_output_tokens = int(config.get("max_position_embeddings") or 512)
        gen_beams = None
        gen_file = model.path / "generation_config.json"
        if gen_file.is_file():
            gen_beams = json.loads(gen_file.read_text(encoding="utf-8")).get("num_beams")
        self.beams = self.options.beams or gen_beams or config.get("num_beams") or 1

    def _probe_gpu(self) -> None:
        # CTranslate2 opens cuBLAS only at the first translation: find out now, not mid-document.
        try:
            # A small batch of several tokens, so that the matrix products go through cuBLAS.
            probe = [self.tokenizer.tokens("a b c d e f g h")] * 2
            self.translator.translate_batch(probe, beam_size=2, max_decoding_length=3)
        except RuntimeError as exc:
            import ctranslate2

            raise BackendUnavailableError(
                f"CTranslate2 {ctranslate2.__version__} cannot run on this GPU ({exc}); its wheels are built "
                "for CUDA 12: use --device cpu or --backend transformers, or install CUDA 12's cuBLAS "
                "(pip install nvidia-cublas-cu12)"
            ) from None

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(t) for t in self.tokenizer.batch_tokens(texts)]

    def _generate(
        self, sources: Sequence[str], no_repeat_ngram_size: int
    ) -> tuple[list[list[str]], list[float], list[int]]:
        tokens = self.tokenizer.batch_tokens(sources)
        lengths = [len(t) for t in tokens]
        longest = max(lengths)
        self._check_lengths(longest)
        limit = output_limit(longest, self.options, self.max_output_tokens - 1)
        kwargs: dict[str, Any] = dict(
            beam_size=self.beams,
            # transformers counts the forced </s> inside max_new_tokens; CTranslate2 does not.
            max_decoding_length=limit if self.options.fixed_length else max(1, limit - 1),
            return_scores=True,
            no_repeat_ngram_size=no_repeat_ngram_size,
            use_vmap=self.target_vocab_only,
        )
        if self.options.fixed_length is not None:
            kwargs["min_decoding_length"] = limit
        results = self.translator.translate_batch(tokens, **kwargs)
        return [r.hypotheses[0] for r in results], [float(r.scores[0]) for r in results], lengths

    def _detokenize(self, tokens: Sequence[Sequence[str]]) -> list[str]:
        return [self.tokenizer.detokenize(t) for t in tokens]

    def info(self) -> dict[str, Any]:
        return {
            **super().info(),
            "threads": self.threads,
            "converted_path": str(self.converted),
            "target_vocab_only": self.target_vocab_only,
        }
