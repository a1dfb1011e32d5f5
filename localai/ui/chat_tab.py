"""The Chat tab: pick a model, type, watch the answer stream; stop, regenerate, clear."""

import logging
import time
from collections.abc import Iterator
from typing import Any

import gradio as gr

from ..backends.prompting import flatten_content
from ..backends.text import ChatOptions, ChatResult
from ..errors import UserError
from ..state import AppState
from .common import owner_of, ui_handler, user_error

log = logging.getLogger(__name__)

DEFAULT_SYSTEM = "You are a helpful assistant."
UPDATE_EVERY_S = 0.04  # at most ~25 page updates a second while streaming


def status_line(result: ChatResult, notice: str = "") -> str:
    plan = result.plan
    parts = []
    if plan is not None:
        parts.append(f"**{result.model}** · {plan.describe()} — {plan.reason}")
    speed = f"{result.completion_tokens} tokens · {result.tokens_per_second:.1f} tokens/s"
    if result.finish_reason == "cancelled":
        speed += " · stopped (the partial answer is kept)"
    elif result.finish_reason == "length":
        speed += " · reached 'Max new tokens'"
    parts.append(speed)
    if notice:
        parts.append(f"⚠️ {notice}")
    return "  \n".join(parts)


def _to_messages(history: list[dict], system: str, user_text: str) -> list[dict[str, str]]:
    msgs = [{"role": "system", "content": system.strip()}] if system.strip() else []
    for m in history:
        if m.get("role") in ("user", "assistant"):
            msgs.append({"role": m["role"], "content": flatten_content(m.get("content"))})
    msgs.append({"role": "user", "content": user_text})
    return msgs


