"""The CTranslate2 backend: the Marian model converted once, cached on disk, run by CTranslate2."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import BackendUnavailableError, BilinguaError, InputError, first_line, install_hint
from ..checks import at_least
from ..cpu import cap_threads
from ..hub import MARIAN_FILES, ResolvedModel, loading, require_files
from .cuda import alias_cublas13, preload_cuda12
from .shortlist import read_shortlist
from ..signature import Signature, file_digest
from .base import (
    GenerationOptions,
    Generated,
    TranslationBackend,
    input_limit,
    output_limit,
    default_inter_threads,
    express_lanes,
    quiet_transformers,
    resolve_device,
)

logger = logging.getLogger("bilingua")

# Weights are stored in the type they run in, so loading needs no conversion.
_QUANTIZATION = {
    "int8": "int8",
    "int8_float32": "int8_float32",
    "int16": "int16",
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
    if model.commit:
        return model.commit  # a hub snapshot's commit names the content, whatever revision asked for it
    # A local folder: key on the weights' and config's size and mtime.
    h = hashlib.sha256()
    for p in sorted(model.path.iterdir()):
        if p.is_file():
            st = p.stat()
            h.update(f"{p.name}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()[:16]


def converted_path(model: ResolvedModel, compute_type: str, target_vocab_only: bool = False,
                   shortlist: Path | None = None) -> Path:
    """Where the conversion of ``model`` with these settings lives: the model's name (to be read by a person)
    and the configuration signature of everything the conversion depends on (a shortlist by its content)."""
    slug = "".join(c if c.isalnum() or c in "-_." else "_" for c in model.id.strip("/"))[-80:]
    key = Signature(model=model.id, weights=_fingerprint(model), compute_type=compute_type,
                    target_vocab_only=target_vocab_only, shortlist=file_digest(shortlist) if shortlist else None,
                    format=_FORMAT)
    return cache_root() / "ct2" / f"{slug}--{compute_type}{'--tv' if target_vocab_only else ''}--{key.digest()}"


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


_STALE_SECONDS = 3600


def convert(model: ResolvedModel, compute_type: str, *, target_vocab_only: bool = False,
            shortlist: Path | None = None) -> Path:
    """Convert ``model`` for CTranslate2 unless already cached; return the converted folder.

    The conversion is written to a temporary folder beside its final place,
    fsynced, and renamed into place at the end, so an interrupted conversion
    leaves nothing that looks finished; temporary folders left by killed
    conversions are removed after an hour. A conversion counts as finished
    when its ``bilingua.json`` (written last) is there.
    """
    target = converted_path(model, compute_type, target_vocab_only, shortlist)
    if (target / "model.bin").is_file() and (target / "bilingua.json").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(target.parent)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        _convert_into(model, compute_type, _vmap(model, target_vocab_only, shortlist), tmp / "model")
        _fsync_tree(tmp / "model")
        if target.exists():  # an unfinished or damaged conversion: out of the way first
            discard(target)
        try:
            os.replace(tmp / "model", target)
        except OSError:
            if not (target / "bilingua.json").is_file():  # not a concurrent conversion that won the race
                raise
        _fsync_dir(target.parent)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _vmap(model: ResolvedModel, target_vocab_only: bool, shortlist: Path | None) -> str | None:
    """The vocabulary map to convert with: the target side's pieces, a shortlist's, or none."""
    if shortlist is not None:
        return shortlist.read_text(encoding="utf-8")
    # An empty source n-gram: these candidates are always allowed, and nothing else.
    return "\t" + " ".join(target_vocabulary(model.path)) + "\n" if target_vocab_only else None


def _convert_into(model: ResolvedModel, compute_type: str, vmap_text: str | None, out: Path) -> None:
    from ctranslate2.converters import TransformersConverter

    vmap = None
    if vmap_text is not None:
        vmap = out.parent / "vmap.txt"
        vmap.write_text(vmap_text, encoding="utf-8")
    with quiet_transformers(), loading(model.path):
        TransformersConverter(str(model.path)).convert(
            str(out), vmap=str(vmap) if vmap else None, quantization=_QUANTIZATION[compute_type], force=True,
        )
    (out / "bilingua.json").write_text(
        json.dumps({**model.info(), "compute_type": compute_type, "format": _FORMAT}), encoding="utf-8"
    )


def discard(folder: Path) -> None:
    """Remove a converted folder: renamed aside first, so no reader ever sees half of it."""
    aside = folder.parent / f".{folder.name}.discard-{os.getpid()}-{time.monotonic_ns()}"
    try:
        os.replace(folder, aside)
    except FileNotFoundError:
        return
    shutil.rmtree(aside, ignore_errors=True)


def _remove_stale(parent: Path) -> None:
    now = time.time()
    for entry in parent.glob(".*"):
        try:
            if entry.is_dir() and now - entry.stat().st_mtime > _STALE_SECONDS:
                shutil.rmtree(entry, ignore_errors=True)
                logger.debug("removed stale conversion folder %s", entry)
        except OSError:
            pass


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(folder)


class CTranslate2Backend(TranslationBackend):
    """Marian run by CTranslate2 (float32, int8, float16 ... per ``compute_type``).

    ``inter_threads`` batches run in parallel, each on ``threads // inter_threads``
    cores; ``translate_batch`` may be called from that many threads at once.
    Its default is 2 on a CPU of 2 or more cores, 1 on a GPU.
    """

    name = "ctranslate2"

    def __init__(
        self,
        model: ResolvedModel,
        *,
        device: str = "auto",
        options: GenerationOptions | None = None,
        compute_type: str = "float32",
        threads: int | None = None,
        inter_threads: int | None = None,
        target_vocab_only: bool = False,
        shortlist: str | Path | None = None,
        express: bool = False,
    ) -> None:
        import ctranslate2

        from .marian_tokenizer import MarianSentencePieceTokenizer

        self.model_ref = model
        self.options = options or GenerationOptions()
        self.device = resolve_device(device, engine="ctranslate2")
        supported = ctranslate2.get_supported_compute_types(self.device)
        if compute_type not in supported:
            raise BilinguaError(
                f"compute type {compute_type} is not supported by CTranslate2 on {self.device} "
                f"(supported: {', '.join(sorted(supported))})"
            )
        # CTranslate2's default is 4 threads whatever the machine; more threads than cores only queue.
        self.threads = cap_threads(threads)
        if inter_threads is None:
            inter_threads = default_inter_threads(self.device, self.threads)
        at_least("inter_threads", inter_threads, 1)
        self.compute_type = compute_type
        self.target_vocab_only = target_vocab_only
        self.shortlist = _shortlist_file(shortlist)
        self.parallel_batches = inter_threads
        # A micro-batcher's express replicas: one more batch in flight, on the bulk replicas' cores.
        self.express_lanes = express_lanes(self.device) if express else 0
        self.inter_threads = inter_threads + self.express_lanes
        require_files(model.path, MARIAN_FILES)
        with loading(model.path):
            # sentencepiece alone: no transformers/torch import on the warm path.
            self.tokenizer = MarianSentencePieceTokenizer(model.path)
            config = json.loads((model.path / "config.json").read_text(encoding="utf-8"))
        self.converted = convert(model, compute_type, target_vocab_only=target_vocab_only, shortlist=self.shortlist)
        # CUDA 12's cuBLAS from NVIDIA's wheels, else CUDA 13's under CUDA 12's name (backends/cuda.py).
        self.cuda_libraries = preload_cuda12() + alias_cublas13(cache_root()) if self.device == "cuda" else []
        self.translator = self._open_healing(model)
        if self.device == "cuda":
            self._probe_gpu()
        self.max_input_tokens = input_limit(config.get("max_position_embeddings"), self.tokenizer.model_max_length)
        self.max_output_tokens = int(config.get("max_position_embeddings") or 512)
        self.beams = self.options.beams or _generation_beams(model.path) or config.get("num_beams") or 1

    def _open(self) -> Any:
        import ctranslate2

        return ctranslate2.Translator(
            str(self.converted), device=self.device, compute_type=self.compute_type,
            intra_threads=max(1, self.threads // self.parallel_batches) if self.device == "cpu" else 0,
            inter_threads=self.inter_threads,
        )

    def _open_healing(self, model: ResolvedModel) -> Any:
        """Open the cached conversion; if it is damaged, convert once more, then name the folder."""
        try:
            return self._open()
        except (RuntimeError, ValueError, OSError) as exc:
            logger.warning("the converted model in %s is damaged (%s); converting it again",
                           self.converted, first_line(exc))
        discard(self.converted)
        self.converted = convert(model, self.compute_type, target_vocab_only=self.target_vocab_only,
                                 shortlist=self.shortlist)
        try:
            return self._open()
        except (RuntimeError, ValueError, OSError) as exc:
            raise BilinguaError(
                f"the converted model in '{self.converted}' cannot be loaded even after converting it again "
                f"({first_line(exc)}); delete that folder and check the model folder '{model.path}'"
            ) from None

    def _probe_gpu(self) -> None:
        # CTranslate2 opens cuBLAS only at the first translation: find out now, not mid-document.
        import ctranslate2

        try:
            # A small batch of several tokens, so that the matrix products go through cuBLAS.
            probe = [self.tokenizer.tokens("a b c d e f g h")] * 2
            self.translator.translate_batch(probe, beam_size=2, max_decoding_length=3)
        except RuntimeError as exc:
            message = first_line(exc)
            if not any(k in message.lower() for k in ("cublas", "cudnn", "libcu", ".so")):
                raise BilinguaError(f"CTranslate2 failed on the GPU ({message}); try --device cpu") from None
            raise BackendUnavailableError(
                f"CTranslate2 {ctranslate2.__version__} cannot run on this GPU ({message}); its wheels are built "
                f"for CUDA 12: install CUDA 12's cuBLAS with {install_hint('gpu')}, "
                "or use --device cpu or --backend transformers"
            ) from None

    def encode(self, texts: Sequence[str]) -> list[list[str]]:
        return self.tokenizer.batch_tokens(texts)

    def _generate(self, tokens: Sequence[Sequence[str]], no_repeat_ngram_size: int) -> Generated:
        limit = output_limit(max(len(t) for t in tokens), self.options, self.max_output_tokens - 1)
        kwargs: dict[str, Any] = dict(
            beam_size=self.beams,
            # transformers counts the forced </s> inside max_new_tokens; CTranslate2 does not.
            max_decoding_length=limit if self.options.fixed_length else max(1, limit - 1),
            return_scores=True,
            no_repeat_ngram_size=no_repeat_ngram_size,
            use_vmap=self.target_vocab_only or self.shortlist is not None,
            # Where each output token looked in its source: protection places spans with it, and a
            # second (forced) decoding pass to read it afterwards would cost as much as this one.
            return_attention=True,
        )
        if self.options.fixed_length is not None:
            kwargs["min_decoding_length"] = limit
        results = self.translator.translate_batch([list(t) for t in tokens], **kwargs)
        outs = [r.hypotheses[0] for r in results]
        links = [_strongest(r.attention[0][: len(o)], len(t)) for r, o, t in zip(results, outs, tokens)]
        if self.beams > 1:
            # Beam search reports the first step's attention from another beam (seen against a forced
            # pass); that one link is marked unknown, and read again in a short pass when it is needed.
            links = [[-1, *link[1:]] if link else link for link in links]
        return Generated(outs, [float(r.scores[0]) for r in results], links)

    def nbest(self, sources: Sequence[str], n: int, tokens: Sequence[Sequence[str]] | None = None) -> list[list[str]]:
        """``n`` hypotheses of each sentence from one beam search (of at least ``n`` beams), best first."""
        if not sources:
            return []
        tokens = list(tokens) if tokens is not None else self.encode(sources)
        self._check_lengths(max(len(t) for t in tokens))
        limit = output_limit(max(len(t) for t in tokens), self.options, self.max_output_tokens - 1)
        results = self.translator.translate_batch(
            [list(t) for t in tokens], beam_size=max(self.beams, n), num_hypotheses=n, max_decoding_length=max(1, limit - 1),
            use_vmap=self.target_vocab_only or self.shortlist is not None)
        return [[self.tokenizer.detokenize(h) for h in r.hypotheses] for r in results]

    def align(self, sources: Sequence[Sequence[str]], targets: Sequence[Sequence[str]]) -> list[list[int]]:
        """The source token each target token attends to most, with the target forced (the model's own alignment)."""
        if not sources:
            return []
        results = self.translator.translate_batch(
            [list(s) for s in sources], target_prefix=[list(t) for t in targets], beam_size=1,
            max_decoding_length=max(len(t) for t in targets) + 1, return_attention=True,
        )
        return [_strongest(r.attention[0][: len(t)], len(s)) for r, s, t in zip(results, sources, targets)]

    def _detokenize(self, tokens: Sequence[Sequence[str]]) -> list[str]:
        return [self.tokenizer.detokenize(t) for t in tokens]

    def _rescore(self, sources: Sequence[Sequence[str]], outputs: Sequence[Sequence[str]]) -> list[float]:
        results = self.translator.score_batch([list(s) for s in sources], [list(o) for o in outputs])
        # The last log-probability is of the </s> that score_batch appends: a cut output has none.
        return [float(sum(r.log_probs[:-1]) / max(1, len(r.log_probs) - 1)) for r in results]

    def info(self) -> dict[str, Any]:
        return {
            **super().info(),
            "threads": self.threads,
            "inter_threads": self.inter_threads,
            "express_lanes": self.express_lanes,
            "converted_path": str(self.converted),
            "target_vocab_only": self.target_vocab_only,
            **({"shortlist": str(self.shortlist)} if self.shortlist else {}),
            **({"cuda_libraries": self.cuda_libraries} if self.cuda_libraries else {}),
        }


def _strongest(rows: Sequence[Sequence[float]], source_length: int) -> list[int]:
    """For each attention row, the source token with the most weight (never the final </s>)."""
    words = source_length - 1
    return [max(range(words), key=row.__getitem__) if words > 0 else 0 for row in rows]


def _shortlist_file(shortlist: str | Path | None) -> Path | None:
    if shortlist is None:
        return None
    path = Path(shortlist)
    if not path.is_file():
        raise InputError(f"shortlist {path} not found; make one with: bilingua models shortlist FRENCH_TEXT -o {path}")
    read_shortlist(path)  # a clear error now rather than CTranslate2's at conversion
    return path.resolve()


def _generation_beams(folder: Path) -> int | None:
    gen_file = folder / "generation_config.json"
    if not gen_file.is_file():
        return None
    beams = json.loads(gen_file.read_text(encoding="utf-8")).get("num_beams")
    if beams is not None and (isinstance(beams, bool) or not isinstance(beams, int) or beams < 1):
        raise BilinguaError(f"model file '{gen_file}' has num_beams {beams!r}; it should be a whole number of at least 1")
    return beams
