"""Both directions: English to French beside French to English, each text read by its own language's rules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import bilingua
from bilingua import Pipeline
from bilingua.errors import InputError, ModelNotFoundError
from bilingua.languages import DEFAULT_PAIR, PAIRS

DATA = Path(__file__).parent / "data"
SRC = Path(__file__).parent.parent / "src" / "bilingua"
ENGINE = dict(backend="ctranslate2", compute_type="float32", beams=1, summarizer="extractive")
ENGLISH = ("Mr. Smith arrived at 3 p.m. on Monday. He met Dr. Jones in the U.S. Senate.\n\n"
           "The budget grew by 3.5% this year. It now stands at 1,250,000 euros.")


def test_english_is_split_by_english_rules_and_translated_to_french(en_fr_dir: Path) -> None:
    result = bilingua.process(ENGLISH, source="en", target="fr", model=str(en_fr_dir), **ENGINE)
    assert [s.source for s in result.segments] == [
        "Mr. Smith arrived at 3 p.m. on Monday.", "He met Dr. Jones in the U.S. Senate.",
        "The budget grew by 3.5% this year.", "It now stands at 1,250,000 euros."]
    assert result.translation == bilingua.translate(ENGLISH, source="en", target="fr", model=str(en_fr_dir), **ENGINE)
    assert result.translation.count("\n\n") == 1  # the layout is kept
    assert result.models["translation"]["pair"] == "en-fr"
    # The summary is in the target language: made of the French translation's sentences.
    picked = [s.translation for s in result.segments if s.translation and s.translation in result.summary]
    assert picked and len(" ".join(picked)) >= len(result.summary) - len(picked)
    assert result.models["summarizer"]["language"] == "fr"


def test_french_is_split_by_french_rules(marian_dir: Path) -> None:
    text = "M. Dupont est arrivé à 15 h. Il a vu Mme Lefèvre. Le budget a crû de 3,5 %."
    got = bilingua.process(text, model=str(marian_dir), **ENGINE)
    assert [s.source for s in got.segments] == ["M. Dupont est arrivé à 15 h.", "Il a vu Mme Lefèvre.",
                                                 "Le budget a crû de 3,5 %."]
    assert got.models["translation"]["pair"] == "fr-en"


def test_html_lang_follows_the_pair_both_ways(en_fr_dir: Path, marian_dir: Path) -> None:
    page = '<p lang="en">Hello there.</p><p lang="fr">Déjà là.</p>'
    to_french = bilingua.translate(page, format="html", source="en", target="fr", model=str(en_fr_dir), **ENGINE)
    assert to_french.count('lang="fr"') == 2 and 'lang="en"' not in to_french
    to_english = bilingua.translate(page, format="html", model=str(marian_dir), **ENGINE)
    assert to_english.count('lang="en"') == 2 and 'lang="fr"' not in to_english


def test_each_pair_has_both_tiers_and_a_missing_model_says_how_to_get_it(tmp_path: Path) -> None:
    assert set(PAIRS) == {"fr-en", "en-fr"} and DEFAULT_PAIR.name == "fr-en"
    assert {p.name: [m.id for _, m in p.tiers] for p in PAIRS.values()} == {
        "fr-en": ["Helsinki-NLP/opus-mt-fr-en", "Helsinki-NLP/opus-mt-tc-big-fr-en"],
        "en-fr": ["Helsinki-NLP/opus-mt-en-fr", "Helsinki-NLP/opus-mt-tc-big-en-fr"]}
    with pytest.raises(ModelNotFoundError, match=r"opus-mt-tc-big-en-fr.*bilingua models download"):
        Pipeline(source="en", target="fr", tier="quality", **ENGINE).translate("Hello.")
    with pytest.raises(InputError, match="fr-fr"):
        Pipeline(source="fr", target="fr")
    with pytest.raises(InputError, match="tier"):
        Pipeline(tier="best")


@pytest.fixture()
def cached_pairs(marian_dir: Path, en_fr_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both pairs' default models in a Hugging Face cache of their own, as downloads would leave them."""
    import huggingface_hub.constants as hf

    from bilingua.testing import cache_model

    monkeypatch.setattr(hf, "HF_HUB_CACHE", str(tmp_path / "hub"))
    fr_en = PAIRS["fr-en"].model()
    cache_model(marian_dir, fr_en.id, str(fr_en.revision))
    first_download = "1" * 40  # en-fr's model has no published pin: the first download is its pin
    cache_model(en_fr_dir, PAIRS["en-fr"].model().id, first_download)
    return first_download


