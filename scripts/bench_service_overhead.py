#!/usr/bin/env python
"""The service's own cost per request: server CPU time per one-sentence ``/translate``, and requests/s.

Starts ``bilingua serve`` (the command itself) with the identity engine (no
model: what the server spends around an engine) or, with ``--model``, a model
folder; warms it up; then sends one-sentence LibreTranslate requests (FLORES-200
devtest sentences, a JSON body each) from 1 client and from 16 clients (threads,
each with its own keep-alive connection), and reads the server process's CPU
time (user + system, from /proc) before and after each run.

    python scripts/bench_service_overhead.py                     # identity engine
    python scripts/bench_service_overhead.py --model bench-out/tiny
    python scripts/bench_service_overhead.py --src ../old/src    # another checkout's bilingua, side by side
    python scripts/bench_service_overhead.py --src ../old/src --model bench-out/tiny --backend identity
                                  # a version whose identity engine read a model folder's tokenizer

Linux only (/proc). The goal (issue 20): at most 2 ms of server CPU per request.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "evaldata" / "flores200_devtest" / "fra_Latn.devtest"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def start(args: argparse.Namespace) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    engine = ["--model", args.model] if args.model else []
    engine += ["--backend", args.backend] if args.backend else [] if args.model else ["--backend", "identity"]
    env = {**os.environ, "PYTHONPATH": str(Path(args.src).resolve())}
    proc = subprocess.Popen([sys.executable, "-m", "bilingua", "serve", "--port", str(port), *engine,
                             "--summarizer", "extractive", "--beams", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    url = f"http://127.0.0.1:{port}"
    import httpx

    for _ in range(600):
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start")


def load(url: str, sentences: list[str], clients: int, per_client: int) -> float:
    """Send ``per_client`` requests from each of ``clients`` threads; return the wall time."""
    import httpx

    def client(k: int) -> None:
        with httpx.Client(timeout=60) as http:
            for i in range(per_client):
                text = sentences[(k * per_client + i) % len(sentences)]
                answer = http.post(url + "/translate", json={"q": text, "source": "fr", "target": "en"})
                answer.raise_for_status()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def beside_long(url: str, sentences: list[str], chars: int = 49_000) -> None:
    """A one-sentence request's latency alone, then while a request of ``chars`` characters runs (the
    micro-batcher serves their sentences in turn, so the short one should not wait for the long one)."""
    import httpx

    def one(http: httpx.Client, text: str) -> float:
        t0 = time.perf_counter()
        http.post(url + "/translate", json={"q": text, "source": "fr"}, timeout=600).raise_for_status()
        return time.perf_counter() - t0

    with httpx.Client() as http:
        alone = sorted(one(http, s) for s in sentences[:21])[10]
        long_text = "\n\n".join(f"{sentences[i % len(sentences)]} ({i})" for i in range(2000))[:chars]
        done = threading.Event()
        runner = threading.Thread(target=lambda: (one(httpx.Client(), long_text), done.set()))
        runner.start()
        time.sleep(0.5)  # the long one is in the engine
        beside = []
        while not done.is_set() and len(beside) < 21:
            beside.append(one(http, sentences[len(beside) + 30]))
        runner.join()
    if beside:
        mid = sorted(beside)[len(beside) // 2]
        print(f"a one-sentence request: {1000 * alone:.1f} ms alone (median), {1000 * mid:.1f} ms beside a "
              f"{len(long_text):,}-character request ({mid / alone:.2f}x, {len(beside)} requests)")
    else:
        print("the long request ended before a short one could be sent beside it")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None, help="a model folder (default: the identity engine)")
    parser.add_argument("--backend", default=None, help="the engine (default: identity without --model, else auto)")
    parser.add_argument("--src", default=str(ROOT / "src"), help="the bilingua source tree to run")
    parser.add_argument("--requests", type=int, default=800, help="requests per run")
    args = parser.parse_args()
    sentences = DATA.read_text(encoding="utf-8").splitlines()
    proc, url = start(args)
    try:
        load(url, sentences, 4, 25)  # warm up: connections, caches, lazy imports
        engine = args.backend or ("auto" if args.model else "identity")
        print(f"engine: {engine} {args.model or ''}; source: {args.src}; "
              f"{args.requests} one-sentence requests a run")
        rates = {}
        for clients in (1, 16):
            before = cpu_seconds(proc.pid)
            wall = load(url, sentences[100:], clients, args.requests // clients)
            cpu = cpu_seconds(proc.pid) - before
            n = clients * (args.requests // clients)
            rates[clients] = n / wall
            print(f"{clients:>2} client(s): {n / wall:7.1f} requests/s, server CPU {1000 * cpu / n:5.2f} ms/request")
        print(f"16 clients against 1: {rates[16] / rates[1]:.2f}x")
        beside_long(url, sentences)
    finally:
        proc.terminate()
        proc.wait(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
