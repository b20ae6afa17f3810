"""bilingua serve over real HTTP: LibreTranslate's contract, bilingua's API, limits, concurrency, shutdown."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import SERVE_MODEL_OPTIONS, Server, finished_job

from bilingua import Pipeline

DATA = Path(__file__).parent / "data"
FR = [s for s in (DATA / "corpus.fr.txt").read_text(encoding="utf-8").splitlines() if s.strip()]


@pytest.fixture(scope="module")
def alone(marian_dir: Path) -> Pipeline:
    """The in-process pipeline with the server's options: what each text gives when translated alone."""
    return Pipeline(str(marian_dir), backend="ctranslate2", compute_type="float32", beams=1, summarizer="extractive")


def post(server: Server, path: str, **kwargs: object) -> httpx.Response:
    return httpx.post(server.url + path, timeout=60, **kwargs)  # type: ignore[arg-type]


def test_a_libretranslate_client_works_unchanged(server: Server, alone: Pipeline) -> None:
    from libretranslatepy import LibreTranslateAPI

    client = LibreTranslateAPI(server.url)
    text = "Le conseil municipal s'est réuni mardi soir. Les travaux commenceront au printemps."
    assert client.translate(text, "fr", "en") == alone.translate(text)
    assert {"code": "fr", "name": "French", "targets": ["en"]} in client.languages()
    detected = client.detect("Le chat dort sur le canapé depuis ce matin.")
    assert detected[0]["language"] == "fr" and 50 < detected[0]["confidence"] <= 100


def test_a_second_client_nobody_here_wrote_works_unchanged(server: Server, alone: Pipeline) -> None:
    from deep_translator import LibreTranslator  # sends q, source, target and api_key in the query string

    client = LibreTranslator(source="fr", target="en", api_key="unused", custom_url=server.url + "/")
    text = "Le conseil municipal s'est réuni mardi soir."
    assert client.translate(text) == alone.translate(text)
    assert client.translate_batch([FR[0], FR[1]]) == [alone.translate(FR[0]), alone.translate(FR[1])]


def test_a_client_of_every_libretranslate_route_works_unchanged(server: Server, alone: Pipeline, tmp_path: Path) -> None:
    # libretranslate-aio calls every route of LibreTranslate's API. Before: frontend_settings() raised
    # KeyError 'apiKeys', health() was False, and suggest() and translate_file() got a 404.
    from libretranslate_aio import LibreTranslate
    from libretranslate_aio.exceptions import ForbiddenError

    text = "Le conseil municipal s'est réuni mardi soir."
    with LibreTranslate(server.url) as client:
        assert client.health() is True
        settings = client.frontend_settings()
        assert settings.char_limit == 5000 and settings.api_keys is False and settings.key_required is False
        assert (settings.language.source.code, settings.language.target.code) == ("fr", "en")
        assert ".docx" in settings.supported_files_format and settings.suggestions is False
        assert [(lang.code, lang.targets) for lang in client.languages() if lang.code == "fr"] == [("fr", ["en"])]
        assert client.detect(FR[0])[0].language == "fr"
        one = client.translate(text, "fr", "en")
        assert one.translated_text == alone.translate(text) and one.alternatives is None
        assert client.translate([FR[0], FR[1]], "fr", "en").translated_text == [alone.translate(FR[0]), alone.translate(FR[1])]
        best = client.translate(text, "fr", "en", alternatives=2)
        assert (best.translated_text, best.alternatives) == alone.translate_alternatives(text, 2)
        auto = client.translate(text, "auto", "en")
        assert auto.detected_language is not None and auto.detected_language.language == "fr"  # type: ignore[union-attr]
        note = tmp_path / "note.md"
        note.write_text(f"# Titre\n\n{FR[2]}\n", encoding="utf-8")
        url = client.translate_file(note, "fr", "en").translated_file_url
        assert httpx.get(url).text == alone.translate(note.read_text(encoding="utf-8"), format="markdown")
        with pytest.raises(ForbiddenError, match="Suggestions are disabled"):
            client.suggest("Bonjour.", "Hello.", "fr", "en")  # LibreTranslate's answer when suggestions are off