def build_chat_tab(state: AppState) -> None:
    services = state.services
    names = state.registry.names("text")
    with gr.Row():
        with gr.Column(scale=4):
            with gr.Row():
                model = gr.Dropdown(names, value=state.registry.default_name("text"), label="Chat model",
                                    allow_custom_value=False, scale=4, elem_id="chat-model")
                unload_btn = gr.Button("Unload", scale=1, size="sm", elem_id="chat-unload")
            chatbot = gr.Chatbot(label="Conversation", height=480, buttons=["copy"], elem_id="chatbot",
                                 feedback_options=None, placeholder="Pick a model and say hello.",
                                 latex_delimiters=[])
            with gr.Row():
                message = gr.Textbox(placeholder="Type a message and press Enter", show_label=False, scale=6,
                                     lines=1, max_lines=8, elem_id="chat-input", autofocus=True)
                send_btn = gr.Button("Send", variant="primary", scale=1, elem_id="chat-send")
            with gr.Row():
                stop_btn = gr.Button("Stop", variant="stop", elem_id="chat-stop")
                regen_btn = gr.Button("Regenerate", elem_id="chat-regenerate")
                clear_btn = gr.Button("Clear", elem_id="chat-clear")
            status = gr.Markdown("", elem_id="chat-status")
        with gr.Column(scale=1, min_width=240):
            system = gr.Textbox(DEFAULT_SYSTEM, label="System prompt", lines=4, elem_id="chat-system")
            with gr.Accordion("Sampling", open=True):
                temperature = gr.Slider(0, 2, value=0.7, step=0.05, label="Temperature (0 = always the likeliest word)")
                top_p = gr.Slider(0.05, 1, value=0.9, step=0.05, label="Top-p")
                top_k = gr.Slider(0, 200, value=40, step=1, label="Top-k (0 = off)")
                max_new = gr.Slider(16, 4096, value=512, step=16, label="Max new tokens")
                repetition = gr.Slider(1.0, 2.0, value=1.1, step=0.01, label="Repetition penalty")
                seed = gr.Number(-1, label="Seed (-1 = random)", precision=0)

    params = [model, system, temperature, top_p, top_k, max_new, repetition, seed]

    def respond(history: list[dict], user_text: str, model_name: str, system_text: str, temp: float, tp: float,
                tk: float, mnt: float, rep: float, sd: float, request: gr.Request) -> Iterator[tuple[Any, Any, Any]]:
        options = ChatOptions(temperature=float(temp), top_p=float(tp), top_k=int(tk), max_new_tokens=int(mnt),
                              repetition_penalty=float(rep), seed=int(sd if sd is not None else -1))
        messages = _to_messages(history, system_text or "", user_text)
        try:
            job = services.chat(model_name, messages, options, owner=owner_of(request))
        except UserError as exc:
            raise user_error(exc) from None
        history = history + [{"role": "user", "content": user_text}, {"role": "assistant", "content": ""}]
        yield history, "", "Waiting for the model..."
        answer, notice, last = "", "", 0.0
        try:
            for event in job.events():
                if event.kind == "text":
                    answer += event.data
                    now = time.monotonic()
                    if now - last >= UPDATE_EVERY_S:
                        last = now
                        history[-1] = {"role": "assistant", "content": answer}
                        yield history, gr.skip(), gr.skip()
                elif event.kind == "queued":
                    yield history, gr.skip(), f"Waiting in line: position {event.data}."
                elif event.kind == "status":
                    yield history, gr.skip(), "Writing..." if event.data == "generating" else event.data
                elif event.kind == "notice":
                    notice = event.data
                    gr.Warning(notice)
                elif event.kind == "done":
                    history[-1] = {"role": "assistant", "content": answer}
                    yield history, gr.skip(), status_line(event.data, notice)
        except Exception as exc:
            if not answer:
                history = history[:-1]  # keep the question, drop the empty answer
            yield history, gr.skip(), f"⚠️ {exc}"
            raise user_error(exc) from None

    # Gradio passes the request only to named parameters, so the sampling values are spelled out.
    def send(user_text: str, history: list[dict], model_name: str, system_text: str, temp: float, tp: float,
             tk: float, mnt: float, rep: float, sd: float, request: gr.Request) -> Iterator[Any]:
        if not (user_text or "").strip():
            gr.Warning("Type a message first, then press Enter or Send.")
            yield gr.skip(), gr.skip(), gr.skip()
            return
        yield from respond(history or [], user_text, model_name, system_text, temp, tp, tk, mnt, rep, sd, request)

    def regenerate(history: list[dict], model_name: str, system_text: str, temp: float, tp: float, tk: float,
                   mnt: float, rep: float, sd: float, request: gr.Request) -> Iterator[Any]:
        history = list(history or [])
        while history and history[-1].get("role") != "user":
            history.pop()
        if not history:
            gr.Warning("There is nothing to regenerate yet.")
            yield gr.skip(), gr.skip(), gr.skip()
            return
        last_user = flatten_content(history.pop().get("content"))
        yield from respond(history, last_user, model_name, system_text, temp, tp, tk, mnt, rep, sd, request)

    def stop(request: gr.Request) -> str:
        n = services.cancel(owner_of(request))
        return "Stopping..." if n else gr.skip()

    @ui_handler
    def unload(model_name: str) -> str:
        done = services.unload(model_name, "text")
        return f"{model_name} was unloaded; its memory is free." if done else f"{model_name} is not loaded."

    def show_plan(model_name: str) -> str:
        if not model_name:
            return ""
        try:
            info = services.model_info(model_name, "text")
        except Exception as exc:
            return f"⚠️ {exc}"
        if info.problem:
            return f"⚠️ {info.problem}"
        verb = "Loaded" if info.loaded else "Will load as"
        return f"{verb}: **{info.spec.name}** · {info.plan.describe()} — {info.plan.reason}"

    outputs = [chatbot, message, status]
    send_event = message.submit(send, [message, chatbot, *params], outputs, concurrency_limit=None)
    send_btn.click(send, [message, chatbot, *params], outputs, concurrency_limit=None)
    regen_btn.click(regenerate, [chatbot, *params], outputs, concurrency_limit=None)
    stop_btn.click(stop, None, status, queue=False)
    clear_btn.click(lambda: ([], "", ""), None, [chatbot, message, status], queue=False)
    unload_btn.click(unload, model, status)
    model.change(show_plan, model, status)
    del send_event
