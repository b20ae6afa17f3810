from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

import bilingua
from bilingua import Pipeline
from bilingua.segmentation import PysbdSplitter, parse_document


@pytest.fixture(scope="module", params=["transformers", "ctranslate2"])
def pipeline(request: pytest.FixtureRequest, marian_dir: Path) -> Pipeline:
    return Pipeline(str(marian_dir), backend=request.param, summarizer="extractive", beams=1)


def _squash(text: str) -> str:
    return "".join(text.split())


def test_long_document_keeps_every_line_and_every_sentence(pipeline: Pipeline, long_document: str) -> None:
    result = pipeline.process(long_document)
    src_lines = long_document.split("\n")
    out_lines = result.translation.split("\n")
    assert len(out_lines) == len(src_lines)
    for src, out in zip(src_lines, out_lines):
        assert bool(src.strip()) == bool(out.strip()), (src, out)
    # List markers and dialogue dashes survive untranslated.
    for marker in ("- ", "2) ", "\t— "):
        assert any(line.startswith(marker) for line in out_lines)
    # Every source character (but whitespace and line prefixes) is in exactly one segment.
    doc = parse_document(long_document, PysbdSplitter())
    assert _squash("".join(s.source for s in result.segments)) == _squash("".join(s.text for s in doc.sentences()))
    assert all(s.translation for s in result.segments)
    # The run-on sentence is longer than the model limit and was split, not cut.
    backend = pipeline.translator.backend
    longest = max(result.segments, key=lambda s: len(s.source))
    assert backend.count_tokens([longest.source])[0] > backend.max_input_tokens
    assert sum(backend.count_tokens([s.source for s in result.segments])) > 2000
    assert {s.paragraph for s in result.segments} == set(range(max(s.paragraph for s in result.segments) + 1))


@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
def test_batched_equals_one_at_a_time_under_greedy(marian_dir: Path, backend: str) -> None:
    sentences = [
        "Le conseil municipal de Lyon s'est réuni mardi soir.",
        "Bonjour.",
        "Les travaux commenceront au printemps et dureront jusqu'à la fin de l'année prochaine.",
        "Le chômage est resté stable.",
    ]
    batched = Pipeline(str(marian_dir), backend=backend, compute_type="float32", beams=1, batch_size=16)
    single = Pipeline(str(marian_dir), backend=backend, compute_type="float32", beams=1, batch_size=1)
    assert batched.translate(sentences) == single.translate(sentences)
    # The short sentence shared a batch with long ones, yet kept its own length bound.
    tokens = batched.translator.backend.count_tokens(["Bonjour."])[0]
    assert len(batched.translate("Bonjour.").split()) <= 2 * tokens + 10


def test_ctranslate2_float32_matches_transformers_greedy(marian_dir: Path) -> None:
    from bilingua.backends import GenerationOptions, load_backend

    model = bilingua.resolve_model(marian_dir)
    options = GenerationOptions(beams=1, loop_guard=False)
    hf = load_backend("transformers", model, device="cpu", options=options)
    ct2 = load_backend("ctranslate2", model, device="cpu", options=options, compute_type="float32")
    sources = ["Le train de 8 h 15 a été supprimé.", "Pourquoi tant de retard ?", "Merci."]
    assert [h.text for h in hf.translate_batch(sources)] == [h.text for h in ct2.translate_batch(sources)]


def test_identical_sentences_are_translated_once(marian_dir: Path) -> None:
    from bilingua.backends import GenerationOptions, load_backend
    from bilingua.translator import Translator

    calls: list[str] = []
    backend = load_backend("transformers", bilingua.resolve_model(marian_dir), device="cpu",
                           options=GenerationOptions(beams=1))
    real = backend.translate_batch
    backend.translate_batch = lambda xs, *tok: (calls.extend(xs), real(xs, *tok))[1]  # type: ignore[method-assign]
    hyps = Translator(backend).translate_sentences(["Merci.", "Bonjour.", "Merci.", "Merci."])
    assert sorted(calls) == ["Bonjour.", "Merci."]
    assert hyps[0] == hyps[2] == hyps[3]


def test_output_is_deterministic_and_length_bounded(pipeline: Pipeline) -> None:
    text = "Le maire a promis que chaque remarque serait lue."
    first = pipeline.process(text)
    assert pipeline.process(text).translation == first.translation
    backend = pipeline.translator.backend
    src_tokens = backend.count_tokens([text])[0]
    assert first.segments[0].score < 0
    out_tokens = backend.count_tokens([first.translation])[0]
    assert out_tokens <= 2 * (2 * src_tokens + 10)  # re-tokenising may split pieces differently


