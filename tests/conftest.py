"""Tiny random models built offline at test time, loaded through the public API."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"

# No test may touch the network: the hub is off, and converted models go to a temp cache.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def corpus() -> list[str]:
    lines: list[str] = []
    for name in ("corpus.fr.txt", "corpus.en.txt"):
        lines += (DATA / name).read_text(encoding="utf-8").splitlines()
    return lines


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    os.environ["BILINGUA_CACHE"] = str(tmp_path_factory.mktemp("bilingua-cache"))
    os.environ["HF_HOME"] = str(tmp_path_factory.mktemp("hf-home"))


@pytest.fixture(scope="session")
def marian_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1+1-layer Marian model whose input limit is 64 tokens, so long sentences must be split."""
    from bilingua.testing import build_marian

    return build_marian(tmp_path_factory.mktemp("tiny-marian"), corpus(), max_position_embeddings=64)


@pytest.fixture(scope="session")
def t5_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from bilingua.testing import build_t5

    return build_t5(tmp_path_factory.mktemp("tiny-t5"), corpus(), max_input_tokens=48)


@pytest.fixture(scope="session")
def long_document() -> str:
    """A multi-paragraph document of several thousand tokens, with over-long sentences and lists."""
    fr = (DATA / "corpus.fr.txt").read_text(encoding="utf-8").splitlines()
    paragraphs = []
    for k in range(12):
        block = fr[(k * 3) % len(fr):] + fr[: (k * 3) % len(fr)]
        paragraphs.append(" ".join(block[:6]))
    # One sentence far over the 64-token limit, without any punctuation to split on.
    run_on = " ".join(w for s in fr[:8] for w in s.rstrip(".").replace(",", "").split()) + "."
    paragraphs.insert(3, run_on)
    paragraphs.insert(6, "Ce que prévoit le plan :\n- la fermeture de deux ponts ;\n2) une réunion publique.\n\t— Vous venez ? demanda Marie.")
    return "\n\n".join(paragraphs) + "\n"


@pytest.fixture(scope="session")
def evaldata() -> Path:
    """``../shared/evaldata`` (public test sets, read in place, never copied)."""
    from bilingua.evaluation.suites import data_dir

    try:
        return data_dir()
    except Exception as exc:
        if os.environ.get("CI"):
            raise  # CI always has ../shared/evaldata: never skip the golden tests there
        pytest.skip(f"public evaluation data not available: {exc}")
