"""The engines behind translate_batch: CTranslate2 conversion cache, compute types, auto choice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import bilingua
from bilingua.backends import GenerationOptions, load_backend
from bilingua.backends import ct2 as ct2_module
from bilingua.backends.marian_tokenizer import MarianSentencePieceTokenizer
from bilingua.backends import choose_backend

DATA = Path(__file__).parent / "data"
FR = (DATA / "corpus.fr.txt").read_text(encoding="utf-8").splitlines()
EN = (DATA / "corpus.en.txt").read_text(encoding="utf-8").splitlines()


def test_sentencepiece_tokenizer_matches_transformers(marian_dir: Path) -> None:
    from transformers import AutoTokenizer

    hf = AutoTokenizer.from_pretrained(marian_dir)
    fast = MarianSentencePieceTokenizer(marian_dir)
    texts = FR + EN + ["", "  deux  espaces ", ">>en<< Bonjour", "ﬁ\u00a0«\u202fguillemets\u202f»", "inconnu: ☃ 漢字"]
    for text in texts:
        assert fast.tokens(text) == hf.convert_ids_to_tokens(hf(text)["input_ids"]), text
    for text in FR[:10]:
        ids = hf(text)["input_ids"]
        assert fast.detokenize(hf.convert_ids_to_tokens(ids)) == hf.decode(ids, skip_special_tokens=True).strip()


def test_conversion_is_cached_per_compute_type(marian_dir: Path) -> None:
    model = bilingua.resolve_model(marian_dir)
    fp32 = ct2_module.convert(model, "float32")
    int8 = ct2_module.convert(model, "int8")
    assert fp32 != int8 and (fp32 / "model.bin").is_file() and (int8 / "model.bin").is_file()
    meta = json.loads((int8 / "bilingua.json").read_text(encoding="utf-8"))
    assert meta["compute_type"] == "int8" and meta["id"] == str(marian_dir)
    stamp = (fp32 / "model.bin").stat().st_mtime_ns
    backend = load_backend("ctranslate2", model, device="cpu", compute_type="float32")
    assert Path(backend.info()["converted_path"]) == fp32
    assert (fp32 / "model.bin").stat().st_mtime_ns == stamp  # reused, not converted again
    assert fp32.parent == Path(os.environ["BILINGUA_CACHE"]) / "ct2"


def test_a_crashed_conversion_leaves_nothing_behind(marian_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from ctranslate2.converters import TransformersConverter

    monkeypatch.setenv("BILINGUA_CACHE", str(tmp_path / "cache"))

    def crash(self, output_dir, **kwargs):  # type: ignore[no-untyped-def]
        os.makedirs(output_dir)
        Path(output_dir, "model.bin").write_bytes(b"half a model")
        raise KeyboardInterrupt

    monkeypatch.setattr(TransformersConverter, "convert", crash)
    model = bilingua.resolve_model(marian_dir)
    with pytest.raises(KeyboardInterrupt):
        ct2_module.convert(model, "float32")
    assert list((tmp_path / "cache" / "ct2").iterdir()) == []
    monkeypatch.undo()
    monkeypatch.setenv("BILINGUA_CACHE", str(tmp_path / "cache"))
    assert (ct2_module.convert(model, "float32") / "model.bin").stat().st_size > 1000


def test_ctranslate2_load_needs_neither_torch_nor_transformers(marian_dir: Path) -> None:
    ct2_module.convert(bilingua.resolve_model(marian_dir), "float32")
    code = (
        "import sys, bilingua\n"
        f"p = bilingua.Pipeline({str(marian_dir)!r}, backend='ctranslate2', compute_type='float32', beams=1)\n"
        "print(p.translate('Bonjour.'))\n"
        "print('torch' in sys.modules, 'transformers' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy(), timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "False False"


@pytest.mark.parametrize("beams", [1, 4])
def test_int8_translates_every_sentence(marian_dir: Path, beams: int) -> None:
    p = bilingua.Pipeline(str(marian_dir), backend="ctranslate2", compute_type="int8", beams=beams,
                          summarizer="extractive")
    result = p.process("Le conseil s'est réuni. Les avis restaient partagés.\n\nFin.")
    assert len(result.segments) == 3 and all(s.translation for s in result.segments)
    assert result.models["translation"]["compute_type"] == "int8"


def test_torch_dynamic_int8_backend(marian_dir: Path) -> None:
    p = bilingua.Pipeline(str(marian_dir), backend="transformers", compute_type="int8", beams=1)
    assert p.translate(["Bonjour.", "Merci."]) and p.models_info()["translation"]["compute_type"] == "int8"


def test_target_vocabulary_restriction(tmp_path: Path) -> None:
    from bilingua.testing import build_marian

    folder = build_marian(tmp_path / "fr-en", FR, target_texts=EN, max_position_embeddings=64)
    allowed = set(ct2_module.target_vocabulary(folder))
    vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
    assert "</s>" in allowed and len(allowed) < len(vocab) - 1  # French-only pieces are out
    model = bilingua.resolve_model(folder)
    options = GenerationOptions(beams=1, loop_guard=False)
    restricted = load_backend("ctranslate2", model, device="cpu", options=options, target_vocab_only=True)
    assert restricted.info()["target_vocab_only"] and "--tv--" in Path(restricted.info()["converted_path"]).name
    pieces = restricted._generate(restricted.encode(FR[:6]), 0).tokens
    assert all(p in allowed for hyp in pieces for p in hyp)


def test_auto_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    import bilingua.backends as bk
    from bilingua.backends import base
    from bilingua.cpu import CpuFacts

    monkeypatch.setattr(bk, "cpu_facts", lambda: CpuFacts("vnni", 2, frozenset({"avx2", "avx512_vnni"})))
    assert choose_backend("auto", "cpu", "auto") == ("ctranslate2", "cpu", "int8")
    monkeypatch.setenv("CT2_FORCE_CPU_ISA", "AVX2")  # the engine held to AVX2 uses no VNNI, but int8 still wins
    assert not bk.cpu_facts().int8_dot_product
    assert choose_backend("auto", "cpu", "auto") == ("ctranslate2", "cpu", "int8")
    monkeypatch.setenv("CT2_FORCE_CPU_ISA", "AVX")  # below AVX2 nothing was measured: float32
    assert choose_backend("auto", "cpu", "auto") == ("ctranslate2", "cpu", "float32")
    monkeypatch.delenv("CT2_FORCE_CPU_ISA")
    monkeypatch.setattr(bk, "cpu_facts", lambda: CpuFacts("avx2 only", 2, frozenset({"avx2"})))
    assert choose_backend("auto", "cpu", "auto") == ("ctranslate2", "cpu", "int8")
    monkeypatch.setattr(bk, "cpu_facts", lambda: CpuFacts("old", 2, frozenset({"sse4_2", "avx"})))
    assert choose_backend("auto", "cpu", "auto") == ("ctranslate2", "cpu", "float32")
    with pytest.raises(bilingua.BilinguaError, match="no CUDA device"):  # this machine has no GPU
        choose_backend("auto", "cuda", "auto")
    monkeypatch.setattr(base, "_cuda_devices", lambda engine: 1)
    assert choose_backend("auto", "cuda", "auto") == ("ctranslate2", "cuda", "float16")
    assert choose_backend("auto", "auto", "auto") == ("ctranslate2", "cuda", "float16")
    monkeypatch.setattr(base, "_cuda_devices", lambda engine: 0)
    assert choose_backend("transformers", "cpu", "auto") == ("transformers", "cpu", "float32")
    assert choose_backend("auto", "cpu", "float32") == ("ctranslate2", "cpu", "float32")
    monkeypatch.setattr(bk, "available_backends", lambda: ["transformers"])
    assert choose_backend("auto", "cpu", "auto") == ("transformers", "cpu", "float32")
    with pytest.raises(ValueError, match="unknown backend"):
        choose_backend("onnx", "cpu", "auto")


def test_cli_backend_options(marian_dir: Path) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    base = [sys.executable, "-m", "bilingua", "translate", "--model", str(marian_dir), "--beams", "1", "--quiet"]
    outs = []
    for backend in ("transformers", "ctranslate2"):
        done = subprocess.run([*base, "--backend", backend, "--compute-type", "float32", "--format", "json", "Bonjour."],
                              capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        data = json.loads(done.stdout)
        assert data["models"]["translation"]["backend"] == backend
        outs.append(data["translation"])
    assert outs[0] == outs[1]  # float32 greedy: the two engines agree
    bad = subprocess.run([*base, "--backend", "transformers", "--compute-type", "bfloat16", "Bonjour."],
                         capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 1 and "compute types" in bad.stderr and bad.stderr.count("\n") == 1


def test_auto_on_a_gpu_ctranslate2_cannot_use_falls_back_visibly(
    marian_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # What happens on a CUDA 13 machine with CTranslate2's CUDA 12 build (seen on the lent H100).
    import bilingua.backends as bk
    from bilingua.backends.ct2 import CTranslate2Backend
    from bilingua.backends.hf import TransformersBackend

    def no_cublas(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise bilingua.BackendUnavailableError("CTranslate2 cannot run on this GPU (libcublas.so.12 not found)")

    real_init = TransformersBackend.__init__

    def on_cpu(self, model, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["device"] = "cpu"  # the test machine has no GPU; the choice is what is under test
        real_init(self, model, **kwargs)

    monkeypatch.setattr(CTranslate2Backend, "__init__", no_cublas)
    monkeypatch.setattr(TransformersBackend, "__init__", on_cpu)
    monkeypatch.setattr(bk, "choose_backend", lambda b, d, c: ("ctranslate2", "cuda", "float16"))
    p = bilingua.Pipeline(str(marian_dir), beams=1, summarizer="extractive")
    result = p.process("Bonjour.")
    assert result.models["translation"]["backend"] == "transformers"
    assert "libcublas" in result.models["translation"]["fallback_reason"]
    assert "using the transformers backend" in caplog.text
    explicit = bilingua.Pipeline(str(marian_dir), backend="ctranslate2", beams=1)
    with pytest.raises(bilingua.BackendUnavailableError):
        explicit.translate("Bonjour.")


# --- a conversion cache that heals itself -----------------------------------------------------

def _fresh_conversion(marian_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[object, Path]:
    monkeypatch.setenv("BILINGUA_CACHE", str(tmp_path / "cache"))
    model = bilingua.resolve_model(marian_dir)
    return model, ct2_module.convert(model, "float32")


def _translate(model: object) -> str:
    backend = load_backend("ctranslate2", model, device="cpu", compute_type="float32",
                           options=GenerationOptions(beams=1))
    return backend.translate_batch(["Bonjour."])[0].text


def test_a_truncated_model_bin_is_converted_again_with_a_notice(
    marian_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model, folder = _fresh_conversion(marian_dir, monkeypatch, tmp_path)
    expected = _translate(model)
    data = (folder / "model.bin").read_bytes()
    (folder / "model.bin").write_bytes(data[: len(data) // 2])
    assert _translate(model) == expected
    notices = [r.getMessage() for r in caplog.records if r.name == "bilingua"]
    assert len(notices) == 1 and "damaged" in notices[0] and str(folder) in notices[0]
    assert (folder / "model.bin").stat().st_size == len(data)


def test_a_deleted_model_bin_is_converted_again(marian_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    model, folder = _fresh_conversion(marian_dir, monkeypatch, tmp_path)
    (folder / "model.bin").unlink()
    assert _translate(model)  # was: [Errno 39] Directory not empty
    assert (folder / "model.bin").is_file()
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]


def test_a_conversion_that_cannot_load_twice_names_its_folder(
    marian_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    model, folder = _fresh_conversion(marian_dir, monkeypatch, tmp_path)
    real = ct2_module._convert_into

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        real(*args, **kwargs)
        out = args[-1]
        (out / "model.bin").write_bytes((out / "model.bin").read_bytes()[:100])

    (folder / "model.bin").write_bytes(b"damaged")
    monkeypatch.setattr(ct2_module, "_convert_into", broken)
    with pytest.raises(bilingua.BilinguaError, match="even after converting it again") as err:
        _translate(model)
    assert str(folder) in str(err.value) and "\n" not in str(err.value)


def test_stale_temporary_folders_are_removed(marian_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BILINGUA_CACHE", str(tmp_path / "cache"))
    parent = tmp_path / "cache" / "ct2"
    old, recent = parent / ".killed-conversion.abc", parent / ".running-conversion.def"
    for folder in (old, recent):
        (folder / "model").mkdir(parents=True)
    hours_ago = time.time() - 2 * 3600
    os.utime(old, (hours_ago, hours_ago))
    ct2_module.convert(bilingua.resolve_model(marian_dir), "float32")
    assert not old.exists() and recent.exists()  # a conversion may still be running in another process


# --- threads, devices, broken folders ---------------------------------------------------------

def test_threads_are_capped_at_the_core_count_with_a_notice(marian_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    from bilingua.cpu import cpu_facts

    p = bilingua.Pipeline(str(marian_dir), backend="ctranslate2", beams=1, threads=1000)
    assert p.translate("Bonjour.")
    assert p.models_info()["translation"]["threads"] == cpu_facts().cores
    assert any("1000 threads" in r.getMessage() for r in caplog.records)
    with pytest.raises(ValueError, match="threads must be at least 1"):
        bilingua.Pipeline(str(marian_dir), threads=-1)
    with pytest.raises(ValueError, match="beams must be from 1 to 16"):
        bilingua.Pipeline(str(marian_dir), beams=64)


def test_cuda_without_a_gpu_is_one_plain_error(marian_dir: Path) -> None:
    for backend in ("ctranslate2", "transformers"):
        p = bilingua.Pipeline(str(marian_dir), backend=backend, device="cuda", beams=1)
        with pytest.raises(bilingua.BilinguaError, match="^no CUDA device"):
            p.translate("Bonjour.")


def test_a_gpu_failure_that_is_not_cublas_is_not_reported_as_cublas() -> None:
    from bilingua.backends.ct2 import CTranslate2Backend

    class Failing:
        def __init__(self, message: str) -> None:
            self.message = message

        def translate_batch(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            raise RuntimeError(self.message)

    backend = CTranslate2Backend.__new__(CTranslate2Backend)
    backend.tokenizer = type("T", (), {"tokens": staticmethod(lambda text: text.split())})()
    backend.translator = Failing("CUDA failed with error out of memory")
    with pytest.raises(bilingua.BilinguaError, match="out of memory") as err:
        backend._probe_gpu()
    assert not isinstance(err.value, bilingua.BackendUnavailableError)
    backend.translator = Failing("Library libcublas.so.12 is not found or cannot be loaded")
    with pytest.raises(bilingua.BackendUnavailableError, match="CUDA 12"):
        backend._probe_gpu()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: (d / "config.json").write_text("{\n", encoding="utf-8"), "config.json' is not valid JSON"),
        (lambda d: (d / "vocab.json").write_text("", encoding="utf-8"), "vocab.json' is not valid JSON"),
        (lambda d: (d / "config.json").write_text("[]", encoding="utf-8"), "config.json' is not a JSON object"),
        (lambda d: (d / "model.safetensors").unlink(), "has no weights"),
        (lambda d: (d / "source.spm").write_bytes(b"not a sentencepiece model"), "could not be loaded"),
        (lambda d: (d / "source.spm").unlink(), "has no source.spm"),
        (lambda d: (d / "vocab.json").write_text("[1, 2]", encoding="utf-8"), "could not be loaded"),
        (lambda d: (d / "model.safetensors").write_bytes(b"garbage"), "could not be loaded"),
    ],
)
@pytest.mark.parametrize("backend", ["ctranslate2", "transformers"])
def test_a_broken_model_folder_is_one_line_that_names_it(
    marian_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage, message: str, backend: str  # type: ignore[no-untyped-def]
) -> None:
    import shutil

    monkeypatch.setenv("BILINGUA_CACHE", str(tmp_path / "cache"))
    folder = tmp_path / "model"
    shutil.copytree(marian_dir, folder)
    damage(folder)
    with pytest.raises(bilingua.ModelNotFoundError, match=message) as err:
        bilingua.Pipeline(str(folder), backend=backend, beams=1).translate("Bonjour.")
    assert str(folder) in str(err.value) and "\n" not in str(err.value)


def test_a_file_given_as_model_folder(tmp_path: Path) -> None:
    weights = tmp_path / "model.bin"
    weights.write_bytes(b"x")
    with pytest.raises(bilingua.ModelNotFoundError, match="is a file, not a model folder"):
        bilingua.resolve_model(weights)


@pytest.mark.parametrize("backend", ["ctranslate2", "transformers"])
def test_each_engine_gives_n_best_translations_of_each_sentence(marian_dir: Path, backend: str) -> None:
    from bilingua import Pipeline

    pipeline = Pipeline(str(marian_dir), backend=backend, compute_type="float32" if backend == "ctranslate2" else "auto",
                        beams=1)
    lists = pipeline.translator.backend.nbest(["Le chat dort.", "Il pleut depuis mardi soir."], 3)
    assert len(lists) == 2 and all(len(found) == 3 and all(isinstance(t, str) for t in found) for found in lists)
    best, others = pipeline.translate_alternatives("Le chat dort. Il pleut.", 2)
    assert best == pipeline.translate("Le chat dort. Il pleut.") and best not in others and len(others) <= 2
