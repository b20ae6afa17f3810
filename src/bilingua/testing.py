"""Build small random-weight models offline, for tests and benchmarks.

Nothing here downloads anything: a SentencePiece model is trained on text the
caller provides, and Marian (translation) or T5 (summarisation) models are
initialised with random weights and saved with ``save_pretrained``, so they
load through the same code path as a hub model. Outputs of such models are
meaningless text; what they exercise is the real machinery (tokenisation,
batching, generation, reassembly) with the real arithmetic when the shape is
the real one.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .languages import SOURCE, TARGET

__all__ = ["train_sentencepiece", "build_marian", "build_t5", "cache_model", "OPUS_MT_FR_EN_SHAPE",
           "OPUS_MT_TC_BIG_FR_EN_SHAPE", "TC_BIG_LAYOUT"]

#: Shape of Helsinki-NLP/opus-mt-fr-en (from its config.json).
OPUS_MT_FR_EN_SHAPE = dict(
    d_model=512,
    encoder_layers=6,
    decoder_layers=6,
    encoder_attention_heads=8,
    decoder_attention_heads=8,
    encoder_ffn_dim=2048,
    decoder_ffn_dim=2048,
    vocab_size=59514,
    max_position_embeddings=512,
)

#: What sets the tc-big family (the quality tier) apart besides size, from Helsinki-NLP/opus-mt-tc-big-fr-en's
#: config.json: ReLU feed-forward layers (opus-mt: swish) and a vocabulary whose ``</s>`` is not entry 0
#: (43311 of 53017; ``<pad>`` stays last). Tiny models built with it exercise the same special-token layout.
TC_BIG_LAYOUT: dict[str, Any] = dict(activation_function="relu", eos_token_id=43311)

#: Shape of Helsinki-NLP/opus-mt-tc-big-fr-en (its config.json): transformer-big, 6+6 layers at width 1024,
#: 16 heads, FFN 4096, a shared vocabulary of 53017 entries, inputs of up to 1024 positions.
OPUS_MT_TC_BIG_FR_EN_SHAPE: dict[str, Any] = dict(
    d_model=1024,
    encoder_layers=6,
    decoder_layers=6,
    encoder_attention_heads=16,
    decoder_attention_heads=16,
    encoder_ffn_dim=4096,
    decoder_ffn_dim=4096,
    vocab_size=53017,
    max_position_embeddings=1024,
    **TC_BIG_LAYOUT,
)


def train_sentencepiece(texts: Iterable[str], vocab_size: int = 400, extra_symbols: Iterable[str] = ()) -> bytes:
    """Train a unigram SentencePiece model in memory and return its bytes.

    ``extra_symbols`` become pieces of the model without being learned (they
    pad a small model to a real model's piece count).
    """
    import sentencepiece as spm

    buf = io.BytesIO()
    extra = list(extra_symbols)
    options: dict[str, Any] = {"user_defined_symbols": extra} if extra else {}
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter([t for t in texts if t.strip()]),
        **options,
        model_writer=buf,
        vocab_size=vocab_size + len(extra),
        model_type="unigram",
        character_coverage=1.0,
        hard_vocab_limit=False,
        bos_id=-1,  # Marian and T5 use no BOS
        eos_id=1,
        unk_id=2,
        pad_id=0,
        pad_piece="<pad>",
        minloglevel=2,
    )
    return buf.getvalue()


def _pieces(spm_bytes: bytes) -> list[str]:
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_proto=spm_bytes)
    return [sp.id_to_piece(i) for i in range(sp.get_piece_size())]


def build_marian(
    path: str | Path,
    texts: Iterable[str],
    *,
    spm_vocab_size: int = 400,
    target_texts: Iterable[str] | None = None,
    pieces_per_side: int | None = None,
    seed: int = 0,
    num_beams: int = 4,
    eos_bias: float = 0.0,
    source: str = SOURCE,
    target: str = TARGET,
    activation_function: str = "swish",
    eos_token_id: int = 0,
    **shape: int,
) -> Path:
    """Save a random Marian model plus tokenizer files to ``path``.

    ``shape`` takes MarianConfig sizes (d_model, encoder_layers, vocab_size...).
    With ``target_texts``, source and target get their own SentencePiece
    models and share one vocabulary, as opus-mt models do; ``pieces_per_side``
    pads each side's model to that many pieces (opus-mt uses 32k per side).
    The vocabulary is padded with unused entries up to ``vocab_size`` so that
    a real-size output projection can be benchmarked with a small tokenizer.
    ``eos_bias`` is added to the end-of-sentence logit (a negative value makes
    random models write longer outputs). ``source`` and ``target`` are the
    languages its tokenizer's configuration names. ``activation_function`` and
    ``eos_token_id`` (where ``</s>`` sits in the vocabulary) default to opus-mt's;
    :data:`TC_BIG_LAYOUT` gives the tc-big family's.
    """
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    texts = list(texts)
    if target_texts is None:
        spm_bytes = train_sentencepiece(texts, spm_vocab_size)
        source_bytes = target_bytes = spm_bytes
    else:
        source_bytes = train_sentencepiece(texts, spm_vocab_size)
        target_bytes = train_sentencepiece(list(target_texts), spm_vocab_size)
        if pieces_per_side:
            target_bytes = train_sentencepiece(
                list(target_texts), spm_vocab_size,
                [f"{target}{i}" for i in range(max(0, pieces_per_side - len(_pieces(target_bytes))))])
            # Pad the source side so that the shared vocabulary comes out at exactly vocab_size.
            shared = set(_pieces(target_bytes)) | set(_pieces(source_bytes)) | {"</s>", "<unk>"}
            wanted = shape.get("vocab_size", 0) - 1 - len(shared)  # -1: <pad>
            if wanted > 0:
                source_bytes = train_sentencepiece(texts, spm_vocab_size, [f"{source}{i}" for i in range(wanted)])
    (path / "source.spm").write_bytes(source_bytes)
    (path / "target.spm").write_bytes(target_bytes)
    pieces = list(dict.fromkeys(_pieces(target_bytes) + _pieces(source_bytes)))
    # opus-mt puts </s> first (tc-big further in, eos_token_id) and <pad> last; ids follow vocab.json, not the spm.
    vocab = ["<unk>"] + [p for p in pieces if p not in {"</s>", "<unk>", "<pad>"}]
    size = max(shape.pop("vocab_size", 0), len(vocab) + 2)
    vocab += [f"<unused{i}>" for i in range(size - len(vocab) - 2)]
    if not 0 <= eos_token_id < size - 1:
        raise ValueError(f"eos_token_id must be below the vocabulary's last entry (<pad>, {size - 1}); got {eos_token_id}")
    vocab.insert(eos_token_id, "</s>")
    vocab.append("<pad>")
    (path / "vocab.json").write_text(
        json.dumps({p: i for i, p in enumerate(vocab)}, ensure_ascii=False), encoding="utf-8"
    )
    (path / "tokenizer_config.json").write_text(
        json.dumps({"tokenizer_class": "MarianTokenizer", "model_max_length": shape.get("max_position_embeddings", 512),
                    "source_lang": source, "target_lang": target, "separate_vocabs": False}),
        encoding="utf-8",
    )
    pad = len(vocab) - 1
    defaults: dict[str, Any] = dict(
        d_model=32, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64,
        max_position_embeddings=128, init_std=0.3,
    )
    defaults.update(shape)
    config = MarianConfig(
        vocab_size=len(vocab), pad_token_id=pad, eos_token_id=eos_token_id, decoder_start_token_id=pad,
        forced_eos_token_id=eos_token_id, scale_embedding=True, share_encoder_decoder_embeddings=True,
        activation_function=activation_function, **defaults,
    )
    torch.manual_seed(seed)
    model = MarianMTModel(config).eval()
    with torch.no_grad():
        model.final_logits_bias[0, eos_token_id] += eos_bias
    model.generation_config = GenerationConfig(
        num_beams=num_beams, max_length=config.max_position_embeddings, bad_words_ids=[[pad]],
        pad_token_id=pad, eos_token_id=eos_token_id, decoder_start_token_id=pad, forced_eos_token_id=eos_token_id,
    )
    model.save_pretrained(path)
    return path


def build_t5(path: str | Path, texts: Iterable[str], *, max_input_tokens: int = 64, seed: int = 0) -> Path:
    """Save a tiny random T5 summarisation model whose tokenizer accepts ``max_input_tokens``."""
    import torch
    from transformers import GenerationConfig, T5Config, T5ForConditionalGeneration, T5Tokenizer

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_proto=train_sentencepiece(texts, 400))
    # T5 wants <pad>, </s>, <unk> at ids 0, 1, 2, as train_sentencepiece lays them out.
    vocab = [(sp.id_to_piece(i), sp.get_score(i)) for i in range(sp.get_piece_size())]
    tokenizer = T5Tokenizer(vocab=vocab, extra_ids=0, model_max_length=max_input_tokens)
    tokenizer.save_pretrained(path)
    generic: dict[str, Any] = dict(  # PretrainedConfig fields that T5Config passes through
        decoder_start_token_id=tokenizer.pad_token_id,
        task_specific_params={"summarization": {"prefix": "summarize: "}},
    )
    config = T5Config(
        vocab_size=len(tokenizer), d_model=32, d_kv=8, d_ff=64, num_layers=1, num_decoder_layers=1,
        num_heads=2, pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id, **generic,
    )
    torch.manual_seed(seed)
    model = T5ForConditionalGeneration(config).eval()
    model.generation_config = GenerationConfig(
        num_beams=2, max_length=24, min_length=4, pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id, decoder_start_token_id=tokenizer.pad_token_id,
    )
    model.save_pretrained(path)
    return path


def cache_model(folder: str | Path, model_id: str, commit: str, cache: str | Path | None = None) -> Path:
    """Copy a model folder into the Hugging Face cache as if ``model_id`` had been downloaded at ``commit``
    (``refs/main`` names it too), so that it is found by id offline; returns the snapshot folder.
    ``cache`` defaults to huggingface_hub's ``HF_HUB_CACHE``."""
    import shutil

    import huggingface_hub.constants as hf

    repo = Path(cache or hf.HF_HUB_CACHE) / f"models--{model_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / commit
    if snapshot.exists():
        shutil.rmtree(snapshot)
    shutil.copytree(folder, snapshot)
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / "main").write_text(commit)
    return snapshot
