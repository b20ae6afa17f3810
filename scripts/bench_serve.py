#!/usr/bin/env python
"""``bilingua serve`` under load: micro-batching on against one request at a time, side by side.

The server runs in its own process with the random-weight opus-mt-fr-en-shape
model of ``bench_translate.py`` (built once into bench-out/), the default
engine choice and beam size, and every output forced to 32 tokens (the
arithmetic of the real model on FLORES-length outputs; random weights never
stop by themselves). Clients are threads, each with its own HTTP connection,
each sending one FLORES-200 devtest sentence per POST /translate (a
LibreTranslate JSON body), the next as soon as the last is answered.

Two servers are started and warmed up: micro-batching on (a 5 ms wait) and
off (one request at a time). Each is loaded by 1, 4, 16 and 64 clients,
interleaved (on, off, on, off...; the idle one takes no CPU) for --rounds
rounds, and the table shows the best round of each cell: sentences/s, target
tokens/s, latency p50/p95, throughput against one-at-a-time at the same
number of clients, and p95 against a lone request's latency (the p50 of one
client, one request at a time).

    python scripts/bench_serve.py              # 1/4/16/64 clients
    python scripts/bench_serve.py --quick      # fewer requests
    python scripts/bench_serve.py --beside     # only: a one-sentence request alone, then beside a
                                               # 49,000-character one (micro-batching on)
    python scripts/bench_serve.py --beside --src ../old/src   # another checkout's bilingua
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))
OUT_LEN = 32
CLIENTS = (1, 4, 16, 64)


def child(args: argparse.Namespace) -> None:
    """The server process: bilingua serve's code, with outputs forced to OUT_LEN tokens."""
    sys.path.insert(0, str(Path(args.src).resolve()))
    from bilingua import Pipeline
    from bilingua.backends import GenerationOptions
    from bilingua.options import ServiceOptions
    from bilingua.service import serve

    micro = None if args.micro_batch_ms < 0 else args.micro_batch_ms
    pipeline = Pipeline(
        args.model, micro_batch_ms=micro, summarizer="extractive", progress=False,
        generation=GenerationOptions(fixed_length=OUT_LEN, loop_guard=False),
    )
    # The service's own default micro-batches: "off" must say so (before, both servers micro-batched).
    serve(pipeline, ServiceOptions(port=args.port, micro_batch_ms=micro))


def start(model: Path, micro_batch_ms: float, log: Path, src: Path) -> tuple[subprocess.Popen[bytes], str]:
    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", "--model", str(model), "--port", str(port),
         "--micro-batch-ms", str(micro_batch_ms), "--src", str(src)],
        stdout=subprocess.DEVNULL, stderr=open(log, "wb"),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600  # the first start converts the model for CTranslate2
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited:\n{log.read_text()}")
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the server did not start")


def load(url: str, sentences: list[str], clients: int, per_client: int) -> dict[str, float]:
    """``clients`` threads, each sending ``per_client`` sentences one after the other."""
    import httpx

    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def client(k: int) -> None:
        with httpx.Client(base_url=url, timeout=600) as http:
            http.get("/health")  # connect before the clock starts
            barrier.wait()
            for j in range(per_client):
                text = sentences[(k * per_client + j) % len(sentences)]
                t0 = time.perf_counter()
                r = http.post("/translate", json={"q": text, "source": "fr", "target": "en"})
                r.raise_for_status()
                with lock:
                    latencies.append(time.perf_counter() - t0)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - t0
    latencies.sort()
    n = len(latencies)
    return {
        "clients": clients, "requests": n, "seconds": seconds, "sentences_per_s": n / seconds,
        "tokens_per_s": n * OUT_LEN / seconds, "p50": statistics.median(latencies),
        "p95": latencies[min(n - 1, int(0.95 * n))],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--micro-batch-ms", type=float, default=5.0, help=argparse.SUPPRESS)
    parser.add_argument("--model", type=Path)
    parser.add_argument("--quick", action="store_true", help="fewer requests per client")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds; the best of each cell is shown")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "evaldata" / "flores200_devtest")
    parser.add_argument("--work", type=Path, default=ROOT / "bench-out")
    parser.add_argument("--json", type=Path, help="also write the measurements here")
    parser.add_argument("--beside", action="store_true",
                        help="only a one-sentence request's latency alone and beside a 49,000-character request")
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="the bilingua source tree the server runs")
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0
    from bench_translate import build_model

    from bilingua.cpu import cpu_facts

    args.work.mkdir(exist_ok=True)
    model = args.model or build_model(args.work / "opus-mt-fr-en-shape", args.data)
    sentences = (args.data / "fra_Latn.devtest").read_text(encoding="utf-8").splitlines()
    if args.beside:
        return beside(model, sentences, args)
    servers = {name: start(model, wait, args.work / f"serve-{name}.log", args.src)
               for name, wait in (("on", 5.0), ("off", -1.0))}
    best: dict[tuple[str, int], dict[str, float]] = {}
    try:
        for _, url in servers.values():
            load(url, sentences[-50:], 4, 4)  # warm-up, on other sentences
        for _ in range(args.rounds):  # interleaved: on, off, on, off...; an idle server takes no CPU
            for clients in CLIENTS:
                total = max(16 if args.quick else 32, (1 if args.quick else 2) * clients)
                for name, (_, url) in servers.items():
                    r = load(url, sentences, clients, max(1, total // clients))
                    print(json.dumps({"micro_batching": name, **r}), file=sys.stderr)
                    if (name, clients) not in best or r["sentences_per_s"] > best[name, clients]["sentences_per_s"]:
                        best[name, clients] = r
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(60)
    rows = {name: [best[name, c] for c in CLIENTS] for name in servers}
    facts = cpu_facts()
    print(f"{facts.model}, {facts.cores} cores; outputs forced to {OUT_LEN} tokens; "
          f"threads {os.environ.get('OMP_NUM_THREADS', 'default')}")
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


def beside(model: Path, sentences: list[str], args: argparse.Namespace) -> int:
    """The micro-batching server: a one-sentence request alone, then beside a long one."""
    from bench_service_overhead import beside_long

    from bilingua.cpu import cpu_facts

    proc, url = start(model, 5.0, args.work / "serve-beside.log", args.src)
    try:
        load(url, sentences[-50:], 4, 4)  # warm-up, on other sentences
        print(f"{cpu_facts().model}, {cpu_facts().cores} cores; outputs forced to {OUT_LEN} tokens; source: {args.src}")
        beside_long(url, sentences)
    finally:
        proc.terminate()
        proc.wait(60)
    return 0


def table(rows: dict[str, list[dict[str, float]]]) -> str:
    lone = rows["off"][0]["p50"]
    lines = [
        "| clients | micro-batching | sentences/s | tokens/s | p50 ms | p95 ms | throughput vs off | p95 vs lone request |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for on, off in zip(rows["on"], rows["off"]):
        for name, r in (("on", on), ("off", off)):
            lines.append(
                f"| {r['clients']} | {name} | {r['sentences_per_s']:.1f} | {r['tokens_per_s']:.0f} | "
                f"{1000 * r['p50']:.0f} | {1000 * r['p95']:.0f} | {r['sentences_per_s'] / off['sentences_per_s']:.2f}x | "
                f"{r['p95'] / lone:.2f}x |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
