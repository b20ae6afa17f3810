from __future__ import annotations

from pathlib import Path

import pytest

from bilingua import ModelNotFoundError, Pipeline, resolve_model
from bilingua.hub import DEFAULT_TRANSLATION_MODEL, DEFAULT_TRANSLATION_REVISION


def test_local_folder_is_used_as_is(marian_dir: Path) -> None:
    m = resolve_model(marian_dir)
    assert m.local and m.path == marian_dir.resolve() and m.revision is None


def test_missing_hub_model_says_how_to_fix_it_offline() -> None:
    with pytest.raises(ModelNotFoundError) as err:
        resolve_model(DEFAULT_TRANSLATION_MODEL)
    message = str(err.value)
    assert "\n" not in message
    assert DEFAULT_TRANSLATION_REVISION in message  # the pinned revision is what was asked for
    assert "HF_HUB_OFFLINE" in message and "bilingua models download" in message and "--model" in message


def test_missing_folder_and_folder_without_config(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        resolve_model(tmp_path / "nope")
    with pytest.raises(ModelNotFoundError, match="config.json"):
        resolve_model(tmp_path)


def test_model_is_found_in_the_hf_cache_offline(tmp_path: Path, marian_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Lay the tiny model out the way huggingface_hub caches a download, then ask for it by id.
    commit = "0" * 40
    repo = tmp_path / "hub" / "models--acme--tiny-fr-en"
    snap = repo / "snapshots" / commit
    snap.mkdir(parents=True)
    for f in marian_dir.iterdir():
        (snap / f.name).write_bytes(f.read_bytes())
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    import huggingface_hub.constants as c

    monkeypatch.setattr(c, "HF_HUB_CACHE", str(tmp_path / "hub"))
    m = resolve_model("acme/tiny-fr-en")
    assert m.path == snap and m.revision == "main" and not m.local
    p = Pipeline("acme/tiny-fr-en", beams=1, summarizer="extractive")
    assert p.process("Bonjour.").models["translation"]["id"] == "acme/tiny-fr-en"


def test_an_unreadable_cache_is_not_reported_as_a_missing_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub

    def denied(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError(13, "Permission denied", str(tmp_path / "hub"))

    # As root (CI) a chmod would not stop the read, so the cache's refusal is what huggingface_hub would raise.
    monkeypatch.setattr(huggingface_hub, "snapshot_download", denied)
    with pytest.raises(ModelNotFoundError, match="could not be read .*Permission denied.*HF_HOME") as err:
        resolve_model("acme/tiny-fr-en")
    assert "not in the Hugging Face cache" not in str(err.value)