def test_result_is_json_serialisable_with_documented_keys(pipeline: Pipeline) -> None:
    result = pipeline.process("Le conseil s'est réuni. Les avis restaient partagés.\n\nFin.")
    data = json.loads(result.to_json())
    assert {"source", "translation", "summary", "segments", "timings", "models"} <= data.keys()
    assert {"source", "translation", "paragraph", "score"} <= data["segments"][0].keys()
    assert [s["paragraph"] for s in data["segments"]] == [0, 0, 1]
    assert {"load", "segment", "translate", "summarize", "total"} <= data["timings"].keys()
    assert data["models"]["translation"]["backend"] == pipeline.translator.backend.name
    assert data["models"]["summarizer"]["kind"] == "extractive"
    assert data["summary"]


@pytest.mark.parametrize("text", ["", "   \n\n  \t\n"])
def test_empty_and_whitespace_input(pipeline: Pipeline, text: str) -> None:
    result = pipeline.process(text)
    assert result.translation == text
    assert result.segments == [] and result.summary == ""
    assert pipeline.translate(text) == text


@pytest.mark.parametrize("bad", [None, 42, b"Bonjour", ["ok", 3]])
def test_non_string_input_raises_type_error(pipeline: Pipeline, bad: object) -> None:
    with pytest.raises(TypeError, match="expects a str"):
        if isinstance(bad, list):
            pipeline.translate(bad)  # type: ignore[arg-type]
        else:
            pipeline.process(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        bilingua.process(bad)  # type: ignore[arg-type]


def test_module_level_helpers_share_one_pipeline(marian_dir: Path) -> None:
    out = bilingua.translate(["Bonjour.", "Merci."], model=str(marian_dir), beams=1)
    assert isinstance(out, list) and len(out) == 2 and all(out)
    result = bilingua.process("Bonjour. Merci.", model=str(marian_dir), beams=1, summarizer="extractive")
    assert result.translation.startswith(out[0])
    assert bilingua.api.get_pipeline(model=str(marian_dir), beams=1) is \
        bilingua.api.get_pipeline(beams=1, model=str(marian_dir))


def test_summary_from_source_translates_only_the_chosen_sentences(marian_dir: Path, long_document: str) -> None:
    p = Pipeline(str(marian_dir), backend="transformers", beams=1, summary_sentences=2)
    fast = p.process(long_document, summary_from="source", translate_all=False)
    assert fast.translation == "" and len(fast.summary_segments) == 2
    full = p.process(long_document, summary_from="source")
    assert [s.source for s in full.summary_segments] == [s.source for s in fast.summary_segments]
    assert fast.summary == full.summary
    assert full.models["summarizer"]["summary_from"] == "source"
    assert p.summarize(long_document, summary_from="source") == fast.summary


def test_cached_backend_reuses_translations(marian_dir: Path) -> None:
    from bilingua.backends import GenerationOptions, load_backend

    inner = load_backend("transformers", bilingua.resolve_model(marian_dir), device="cpu",
                         options=GenerationOptions(beams=1))
    cached = bilingua.CachedBackend(inner, maxsize=2)
    first = cached.translate_batch(["Bonjour.", "Merci."])
    assert cached.translate_batch(["Merci.", "Bonjour."]) == first[::-1]
    assert cached.hits == 2
    cached.translate_batch(["Au revoir."])
    assert len(cached._cache) == 2


def test_a_list_of_documents_is_translated_in_one_pass(marian_dir: Path) -> None:
    from bilingua.backends import GenerationOptions, load_backend
    from bilingua.translator import Translator

    docs = ["Bonjour.\n\n- Merci.", "", "Le train est parti. Bonjour.", "Merci."]
    p = Pipeline(str(marian_dir), backend="transformers", beams=1)
    together = p.translate(docs)
    assert together == [p.translate(d) for d in docs]
    assert together[1] == "" and together[0].split("\n")[1] == "" and together[0].split("\n")[2].startswith("- ")

    backend = load_backend("transformers", bilingua.resolve_model(marian_dir), device="cpu",
                           options=GenerationOptions(beams=1))
    calls: list[list[str]] = []
    real = backend.translate_batch
    backend.translate_batch = lambda xs, *tok: (calls.append(list(xs)), real(xs, *tok))[1]  # type: ignore[method-assign]
    Translator(backend).translate_documents(docs)
    assert len(calls) == 1 and sorted(calls[0]) == ["Bonjour.", "Le train est parti.", "Merci."]


def test_process_many_streams_grouped_results_in_order(marian_dir: Path) -> None:
    from bilingua.backends import GenerationOptions

    p = Pipeline(str(marian_dir), backend="ctranslate2", compute_type="float32", beams=1, summarizer="extractive",
                 generation=GenerationOptions(beams=1))
    docs = ["Bonjour. Merci.", "  ", "Le maire a parlé.\n\n- un point", "Bonjour."]
    results = list(p.process_many(iter(docs), group=3))
    assert [r.source for r in results] == docs
    assert [r.translation for r in results] == [p.process(d).translation for d in docs]
    assert results[1].translation == "  " and results[1].segments == []
    assert all(r.summary for i, r in enumerate(results) if i != 1)
    with pytest.raises(TypeError):
        list(p.process_many(["ok", 3]))  # type: ignore[list-item]


def test_pipeline_cache_reuses_sentences_across_calls(marian_dir: Path) -> None:
    p = Pipeline(str(marian_dir), backend="transformers", beams=1, cache_size=100)
    first = p.process("Bonjour. Merci.").segments
    again = p.process("Merci. Bonjour.").segments
    assert [s.translation for s in again] == [first[1].translation, first[0].translation]
    info = p.models_info()["translation"]
    assert info["cache"]["hits"] == 2 and info["cache"]["size"] == 2


# --- behaviour a mutant would break ----------------------------------------------------------

def _recording(backend, calls: list[list[str]]):  # type: ignore[no-untyped-def]
    """Record each engine call's sentences; the real backend still translates them."""
    real = backend.translate_batch
    backend.translate_batch = lambda xs, *tok: (calls.append(list(xs)), real(xs, *tok))[1]  # type: ignore[method-assign]
    return backend


def test_the_sentence_cache_evicts_the_least_recently_used(marian_dir: Path) -> None:
    from bilingua.backends import GenerationOptions, load_backend
    from bilingua.backends import CachedBackend

    calls: list[list[str]] = []
    inner = _recording(load_backend("ctranslate2", bilingua.resolve_model(marian_dir), device="cpu",
                                    compute_type="float32", options=GenerationOptions(beams=1)), calls)
    cache = CachedBackend(inner, maxsize=2)
    for batch in (["Bonjour."], ["Merci."], ["Bonjour."], ["Au revoir."]):  # "Bonjour." was used last: "Merci." goes
        cache.translate_batch(batch)
    cache.translate_batch(["Bonjour."])
    assert calls == [["Bonjour."], ["Merci."], ["Au revoir."]] and cache.hits == 2
    cache.translate_batch(["Merci."])
    assert calls[-1] == ["Merci."]


@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
def test_the_repetition_loop_guard_decodes_looping_sentences_again(marian_dir: Path, backend: str) -> None:
    from bilingua.backends import GenerationOptions, has_repetition_loop, load_backend

    fr = (Path(__file__).parent / "data" / "corpus.fr.txt").read_text(encoding="utf-8").splitlines()
    model = bilingua.resolve_model(marian_dir)
    looping = {}
    for guard in (False, True):
        engine = load_backend(backend, model, device="cpu", compute_type="float32",
                              options=GenerationOptions(beams=1, loop_guard=guard))
        looping[guard] = sum(has_repetition_loop(h.text.split()) for h in engine.translate_batch(fr))
    assert looping[False] >= 5  # the random model loops on these sentences...
    assert looping[True] == 0  # ...and the guard leaves none looping


def test_max_batch_tokens_bounds_every_engine_call(marian_dir: Path) -> None:
    fr = (Path(__file__).parent / "data" / "corpus.fr.txt").read_text(encoding="utf-8").splitlines()
    sizes = {}
    for budget in (128, 4096):
        p = Pipeline(str(marian_dir), backend="ctranslate2", beams=1, batch_size=64, max_batch_tokens=budget)
        calls: list[list[str]] = []
        _recording(p.translator.backend, calls)
        p.translate(fr)
        counts = p.translator.backend.count_tokens
        assert all(len(c) * max(counts(c)) <= budget for c in calls)
        sent = [s for c in calls for s in c]
        assert len(sent) == len(set(sent)) and _squash("".join(sorted(sent))) == _squash("".join(sorted(
            s.text for line in set(fr) for s in parse_document(line, PysbdSplitter()).sentences())))
        sizes[budget] = len(calls)
    assert sizes[128] > sizes[4096] >= 1


def test_each_document_keeps_its_own_length_bound_in_a_mixed_batch(marian_dir: Path) -> None:
    from bilingua.backends.base import output_limit

    p = Pipeline(str(marian_dir), backend="ctranslate2", beams=1, batch_size=64)
    fr = (Path(__file__).parent / "data" / "corpus.fr.txt").read_text(encoding="utf-8").splitlines()
    docs = ["Bonjour.", " ".join(fr[:6]), "Merci bien."]
    done = p.translator.translate_documents(docs)
    backend = p.translator.backend
    for doc in done:
        for sentence, hyp in zip(doc.sentences(), doc.hypotheses):
            n = backend.count_tokens([sentence.text])[0]
            assert hyp.num_tokens <= output_limit(n, backend.options, backend.max_output_tokens - 1) - 1
    # The short documents reached their bound (the random model never stops by itself), far below the long one's.
    assert done[0].hypotheses[0].num_tokens < max(h.num_tokens for h in done[1].hypotheses)


def test_call_options_reach_process_through_the_module_helper(marian_dir: Path, long_document: str) -> None:
    result = bilingua.process(long_document, model=str(marian_dir), beams=1, summary_from="source",
                              translate_all=False, summarizer="extractive")
    assert result.translation == "" and result.segments == [] and result.summary
    assert result.summary_segments and all(s.translation for s in result.summary_segments)
    with pytest.raises(TypeError, match="unknown options: colour"):
        bilingua.process("Bonjour.", model=str(marian_dir), colour="blue")


def test_process_many_refuses_a_bare_string(marian_dir: Path) -> None:
    p = Pipeline(str(marian_dir), beams=1, summarizer="extractive")
    with pytest.raises(TypeError, match="not one str"):
        list(p.process_many("Bonjour. Merci."))


def test_nul_characters_are_refused_by_the_api(marian_dir: Path) -> None:
    with pytest.raises(bilingua.InputError, match="NUL character at offset 7"):
        bilingua.translate("Bonjour\x00.", model=str(marian_dir))


def _backend(marian_dir: Path):  # type: ignore[no-untyped-def]
    from bilingua.backends import GenerationOptions, load_backend

    return load_backend("ctranslate2", bilingua.resolve_model(marian_dir), device="cpu", compute_type="float32",
                        options=GenerationOptions(beams=1))


def test_a_long_document_is_translated_while_its_end_is_still_being_split(marian_dir: Path, long_document: str) -> None:
    from bilingua.translator import Translator

    started = threading.Event()
    waited: list[bool] = []
    pysbd = PysbdSplitter("fr")

    def splitter(text: str) -> list[str]:
        if text.startswith("ÉPILOGUE"):  # the last paragraph is split only once the engine has begun
            waited.append(started.wait(timeout=30))
        return pysbd(text)

    backend = _backend(marian_dir)
    calls: list[list[str]] = []
    _recording(backend, calls)
    real = backend.translate_batch
    backend.translate_batch = lambda xs, *tok: (started.set(), real(xs, *tok))[1]  # type: ignore[method-assign]
    text = long_document + "\nÉPILOGUE. Le conseil se réunira de nouveau mardi.\n"
    done = Translator(backend, splitter=splitter, batch_size=4).translate_document(text)
    assert waited == [True]
    # Every sentence reached the engine once, the repeated ones included, and came back in its place.
    sent = [s for c in calls for s in c]
    assert len(sent) == len(set(sent))
    # (the run-on sentence went in pieces, so compare characters)
    assert sorted(_squash("".join(sent))) == sorted(_squash("".join({s.text for s in done.sentences()})))
    assert len(done.hypotheses) == len(done.sentences()) and done.text.count("\n") == text.count("\n")


def test_which_sentences_share_a_batch_does_not_depend_on_timing(marian_dir: Path, long_document: str) -> None:
    from bilingua.translator import Translator

    pysbd = PysbdSplitter("fr")

    def slow(text: str) -> list[str]:
        time.sleep(0.02)  # the engine runs ahead of segmentation
        return pysbd(text)

    runs = []
    for splitter in (pysbd, slow):
        calls: list[list[str]] = []
        translator = Translator(_recording(_backend(marian_dir), calls), splitter=splitter, batch_size=4)
        runs.append((calls, translator.translate_document(long_document).text))
    assert runs[0] == runs[1] and len(runs[0][0]) > 4


def test_the_shared_pipeline_is_found_without_reading_the_glossary_and_follows_its_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import bilingua.protect as protect
    from bilingua.api import get_pipeline

    glossary = tmp_path / "terms.tsv"
    glossary.write_text("conseil\tcouncil\n", encoding="utf-8")
    reads: list[str] = []
    real = protect.read_glossary
    monkeypatch.setattr(protect, "read_glossary", lambda path: reads.append(str(path)) or real(path))
    first = get_pipeline(glossary=str(glossary), beams=1)
    assert get_pipeline(glossary=str(glossary), beams=1) is first and len(reads) == 1  # found: nothing read again
    glossary.write_text("conseil\tboard\n", encoding="utf-8")
    second = get_pipeline(glossary=str(glossary), beams=1)
    assert second is not first and second.protector is not None and second.protector.glossary == {"conseil": "board"}


def test_a_sentence_longer_than_the_model_takes_loses_no_word() -> None:
    # Found by a hostile tester: pieces were packed up to the input limit (512 tokens), one more than the
    # output can hold, so one word in about 510 was cut, silently, in every format.
    import bilingua

    pipeline = bilingua.Pipeline(backend="identity")
    for text in (" ".join(f"mot{i}" for i in range(3000)), "mot " * 1000, "une ligne de texte " * 400):
        assert pipeline.translate(text) == text
