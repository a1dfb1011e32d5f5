"""API concurrency: 4 chat clients at once against 1 at a time, through the OpenAI-compatible API.

    .venv/bin/python bench/api_concurrency.py [--requests 8] [--rounds 2] [--tokens 64] [--clients 4] [--models-dir D]

Builds a random-weight ~100M-parameter Llama offline (tests.tiny_models.save_llama_100m), starts
the real app (``app.py``, a subprocess on 127.0.0.1) and drives POST /v1/chat/completions with the
official ``openai`` client, streaming:

  (a) sequential: one client sends ``--requests`` requests one after another;
  (b) concurrent: ``--clients`` clients send the same number of requests in total at the same time.

Every request makes exactly ``--tokens`` tokens (the random model's end-of-text is suppressed).
Printed for each mode: aggregate tokens/s (all completion tokens / wall time), and per request
the latency (request -> last token), time to first token, and the client-side decode speed.
There is one inference worker (torch on one thread, see DESIGN.md), so jobs run one after
another in FIFO order: the aggregate stays about the same and latency grows with the line.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

MODEL = "llama-100m"


def one_request(client, tokens: int, i: int) -> dict:
    messages = [{"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": f"Request {i}: tell me a long story about a fisherman and his cat."}]
    started = time.perf_counter()
    first, count, usage = None, 0, None
    for chunk in client.chat.completions.create(model=MODEL, messages=messages, max_tokens=tokens,
                                                temperature=0, seed=i, stream=True,
                                                stream_options={"include_usage": True}):
        if chunk.choices and chunk.choices[0].delta.content:
            first = first or time.perf_counter() - started
            count += 1
        if chunk.usage is not None:
            usage = chunk.usage
    total = time.perf_counter() - started
    return {"latency": total, "ttft": first or total, "tokens": usage.completion_tokens, "chunks": count,
            "decode": (usage.completion_tokens - 1) / max(1e-9, total - (first or total))}


def run_mode(make_client, clients: int, requests: int, tokens: int) -> dict:
    results: list[dict] = []
    lock = threading.Lock()
    per_client = [list(range(c, requests, clients)) for c in range(clients)]
    barrier = threading.Barrier(clients)

    def worker(ids: list[int]) -> None:
        client = make_client()
        barrier.wait()
        for i in ids:
            r = one_request(client, tokens, i)
            with lock:
                results.append(r)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(ids,)) for ids in per_client]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    total_tokens = sum(r["tokens"] for r in results)
    return {"clients": clients, "wall": wall, "tokens": total_tokens, "aggregate": total_tokens / wall,
            "results": results}


def describe(name: str, mode: dict) -> None:
    rs = mode["results"]
    lat = sorted(r["latency"] for r in rs)
    ttft = sorted(r["ttft"] for r in rs)

    def pct(values: list[float], p: float) -> float:
        return values[min(len(values) - 1, round(p * (len(values) - 1)))]

    print(f"{name:<22} | {mode['clients']:>7} | {len(rs):>8} | {mode['wall']:>6.1f} | {mode['aggregate']:>14.1f} | "
          f"{statistics.mean(lat):>6.2f} / {pct(lat, 0.5):>5.2f} / {lat[-1]:>5.2f} | "
          f"{statistics.mean(ttft):>6.2f} / {ttft[-1]:>5.2f} | {statistics.mean(r['decode'] for r in rs):>10.1f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=8, help="requests per mode and round")
    ap.add_argument("--rounds", type=int, default=2, help="rounds; each runs both modes")
    ap.add_argument("--tokens", type=int, default=64, help="completion tokens per request")
    ap.add_argument("--clients", type=int, default=4, help="clients at once in the concurrent mode")
    ap.add_argument("--models-dir", type=Path, default=None, help="reuse a folder (default: a temporary one)")
    args = ap.parse_args(argv)

    import openai

    from tests.app_process import running_app
    from tests.tiny_models import save_llama_100m

    with tempfile.TemporaryDirectory(prefix="localai-bench-") as tmp:
        models_dir = args.models_dir or Path(tmp) / "models"
        folder = models_dir / "text" / MODEL
        if not (folder / "config.json").is_file():
            t = time.perf_counter()
            save_llama_100m(folder)
            print(f"built a random {MODEL} in {folder} ({time.perf_counter() - t:.1f} s)")
        with running_app(models_dir, Path(tmp) / "app", extra=["--offline", "--max-queue", "64"]) as app:
            print(f"app at {app.url} (page in {app.seconds_to_page:.1f} s)")

            def make_client():
                return openai.OpenAI(base_url=app.url + "/v1", api_key="local", max_retries=0, timeout=600)

            t = time.perf_counter()
            one_request(make_client(), 4, 1000)  # load the model
            one_request(make_client(), args.tokens, 1001)  # warm up
            print(f"loaded and warmed up in {time.perf_counter() - t:.1f} s; {args.tokens} tokens per request, "
                  "greedy, streamed")
            header = (f"{'mode':<22} | {'clients':>7} | {'requests':>8} | {'wall s':>6} | {'aggregate tok/s':>14} | "
                      f"{'latency s mean/p50/max':>22} | {'TTFT s mean/max':>15} | {'decode t/s':>10}")
            print(header)
            print("-" * len(header))
            # Rounds alternate which mode goes first, so drifts in machine load hit both alike.
            modes: dict[str, list[dict]] = {"1 at a time": [], f"{args.clients} concurrent": []}
            for r in range(args.rounds):
                order = list(modes) if r % 2 == 0 else list(reversed(modes))
                for name in order:
                    clients = 1 if name == "1 at a time" else args.clients
                    mode = run_mode(make_client, clients, args.requests, args.tokens)
                    assert all(x["tokens"] == args.tokens for x in mode["results"]), "every request makes N tokens"
                    modes[name].append(mode)
                    describe(f"{name} (round {r + 1})", mode)
            print("-" * len(header))
            totals = {}
            for name, runs in modes.items():
                merged = {"clients": runs[0]["clients"], "wall": sum(m["wall"] for m in runs),
                          "tokens": sum(m["tokens"] for m in runs),
                          "results": [x for m in runs for x in m["results"]]}
                merged["aggregate"] = merged["tokens"] / merged["wall"]
                totals[name] = merged
                describe(f"{name} (all)", merged)
            seq, conc = totals.values()
            print(f"\naggregate tokens/s, {args.clients} concurrent / 1 at a time: "
                  f"{conc['aggregate'] / seq['aggregate']:.2f}x; mean latency: "
                  f"{statistics.mean(x['latency'] for x in conc['results']):.2f} s vs "
                  f"{statistics.mean(x['latency'] for x in seq['results']):.2f} s "
                  "(one inference worker: jobs take turns in FIFO order)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
