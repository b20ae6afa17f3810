"""A Marian tokenizer on sentencepiece alone, for the CTranslate2 backend.

Importing transformers (and with it torch) costs seconds; CTranslate2 needs
only token strings. This reads the same files as transformers'
``MarianTokenizer`` (source.spm, target.spm, vocab.json, tokenizer_config.json)
and gives the same tokens and the same decoded text. (transformers 5 defines a
Moses punctuation normaliser on MarianTokenizer but never calls it while
tokenising, so neither does this.)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any


class MarianSentencePieceTokenizer:
    eos = "</s>"
    unk = "<unk>"
    pad = "<pad>"

    def __init__(self, folder: str | Path) -> None:
        import sentencepiece as spm

        folder = Path(folder)
        config: dict[str, Any] = {}
        if (folder / "tokenizer_config.json").is_file():
            config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
        self.separate_vocabs = bool(config.get("separate_vocabs", False))
        self.vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        self.source = spm.SentencePieceProcessor(model_file=str(folder / "source.spm"))
        # Like MarianTokenizer: with a shared vocabulary, text is decoded with the source model.
        target_file = folder / "target.spm"
        self.target = (
            spm.SentencePieceProcessor(model_file=str(target_file))
            if self.separate_vocabs and target_file.is_file()
            else self.source
        )
        self.model_max_length = int(config.get("model_max_length", 512))
        self.special = {self.eos, self.unk, self.pad}

    def tokens(self, text: str) -> list[str]:
        """Source pieces as the model sees them, ending with </s>."""
        code: list[str] = []
        if text.startswith(">>") and (end := text.find("<<")) != -1:  # target-language tag
            code, text = [text[: end + 2]], text[end + 2:]
        pieces = code + self.source.encode(text, out_type=str)
        return [p if p in self.vocab else self.unk for p in pieces] + [self.eos]

    def batch_tokens(self, texts: Sequence[str]) -> list[list[str]]:
        """:meth:`tokens` of each text; sentencepiece encodes the batch in one call (a language tag: one by one)."""
        if any(t.startswith(">>") for t in texts):
            return [self.tokens(t) for t in texts]
        vocab, unk = self.vocab, self.unk
        return [[p if p in vocab else unk for p in pieces] + [self.eos]
                for pieces in self.source.encode(list(texts), out_type=str)]

    def detokenize(self, pieces: Sequence[str]) -> str:
        """Text of generated pieces, special tokens dropped (as ``skip_special_tokens=True``)."""
        kept = [p for p in pieces if p not in self.special]
        return self.target.decode_pieces(kept).replace("\u2581", " ").strip()
