"""The Chat tab: conversations on the left, the chat in the middle, settings on the right.

Messages stream token by token; Stop keeps the partial answer; every completed message is
stored at once in the user's history.
"""

import logging
import time
from collections.abc import Iterator
from typing import Any

import gradio as gr

from ..backends.prompting import flatten_content
from ..backends.text import ChatOptions, ChatResult
from ..history import History
from ..state import AppState
from .common import owner_of, ui_handler, user_error, user_of
from .history_panel import build_history_panel, conversation_choices, wire_history_panel

log = logging.getLogger(__name__)

DEFAULT_SYSTEM = "You are a helpful assistant."
UPDATE_EVERY_S = 0.04  # at most ~25 page updates a second while streaming
DEFAULTS = {"temperature": 0.7, "top_p": 0.9, "top_k": 40, "max_new_tokens": 512, "repetition_penalty": 1.1, "seed": -1}


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


def answer_meta(result: ChatResult) -> dict[str, Any]:
    meta: dict[str, Any] = {"model": result.model, "tokens": result.completion_tokens, "seed": result.seed,
                            "tokens_per_second": round(result.tokens_per_second, 2), "finish": result.finish_reason}
    if result.plan is not None:
        meta["plan"] = f"{result.plan.describe()} — {result.plan.reason}"
    return meta


def _to_messages(history: list[dict], system: str, user_text: str) -> list[dict[str, str]]:
    msgs = [{"role": "system", "content": system.strip()}] if system.strip() else []
    for m in history:
        if m.get("role") in ("user", "assistant"):
            msgs.append({"role": m["role"], "content": flatten_content(m.get("content"))})
    msgs.append({"role": "user", "content": user_text})
    return msgs


