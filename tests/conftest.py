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
def en_fr_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same shape for English to French: its own SentencePiece models on each side's text."""
    from bilingua.testing import build_marian

    fr = (DATA / "corpus.fr.txt").read_text(encoding="utf-8").splitlines()
    en = (DATA / "corpus.en.txt").read_text(encoding="utf-8").splitlines()
    return build_marian(tmp_path_factory.mktemp("tiny-marian-en-fr"), en, target_texts=fr, source="en", target="fr",
                        max_position_embeddings=64)


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


class Server:
    """A ``bilingua serve`` process on a free local port (a real uvicorn server, talked to over HTTP)."""

    def __init__(self, *args: str, log: Path) -> None:
        import socket
        import subprocess
        import sys
        import time
        import urllib.request

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bilingua", "serve", "--port", str(self.port), *args],
            stdout=subprocess.DEVNULL, stderr=open(log, "wb"), env=os.environ.copy(),
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"bilingua serve exited with {self.proc.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"bilingua serve did not become ready:\n{log.read_text()}")

    def stop(self) -> int:
        import signal

        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(60)


def finished_job(url: str, *, timeout: float = 60, **params: str) -> dict:
    """A document job's status (``GET url``) once it is done or failed; until then it must be queued or
    translating."""
    import time

    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = httpx.get(url, params=params, timeout=60).json()
        if status["status"] in ("done", "error"):
            return status
        assert status["status"] in ("queued", "translating"), status
        time.sleep(0.1)
    raise AssertionError(f"{url} did not finish in {timeout:.0f} s")


#: The server's options where answers must equal the in-process pipeline's (greedy float32).
SERVE_MODEL_OPTIONS = ("--backend", "ctranslate2", "--compute-type", "float32", "--beams", "1", "--summarizer", "extractive")


@pytest.fixture(scope="session")
def server(marian_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    s = Server("--model", str(marian_dir), *SERVE_MODEL_OPTIONS, "--max-chars", "5000", "--micro-batch-ms", "10", log=log)
    yield s
    s.stop()
