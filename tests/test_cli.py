"""The command line, end to end, in a subprocess like a user's shell."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TEXT = "Le conseil municipal s'est réuni mardi. Les avis restaient partagés.\n\n- un point ;\n- un autre.\n"


def run(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "bilingua", *args], input=stdin if stdin is not None else "",
        capture_output=True, text=True, env=env, cwd=cwd, timeout=300,
    )


@pytest.fixture(scope="module")
def model_args(marian_dir: Path) -> list[str]:
    return ["--model", str(marian_dir), "--beams", "1", "--quiet"]


def test_translate_argument_and_stdin_agree(model_args: list[str]) -> None:
    by_arg = run("translate", *model_args, "Bonjour tout le monde.")
    assert by_arg.returncode == 0, by_arg.stderr
    by_stdin = run("translate", *model_args, stdin="Bonjour tout le monde.")
    assert by_stdin.returncode == 0, by_stdin.stderr
    assert by_arg.stdout == by_stdin.stdout and by_arg.stdout.strip()
    assert by_arg.stdout.count("\n") == 1


def test_files_in_and_out_atomically_without_touching_the_input(tmp_path: Path, model_args: list[str]) -> None:
    src = tmp_path / "article.txt"
    src.write_text(TEXT, encoding="utf-8")
    out = tmp_path / "article.en.txt"
    r = run("translate", *model_args, "-i", str(src), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    assert src.read_text(encoding="utf-8") == TEXT
    lines = out.read_text(encoding="utf-8").split("\n")
    assert len(lines) == len(TEXT.split("\n"))
    assert lines[1] == "" and lines[2].startswith("- ") and lines[3].startswith("- ") and lines[4] == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["article.en.txt", "article.txt"]  # no temp files left

    same = run("translate", *model_args, "-i", str(src), "-o", str(src))
    assert same.returncode == 2 and "never overwrites its input" in same.stderr
    assert src.read_text(encoding="utf-8") == TEXT


def test_process_json(model_args: list[str]) -> None:
    r = run("process", *model_args, "--summarizer", "extractive", "--json", TEXT)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert {"source", "translation", "summary", "segments", "timings", "models"} <= data.keys()
    assert {"source", "translation", "paragraph", "score"} <= data["segments"][0].keys()
    assert data["models"]["summarizer"]["kind"] == "extractive"


def test_jsonl_one_result_per_input_line(model_args: list[str]) -> None:
    r = run("translate", *model_args, "--format", "jsonl", stdin="Bonjour.\n\nMerci.\nAu revoir.\n")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["source"] for row in rows] == ["Bonjour.", "Merci.", "Au revoir."]


def test_missing_model_is_one_line_and_exit_1_without_network() -> None:
    r = run("translate", "Bonjour.")
    assert r.returncode == 1
    assert r.stderr.startswith("bilingua: error: model 'Helsinki-NLP/opus-mt-fr-en'")
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_usage_errors_exit_2(model_args: list[str], tmp_path: Path) -> None:
    assert run("translate", "--beams", "0", "x").returncode == 2
    assert run("frobnicate").returncode == 2
    both = run("translate", *model_args, "-i", str(tmp_path / "x"), "texte")
    assert both.returncode == 2 and "not both" in both.stderr


def test_bad_input_files_exit_1(tmp_path: Path, model_args: list[str]) -> None:
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Le café est fermé.".encode("latin-1"))
    r = run("translate", *model_args, "-i", str(latin1))
    assert r.returncode == 1 and "not valid UTF-8" in r.stderr and "Traceback" not in r.stderr
    r = run("translate", *model_args, "-i", str(tmp_path / "missing.txt"))
    assert r.returncode == 1 and "does not exist" in r.stderr


def test_models_list_and_info_work_offline(marian_dir: Path) -> None:
    listed = run("models", "list")
    assert listed.returncode == 0, listed.stderr
    assert "Helsinki-NLP/opus-mt-fr-en: not downloaded" in listed.stdout
    assert "CTranslate2 conversions" in listed.stdout
    info = run("models", "info", str(marian_dir))
    assert info.returncode == 0, info.stderr
    data = json.loads(info.stdout)
    assert data["config"]["model_type"] == "marian" and "vocab.json" in data["files"]
    missing = run("models", "info", "Helsinki-NLP/opus-mt-fr-en")
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1 and "bilingua models download" in missing.stderr
