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

__all__ = ["train_sentencepiece", "build_marian", "build_t5", "OPUS_MT_FR_EN_SHAPE"]

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


def train_sentencepiece(texts: Iterable[str], vocab_size: int = 400) -> bytes:
    """Train a unigram SentencePiece model in memory and return its bytes."""
    import sentencepiece as spm

    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter([t for t in texts if t.strip()]),
        model_writer=buf,
        vocab_size=vocab_size,
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
    seed: int = 0,
    num_beams: int = 4,
    eos_bias: float = 0.0,
    **shape: int,
) -> Path:
    """Save a random Marian model plus tokenizer files to ``path``.

    ``shape`` takes MarianConfig sizes (d_model, encoder_layers, vocab_size...).
    The vocabulary is padded with unused pieces up to ``vocab_size`` so that a
    real-size output projection can be benchmarked with a small tokenizer.
    ``eos_bias`` is added to the end-of-sentence logit (a negative value makes
    random models write longer outputs).
    """
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    spm_bytes = train_sentencepiece(texts, spm_vocab_size)
    (path / "source.spm").write_bytes(spm_bytes)
    (path / "target.spm").write_bytes(spm_bytes)
    pieces = _pieces(spm_bytes)
    # Marian puts </s> first and <pad> last; ids follow vocab.json, not the spm.
    vocab = ["</s>", "<unk>"] + [p for p in pieces if p not in {"</s>", "<unk>", "<pad>"}]
    size = max(shape.pop("vocab_size", 0), len(vocab) + 1)
    vocab += [f"<unused{i}>" for i in range(size - len(vocab) - 1)]
    vocab.append("<pad>")
    (path / "vocab.json").write_text(
        json.dumps({p: i for i, p in enumerate(vocab)}, ensure_ascii=False), encoding="utf-8"
    )
    (path / "tokenizer_config.json").write_text(
        json.dumps({"tokenizer_class": "MarianTokenizer", "model_max_length": shape.get("max_position_embeddings", 512),
                    "source_lang": "fr", "target_lang": "en"}),
        encoding="utf-8",
    )
    pad = len(vocab) - 1
    defaults = dict(
        d_model=32, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64,
        max_position_embeddings=128, init_std=0.3,
    )
    defaults.update(shape)
    config = MarianConfig(
        vocab_size=len(vocab), pad_token_id=pad, eos_token_id=0, decoder_start_token_id=pad,
        forced_eos_token_id=0, scale_embedding=True, share_encoder_decoder_embeddings=True,
        activation_function="swish", **defaults,
    )
    torch.manual_seed(seed)
    model = MarianMTModel(config).eval()
    with torch.no_grad():
        model.final_logits_bias[0, 0] += eos_bias
    model.generation_config = GenerationConfig(
        num_beams=num_beams, max_length=config.max_position_embeddings, bad_words_ids=[[pad]],
        pad_token_id=pad, eos_token_id=0, decoder_start_token_id=pad, forced_eos_token_id=0,
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
    config = T5Config(
        vocab_size=len(tokenizer), d_model=32, d_kv=8, d_ff=64, num_layers=1, num_decoder_layers=1,
        num_heads=2, pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
        task_specific_params={"summarization": {"prefix": "summarize: "}},
    )
    torch.manual_seed(seed)
    model = T5ForConditionalGeneration(config).eval()
    model.generation_config = GenerationConfig(
        num_beams=2, max_length=24, min_length=4, pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id, decoder_start_token_id=tokenizer.pad_token_id,
    )
    model.save_pretrained(path)
    return path
