"""Where output goes and what input is accepted: nothing clobbered, nothing garbled, errors before work."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest

from bilingua.cli import main
from bilingua.errors import InputError
from bilingua.io import decode, write_atomic, write_output

TEXT = "Le conseil municipal s'est réuni mardi. Les avis restaient partagés.\n\n- un point ;\n- un autre.\n"


@pytest.fixture(scope="module")
def model_args(marian_dir: Path) -> list[str]:
    return ["--model", str(marian_dir), "--beams", "1", "--quiet"]


@pytest.fixture()
def source(tmp_path: Path) -> Path:
    path = tmp_path / "article.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def translate(model_args: list[str], *args: str) -> int:
    return main(["translate", *model_args, *args])


def test_dev_null_stays_a_device(model_args: list[str], source: Path) -> None:
    before = os.stat("/dev/null")
    assert translate(model_args, "-i", str(source), "-o", "/dev/null") == 0
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_a_fifo_is_written_to_not_replaced(model_args: list[str], source: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    assert translate(model_args, "-i", str(source), "-o", str(fifo)) == 0
    reader.join(timeout=60)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert received and received[0].count("\n") == TEXT.count("\n")


def test_a_symlink_is_written_through(model_args: list[str], source: Path, tmp_path: Path) -> None:
    target = tmp_path / "real.txt"
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    assert translate(model_args, "-i", str(source), "-o", str(link)) == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8").count("\n") == TEXT.count("\n")


def test_a_read_only_file_is_refused_unless_forced(
    model_args: list[str], source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "locked.txt"
    out.write_text("keep me\n", encoding="utf-8")
    out.chmod(0o444)
    assert translate(model_args, "-i", str(source), "-o", str(out)) == 1
    assert "read-only" in capsys.readouterr().err and out.read_text(encoding="utf-8") == "keep me\n"
    assert translate(model_args, "-i", str(source), "-o", str(out), "--force") == 0
    assert out.read_text(encoding="utf-8") != "keep me\n" and stat.S_IMODE(out.stat().st_mode) == 0o444


def test_stdin_that_is_the_output_file_is_refused(model_args: list[str], source: Path) -> None:
    import subprocess
    import sys

    with open(source, "rb") as stdin:
        done = subprocess.run([sys.executable, "-m", "bilingua", "translate", *model_args, "-o", str(source)],
                              stdin=stdin, capture_output=True, text=True, timeout=120,
                              env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 2 and "never overwrites its input" in done.stderr
    assert source.read_text(encoding="utf-8") == TEXT


def test_output_and_options_are_checked_before_any_model_loads(
    source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The model does not exist either: the error must be about the output, found first.
    missing = ["--model", str(tmp_path / "no-model")]
    assert main(["translate", *missing, "-i", str(source), "-o", str(tmp_path / "no" / "dir" / "out.txt")]) == 1
    assert "output folder" in capsys.readouterr().err
    assert main(["translate", *missing, "-i", str(source), "-o", str(tmp_path)]) == 1
    assert "is a folder" in capsys.readouterr().err
    assert main(["translate", *missing, "--backend", "transformers", "--target-vocab-only", "x"]) == 2
    assert "needs the ctranslate2 backend" in capsys.readouterr().err
    assert main(["translate", *missing, "--beams", "17", "x"]) == 2
    assert main(["translate", *missing, "--threads", "-1", "x"]) == 2


def test_write_atomic_keeps_the_mode_and_leaves_no_temp_file(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    out.write_text("old", encoding="utf-8")
    out.chmod(0o640)
    write_atomic(out, "new")
    assert out.read_text(encoding="utf-8") == "new" and stat.S_IMODE(out.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    write_output(tmp_path / "fresh.txt", "x")
    assert (tmp_path / "fresh.txt").read_text(encoding="utf-8") == "x"


@pytest.mark.parametrize("end", ["\r\n", "\r", "\n"])
def test_line_ends_come_back_as_they_came(model_args: list[str], tmp_path: Path, end: str) -> None:
    src = tmp_path / "in.txt"
    src.write_bytes(TEXT.replace("\n", end).encode("utf-8"))
    out = tmp_path / "out.txt"
    assert translate(model_args, "-i", str(src), "-o", str(out)) == 0
    data = out.read_bytes().decode("utf-8")
    assert data.count(end) == TEXT.count("\n")
    assert len(data.replace("\r\n", "\n").replace("\r", "\n").split("\n")) == len(TEXT.split("\n"))
    if end != "\r\n":
        assert "\r\n" not in data


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16", "utf-16-be", "utf-32", "utf-32-be"])
def test_utf16_and_utf32_are_read_with_or_without_a_byte_order_mark(
    model_args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], codec: str
) -> None:
    src = tmp_path / "in.txt"
    src.write_bytes("Le café.\n".encode(codec))
    assert decode(src.read_bytes(), "x") == "Le café.\n"
    assert translate(model_args, "-i", str(src)) == 0
    assert capsys.readouterr().out.strip()


def test_nul_bytes_are_refused_with_one_line(
    model_args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for data, message in ((b"Le caf\x00\x00 est ferm\x00.\n", "NUL character at offset 6"),
                          (b"Le caf\xe9\x00\x00 est ferm\x00.\n", "NUL byte at offset 7; is it a binary file?")):
        src = tmp_path / "in.txt"
        src.write_bytes(data)
        assert translate(model_args, "-i", str(src)) == 1
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1
        with pytest.raises(InputError, match="NUL"):
            decode(data, "x")


def test_summarize_and_process_text_output_and_jsonl_to_a_file(
    model_args: list[str], source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extractive = ["--summarizer", "extractive", "--summary-sentences", "1"]
    assert main(["summarize", *model_args, *extractive, "-i", str(source)]) == 0
    summary = capsys.readouterr().out
    assert summary.strip() and summary.count("\n") == 1
    assert main(["process", *model_args, *extractive, "-i", str(source)]) == 0
    translation, _, tail = capsys.readouterr().out.partition("\n\nSummary:\n")
    assert translation.count("\n") == TEXT.rstrip("\n").count("\n") and tail == summary
    out = tmp_path / "out.jsonl"
    assert main(["process", *model_args, *extractive, "--format", "jsonl", "-i", str(source), "-o", str(out)]) == 0
    assert capsys.readouterr().out == ""
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["source"] for r in rows] == [line for line in TEXT.split("\n") if line.strip()]
    assert all(r["summary"] for r in rows)


def test_a_docx_written_to_dev_null_leaves_the_device_a_device(tmp_path: Path) -> None:
    # Found by a hostile tester: binary outputs were always renamed into place, so this replaced /dev/null.
    import docx

    from bilingua.cli import main

    source = tmp_path / "rapport.docx"
    document = docx.Document()
    document.add_paragraph("Le conseil municipal a voté le budget.")
    document.save(str(source))
    before = os.stat("/dev/null")
    assert main(["translate", "--backend", "identity", "-i", str(source), "-o", "/dev/null"]) == 0
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_dash_as_output_is_standard_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    # Found by a hostile tester: -o - wrote a file named "-".
    from bilingua.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["translate", "--backend", "identity", "-o", "-", "Bonjour tout le monde."]) == 0
    assert capsys.readouterr().out == "Bonjour tout le monde.\n" and not (tmp_path / "-").exists()