def test_json_and_form_bodies_and_a_list_q(server: Server, alone: Pipeline) -> None:
    text = FR[3]
    expected = alone.translate(text)
    as_json = post(server, "/translate", json={"q": text, "source": "fr", "target": "en"})
    as_form = post(server, "/translate", data={"q": text, "source": "fr", "target": "en"})
    as_multipart = post(server, "/translate", data={"q": text, "source": "fr"}, files={"unused": ("x.txt", b"x")})
    for response in (as_json, as_form, as_multipart):
        assert response.status_code == 200, response.text
        assert response.json() == {"translatedText": expected}
    listed = post(server, "/translate", json={"q": FR[:3], "source": "fr", "target": "en"}).json()
    assert listed == {"translatedText": [alone.translate(t) for t in FR[:3]]}
    repeated_form = post(server, "/translate", data={"q": FR[:2], "source": "fr"}).json()
    assert repeated_form["translatedText"] == [alone.translate(t) for t in FR[:2]]


def test_auto_source_reports_the_detected_language_and_keeps_english(server: Server, alone: Pipeline) -> None:
    english = "The weather is lovely today and we are going to the beach."
    answer = post(server, "/translate", json={"q": [FR[0], english], "source": "auto", "target": "en"}).json()
    assert answer["translatedText"] == [alone.translate(FR[0]), english]
    assert [d["language"] for d in answer["detectedLanguage"]] == ["fr", "en"]
    single = post(server, "/translate", data={"q": FR[1], "source": "auto"}).json()
    assert single["detectedLanguage"]["language"] == "fr" and single["translatedText"] == alone.translate(FR[1])


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(("start", tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        self.tags.append(("end", tag, []))


def tags_of(html: str) -> list[tuple[str, str, list[tuple[str, str | None]]]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


def test_format_html_keeps_every_tag_and_the_untranslatable_parts(server: Server) -> None:
    page = (
        '<!DOCTYPE html><html lang="fr"><head><title>Titre</title><style>p { color: red; }</style></head>\n'
        '<body><h1 id="t" class="big">Le conseil municipal</h1>\n'
        '<p>Les travaux <b>commenceront</b> au <a href="/printemps?x=1&amp;y=2">printemps</a>.<br>Merci.</p>\n'
        '<pre>garder  ce   texte</pre><p translate="no">Ne pas traduire</p><p class="x notranslate">Rien</p>\n'
        '<script>var s = "Bonjour";</script><!-- un commentaire --></body></html>'
    )
    out = post(server, "/translate", json={"q": page, "source": "fr", "format": "html"}).json()["translatedText"]
    assert tags_of(out) == tags_of(page.replace('lang="fr"', 'lang="en"'))
    for kept in ("<pre>garder  ce   texte</pre>", '<p translate="no">Ne pas traduire</p>', '<p class="x notranslate">Rien</p>',
                 '<script>var s = "Bonjour";</script>', "<style>p { color: red; }</style>", "<!-- un commentaire -->",
                 '<a href="/printemps?x=1&amp;y=2">'):
        assert kept in out
    assert "Le conseil municipal" not in out  # the text itself was translated
    assert post(server, "/translate", json={"q": "<p>Le <i>chat</i></p>", "source": "fr", "format": "text"}).status_code == 200


@pytest.mark.parametrize(
    ("kwargs", "status", "message"),
    [
        ({"json": {"source": "fr"}}, 400, "missing q"),
        ({"data": {"q": "", "source": "fr"}}, 400, "missing q"),
        ({"content": b'{"q": "Bonjour', "headers": {"Content-Type": "application/json"}}, 400, "not valid JSON"),
        ({"json": ["Bonjour"]}, 400, "must be an object"),
        ({"json": {"q": [1, 2]}}, 400, "list of strings"),
        ({"json": {"q": "Bonjour", "source": "de", "target": "en"}}, 400, "de is not supported"),
        ({"json": {"q": "Bonjour", "source": "fr", "target": "es"}}, 400, "not supported"),
        ({"json": {"q": "Bonjour", "format": "pdf"}}, 400, "format must be one of"),
        ({"json": {"q": "a\x00b"}}, 400, "NUL"),
        ({"json": {"q": "Bonjour. " * 1000}}, 413, "above the limit of 5000"),
        ({"json": {"q": ["Bonjour. " * 300] * 3}}, 413, "above the limit"),
        ({"content": b"q=" + b"a" * 200_000, "headers": {"Content-Type": "application/x-www-form-urlencoded"}}, 413, "bytes"),
    ],
)
def test_bad_requests_get_a_json_error_and_the_server_keeps_serving(
    server: Server, kwargs: dict[str, object], status: int, message: str
) -> None:
    response = post(server, "/translate", **kwargs)
    assert response.status_code == status
    assert message in response.json()["error"]
    assert post(server, "/translate", data={"q": "Bonjour.", "source": "fr"}).status_code == 200


def test_other_errors_are_json_too(server: Server) -> None:
    assert httpx.get(server.url + "/nowhere").json() == {"error": "Not Found"}
    bad = post(server, "/v1/process", json={"txt": "Bonjour"})
    assert bad.status_code == 400 and "text" in bad.json()["error"]
    assert post(server, "/v1/process", json={"text": "x" * 6000}).status_code == 413
    assert httpx.get(server.url + "/translate").status_code == 405


def test_bilingua_process_summarize_docs_and_health(server: Server, alone: Pipeline) -> None:
    text = " ".join(FR[:8])
    result = post(server, "/v1/process", json={"text": text}).json()
    expected = alone.process(text)
    assert result["translation"] == expected.translation and result["summary"] == expected.summary
    assert [s["translation"] for s in result["segments"]] == [s.translation for s in expected.segments]
    # each segment's review flags come along (a random model's output always has some: low_confidence at least)
    kinds = [[f["kind"] for f in s["flags"]] for s in result["segments"]]
    assert kinds == [[f.kind for f in s.flags] for s in expected.segments] and all(kinds)
    assert {"kind", "message", "source_span", "translation_span"} == set(result["segments"][0]["flags"][0])
    assert set(result) >= {"source", "translation", "summary", "segments", "timings", "models"}
    assert result["models"]["translation"]["micro_batch_ms"] == 10
    assert post(server, "/v1/summarize", json={"text": text}).json() == {"summary": alone.summarize(text)}
    assert post(server, "/v1/process", json={"text": text, "summarize": False}).json()["summary"] == ""
    assert "/translate" in httpx.get(server.url + "/openapi.json").json()["paths"]
    docs = httpx.get(server.url + "/docs").text
    assert "swagger" in docs.lower()
    # Offline too: its script and style come from the server (Swagger UI was loaded from a CDN, blank offline).
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs)
    assert assets and all(a.startswith("/") for a in assets), assets
    assert all(httpx.get(server.url + a).status_code == 200 for a in assets)
    assert "/v1/process" in httpx.get(server.url + "/openapi.json").json()["paths"]
    health = httpx.get(server.url + "/health").json()
    assert health["status"] == "ok" and health["models"]["translation"]["backend"].startswith("ctranslate2")


def metric(server: Server, name: str) -> float:
    text = httpx.get(server.url + "/metrics").text
    found = re.search(rf"^{re.escape(name)} ([0-9.e+-]+)$", text, re.M)
    assert found, f"{name} not in /metrics"
    return float(found.group(1))


def test_sixteen_clients_each_get_their_own_answers_in_shared_batches(server: Server, alone: Pipeline) -> None:
    texts = [FR[(7 * k) % len(FR)] for k in range(64)]
    expected = [alone.translate(t) for t in texts]
    count0, sum0 = metric(server, "bilingua_batch_requests_count"), metric(server, "bilingua_batch_requests_sum")
    barrier = threading.Barrier(16)

    def client(k: int) -> list[tuple[int, str]]:
        barrier.wait(10)
        with httpx.Client(base_url=server.url, timeout=60) as http:
            return [(i, http.post("/translate", json={"q": texts[i], "source": "fr"}).json()["translatedText"])
                    for i in range(k, 64, 16)]

    with ThreadPoolExecutor(16) as pool:
        answers = dict(pair for part in pool.map(client, range(16)) for pair in part)
    assert [answers[i] for i in range(64)] == expected
    batches = metric(server, "bilingua_batch_requests_count") - count0
    requests_in_batches = metric(server, "bilingua_batch_requests_sum") - sum0
    assert requests_in_batches >= 64  # a text of two sentences may have them in two batches
    assert requests_in_batches / batches > 1, "the requests were not merged into shared batches"
    assert metric(server, "bilingua_tokens_per_second") > 0


def test_api_keys_and_rate_limits(marian_dir: Path, tmp_path: Path) -> None:
    keys = tmp_path / "keys.txt"
    keys.write_text("# key  requests per minute\nslow-key 2\nfast-key\nblocked-key 0\nlist-key 5\n", encoding="utf-8")
    server = Server("--model", str(marian_dir), *SERVE_MODEL_OPTIONS, "--api-keys", str(keys), "--req-limit", "4",
                    log=tmp_path / "serve.log")
    try:
        ask = lambda key: post(server, "/translate", data={"q": "Bonjour.", "source": "fr", **({"api_key": key} if key else {})})  # noqa: E731
        assert ask(None).status_code == 403
        assert ask("wrong").status_code == 403 and ask("wrong").json()["error"] == "Invalid API key"
        assert [ask("slow-key").status_code for _ in range(3)] == [200, 200, 429]
        assert "2 per minute" in ask("slow-key").json()["error"]
        assert [ask("fast-key").status_code for _ in range(5)] == [200, 200, 200, 200, 429]
        assert post(server, "/v1/process", json={"text": "Bonjour."}).status_code == 403
        settings = httpx.get(server.url + "/frontend/settings").json()
        assert settings["keyRequired"] is True and settings["apiKeys"] is True
        assert httpx.get(server.url + "/health").status_code == 200  # no key needed to ask if it is up
        # A key in the query string is checked before the body is read: the 403 comes with no byte sent.
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
            raw.sendall(b"POST /translate?api_key=wrong HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        b"Content-Length: 100000\r\n\r\n")
            assert raw.recv(4096).startswith(b"HTTP/1.1 403")
        limited = ask("slow-key")
        assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 60
        blocked = ask("blocked-key")
        assert blocked.status_code == 403 and "blocked" in blocked.json()["error"]
        assert httpx.get(server.url + "/metrics").status_code == 403  # the operator's counts need a key
        assert httpx.get(server.url + "/metrics", params={"api_key": "fast-key"}).status_code == 200
        assert httpx.get(server.url + "/metrics", headers={"Authorization": "Bearer fast-key"}).status_code == 200
        # A list of texts costs one request per text, as LibreTranslate charges.
        three = {"q": ["Bonjour.", "Merci.", "Oui."], "source": "fr", "api_key": "list-key"}
        assert [post(server, "/translate", json=three).status_code for _ in range(2)] == [200, 429]
        assert post(server, "/translate", json={**three, "q": ["a"] * 6}).json()["error"].startswith("Too many texts")
    finally:
        server.stop()


def test_sigterm_answers_the_requests_in_flight_then_exits(marian_dir: Path, tmp_path: Path, alone: Pipeline) -> None:
    # A request waits up to a second for batch-mates: SIGTERM arrives while it is in flight.
    server = Server("--model", str(marian_dir), *SERVE_MODEL_OPTIONS, "--micro-batch-ms", "1000", log=tmp_path / "serve.log")
    answer: list[httpx.Response] = []
    thread = threading.Thread(target=lambda: answer.append(post(server, "/translate", json={"q": FR[5], "source": "fr"})))
    thread.start()
    time.sleep(0.4)
    server.proc.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    with pytest.raises(OSError):  # no new connection is accepted while it drains
        socket.create_connection(("127.0.0.1", server.port), timeout=2).close()
    thread.join(30)
    assert answer and answer[0].status_code == 200
    assert answer[0].json()["translatedText"] == alone.translate(FR[5])
    assert server.proc.wait(30) == -signal.SIGTERM  # uvicorn's way: stop cleanly, then die of the signal received
    log = server.log.read_text()
    assert "Shutting down" in log and '"POST /translate" 200' in log


def test_a_missing_model_stops_start_up_with_one_line(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError) as failed:
        Server("--model", str(tmp_path / "no-such-model"), log=tmp_path / "serve.log")
    lines = [line for line in (tmp_path / "serve.log").read_text().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("bilingua: error:") and "no-such-model" in lines[0], failed.value


def test_a_service_started_from_python_micro_batches_as_the_command_does(marian_dir: Path) -> None:
    # `bilingua serve` merged concurrent requests (5 ms, set in cli.py) while service.create_app(Pipeline())
    # did not: the default now lives in ServiceOptions and both read it.
    from bilingua.options import ServiceOptions
    from bilingua.service import create_app

    pipeline = Pipeline(str(marian_dir), backend="ctranslate2", compute_type="float32", beams=1, summarizer="extractive")
    app = create_app(pipeline)
    assert app.state.service.batcher is not None
    assert pipeline.models_info()["translation"]["micro_batch_ms"] == ServiceOptions().micro_batch_ms == 5.0
    pipeline.close()
    unbatched = Pipeline(str(marian_dir), backend="ctranslate2", compute_type="float32", beams=1, summarizer="extractive")
    assert create_app(unbatched, ServiceOptions(micro_batch_ms=None)).state.service.batcher is None
    unbatched.close()


def test_only_the_clients_own_mistakes_are_400(marian_dir: Path) -> None:
    from fastapi.testclient import TestClient

    from bilingua.options import ServiceOptions
    from bilingua.service import create_app

    pipeline = Pipeline(str(marian_dir), backend="ctranslate2", compute_type="float32", beams=1, summarizer="extractive")
    app = create_app(pipeline, ServiceOptions(micro_batch_ms=None))
    client = TestClient(app)
    assert client.post("/translate", json={"q": "Bonjour.", "source": "fr", "target": "en", "format": "rtf"}).status_code == 400

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("an internal invariant broke at /srv/secret/path")

    pipeline.translate = broken  # type: ignore[method-assign]
    answer = client.post("/translate", json={"q": "Bonjour.", "source": "fr", "target": "en"})
    assert answer.status_code == 500 and "secret" not in answer.text
    pipeline.close()


def test_answers_as_libretranslate_and_browsers_expect_them(server: Server) -> None:
    health = httpx.get(server.url + "/health").json()
    assert health["status"] == "ok"  # LibreTranslate's clients check exactly this
    settings = httpx.get(server.url + "/frontend/settings").json()
    assert {"charLimit", "frontendTimeout", "apiKeys", "keyRequired", "language", "filesTranslation",
            "supportedFilesFormat", "suggestions"} <= set(settings)
    preflight = httpx.options(server.url + "/translate", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == "*"
    answer = post(server, "/translate", json={"q": "Bonjour.", "source": "fr"}, headers={"Origin": "https://app.example"})
    assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == "*"


def test_no_server_path_appears_in_any_answer(server: Server, marian_dir: Path) -> None:
    answers = [httpx.get(server.url + "/health").text, post(server, "/v1/process", json={"text": "Bonjour."}).text,
               httpx.get(server.url + "/frontend/settings").text]
    for text in answers:  # the model folder, the converted model, the cache: all under the test's /tmp
        assert str(marian_dir) not in text and "/tmp" not in text
    assert marian_dir.name in answers[0]  # the model is still named, by its folder's name


def test_odd_input_is_the_clients_400_and_the_server_goes_on(server: Server) -> None:
    lone = post(server, "/translate", content=b'{"q": "Bonjour \\ud800 !", "source": "fr"}',
                headers={"Content-Type": "application/json"})
    assert lone.status_code == 400 and "surrogate" in lone.json()["error"] and "offset 8" in lone.json()["error"]
    nested = post(server, "/translate", content=b'{"q": ' + b"[" * 30_000 + b"]" * 30_000 + b"}",
                  headers={"Content-Type": "application/json"})
    assert nested.status_code == 400 and "nested" in nested.json()["error"]
    assert post(server, "/translate", json={"q": "Bonjour.", "source": "fr"}).status_code == 200


def test_a_forwarded_address_is_not_believed_by_default(server: Server) -> None:
    post(server, "/translate", json={"q": "Bonjour.", "source": "fr"}, headers={"X-Forwarded-For": "203.0.113.9"})
    time.sleep(0.2)
    log = server.log.read_text()
    assert '"POST /translate" 200' in log and "203.0.113.9" not in log


def test_too_many_texts_in_one_request_is_a_400(server: Server) -> None:
    answer = post(server, "/translate", json={"q": ["a"] * 1001, "source": "fr"})
    assert answer.status_code == 400 and "1001 texts" in answer.json()["error"]


def test_a_client_gone_mid_body_is_logged_as_499_without_a_traceback(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
        raw.sendall(b"POST /translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 1000\r\n\r\n{\"q\": \"Bonjour")
        time.sleep(0.3)
    deadline = time.monotonic() + 10
    while '"POST /translate" 499' not in server.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    log = server.log.read_text()
    assert '"POST /translate" 499' in log and "Traceback" not in log and '"POST /translate" 500' not in log
    assert post(server, "/translate", json={"q": "Bonjour.", "source": "fr"}).status_code == 200


def test_a_deadline_or_a_client_gone_stops_the_work_nobody_waits_for(marian_dir: Path, tmp_path: Path) -> None:
    # Before: no deadline, and five requests whose clients had hung up still cost 18 s of CPU, logged as 200.
    s = Server("--model", str(marian_dir), *SERVE_MODEL_OPTIONS, "--max-chars", "400000", "--request-timeout", "0.5",
               log=tmp_path / "serve.log")
    try:
        text = "\n\n".join(f"{FR[i % len(FR)]} Dossier {i}." for i in range(6000))[:380_000]  # no two alike
        sentences = 2 * (text.count("\n\n") + 1)

        def settled() -> float:  # the engine's sentence count, once it has stopped moving
            last = -1.0
            while (now := metric(s, "bilingua_batch_sentences_sum")) != last:
                last = now
                time.sleep(1.0)
            return now

        answer = post(s, "/translate", json={"q": text, "source": "fr"})
        assert answer.status_code == 503 and "Timeout" in answer.json()["error"]
        at_answer = metric(s, "bilingua_batch_sentences_sum")
        after_deadline = settled()
        # Its queued sentences were dropped: at most the batches already running finished.
        assert after_deadline - at_answer <= 256 and after_deadline < sentences
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(s.url + "/translate", json={"q": text, "source": "fr"}, timeout=0.15)
        at_hang_up = metric(s, "bilingua_batch_sentences_sum")
        assert settled() - at_hang_up <= 256
        log = s.log.read_text()
        assert '"POST /translate" 503' in log and '"POST /translate" 499' in log and "Traceback" not in log
        assert post(s, "/translate", json={"q": "Bonjour.", "source": "fr"}).status_code == 200
    finally:
        s.stop()


def _rss_mb(pid: int) -> float:
    found = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    assert found
    return int(found.group(1)) / 1024


def test_every_body_is_bounded_while_it_streams_on_every_route(
        marian_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import urllib.error
    import urllib.request

    spool = tmp_path / "tmp"
    spool.mkdir()
    monkeypatch.setenv("TMPDIR", str(spool))  # where a multipart upload would be spooled
    s = Server("--model", str(marian_dir), *SERVE_MODEL_OPTIONS, "--max-chars", "5000", log=tmp_path / "serve.log")
    try:
        post(s, "/translate", json={"q": "Bonjour.", "source": "fr"})
        before = _rss_mb(s.proc.pid)

        def upload() -> Any:  # 40 MB as a file part, chunked: no length is declared
            yield b'--b\r\nContent-Disposition: form-data; name="q"; filename="a.txt"\r\n\r\n'
            for _ in range(40):
                yield b"x" * 2**20
            yield b"\r\n--b--\r\n"

        def big_json() -> Any:
            yield b'{"text": "'
            for _ in range(40):
                yield b"a" * 2**20
            yield b'"}'

        # Before: read whole and spooled to disk (500 MB landed in /tmp), answered 200; /v1 had no limit at all.
        multipart = httpx.post(s.url + "/translate", content=upload(), timeout=60,
                               headers={"Content-Type": "multipart/form-data; boundary=b"})
        assert multipart.status_code == 413 and "limit" in multipart.json()["error"]
        for route in ("/v1/process", "/v1/summarize"):
            answer = httpx.post(s.url + route, content=big_json(), headers={"Content-Type": "application/json"}, timeout=60)
            assert answer.status_code == 413, route
        # A client that sends all of a declared 14 MB body before reading reads the 413 (urllib got a reset).
        request = urllib.request.Request(s.url + "/translate", data=b"{" + b" " * (14 * 2**20) + b"}",
                                         headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=60)
        assert refused.value.code == 413
        assert _rss_mb(s.proc.pid) - before < 30  # 120 MB went by
        assert sum(f.stat().st_size for f in spool.rglob("*") if f.is_file()) < 2**20
        deep = b'{"text": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"  # within the byte limit
        assert httpx.post(s.url + "/v1/process", content=deep, headers={"Content-Type": "application/json"}).status_code == 400
        assert post(s, "/translate", json={"q": "Bonjour.", "source": "fr"}).status_code == 200
    finally:
        s.stop()


def test_translate_file_then_download_file_for_every_format(server: Server, alone: Pipeline, tmp_path: Path) -> None:
    import io

    import docx

    from bilingua.formats import formats

    text = " ".join(FR[:3])
    path = tmp_path / "r.docx"
    document = docx.Document()
    document.add_paragraph(text)
    document.save(str(path))
    samples = {
        "text": ("note.txt", text.encode()), "markdown": ("note.md", f"# Titre\n\n{text}\n".encode()),
        "html": ("page.html", f"<p>{text}</p>".encode()), "docx": ("r.docx", path.read_bytes()),
        "srt": ("s.srt", f"1\n00:00:01,000 --> 00:00:02,000\n{FR[0]}\n".encode()),
        "vtt": ("s.vtt", f"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n{FR[0]}\n".encode()),
    }
    settings = httpx.get(server.url + "/frontend/settings").json()
    assert settings["filesTranslation"] is True and ".docx" in settings["supportedFilesFormat"]
    assert set(samples) == set(formats())
    for form, (name, data) in samples.items():
        # Before: 404, the route did not exist.
        answer = post(server, "/translate_file", files={"file": (name, data)}, data={"source": "fr", "target": "en"})
        assert answer.status_code == 200, (form, answer.text)
        url = answer.json()["translatedFileUrl"]
        stem, suffix = name.rsplit(".", 1)
        assert url.startswith(server.url + "/download_file/") and url.endswith(f"{stem}.en.{suffix}")
        got = httpx.get(url)
        assert got.status_code == 200 and got.content, form
        expected = alone.translate_document(data if form == "docx" else data.decode(), form)
        if form == "docx":
            assert docx.Document(io.BytesIO(got.content)).paragraphs[0].text == \
                docx.Document(io.BytesIO(expected)).paragraphs[0].text  # type: ignore[arg-type]
        else:
            assert got.content.decode() == expected, form
    assert post(server, "/translate_file", files={"file": ("x.pdf", b"%PDF")}).status_code == 400
    assert httpx.get(server.url + "/download_file/../../etc/passwd").status_code == 404
    assert httpx.get(server.url + "/download_file/" + "0" * 32 + ".none.txt").status_code == 404


def test_suggest_is_refused_as_libretranslate_does_unless_a_database_is_named(
        server: Server, marian_dir: Path, tmp_path: Path) -> None:
    import sqlite3

    off = post(server, "/suggest", data={"q": "Bonjour.", "s": "Hello.", "source": "fr", "target": "en"})
    assert off.status_code == 403 and off.json()["error"] == "Suggestions are disabled on this server."
    db = tmp_path / "suggestions.db"
    s = Server("--model", str(marian_dir), *SERVE_MODEL_OPTIONS, "--suggestions", str(db), log=tmp_path / "serve.log")
    try:
        assert httpx.get(s.url + "/frontend/settings").json()["suggestions"] is True
        answer = post(s, "/suggest", json={"q": "Bonjour.", "s": "Hello there.", "source": "fr", "target": "en"})
        assert answer.status_code == 200 and answer.json() == {"success": True}
        assert post(s, "/suggest", json={"q": "Bonjour."}).status_code == 400
        from libretranslate_aio import AsyncLibreTranslate  # the same client's asynchronous half

        async def suggest() -> bool:
            async with AsyncLibreTranslate(s.url) as client:
                return await client.suggest("Merci.", "Thank you.", "fr", "en")

        assert asyncio.run(suggest()) is True
    finally:
        s.stop()
    with sqlite3.connect(db) as found:
        assert found.execute("SELECT q, s, source, target FROM suggestions").fetchall() == [
            ("Bonjour.", "Hello there.", "fr", "en"), ("Merci.", "Thank you.", "fr", "en")]


def test_characters_per_key_per_minute_are_limited() -> None:
    from bilingua.service.limits import Gate, Refused

    gate = Gate({"k": None, "other": None}, chars_per_minute=100)
    gate.admit("k", "1.2.3.4", chars=60)
    with pytest.raises(Refused) as refused:
        gate.admit("k", "1.2.3.4", chars=50)  # 110 in the minute
    assert refused.value.status == 429 and 1 <= int(refused.value.headers["Retry-After"]) <= 60
    gate.admit("other", "1.2.3.4", chars=50)  # each key its own count
    with pytest.raises(Refused, match="this request has 101"):
        gate.admit("other", "1.2.3.4", chars=101)
    gate.admit("k", "1.2.3.4", chars=40)  # exactly the limit


def test_document_jobs_survive_a_sigkill_and_belong_to_their_key(marian_dir: Path, tmp_path: Path) -> None:
    import io

    import docx

    keys = tmp_path / "keys.txt"
    keys.write_text("mine\ntheirs\n", encoding="utf-8")
    data_dir = tmp_path / "data"
    document = docx.Document()
    for k in range(300):
        document.add_paragraph(" ".join(FR[k % len(FR): k % len(FR) + 3]) + f" Dossier {k}.")
    sent = io.BytesIO()
    document.save(sent)
    args = ("--model", str(marian_dir), *SERVE_MODEL_OPTIONS, "--api-keys", str(keys), "--data-dir", str(data_dir))
    first = Server(*args, log=tmp_path / "first.log")
    try:
        answer = httpx.post(first.url + "/v1/documents", files={"file": ("rapport.docx", sent.getvalue())},
                            data={"api_key": "mine"}, timeout=60)
        assert answer.status_code == 202 and answer.json()["status"] == "queued"
        job = answer.json()["id"]
    finally:
        first.proc.send_signal(signal.SIGKILL)  # killed, mid-job or before it
        first.proc.wait(30)
    second = Server(*args, log=tmp_path / "second.log")
    try:
        url = f"{second.url}/v1/documents/{job}"
        assert httpx.get(url, params={"api_key": "theirs"}).status_code == 404  # another key sees nothing
        assert "1 unfinished document job(s) queued" in second.log.read_text()  # it was, when killed
        bad = httpx.post(second.url + "/v1/documents", files={"file": ("x.pdf", b"%PDF")}, data={"api_key": "mine"})
        assert bad.status_code == 400  # refused at once, not queued
        status = finished_job(url, timeout=120, api_key="mine")
        assert status["status"] == "done" and status["progress"]["done"] == status["progress"]["total"] > 0
        result = httpx.get(url + "/result", headers={"Authorization": "Bearer mine"})
        assert result.status_code == 200 and 'filename="rapport.en.docx"' in result.headers["content-disposition"]
        translated = docx.Document(io.BytesIO(result.content))
        assert len(translated.paragraphs) == 300 and translated.paragraphs[0].text != document.paragraphs[0].text
        events = _events(httpx.get(url + "/events", params={"api_key": "mine"}, timeout=60).text)
        assert events[-1] == ("end", {"status": "done"}) and events[-2][1]["status"] == "done"
        assert httpx.delete(url, params={"api_key": "mine"}).json() == {"id": job, "deleted": True}
        assert httpx.get(url, params={"api_key": "mine"}).status_code == 404
    finally:
        second.stop()


def _events(text: str) -> list[tuple[str, Any]]:
    import json

    out = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((fields["event"], json.loads(fields["data"])))
    return out


def test_process_streams_each_sentence_then_the_summary_then_the_end(server: Server, alone: Pipeline) -> None:
    text = "\n\n".join(" ".join(FR[k : k + 3]) for k in range(0, 24, 3))
    expected = alone.process(text)
    with httpx.stream("POST", server.url + "/v1/process?stream=true", json={"text": text}, timeout=60) as answer:
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/event-stream")
        events = _events(answer.read().decode())
    kinds = [k for k, _ in events]
    assert kinds[-2:] == ["summary", "end"] and set(kinds[:-2]) == {"sentence"}
    sentences = sorted((d for k, d in events if k == "sentence"), key=lambda d: d["index"])
    assert [d["index"] for d in sentences] == list(range(len(expected.segments)))
    assert [(d["source"], d["translation"]) for d in sentences] == [(s.source, s.translation) for s in expected.segments]
    assert events[-2][1]["summary"] == expected.summary and events[-1][1]["sentences"] == len(expected.segments)
    assert events[-1][1]["result"]["translation"] == expected.translation
    streamed = post(server, "/v1/process", json={"text": "Bonjour.", "stream": True})
    assert [k for k, _ in _events(streamed.text)] == ["sentence", "summary", "end"]


def test_alternatives_come_from_the_engines_beam(server: Server, alone: Pipeline) -> None:
    # Before: alternatives=3 was silently ignored.
    text = "Le conseil municipal s'est réuni mardi soir."
    answer = post(server, "/translate", json={"q": text, "source": "fr", "alternatives": 3}).json()
    best, others = answer["translatedText"], answer["alternatives"]
    assert best == alone.translate(text) and 1 <= len(others) <= 3
    assert best not in others and len(set(others)) == len(others)
    assert (best, others) == alone.translate_alternatives(text, 3)
    listed = post(server, "/translate", json={"q": [text, "Merci."], "source": "fr", "alternatives": 2}).json()
    assert len(listed["alternatives"]) == 2 and all(isinstance(a, list) for a in listed["alternatives"])
    assert "alternatives" not in post(server, "/translate", json={"q": text, "source": "fr"}).json()
    for bad in ({"alternatives": "many"}, {"alternatives": 11}, {"alternatives": 2, "format": "html"}):
        assert post(server, "/translate", json={"q": text, "source": "fr", **bad}).status_code == 400


def test_a_docx_zip_bomb_is_a_413_on_every_upload_route_and_the_server_goes_on(server: Server) -> None:
    import io
    import zipfile

    import docx

    sent = io.BytesIO()
    docx.Document().save(sent)
    bomb = io.BytesIO()
    with zipfile.ZipFile(sent) as z, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for name in z.namelist():
            data = z.read(name)
            if name == "word/document.xml":  # 40 MB of comment, under a megabyte zipped: past the part limit
                at = data.index(b"<w:body>")
                data = data[:at] + b"<!-- rembourrage -->" * (2 * 2**20) + data[at:]
            out.writestr(name, data)
    assert len(bomb.getvalue()) < 1_000_000
    for path in ("/translate_file", "/v1/documents"):
        start = time.perf_counter()
        answer = post(server, path, files={"file": ("rapport.docx", bomb.getvalue())}, data={"source": "fr", "target": "en"})
        assert answer.status_code == 413 and "unzips to more than" in answer.json()["error"], (path, answer.text)
        assert time.perf_counter() - start < 5
    assert post(server, "/translate", json={"q": "Bonjour.", "source": "fr", "target": "en"}).status_code == 200
