"""A vocabulary shortlist, learnt from the model's own translations, limits what the decoder may write."""

from __future__ import annotations

from pathlib import Path

import pytest

from bilingua import Pipeline
from bilingua.backends.shortlist import ALWAYS_KEPT, build_shortlist, read_shortlist
from bilingua.errors import InputError

from test_cli import run

DATA = Path(__file__).parent / "data"
SENTENCES = ["Le conseil municipal s'est réuni mardi.", "Les avis restaient partagés sur le budget.",
             "La ville publiera le rapport demain."]


def test_candidates_are_the_commonest_pieces_and_each_source_piece_s_companions() -> None:
    pairs = [(["▁le", "▁chat"], ["▁the", "▁cat"]), (["▁le", "▁chien"], ["▁the", "▁dog"]),
             (["▁le", "▁chat", "▁noir"], ["▁the", "▁black", "▁cat"]), (["▁Paris"], ["▁the", "▁city"])]
    shortlist = build_shortlist(pairs, {"▁the", "▁cat", "▁dog", "▁black", "▁city", "▁Paris"}, frequent=1, per_piece=1)
    assert shortlist.always == (*ALWAYS_KEPT, "▁the")
    assert shortlist.by_source["▁chat"] == ("▁cat",)  # with it in both of its sentences; "▁black" in one
    assert shortlist.by_source["▁Paris"] == ("▁city", "▁Paris")  # and itself, which the English side can write
    assert shortlist.candidates(["▁le", "▁chien"]) == {*ALWAYS_KEPT, "▁the", "▁cat", "▁dog"}


@pytest.fixture(scope="module")
def shortlist_file(marian_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("shortlist") / "fr-en.vmap"
    done = run("models", "shortlist", str(DATA / "corpus.fr.txt"), "-o", str(out), "--model", str(marian_dir),
               "--beams", "1", "--frequent", "20", "--per-piece", "5")
    assert done.returncode == 0, done.stderr
    assert "candidates per sentence" in done.stderr
    return out


def test_the_decoder_writes_only_each_sentence_s_candidates(marian_dir: Path, shortlist_file: Path) -> None:
    shortlist = read_shortlist(shortlist_file)
    assert len(shortlist.always) == 20 + len(ALWAYS_KEPT) and shortlist.by_source
    limited = Pipeline(str(marian_dir), backend="ctranslate2", beams=1, protect=False, shortlist=str(shortlist_file))
    full = Pipeline(str(marian_dir), backend="ctranslate2", beams=1, protect=False)
    # CTranslate2 allows a batch the union of its sentences' candidates; these three make one batch.
    allowed = shortlist.candidates(p for source in limited.translator.backend.encode(SENTENCES) for p in source)
    mine = {t for h in limited.translator.translate_sentences(SENTENCES) for t in h.tokens}
    theirs = {t for h in full.translator.translate_sentences(SENTENCES) for t in h.tokens}
    assert mine <= allowed, mine - allowed
    assert theirs - allowed  # the full vocabulary would have written other pieces: the limit is real
    assert limited.models_info()["translation"]["shortlist"] == str(shortlist_file.resolve())


def test_shortlist_mistakes_are_one_line_and_lose_nothing(marian_dir: Path, shortlist_file: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("Bonjour.\n", encoding="utf-8")
    same = run("models", "shortlist", str(corpus), "-o", str(corpus), "--model", str(marian_dir))
    assert same.returncode == 2 and "never overwrites its input" in same.stderr
    assert corpus.read_text(encoding="utf-8") == "Bonjour.\n"
    missing = run("translate", "--model", str(marian_dir), "--shortlist", str(tmp_path / "nope.vmap"), "Bonjour.")
    assert missing.returncode == 1 and "bilingua models shortlist" in missing.stderr
    assert "Traceback" not in missing.stderr and len(missing.stderr.strip().splitlines()) == 1
    both = run("translate", "--model", str(marian_dir), "--shortlist", str(shortlist_file), "--target-vocab-only", "Bonjour.")
    assert both.returncode == 2 and "not both" in both.stderr
    engine = run("translate", "--model", str(marian_dir), "--shortlist", str(shortlist_file), "--backend", "transformers", "x")
    assert engine.returncode == 2 and "ctranslate2" in engine.stderr
    bad = tmp_path / "bad.vmap"
    bad.write_text("no tab here\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 1"):
        read_shortlist(bad)