def test_auto_detects_each_documents_language_and_picks_its_pair(cached_pairs: str, marian_dir: Path,
                                                                en_fr_dir: Path) -> None:
    french = (DATA / "corpus.fr.txt").read_text(encoding="utf-8").splitlines()[0]
    english = (DATA / "corpus.en.txt").read_text(encoding="utf-8").splitlines()[1]
    auto = Pipeline(source="auto", **ENGINE)
    assert auto.translate([french, english]) == [
        Pipeline(str(marian_dir), **ENGINE).translate(french),
        Pipeline(str(en_fr_dir), source="en", **ENGINE).translate(english)]
    result = auto.process(english)
    assert result.models["translation"]["pair"] == "en-fr"
    assert result.models["translation"]["commit"] == cached_pairs  # pinned at its first download, and said
    assert result.models["translation"]["tier"] == "fast"
    # Asked for English, an English text is already there.
    assert Pipeline(source="auto", target="en", **ENGINE).translate(english) == english


def test_the_cli_takes_from_to_and_tier(en_fr_dir: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    source = tmp_path / "article.txt"
    source.write_text(ENGLISH + "\n", encoding="utf-8")
    out = tmp_path / "article.fr.txt"
    run = subprocess.run([sys.executable, "-m", "bilingua", "translate", "--from", "en", "--to", "fr", "-i", str(source),
                          "-o", str(out), "--model", str(en_fr_dir), "--backend", "ctranslate2",
                          "--compute-type", "float32", "--beams", "1", "-q"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    expected = bilingua.translate(ENGLISH + "\n", source="en", target="fr", model=str(en_fr_dir), **ENGINE)
    assert out.read_text(encoding="utf-8") == expected
    bad = subprocess.run([sys.executable, "-m", "bilingua", "translate", "--from", "en", "--to", "en", "Hi."],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "en-en" in bad.stderr


def test_no_language_code_is_spelt_outside_the_languages_module() -> None:
    # Every language-specific choice is read from the pair: a "fr" or "en" string elsewhere in the code is a
    # rule written twice (docstrings and comments may name them: they are no such string).
    found = []
    for path in SRC.rglob("*.py"):
        if path.name == "languages.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in ("fr", "en"):
                found.append(f"{path.relative_to(SRC)}:{node.lineno}: {node.value!r}")
    assert not found, "\n".join(found)


def test_one_server_serves_both_pairs_and_routes_each_text(cached_pairs: str, marian_dir: Path, en_fr_dir: Path,
                                                           tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx
    from conftest import SERVE_MODEL_OPTIONS, Server, finished_job

    french = (DATA / "corpus.fr.txt").read_text(encoding="utf-8").splitlines()[0]
    english = (DATA / "corpus.en.txt").read_text(encoding="utf-8").splitlines()[1]
    fr_en, en_fr = Pipeline(str(marian_dir), **ENGINE), Pipeline(str(en_fr_dir), source="en", **ENGINE)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))  # both default models, as downloads leave them
    server = Server(*SERVE_MODEL_OPTIONS, "--preload", log=tmp_path / "serve.log")
    try:
        def translate(**body: object) -> httpx.Response:
            return httpx.post(server.url + "/translate", json=body, timeout=60)

        languages = {lang["code"]: lang["targets"] for lang in httpx.get(server.url + "/languages").json()}
        assert languages == {"fr": ["en"], "en": ["fr"]}
        assert translate(q=english, source="en", target="fr").json()["translatedText"] == en_fr.translate(english)
        assert translate(q=french, source="fr", target="en").json()["translatedText"] == fr_en.translate(french)
        to_french = translate(q=[french, english], source="auto", target="fr").json()
        assert to_french["translatedText"] == [french, en_fr.translate(english)]  # French is already there
        assert [d["language"] for d in to_french["detectedLanguage"]] == ["fr", "en"]
        to_english = translate(q=[french, english], source="auto", target="en").json()
        assert to_english["translatedText"] == [fr_en.translate(french), english]
        assert translate(q=english, source="en").json()["translatedText"] == en_fr.translate(english)  # the other one
        assert translate(q=english, source="en", target="en").status_code == 400
        process = httpx.post(server.url + "/v1/process", json={"text": english, "source": "auto"}, timeout=60).json()
        assert process["translation"] == en_fr.translate(english) and process["models"]["translation"]["pair"] == "en-fr"
        page = f"# {english}\n\n- {english}\n"
        job = httpx.post(server.url + "/v1/documents", files={"file": ("notes.md", page.encode())},
                         data={"source": "en", "target": "fr"}, timeout=60)
        assert job.status_code == 202, job.text
        status = finished_job(server.url + "/v1/documents/" + job.json()["id"])
        assert status["status"] == "done", status
        result = httpx.get(server.url + f"/v1/documents/{job.json()['id']}/result", timeout=60)
        assert result.text == en_fr.translate(page, format="markdown")
        assert 'filename="notes.fr.md"' in result.headers["content-disposition"]
    finally:
        server.stop()


def test_a_pair_whose_model_the_server_lacks_is_a_503_naming_the_pair(server: object) -> None:
    import httpx

    url = server.url  # type: ignore[attr-defined]
    # The session's server was given a fr-en folder only; en-fr's default model is in no cache here.
    answer = httpx.post(url + "/translate", json={"q": "Good morning.", "source": "en", "target": "fr"}, timeout=60)
    assert answer.status_code == 503 and answer.json()["error"] == "en-fr is not available on this server: its model is not installed"
    assert httpx.post(url + "/translate", json={"q": "Bonjour.", "source": "fr"}, timeout=60).status_code == 200
    # A document job of that pair is refused when it is sent, not queued to fail later.
    job = httpx.post(url + "/v1/documents", files={"file": ("notes.txt", b"Good morning.")},
                     data={"source": "en", "target": "fr"}, timeout=60)
    assert job.status_code == 503 and "en-fr is not available" in job.json()["error"]


def test_each_pair_may_be_given_its_own_model(marian_dir: Path, en_fr_dir: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    french = (DATA / "corpus.fr.txt").read_text(encoding="utf-8").splitlines()[2]
    english = (DATA / "corpus.en.txt").read_text(encoding="utf-8").splitlines()[3]
    both = (f"fr-en={marian_dir}", f"en-fr={en_fr_dir}")
    auto = Pipeline(source="auto", pair_models=both, **ENGINE)
    expected = [Pipeline(str(marian_dir), **ENGINE).translate(french),
                Pipeline(str(en_fr_dir), source="en", **ENGINE).translate(english)]
    assert auto.translate([french, english]) == expected
    source = tmp_path / "mixed.txt"
    source.write_text(english + "\n", encoding="utf-8")
    flags = ["--backend", "ctranslate2", "--compute-type", "float32", "--beams", "1", "-q"]
    run = subprocess.run([sys.executable, "-m", "bilingua", "translate", "--from", "auto", "-i", str(source),
                          "--pair-model", both[0], "--pair-model", both[1], *flags], capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout == auto.translate(english + "\n"), run.stderr
    bad = subprocess.run([sys.executable, "-m", "bilingua", "translate", "--pair-model", "fr-de=x", "Bonjour."],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "PAIR=ID_OR_PATH" in bad.stderr
    with pytest.raises(InputError, match="given twice"):
        Pipeline(pair_models=(both[0], both[0]))


def test_a_batch_job_picks_each_records_pair_and_counts_them(marian_dir: Path, en_fr_dir: Path, tmp_path: Path) -> None:
    import json

    french = (DATA / "corpus.fr.txt").read_text(encoding="utf-8").splitlines()[:3]
    english = (DATA / "corpus.en.txt").read_text(encoding="utf-8").splitlines()[3:5]
    src = tmp_path / "mixed.jsonl"
    src.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(french + english)),
                   encoding="utf-8")
    both = (f"fr-en={marian_dir}", f"en-fr={en_fr_dir}")
    report = bilingua.batch(src, tmp_path / "out.jsonl", workers=1, source="auto", pair_models=both,
                            fields=("translation",), **ENGINE)  # type: ignore[arg-type]
    assert report.records_by_pair == {"fr-en": 3, "en-fr": 2} and report.failed == 0
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    alone = Pipeline(source="auto", pair_models=both, **ENGINE)
    assert [r["pair"] for r in out] == ["fr-en"] * 3 + ["en-fr"] * 2
    assert [r["translation"] for r in out] == alone.translate(french + english)


@pytest.fixture(scope="module")
def tc_big_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny models of the quality tier's family, each way: tc-big's ReLU and its </s> deep in the
    vocabulary (entry 817 of 1000 here, as 43311 of 53017 there), 16 heads like transformer-big."""
    from bilingua.testing import TC_BIG_LAYOUT, build_marian

    fr = (DATA / "corpus.fr.txt").read_text(encoding="utf-8").splitlines()
    en = (DATA / "corpus.en.txt").read_text(encoding="utf-8").splitlines()
    shape = dict(TC_BIG_LAYOUT, eos_token_id=817, vocab_size=1000, d_model=64, encoder_attention_heads=16,
                 decoder_attention_heads=16, max_position_embeddings=64)
    return {"fr-en": build_marian(tmp_path_factory.mktemp("tc-big-fr-en"), fr, target_texts=en, **shape),
            "en-fr": build_marian(tmp_path_factory.mktemp("tc-big-en-fr"), en, target_texts=fr, source="en",
                                  target="fr", **shape)}


@pytest.mark.parametrize("name", ["fr-en", "en-fr"])
def test_the_quality_tier_loads_from_the_cache_and_both_engines_agree(
    name: str, tc_big_dirs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    import huggingface_hub.constants as hf

    from bilingua.testing import cache_model

    folder = tc_big_dirs[name]
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
    assert config["activation_function"] == "relu" and vocab["</s>"] == config["eos_token_id"] == 817
    monkeypatch.setattr(hf, "HF_HUB_CACHE", str(tmp_path / "hub"))
    pair = PAIRS[name]
    first_download = "2" * 40
    cache_model(folder, pair.model("quality").id, first_download)
    text = (DATA / f"corpus.{pair.source}.txt").read_text(encoding="utf-8").splitlines()[:6]
    text_in = "\n".join(text)
    # protect=False: engines place protected spans by different means (attention, or word order).
    options = dict(source=pair.source, target=pair.target, tier="quality", beams=1, summarizer="extractive",
                   protect=False)
    by_ct2 = bilingua.process(text_in, backend="ctranslate2", compute_type="float32", **options)
    by_torch = bilingua.process(text_in, backend="transformers", compute_type="float32", **options)
    model = by_ct2.models["translation"]
    assert model["id"] == pair.model("quality").id and model["commit"] == first_download
    assert model["pair"] == name
    assert len(by_ct2.translation.split("\n")) == len(text)
    # Greedy decoding of the same weights: an engine that misread where </s> is would run on to the limit.
    assert [s.translation for s in by_ct2.segments] == [s.translation for s in by_torch.segments]
    assert all(s.translation for s in by_ct2.segments if s.source.strip())


def test_a_job_queued_before_pairs_existed_is_translated_in_the_default_pair(tmp_path: Path) -> None:
    import sqlite3
    import threading

    from bilingua.service.jobs import DocumentJobs

    with sqlite3.connect(tmp_path / "jobs.sqlite3") as db:  # the schema of a data folder from before pairs
        db.execute("CREATE TABLE jobs (id TEXT PRIMARY KEY, owner TEXT NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL, "
                   "done INTEGER NOT NULL DEFAULT 0, total INTEGER NOT NULL DEFAULT 0, error TEXT, created REAL NOT NULL, "
                   "started REAL, finished REAL, result_name TEXT, source BLOB NOT NULL, result BLOB)")
        db.execute("INSERT INTO jobs (id, owner, name, status, created, source) VALUES ('old', '', 'a.txt', 'queued', 0, ?)",
                   (b"Bonjour.",))
    seen: list[tuple[str, str]] = []
    ran = threading.Event()

    def translate(name: str, data: bytes, source: str, target: str, report: object) -> tuple[str, bytes]:
        seen.append((source, target))
        ran.set()
        return f"{Path(name).stem}.{target}.txt", data

    jobs = DocumentJobs(tmp_path, translate, keep_seconds=60)
    try:
        assert ran.wait(30)
        new = jobs.submit(None, "b.txt", b"Hello.", "en", "fr")
        for _ in range(300):
            if jobs.status(new, None)["status"] == "done":  # type: ignore[index]
                break
            threading.Event().wait(0.1)
        assert seen == [(DEFAULT_PAIR.source, DEFAULT_PAIR.target), ("en", "fr")]
        assert jobs.result(new, None) == ("done", "b.fr.txt", b"Hello.")
    finally:
        jobs.close()
