"""Corpus jobs: every record back once, bad records flagged, resumable after SIGKILL, local = Ray."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import bilingua
from bilingua.cli import main

DATA = Path(__file__).parent / "data"
FR = (DATA / "corpus.fr.txt").read_text(encoding="utf-8").splitlines()


def corpus(n: int) -> list[dict[str, object]]:
    records: list[dict[str, object]] = []
    for i in range(n):
        start = (i * 5) % len(FR)
        text = " ".join((FR[start:] + FR[:start])[: 1 + i % 3])
        records.append({"id": f"doc-{i}", "text": text, "source": "test"})
    return records


def write_jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def model_args(marian_dir: Path) -> list[str]:
    return ["--model", str(marian_dir), "--beams", "1", "--summarizer", "extractive", "--quiet", "--workers", "1"]


def test_a_corpus_with_a_broken_record_comes_back_complete_and_flagged(
    model_args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = corpus(300)
    records[123] = {"id": "doc-123", "text": None, "source": "test"}
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    lines.insert(200, "{not json")  # a line that is not JSON at all is a record too
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, report = tmp_path / "out.jsonl", tmp_path / "report.json"
    assert main(["batch", str(src), "-o", str(out), *model_args, "--chunk-size", "32", "--report", str(report)]) == 1
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("bilingua: error: 2 of 301 records failed")
    rows = read_jsonl(out)
    assert len(rows) == 301 and len({r["id"] for r in rows}) == 301
    by_id = {r["id"]: r for r in rows}
    assert "missing or null" in by_id["doc-123"]["bilingua_error"] and "translation" not in by_id["doc-123"]
    assert "not valid JSON" in rows[200]["bilingua_error"] and rows[200]["id"] == 200  # numbered in input order
    good = [r for r in rows if "bilingua_error" not in r]
    assert [r["id"] for r in good] == [r["id"] for r in records if r["text"] is not None]
    assert all(r["translation"] and r["summary"] and r["source"] == "test" for r in good)
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["records"] == 301 and data["failed"] == 2 and data["models"]["translation"]["backend"]


def test_parquet_and_csv_in_and_out(model_args: list[str], tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    records = corpus(40)
    pq.write_table(pa.Table.from_pylist(records), tmp_path / "in.parquet")
    assert main(["batch", str(tmp_path / "in.parquet"), "-o", str(tmp_path / "out.parquet"), *model_args,
                 "--fields", "translation,segments", "--chunk-size", "16"]) == 0
    table = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert [r["id"] for r in table] == [r["id"] for r in records]
    assert all(r["translation"] and r["segments"] and "summary" not in r for r in table)
    csv_in = tmp_path / "in.csv"
    csv_in.write_text("id,text\n1,Bonjour.\n2,Merci bien.\n", encoding="utf-8")
    assert main(["batch", str(csv_in), "-o", str(tmp_path / "out.jsonl"), *model_args, "--no-summary"]) == 0
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert [r["id"] for r in rows] == ["1", "2"] and all("summary" not in r for r in rows)


def test_each_record_carries_its_sentences_review_flags(model_args: list[str], marian_dir: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")

    records = corpus(12)
    alone = bilingua.Pipeline(str(marian_dir), beams=1, summarizer="extractive")
    expected = {}
    for r in records:
        segments = alone.process(str(r["text"]), summarize=False).segments
        expected[r["id"]] = [(i, s.start, s.end, f.kind, f.message) for i, s in enumerate(segments) for f in s.flags]
    assert any(expected.values())  # a random model's sentences have flags to carry
    src = write_jsonl(tmp_path / "in.jsonl", records)
    for out in (tmp_path / "out.jsonl", tmp_path / "out.parquet"):
        assert main(["batch", str(src), "-o", str(out), *model_args, "--fields", "translation,flags"]) == 0
        rows = read_jsonl(out) if out.suffix == ".jsonl" else pq.read_table(out).to_pylist()
        for row in rows:
            got = [(f["sentence"], f["start"], f["end"], f["kind"], f["message"]) for f in row["flags"]]
            assert got == expected[row["id"]], out.suffix
            text = str(row["text"])
            assert all(text[f["start"]:f["end"]].strip() for f in row["flags"])


def test_every_parquet_type_passes_through_and_json_outputs_convert_it_as_documented(
        model_args: list[str], tmp_path: Path) -> None:
    import datetime as dt
    import decimal

    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    records = corpus(6)
    table = pa.table({
        "id": [r["id"] for r in records], "text": [r["text"] for r in records],
        "published": pa.array([dt.datetime(2024, 1, 2, 3, 4, 5, 6000 * i) for i in range(6)], pa.timestamp("ms", tz="Europe/Paris")),
        "day": pa.array([dt.date(2024, 1, 1 + i) for i in range(6)], pa.date32()),
        "price": pa.array([decimal.Decimal(f"{i}.25") for i in range(6)], pa.decimal128(9, 2)),
        "blob": pa.array([bytes([i, 255]) for i in range(6)], pa.binary()),
        "meta": pa.array([{"tags": ["a", str(i)], "score": i / 2} for i in range(6)]),
    })
    pq.write_table(table, tmp_path / "in.parquet")
    # "Object of type datetime is not JSON serializable" stopped the whole job before.
    assert main(["batch", str(tmp_path / "in.parquet"), "-o", str(tmp_path / "out.parquet"), *model_args,
                 "--no-summary", "--chunk-size", "4"]) == 0
    out = pq.read_table(tmp_path / "out.parquet")
    for name in ("published", "day", "price", "blob", "meta"):
        assert out.schema.field(name).type == table.schema.field(name).type
        assert out.column(name).to_pylist() == table.column(name).to_pylist()
    assert main(["batch", str(tmp_path / "in.parquet"), "-o", str(tmp_path / "out.jsonl"), *model_args, "--no-summary"]) == 0
    first = read_jsonl(tmp_path / "out.jsonl")[1]
    assert first["published"] == "2024-01-02T04:04:05.006000+01:00" and first["day"] == "2024-01-02"  # in its time zone
    assert first["price"] == "1.25" and first["blob"] == "Af8=" and first["meta"] == {"tags": ["a", "1"], "score": 0.5}


def test_a_parquet_output_of_mixed_ids_and_bad_texts_has_one_type_per_column(model_args: list[str], tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    records: list[dict[str, object]] = corpus(4)
    del records[1]["id"]  # filled in with its record number, an int, beside string ids
    records[2]["text"] = 12  # a bad record: its text is not text
    write_jsonl(tmp_path / "in.jsonl", records)
    # "Expected bytes, got a 'int' object" at the very end, and no output, before.
    assert main(["batch", str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "out.parquet"), *model_args,
                 "--no-summary", "--chunk-size", "2"]) == 1
    rows = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert [r["id"] for r in rows] == ["doc-0", "1", "doc-2", "doc-3"]
    assert rows[2]["text"] == "12" and rows[2]["bilingua_error"] and rows[1]["translation"]


def test_a_folder_of_text_files(model_args: list[str], tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("Bonjour.\n\nMerci.", encoding="utf-8")
    (folder / "sub" / "b.md").write_text("# Titre\n\nLe train est parti.", encoding="utf-8")
    (folder / "ignored.pdf").write_bytes(b"%PDF")
    assert main(["batch", str(folder), "-o", str(tmp_path / "out.jsonl"), *model_args]) == 0
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert [r["id"] for r in rows] == ["a.txt", "sub/b.md"]
    assert rows[0]["translation"].count("\n") == 2
    (folder / "sub" / "b.md").write_text("# Titre\n\nUn autre texte, plus long.", encoding="utf-8")
    assert main(["batch", str(folder), "-o", str(tmp_path / "out.jsonl"), *model_args]) == 1  # the input changed


def _batch_command(src: Path, out: Path, marian_dir: Path) -> list[str]:
    return [sys.executable, "-m", "bilingua", "batch", str(src), "-o", str(out), "--model", str(marian_dir),
            "--beams", "1", "--summarizer", "extractive", "--chunk-size", "10", "--quiet", "--workers", "1"]


def test_a_killed_run_resumes_to_exactly_the_uninterrupted_result(marian_dir: Path, tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", corpus(150))
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    whole = tmp_path / "whole.jsonl"
    assert subprocess.run(_batch_command(src, whole, marian_dir), env=env, timeout=300).returncode == 0

    out = tmp_path / "out.jsonl"
    parts = tmp_path / ".out.jsonl.bilingua-batch"
    job = subprocess.Popen(_batch_command(src, out, marian_dir), env=env)
    deadline = time.monotonic() + 120
    while len(list(parts.glob("part-*.jsonl"))) < 3 and job.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    job.send_signal(signal.SIGKILL)
    job.wait()
    done_before = len(list(parts.glob("part-*.jsonl")))
    assert job.returncode == -signal.SIGKILL and 3 <= done_before < 15 and not out.exists()

    again = subprocess.run([*_batch_command(src, out, marian_dir), "--report", str(tmp_path / "r.json")],
                           env=env, timeout=300)
    assert again.returncode == 0
    assert out.read_text(encoding="utf-8") == whole.read_text(encoding="utf-8")
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["resumed_chunks"] == done_before and report["processed_records"] == 150 - 10 * done_before


def test_other_options_against_an_existing_output_are_refused(
    model_args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", corpus(5))
    out = tmp_path / "out.jsonl"
    assert main(["batch", str(src), "-o", str(out), *model_args]) == 0
    first = out.read_text(encoding="utf-8")
    assert main(["batch", str(src), "-o", str(out), *model_args]) == 0  # the same job: already complete
    assert main(["batch", str(src), "-o", str(out), *model_args, "--no-summary"]) == 1
    assert "use --overwrite" in capsys.readouterr().err and out.read_text(encoding="utf-8") == first
    assert main(["batch", str(src), "-o", str(out), *model_args, "--no-summary", "--overwrite"]) == 0
    assert all("summary" not in r for r in read_jsonl(out))
    other = tmp_path / "other.jsonl"
    other.write_text("precious\n", encoding="utf-8")
    assert main(["batch", str(src), "-o", str(other), *model_args]) == 1
    assert other.read_text(encoding="utf-8") == "precious\n"


def test_two_worker_processes_give_the_one_process_result(marian_dir: Path, tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", corpus(60))
    options = dict(model=str(marian_dir), beams=1, summarizer="extractive", chunk_size=8)
    one = bilingua.batch(src, tmp_path / "one.jsonl", workers=1, **options)  # type: ignore[arg-type]
    two = bilingua.batch(src, tmp_path / "two.jsonl", workers=2, **options)  # type: ignore[arg-type]
    assert (tmp_path / "one.jsonl").read_text(encoding="utf-8") == (tmp_path / "two.jsonl").read_text(encoding="utf-8")
    assert one.records == two.records == 60 and two.workers == 2
    from bilingua.cpu import cpu_facts

    assert bilingua.BatchOptions().worker_count == min(2, cpu_facts().cores)
    with pytest.raises(TypeError, match="unknown options: colour"):
        bilingua.batch(src, tmp_path / "x.jsonl", colour="blue")


def test_the_ray_engine_gives_the_local_result(marian_dir: Path, tmp_path: Path) -> None:
    ray = pytest.importorskip("ray")
    src = write_jsonl(tmp_path / "in.jsonl", corpus(40) + [{"id": "empty", "text": 3}])
    options = dict(model=str(marian_dir), beams=1, summarizer="extractive", chunk_size=8)
    local = bilingua.batch(src, tmp_path / "local.jsonl", workers=1, **options)  # type: ignore[arg-type]
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)  # a local Ray instance, started here
    try:
        on_ray = bilingua.batch(src, tmp_path / "ray.jsonl", engine="ray", workers=1, **options)  # type: ignore[arg-type]
        # A model that cannot load fails the job at once, with the local job's error, and commits nothing.
        with pytest.raises(bilingua.BilinguaError, match="no-such-model"):
            bilingua.batch(src, tmp_path / "broken.jsonl", engine="ray", workers=1,  # type: ignore[arg-type]
                           **{**options, "model": str(tmp_path / "no-such-model")})
        assert not (tmp_path / "broken.jsonl").exists() and not list(tmp_path.glob(".broken.jsonl.bilingua-batch/part-*"))
        # The driver reads a chunk as an actor comes free: it read every record before starting, before.
        from bilingua.corpus.ray_engine import run_on_ray
        from bilingua.corpus.work import BatchOptions
        from bilingua.options import SummaryOptions, TranslationOptions

        read: list[int] = []
        committed: list[tuple[int, int]] = []

        def chunks():  # type: ignore[no-untyped-def]
            for k in range(6):
                read.append(k)
                yield k, [{"id": f"{k}-{i}", "text": "Bonjour."} for i in range(3)]

        run_on_ray(chunks(), lambda k, records: committed.append((k, len(read))), TranslationOptions(backend="identity"),
                   SummaryOptions(summarizer="extractive"), BatchOptions(workers=1, fields=("translation",)))
        assert sorted(k for k, _ in committed) == list(range(6))
        assert all(seen <= k + 2 for k, seen in committed), committed  # one chunk in flight, one read ahead
    finally:
        ray.shutdown()
    assert (tmp_path / "ray.jsonl").read_text(encoding="utf-8") == (tmp_path / "local.jsonl").read_text(encoding="utf-8")
    assert on_ray.records == local.records == 41 and on_ray.failed == 1 and on_ray.engine == "ray"
    assert on_ray.models["translation"]["backend"] == "ctranslate2"


def test_text_with_unicode_line_separators_survives_the_chunk_files(model_args: list[str], tmp_path: Path) -> None:
    # json.dumps leaves U+2028 and U+0085 unescaped; the chunk files must not be split on them.
    records = [{"id": 1, "text": "Bonjour.\u2028Merci."}, {"id": 2, "text": "Le train\x85est parti."}]
    src = write_jsonl(tmp_path / "in.jsonl", records)
    assert main(["batch", str(src), "-o", str(tmp_path / "out.jsonl"), *model_args, "--chunk-size", "1"]) == 0
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").split("\n") if line]
    assert [r["text"] for r in rows] == [r["text"] for r in records] and all(r["translation"] for r in rows)


def test_a_markdown_file_in_a_folder_is_translated_as_markdown_like_bilingua_translate_does(
    model_args: list[str], marian_dir: Path, tmp_path: Path,
) -> None:
    # corpus/records.py read .md files as plain text while `bilingua translate` read them as Markdown;
    # both now ask the formats registry.
    folder = tmp_path / "docs"
    folder.mkdir()
    page = "# Le titre\n\nLe train est **parti** hier soir, voir [la carte](https://exemple.fr/carte).\n"
    (folder / "page.md").write_text(page, encoding="utf-8")
    assert main(["batch", str(folder), "-o", str(tmp_path / "out.jsonl"), *model_args]) == 0
    (row,) = read_jsonl(tmp_path / "out.jsonl")
    assert row["format"] == "markdown"
    single = tmp_path / "single.md"
    assert main(["translate", "-i", str(folder / "page.md"), "-o", str(single), "--model", str(marian_dir),
                 "--beams", "1", "--quiet"]) == 0
    assert row["translation"] == single.read_text(encoding="utf-8")
    assert "](https://exemple.fr/carte)" in row["translation"] and row["translation"].startswith("# ")


def test_ray_actors_get_the_gpu_that_device_auto_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    # ray_engine checked device == "cuda", so --device auto on a GPU machine gave the actors no GPU.
    # The plan resolves "auto" once, for the local workers, Ray and the engine alike.
    import bilingua.backends.base as base
    from bilingua.backends import thread_plan
    from bilingua.corpus.ray_engine import actor_plan
    from bilingua.options import TranslationOptions

    monkeypatch.setattr(base, "_cuda_devices", lambda engine: 1)  # what a machine with one GPU answers
    assert actor_plan(TranslationOptions(device="auto"), 2).gpus_per_worker == 1
    assert actor_plan(TranslationOptions(device="auto"), 2).threads == 1
    assert actor_plan(TranslationOptions(device="cpu"), 2).gpus_per_worker == 0
    monkeypatch.setattr(base, "_cuda_devices", lambda engine: 0)
    assert actor_plan(TranslationOptions(device="auto"), 2).gpus_per_worker == 0
    assert thread_plan("cpu", 2, cores=8).threads == 4 and thread_plan("cpu", 3, 5, cores=8).threads == 5


def test_a_job_resumed_with_other_options_or_other_file_contents_is_refused(
    model_args: list[str], marian_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    # The manifest's fingerprint covers every translation option and the content of the files options name.
    src = write_jsonl(tmp_path / "in.jsonl", corpus(6))
    out = tmp_path / "out.jsonl"
    glossary = tmp_path / "terms.tsv"
    glossary.write_text("conseil\tcouncil\n", encoding="utf-8")
    run = ["batch", str(src), "-o", str(out), *model_args, "--glossary", str(glossary)]
    assert main(run) == 0
    assert main(run) == 0  # the same job again: finished, nothing to do
    capsys.readouterr()
    assert main([*run, "--keep-lines"]) == 1  # another translation option
    assert "other input, model or options" in capsys.readouterr().err
    glossary.write_text("conseil\tboard\n", encoding="utf-8")  # same name, other terms
    assert main(run) == 1
    assert "other input, model or options" in capsys.readouterr().err


def test_the_fingerprint_reads_a_shortlist_by_its_content(tmp_path: Path) -> None:
    from bilingua.corpus.job import fingerprint
    from bilingua.corpus.work import BatchOptions
    from bilingua.options import SummaryOptions, TranslationOptions

    src = write_jsonl(tmp_path / "in.jsonl", corpus(2))
    shortlist = tmp_path / "fr-en.vmap"
    shortlist.write_text("\t▁the ▁a\n▁chat\t▁cat\n", encoding="utf-8")
    options = TranslationOptions(backend="ctranslate2", shortlist=str(shortlist))
    before = fingerprint(src, options, SummaryOptions(), BatchOptions())
    assert fingerprint(src, options, SummaryOptions(), BatchOptions()) == before
    shortlist.write_text("\t▁the ▁a\n▁chien\t▁dog\n", encoding="utf-8")
    assert fingerprint(src, options, SummaryOptions(), BatchOptions()) != before


def test_a_records_own_error_field_is_kept_and_the_record_translated(model_args: list[str], tmp_path: Path) -> None:
    records = corpus(2)
    records[0]["error"] = "from the source system"  # it was counted as failed and left untranslated
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["batch", str(src), "-o", str(out), *model_args]) == 0
    rows = read_jsonl(out)
    assert rows[0]["error"] == "from the source system" and rows[0]["translation"]
    assert not any("bilingua_error" in r for r in rows)


def test_an_undecodable_line_is_one_bad_record_and_the_job_goes_on(
    model_args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    src = tmp_path / "in.jsonl"
    good = [json.dumps(record, ensure_ascii=False).encode() for record in corpus(3)]
    src.write_bytes(b"\xef\xbb\xbf" + good[0] + b"\n" + b'{"id": 9, "text": "caf\xe9"}\n' + good[1] + b"\r\n" + good[2] + b"\n")
    out = tmp_path / "out.jsonl"
    assert main(["batch", str(src), "-o", str(out), *model_args]) == 1  # one record failed, the others are done
    rows = read_jsonl(out)
    assert [("bilingua_error" in r) for r in rows] == [False, True, False, False]
    assert "line 2" in rows[1]["bilingua_error"] and "UTF-8" in rows[1]["bilingua_error"]
    assert rows[0]["id"] == corpus(1)[0]["id"] and all(r["translation"] for r in rows if "bilingua_error" not in r)  # BOM read


def test_csv_keeps_a_lone_carriage_return_inside_its_field_and_reads_a_byte_order_mark(tmp_path: Path) -> None:
    import csv
    import io

    from bilingua.corpus.records import read_records, write_records

    out = tmp_path / "out.csv"
    write_records(out, [{"id": 1, "text": "une\rligne"}, {"id": 2, "text": "deux"}], "csv")
    assert list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8"), newline=""))) == [
        {"id": "1", "text": "une\rligne"}, {"id": "2", "text": "deux"}]
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufeffid,text\n7,Bonjour.\n".encode("utf-8"))
    assert list(read_records(bom, "csv")) == [{"id": "7", "text": "Bonjour."}]


def test_a_second_job_on_the_same_output_is_refused_while_the_first_runs(
    model_args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    from bilingua.corpus.job import ChunkStore

    src = write_jsonl(tmp_path / "in.jsonl", corpus(3))
    out = tmp_path / "out.jsonl"
    with ChunkStore(out, {}).locked():  # as a first job holds it while it works
        assert main(["batch", str(src), "-o", str(out), *model_args]) == 1
        assert "being written by another bilingua batch job" in capsys.readouterr().err
        assert not out.exists()
    assert main(["batch", str(src), "-o", str(out), *model_args]) == 0  # released: the job runs


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
def test_the_workers_of_a_killed_job_end_with_it(marian_dir: Path, tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", corpus(300))
    out = tmp_path / "out.jsonl"
    command = [*_batch_command(src, out, marian_dir), "--workers", "2"]
    job = subprocess.Popen(command, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    parts = tmp_path / ".out.jsonl.bilingua-batch"
    deadline = time.monotonic() + 120
    while not list(parts.glob("part-*.jsonl")) and job.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = [p for p in _children(job.pid) if "spawn" in Path(f"/proc/{p}/cmdline").read_bytes().decode(errors="replace")]
    assert len(workers) == 2, "two worker processes were working"
    job.send_signal(signal.SIGKILL)
    job.wait()
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{p}").exists() for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(Path(f"/proc/{p}").exists() for p in workers), "a worker outlived its job"


def test_an_input_rewritten_at_the_same_size_and_time_is_a_new_job(
    model_args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    note = folder / "a.txt"
    note.write_text("Le train est parti.", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["batch", str(folder), "-o", str(out), *model_args]) == 0
    stat = note.stat()
    note.write_text("Le car est parti !!", encoding="utf-8")  # same size
    os.utime(note, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same modification time
    assert note.stat().st_size == stat.st_size
    capsys.readouterr()
    assert main(["batch", str(folder), "-o", str(out), *model_args]) == 1
    assert "other input, model or options" in capsys.readouterr().err


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_model_that_cannot_load_fails_the_job_at_once_and_commits_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], workers: str,
) -> None:
    # It used to become an "error" on every record, committed: the rerun with the model fixed resumed them as done.
    src = write_jsonl(tmp_path / "in.jsonl", corpus(20))
    out = tmp_path / "out.jsonl"
    code = main(["batch", str(src), "-o", str(out), "--model", str(tmp_path / "no-such-model"), "--quiet",
                 "--summarizer", "extractive", "--workers", workers, "--chunk-size", "5"])
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no-such-model" in err[0]
    assert not out.exists() and not list(tmp_path.glob(".out.jsonl.bilingua-batch/part-*"))


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_the_output_is_assembled_a_part_at_a_time(tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import tracemalloc

    from bilingua.corpus import records as record_io
    from bilingua.corpus.job import ChunkStore

    monkeypatch.setattr(record_io, "ROW_GROUP", 1000)  # Parquet gathers parts into row groups of this many rows

    store = ChunkStore(tmp_path / f"out.{fmt}", {})
    store.folder.mkdir()
    parts = 40
    for k in range(parts):
        store.commit(k, [{"id": k * 500 + i, "text": "x" * 200, "translation": "y" * 200} for i in range(500)])
    total = sum(p.stat().st_size for p in store.folder.glob("part-*.jsonl"))
    record_io.write_records(tmp_path / f"warm.{fmt}", [{"id": 0}], fmt)  # imports (pyarrow, pandas) are not data
    tracemalloc.start()
    try:
        records, failed = store.finish(list(range(parts)), fmt)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (records, failed) == (parts * 500, 0)
    assert peak < total / 4, f"assembly held {peak:,} bytes for {total:,} bytes of records"
    if fmt == "parquet":
        assert sum(1 for _ in record_io.read_records(store.output, "parquet")) == parts * 500
    else:
        assert store.output.read_text(encoding="utf-8").count("\n") == parts * 500 + (fmt == "csv")


def test_a_resumed_jobs_progress_counts_only_this_runs_records(
        model_args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from tqdm import tqdm

    from bilingua import progress
    from bilingua.corpus import values

    src, out = write_jsonl(tmp_path / "in.jsonl", corpus(10)), tmp_path / "out.jsonl"
    args = ["batch", str(src), "-o", str(out), *model_args, "--no-summary", "--chunk-size", "5"]
    assert main(args) == 0
    # As if the run had been killed after its first chunk: that chunk's part is there, the job not finished.
    folder = tmp_path / ".out.jsonl.bilingua-batch"
    manifest = json.loads((folder / "job.json").read_text(encoding="utf-8"))
    (folder / "job.json").write_text(json.dumps({**manifest, "complete": False}), encoding="utf-8")
    (folder / "part-00000000.jsonl").write_text(
        "".join(values.dumps(r) + "\n" for r in read_jsonl(out)[:5]), encoding="utf-8")
    bars: list[tqdm] = []

    def drawn(enabled: bool, total: int | None, unit: str, desc: str, **options: object) -> tqdm:
        bars.append(tqdm(total=total, unit=unit, desc=desc, file=io.StringIO(), **options))  # type: ignore[call-overload]
        return bars[-1]

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(progress, "bar", drawn)
    monkeypatch.setattr("sys.stderr", Terminal())
    assert main([a for a in args if a != "--quiet"]) == 0
    assert bars and (bars[0].total, bars[0].n) == (5, 5)  # (10, 10) before: resumed records made the rate


def test_a_killed_ray_drivers_local_instance_ends_with_it(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    import os
    import signal
    import subprocess
    import sys
    import time

    from bilingua.corpus.reaper import descendants

    # Killing the driver used to leave Ray's dashboard and runtime-env agents running forever.
    driver = tmp_path / "driver.py"
    driver.write_text(
        "import json, os, time\n"
        "from bilingua.corpus.ray_engine import _start\n"
        "from bilingua.corpus.reaper import descendants\n"
        "ray = _start(None)\n"
        "ray.get(ray.remote(lambda: 1).remote())\n"
        "print(json.dumps(descendants(os.getpid())), flush=True)\n"
        "time.sleep(300)\n", encoding="utf-8")
    process = subprocess.Popen([sys.executable, str(driver)], stdout=subprocess.PIPE, text=True,
                               stderr=subprocess.DEVNULL)
    try:
        started = [tuple(p) for p in json.loads(process.stdout.readline())]  # type: ignore[union-attr]
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert len(started) >= 3  # GCS, raylet, agents, a worker
    alive = started
    for _ in range(40):
        alive = [p for p in started if p in set(descendants(1)) and os.path.exists(f"/proc/{p[0]}")]
        if not alive:
            break
        time.sleep(0.5)
    assert not alive, f"left running: {alive}"