def build_chat_tab(state: AppState, demo: Any) -> None:
    services, store = state.services, state.history or History(state.settings.data_dir / "history.sqlite3")
    names = state.registry.names("text")
    conv_id = gr.State(None)
    with gr.Row():
        with gr.Column(scale=1, min_width=220, elem_id="history-panel"):
            panel = build_history_panel()
        with gr.Column(scale=4):
            with gr.Row():
                model = gr.Dropdown(names, value=state.registry.default_name("text"), label="Chat model",
                                    allow_custom_value=False, scale=4, elem_id="chat-model")
                unload_btn = gr.Button("Unload", scale=1, size="sm", elem_id="chat-unload")
            chatbot = gr.Chatbot(label="Conversation", height=480, buttons=["copy"], elem_id="chatbot",
                                 feedback_options=None, placeholder="Pick a model and say hello.", latex_delimiters=[])
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
    sampling = [temperature, top_p, top_k, max_new, repetition, seed]

    def respond(history: list[dict], user_text: str, cid: str | None, search: str, store_user: bool,
                values: tuple, request: gr.Request) -> Iterator[tuple[Any, ...]]:
        model_name, system_text, temp, tp, tk, mnt, rep, sd = values
        user = user_of(request)
        options = ChatOptions(temperature=float(temp), top_p=float(tp), top_k=int(tk), max_new_tokens=int(mnt),
                              repetition_penalty=float(rep), seed=int(sd if sd is not None else -1))
        settings = {"system": system_text or "", **{k: getattr(options, k) for k in DEFAULTS}}
        try:  # checks everything first: a bad request stores nothing
            job = services.chat(model_name, _to_messages(history, system_text or "", user_text), options,
                                owner=owner_of(request))
        except Exception as exc:
            raise user_error(exc) from None
        try:
            if cid is None:
                cid = store.create(user, model=model_name, settings=settings)
            else:
                store.set_settings(user, cid, model_name, settings)
            if store_user:
                store.add_message(user, cid, "user", user_text)
        except Exception as exc:
            job.cancel.cancel()
            raise user_error(exc) from None
        choices = gr.Radio(choices=conversation_choices(store, user, search), value=cid)
        history = history + [{"role": "user", "content": user_text}, {"role": "assistant", "content": ""}]
        yield history, "", "Waiting for the model...", cid, choices
        answer, notice, last, skip = "", "", 0.0, gr.skip()
        try:
            for event in job.events():
                if event.kind == "text":
                    answer += event.data
                    if time.monotonic() - last >= UPDATE_EVERY_S:
                        last = time.monotonic()
                        history[-1] = {"role": "assistant", "content": answer}
                        yield history, skip, skip, skip, skip
                elif event.kind == "queued":
                    yield history, skip, f"Waiting in line: position {event.data}.", skip, skip
                elif event.kind == "status":
                    yield history, skip, "Writing..." if event.data == "generating" else event.data, skip, skip
                elif event.kind == "notice":
                    notice = event.data
                    gr.Warning(notice)
                elif event.kind == "done" and event.data is None:  # stopped while waiting in line
                    yield history[:-1], skip, "Stopped before the answer started.", skip, skip
                elif event.kind == "done":
                    result: ChatResult = event.data
                    history[-1] = {"role": "assistant", "content": answer}
                    if answer:  # a stopped answer is kept as it stood
                        store.add_message(user, cid, "assistant", answer, meta=answer_meta(result))
                    yield history, skip, status_line(result, notice), skip, skip
        except Exception as exc:
            if not answer:
                history = history[:-1]  # keep the question, drop the empty answer
            yield history, skip, f"⚠️ {exc}", skip, skip
            raise user_error(exc) from None

    # Gradio passes the request only to named parameters, so the values are spelled out.
    def send(user_text: str, history: list[dict], cid: str | None, search: str, model_name: str, system_text: str,
             temp: float, tp: float, tk: float, mnt: float, rep: float, sd: float,
             request: gr.Request) -> Iterator[Any]:
        if not (user_text or "").strip():
            gr.Warning("Type a message first, then press Enter or Send.")
            yield (gr.skip(),) * 5
            return
        values = (model_name, system_text, temp, tp, tk, mnt, rep, sd)
        yield from respond(history or [], user_text, cid, search, True, values, request)

    def regenerate(history: list[dict], cid: str | None, search: str, model_name: str, system_text: str,
                   temp: float, tp: float, tk: float, mnt: float, rep: float, sd: float,
                   request: gr.Request) -> Iterator[Any]:
        history = list(history or [])
        while history and history[-1].get("role") != "user":
            history.pop()
        if not history:
            gr.Warning("There is nothing to regenerate yet.")
            yield (gr.skip(),) * 5
            return
        last_user = flatten_content(history.pop().get("content"))
        if cid is not None:
            store.truncate_after_last_user(user_of(request), cid)
        values = (model_name, system_text, temp, tp, tk, mnt, rep, sd)
        yield from respond(history, last_user, cid, search, cid is None, values, request)

    def stop(request: gr.Request) -> Any:
        return "Stopping..." if services.cancel(owner_of(request)) else gr.skip()

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

    @ui_handler
    def open_conversation(cid: str | None, request: gr.Request) -> tuple[Any, ...]:
        if not cid:
            return (gr.skip(),) * (5 + len(sampling))
        conv = store.get(user_of(request), cid)
        msgs = [{"role": m["role"], "content": m["content"]} for m in conv.messages if m["role"] in ("user", "assistant")]
        s = {**DEFAULTS, "system": DEFAULT_SYSTEM, **conv.settings}
        picked = conv.model if conv.model in state.registry.names("text") else gr.skip()
        return (msgs, cid, conv.title, picked, s["system"], *(s[k] for k in DEFAULTS))

    def new_chat(search: str, request: gr.Request) -> tuple[Any, ...]:
        return [], None, "", "", gr.Radio(choices=conversation_choices(store, user_of(request), search), value=None)

    def on_page_load(request: gr.Request) -> Any:
        return gr.Radio(choices=conversation_choices(store, user_of(request)), value=None)

    outputs = [chatbot, message, status, conv_id, panel.conversations]
    inputs = [conv_id, panel.search, *params]
    message.submit(send, [message, chatbot, *inputs], outputs, concurrency_limit=None)
    send_btn.click(send, [message, chatbot, *inputs], outputs, concurrency_limit=None)
    regen_btn.click(regenerate, [chatbot, *inputs], outputs, concurrency_limit=None)
    stop_btn.click(stop, None, status, queue=False)
    for button in (clear_btn, panel.new_btn):
        button.click(new_chat, panel.search, [chatbot, conv_id, message, status, panel.conversations], queue=False)
    unload_btn.click(unload, model, status)
    model.change(show_plan, model, status)
    panel.conversations.input(open_conversation, panel.conversations,
                              [chatbot, conv_id, panel.title, model, system, *sampling])
    deleted = wire_history_panel(panel, store, conv_id)
    deleted.then(lambda: ([], ""), None, [chatbot, status])
    demo.load(on_page_load, None, panel.conversations)
