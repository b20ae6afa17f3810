"""The evaluation harness: golden numbers, CLI/API agreement, reproducibility, errors."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bilingua.evaluation import System, evaluate, read_segments

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "bilingua", "eval", *args], capture_output=True, text=True,
                          env=env, timeout=600)


# --- golden values: sacrebleu's WMT17 en-de fixtures -----------------------------------------

@pytest.fixture(scope="session")
def wmt17(evaldata: Path) -> tuple[Path, list[dict[str, str]]]:
    fixtures = evaldata / "system_outputs" / "sacrebleu_fixtures"
    with open(fixtures / "derived_expected_scores_wmt17_en_de.tsv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert len(rows) == 16
    return fixtures / "derived_wmt17_en_de_txt", rows


@pytest.fixture(scope="session")
def wmt17_api(wmt17: tuple[Path, list[dict[str, str]]]) -> dict:
    folder, rows = wmt17
    ref = read_segments(str(folder / "newstest2017-ende-ref.de.txt")).lines
    systems = [System(r["system"], read_segments(str(folder / f"{r['system']}.txt")).lines) for r in rows]
    report = evaluate(systems, [ref], "bleu,chrf,ter", significance=(), worst=0, jobs=2)
    return json.loads(report.to_json())


# The command line on four of the systems (one with a BOM, both with published chrF): the
# arithmetic is the API's, so four show agreement without paying for all sixteen twice.
CLI_SYSTEMS = ("online-A.0", "C-3MA.4959", "FBK.4870", "uedin-nmt.4722")


@pytest.fixture(scope="session")
def wmt17_cli(wmt17: tuple[Path, list[dict[str, str]]]) -> dict:
    folder, rows = wmt17
    args = []
    for r in [r for r in rows if r["system"].split(".", 1)[1].rsplit(".", 1)[0] in CLI_SYSTEMS]:
        args += ["--hyp", str(folder / f"{r['system']}.txt"), "--name", r["system"]]
    done = run_cli(*args, "--ref", str(folder / "newstest2017-ende-ref.de.txt"), "--significance", "none",
                   "--worst", "0", "--jobs", "2", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_wmt17_published_bleu_ter_chrf_are_reproduced(wmt17: tuple[Path, list[dict[str, str]]], wmt17_api: dict) -> None:
    _, rows = wmt17
    scores = {s["name"]: s["metrics"] for s in wmt17_api["systems"]}
    checked_chrf = 0
    for r in rows:
        m = scores[r["system"]]
        assert f"{m['bleu']['score']:.2f}" == f"{float(r['expected_BLEU_mteval-v13a']):.2f}", r["system"]
        assert f"{m['ter']['score'] / 100:.3f}" == f"{float(r['expected_TER_tercom-0.7.25']):.3f}", r["system"]
        if r["expected_chrF_chrF++.py_nw0"]:
            assert f"{m['chrf']['score']:.4f}" == f"{float(r['expected_chrF_chrF++.py_nw0']):.4f}", r["system"]
            checked_chrf += 1
    assert checked_chrf == 2
    assert wmt17_api["systems"][0]["metrics"]["bleu"]["signature"].startswith("nrefs:1|case:mixed|eff:no|tok:13a")


def test_cli_and_api_agree_to_the_last_digit(wmt17_api: dict, wmt17_cli: dict) -> None:
    def scores(report: dict) -> dict:
        return {s["name"]: {k: (v["score"], v["signature"]) for k, v in s["metrics"].items()} for s in report["systems"]}

    cli = scores(wmt17_cli)
    assert len(cli) == len(CLI_SYSTEMS)
    assert cli == {name: v for name, v in scores(wmt17_api).items() if name in cli}
    api_segments = {s["name"]: s["segments"] for s in wmt17_api["systems"]}
    assert all(s["segments"] == api_segments[s["name"]] for s in wmt17_cli["systems"])


# --- ROUGE: OrangeSum, published BARThez / mBARThez --------------------------------------------

def test_orangesum_rouge1_matches_the_barthez_paper(evaldata: Path) -> None:
    done = run_cli("--suite", "orangesum", "--data-dir", str(evaldata),
                   "--hyp", str(evaldata / "summarization/orangesum/summaries/abstracts/barthez.txt"),
                   "--hyp", str(evaldata / "summarization/orangesum/summaries/abstracts/mbarthez.txt"),
                   "--metrics", "rouge1,rouge2", "--significance", "bs", "--n-samples", "200", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    r1 = {s["name"]: s["metrics"]["rouge1"]["score"] for s in report["systems"]}
    assert abs(r1["barthez"] - 31.44) <= 0.05
    assert abs(r1["mbarthez"] - 32.67) <= 0.05
    assert "stem:no" in report["systems"][0]["metrics"]["rouge1"]["signature"]
    (cmp,) = [c for c in report["comparisons"] if c["metric"] == "rouge1"]
    assert cmp["baseline"] == "barthez" and cmp["system"] == "mbarthez" and 0 < cmp["p_value"] <= 1


# --- translate and score with the tiny model -----------------------------------------------------

def test_translate_and_score_a_suite_slice_is_complete_and_reproducible(
    evaldata: Path, marian_dir: Path, tmp_path: Path
) -> None:
    args = ["--suite", "flores200-devtest", "--data-dir", str(evaldata), "--limit", "12", "--model", str(marian_dir),
            "--beams", "1", "--significance", "none", "--worst", "3", "--quiet"]
    first = run_cli(*args, "--report", str(tmp_path / "run1"))
    second = run_cli(*args, "--json")
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    a = json.loads((tmp_path / "run1.json").read_text(encoding="utf-8"))
    b = json.loads(second.stdout)
    assert (tmp_path / "run1.md").read_text(encoding="utf-8").startswith("### flores200-devtest")
    (system,) = a["systems"]
    assert len(system["segments"]) == 12
    assert set(system["metrics"]) == {"bleu", "chrf", "ter"}
    assert all(set(seg) == {"bleu", "chrf", "ter"} for seg in system["segments"])
    assert system["origin"]["model"]["id"] == str(marian_dir)
    speed = system["speed"]
    assert speed["sentences"] >= 12 and speed["target_tokens"] > 0 and speed["peak_rss_mb"] > 0
    assert a["data"]["source"]["sha256"] == "82f5b000db419ef9254eea7857cce82943b361090942f17ed696e3dce2944f42"
    assert a["environment"]["packages"]["sacrebleu"]
    assert len(a["worst_segments"][system["name"]]) == 3
    assert [s["metrics"] for s in a["systems"]] == [s["metrics"] for s in b["systems"]]
    assert [s["segments"] for s in a["systems"]] == [s["segments"] for s in b["systems"]]


# --- significance ---------------------------------------------------------------------------------

def test_paired_tests_compare_every_system_with_the_first(wmt17: tuple[Path, list[dict[str, str]]]) -> None:
    folder, rows = wmt17
    ref = read_segments(str(folder / "newstest2017-ende-ref.de.txt")).lines[:300]
    names = ["newstest2017.PROMT-Rule-based.4735.en-de", "newstest2017.uedin-nmt.4722.en-de",
             "newstest2017.online-F.0.en-de"]
    systems = [System(n, read_segments(str(folder / f"{n}.txt")).lines[:300]) for n in names]
    run = lambda: evaluate(systems, [ref], "bleu,len_ratio", significance=("bs", "ar"),  # noqa: E731
                           n_samples=100, worst=0)
    report = run()
    assert len(report.comparisons) == 2 * 2 * 2  # 2 systems x 2 metrics x 2 tests
    for c in report.comparisons:
        assert c["baseline"] == names[0] and 0 < c["p_value"] <= 1
        if c["test"] == "bs":
            assert c["ci95"] is not None and c["ci95"] > 0
    assert report.comparisons == run().comparisons  # fixed seeds


# --- inputs -------------------------------------------------------------------------------------

def test_tsv_and_jsonl_columns(tmp_path: Path) -> None:
    tsv = tmp_path / "out.tsv"
    tsv.write_text("id\thyp\tref\n1\tthe cat\tthe cat\n2\ta dog\tthe dog\n", encoding="utf-8")
    jsonl = tmp_path / "out.jsonl"
    jsonl.write_text('{"translation": "the cat"}\n{"translation": "a dog"}\n', encoding="utf-8")
    assert read_segments(str(tsv), ("hyp",)).lines == ["the cat", "a dog"]
    assert read_segments(f"{tsv}#ref").lines == ["the cat", "the dog"]
    assert read_segments(str(jsonl), ("hyp", "translation")).lines == ["the cat", "a dog"]
    done = run_cli("--hyp", str(jsonl), "--ref", f"{tsv}#ref", "--metrics", "bleu,chrf", "--significance", "none", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["systems"][0]["metrics"]["chrf"]["score"] > 0


@pytest.mark.parametrize("case", ["mismatch", "empty", "latin1", "suite", "metric", "no-ref"])
def test_bad_inputs_give_one_line_and_exit_1(case: str, tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("one\ntwo\nthree\n", encoding="utf-8")
    short = tmp_path / "short.txt"
    short.write_text("one\ntwo\n", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("café\nthé\nlait\n".encode("latin-1"))
    args, expected = {
        "mismatch": (["--hyp", str(short), "--ref", str(good)], "has 2 lines but the references have 3"),
        "empty": (["--hyp", str(empty), "--ref", str(good)], "is empty"),
        "latin1": (["--hyp", str(latin1), "--ref", str(good)], "not valid UTF-8"),
        "suite": (["--suite", "no-such-suite"], "unknown suite 'no-such-suite'"),
        "metric": (["--hyp", str(good), "--ref", str(good), "--metrics", "blue"], "unknown metric 'blue'"),
        "no-ref": (["--hyp", str(good)], "no references"),
    }[case]
    done = run_cli(*args)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert expected in done.stderr and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_missing_data_folder_says_where_it_looked(tmp_path: Path) -> None:
    done = run_cli("--suite", "tatoeba", "--data-dir", str(tmp_path / "nowhere"), "--hyp", "x")
    assert done.returncode == 1 and "evaluation data folder not found" in done.stderr
    assert str(tmp_path / "nowhere") in done.stderr


def test_every_suite_is_well_formed(evaldata: Path) -> None:
    from bilingua.evaluation.suites import list_suites, load_suite

    names = list_suites()
    assert {"flores200-devtest", "newstest2014", "tatoeba", "orangesum"} <= set(names)
    for name in names:
        suite = load_suite(name)
        if suite.task == "segmentation":
            from bilingua.evaluation.segmentation import load_documents

            sizes = {p["language"]: 0 for p in suite.parts}
            for part in suite.parts:
                sizes[part["language"]] += len(load_documents(evaldata, part))
            assert set(sizes.values()) == {suite.size}
            continue
        if suite.task == "review":
            from bilingua.evaluation.review import build_cases

            # size: the human translations the suite reviews, both directions of both corpora
            assert sum(c.injected is None for c in build_cases(evaldata)) == suite.size
            continue
        src = read_segments(str(evaldata / suite.source)).lines
        size = len(src)
        if suite.select:
            labels = read_segments(str(evaldata / suite.select["file"])).lines
            assert len(labels) == len(src)
            size = sum(label == suite.select["equals"] for label in labels)
        for ref in suite.references:
            assert len(read_segments(str(evaldata / ref)).lines) == len(src)
        assert size == suite.size


def test_the_review_suite_scores_every_injected_kind(evaldata: Path, tmp_path: Path) -> None:
    done = run_cli("--suite", "review", "--data-dir", str(evaldata), "--limit", "40", "--n-samples", "50",
                   "--worst", "2", "--json", "--report", str(tmp_path / "review"))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["false_alarm"]["n"] == 4 * 40  # two corpora, both directions
    recall = report["recall"]
    assert {"number", "negation", "name", "omission", "addition", "untranslated", "repetition", "protected",
            "length"} <= set(recall)
    for kind in ("untranslated", "repetition", "protected"):  # the errors no reviewer may miss
        assert recall[kind]["rate"] >= 0.95, (kind, recall[kind])
    assert all(r["low"] <= r["rate"] <= r["high"] for r in recall.values())
    assert "| recall: number |" in (tmp_path / "review.md").read_text(encoding="utf-8")
    refused = run_cli("--suite", "review", "--data-dir", str(evaldata), "--hyp", str(tmp_path / "review.md"))
    assert refused.returncode != 0 and "takes no --hyp" in refused.stderr


def test_compute_types_are_compared_in_one_run(evaldata: Path, marian_dir: Path) -> None:
    done = run_cli("--suite", "tatoeba", "--data-dir", str(evaldata), "--limit", "8", "--model", str(marian_dir),
                   "--beams", "1", "--backend", "ctranslate2", "--compute-type", "float32,int8",
                   "--n-samples", "50", "--worst", "0", "--quiet", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    names = [s["name"] for s in report["systems"]]
    assert names == [f"{marian_dir.name}-float32", f"{marian_dir.name}-int8"]
    assert [s["origin"]["model"]["compute_type"] for s in report["systems"]] == ["float32", "int8"]
    assert {c["metric"] for c in report["comparisons"]} == {"bleu", "chrf", "ter"}


def test_optional_comet_is_skipped_with_a_notice_and_unknown_sacrebleu_sets_fail_cleanly(tmp_path: Path) -> None:
    import importlib.util

    good = tmp_path / "good.txt"
    good.write_text("the cat sat\na dog\n", encoding="utf-8")
    if importlib.util.find_spec("comet") is None:
        done = run_cli("--hyp", str(good), "--ref", str(good), "--metrics", "bleu,comet", "--json")
        assert done.returncode == 0, done.stderr
        assert "COMET skipped" in done.stderr
        report = json.loads(done.stdout)
        assert set(report["systems"][0]["metrics"]) == {"bleu"} and report["notices"]
    done = run_cli("-t", "no-such-test-set", "--hyp", str(good))
    assert done.returncode == 1 and "no-such-test-set" in done.stderr and done.stderr.count("\n") == 1
    assert done.stdout == ""


@pytest.mark.parametrize(
    "option", [["--jobs", "-1"], ["--jobs", "0"], ["--n-samples", "-5"], ["--worst", "-1"], ["--limit", "0"],
               ["--threads", "-1"], ["--beams", "99"], ["--compute-type", "float32,float64"]],
)
def test_numeric_and_named_options_are_checked_before_any_work(option: list[str], tmp_path: Path) -> None:
    ref = tmp_path / "ref.txt"
    ref.write_text("a\n", encoding="utf-8")
    done = run_cli("--hyp", str(ref), "--ref", str(ref), *option)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr


def test_blank_hypotheses_are_scored(tmp_path: Path) -> None:
    ref, hyp = tmp_path / "ref.txt", tmp_path / "hyp.txt"
    ref.write_text("The cat sat.\nIt rained.\n", encoding="utf-8")
    hyp.write_text("\n\n", encoding="utf-8")
    done = run_cli("--hyp", str(hyp), "--ref", str(ref), "--significance", "none", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["systems"][0]["metrics"]["bleu"]["score"] == 0.0
    with pytest.raises(ValueError, match="jobs must be"):
        evaluate([System("x", ["a"])], [["a"]], "bleu", jobs=0)


def test_a_source_with_a_lone_cr_keeps_its_line_count(marian_dir: Path, tmp_path: Path) -> None:
    src, ref = tmp_path / "src.txt", tmp_path / "ref.txt"
    src.write_bytes("Bonjour.\nUn\rdeux.\nMerci.\nAu revoir.\nFin.\n".encode("utf-8"))
    ref.write_text("Hello.\nOne two.\nThanks.\nBye.\nEnd.\n", encoding="utf-8")
    done = run_cli("--src", str(src), "--ref", str(ref), "--model", str(marian_dir), "--beams", "1",
                   "--significance", "none", "--quiet", "--json")
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["systems"][0]["segments"]) == 5


def test_an_unwritable_report_fails_before_any_translation(marian_dir: Path, tmp_path: Path) -> None:
    ref = tmp_path / "ref.txt"
    ref.write_text("a\n", encoding="utf-8")
    done = run_cli("--src", str(ref), "--ref", str(ref), "--model", str(tmp_path / "no-model"),
                   "--report", str(tmp_path / "missing" / "run"))
    assert done.returncode == 1 and "output folder" in done.stderr


def test_segmentation_suite_on_the_command_line(evaldata: Path) -> None:
    done = run_cli("--suite", "segmentation", "--data-dir", str(evaldata), "--limit", "20", "--worst", "3", "--json")
    assert done.returncode == 0, done.stderr
    parts = json.loads(done.stdout)["parts"]
    assert {"newstest2014-fr", "flores200-fr", "all-fr", "all-en"} <= set(parts)
    assert parts["newstest2014-fr"]["punctuated"]["documents"] == 20
    assert 0.9 < parts["all-fr"]["punctuated"]["f1"] <= 1
    refused = run_cli("--suite", "segmentation", "--data-dir", str(evaldata), "--hyp", "x.txt")
    assert refused.returncode != 0 and "takes no --hyp" in refused.stderr


def test_orangesum_suite_runs_lead_k_and_the_published_outputs(evaldata: Path) -> None:
    done = run_cli("--suite", "orangesum", "--data-dir", str(evaldata), "--offset", "100", "--limit", "30",
                   "--metrics", "rouge1", "--rouge-stem", "--n-samples", "50", "--worst", "0", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    names = [s["name"] for s in report["systems"]]
    assert names[:4] == ["bilingua-extractive", "lead-1", "lead-2", "lead-3"] and "barthez" in names
    assert "stem:snowball-fr" in report["systems"][0]["metrics"]["rouge1"]["signature"]
    assert report["data"]["segments"] == 30


def test_an_en_fr_suite_translates_english_with_the_en_fr_model_and_keeps_its_subset(
    evaldata: Path, en_fr_dir: Path
) -> None:
    done = run_cli("--suite", "newstest2014-en-fr-orig-en", "--data-dir", str(evaldata), "--limit", "5",
                   "--model", str(en_fr_dir), "--beams", "1", "--significance", "none", "--worst", "5", "--quiet",
                   "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    text = evaldata / "wmt14_newstest2014_fren" / "text"
    english = (text / "newstest2014.fr-en.en").read_text(encoding="utf-8").splitlines()
    french = (text / "newstest2014.fr-en.fr").read_text(encoding="utf-8").splitlines()
    origin = (text / "newstest2014.fr-en.origlang").read_text(encoding="utf-8").split()
    kept = [i for i, lang in enumerate(origin) if lang == "en"]
    assert report["data"]["selected"]["segments"] == len(kept) == 1503
    (system,) = report["systems"]
    assert system["origin"]["model"]["id"] == str(en_fr_dir)
    worst = report["worst_segments"][system["name"]]
    assert sorted((w["source"], w["references"][0]) for w in worst) == sorted(
        (english[i], french[i]) for i in kept[:5])


def test_a_suite_refuses_a_direction_that_contradicts_it(evaldata: Path, en_fr_dir: Path) -> None:
    done = run_cli("--suite", "tatoeba-en-fr", "--data-dir", str(evaldata), "--from", "fr", "--model", str(en_fr_dir))
    assert done.returncode == 2
    assert "suite tatoeba-en-fr translates en-fr; --from fr does not match it" in done.stderr
