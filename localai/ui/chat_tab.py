"""The Chat tab: conversations on the left, the chat in the middle, settings on the right.

Messages stream token by token; Stop keeps the partial answer; every completed message is
stored at once in the user's history.
"""

import logging
import time
from collections.abc import Iterator
from typing import Any

import gradio as gr

from ..backends.base import ChatResult
from ..backends.prompting import flatten_content
from ..conversations import SAVED_OPTIONS
from ..messages import render, text
from ..jobs import CancelledBeforeStart, Done, Notice, TextDelta
from ..options import PAGE_SAMPLING, ChatOptions
from ..state import AppState
from ..untrusted_input import without_lone_surrogates
from .common import owner_of, ui_handler, user_error, user_of
from .history_panel import build_history_panel, conversation_choices, wire_history_panel
from .job_view import Failed, JobTexts, JobView, TabJobs
from .chat_presets import wire_chat_settings
from .chat_settings import build_chat_settings, page_sampling
from .translator import Translator, plan_summary

log = logging.getLogger(__name__)

DEFAULT_SYSTEM = "You are a helpful assistant."
UPDATE_EVERY_S = 0.04  # at most ~25 page updates a second while streaming
CHAT_TEXTS = JobTexts(cancelled_before_start="chat.stopped_before", stopping="chat.stopping", generating="chat.writing")


def status_line(result: ChatResult, notice: str = "", lang: str = "en") -> str:
    plan = result.plan
    parts = []
    if plan is not None:
        parts.append(f"**{result.model}** · {plan_summary(plan, lang)}")
    speed = text(lang, "chat.speed", tokens=result.completion_tokens, speed=f"{result.tokens_per_second:.1f}")
    if result.finish_reason == "cancelled":
        speed += text(lang, "chat.stopped")
    elif result.finish_reason == "length":
        speed += text(lang, "chat.length")
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


def build_chat_tab(state: AppState, demo: Any) -> None:
    services = state.services
    store = services.conversations
    names = services.model_names("text")
    first = services.default_model("text", wait=False)
    start = page_sampling(services, first)
    tr = Translator(state.settings.lang)
    chat_jobs = TabJobs(services)  # the answer each browser session is waiting for, for its Stop button
    conv_id = gr.State(None)
    with gr.Row():
        with gr.Column(scale=1, min_width=220, elem_id="history-panel"):
            panel = build_history_panel(tr)
        with gr.Column(scale=4):
            with gr.Row():
                model = gr.Dropdown(names, value=first, label=tr.ui("chat.model"),
                                    allow_custom_value=False, scale=4, elem_id="chat-model")
                unload_btn = gr.Button(tr.ui("common.unload"), scale=1, size="sm", elem_id="chat-unload")
            chatbot = gr.Chatbot(label=tr.ui("chat.conversation"), height=480, buttons=["copy"], elem_id="chatbot",
                                 feedback_options=None, placeholder=tr.ui("chat.placeholder"), latex_delimiters=[])
            with gr.Row():
                message = gr.Textbox(placeholder=tr.ui("chat.input"), label=tr.ui("chat.input"), show_label=False,
                                     scale=6, lines=1, max_lines=8, elem_id="chat-input", autofocus=True)
                send_btn = gr.Button(tr.ui("chat.send"), variant="primary", scale=1, elem_id="chat-send")
            with gr.Row():
                stop_btn = gr.Button(tr.ui("chat.stop"), variant="stop", elem_id="chat-stop")
                regen_btn = gr.Button(tr.ui("chat.regenerate"), elem_id="chat-regenerate")
                clear_btn = gr.Button(tr.ui("chat.clear"), elem_id="chat-clear")
            status = gr.Markdown("", elem_id="chat-status")
        with gr.Column(scale=1, min_width=240):
            settings = build_chat_settings(tr, start, DEFAULT_SYSTEM)
    wire_chat_settings(settings, services, model, tr, demo)  # presets: pick, save, delete, reset to defaults
    system, temperature, top_p, top_k, max_new, repetition, seed = settings.values
    params = [model, *settings.values]
    sampling = settings.sampling

    def respond(history: list[dict], user_text: str, cid: str | None, search: str, store_user: bool,
                values: tuple, request: gr.Request) -> Iterator[tuple[Any, ...]]:
        model_name, system_text, temp, tp, tk, mnt, rep, sd = values
        # A lone surrogate (a browser can send one) is not text: the page could not even show it back.
        user_text, system_text = without_lone_surrogates(user_text), without_lone_surrogates(system_text or "")
        user, lang = user_of(request), tr.lang(request)
        options = ChatOptions(temperature=float(temp), top_p=float(tp), top_k=int(tk), max_new_tokens=int(mnt),
                              repetition_penalty=float(rep), seed=int(sd if sd is not None else -1))
        owner = owner_of(request)
        try:  # checks everything first: a bad request stores nothing
            job = services.chat(model_name, _to_messages(history, system_text or "", user_text), options, owner=owner)
        except Exception as exc:
            raise user_error(exc, lang) from None
        try:
            cid = store.start_turn(user, cid, model_name, system_text or "", options,
                                   user_text if store_user else None)
        except Exception as exc:
            services.cancel(job.id, owner)
            raise user_error(exc, lang) from None
        choices = gr.Radio(choices=conversation_choices(store, user, search, lang), value=cid)
        history = history + [{"role": "user", "content": user_text}, {"role": "assistant", "content": ""}]
        view = JobView(tr, lang, CHAT_TEXTS)
        answer, notice, last, skip = "", "", 0.0, gr.skip()
        with chat_jobs.running(owner, job):
            yield history, "", tr(lang, "common.waiting_model"), cid, choices
            for shown in view.follow(job):
                if isinstance(shown, TextDelta):
                    answer += shown.text
                    if time.monotonic() - last >= UPDATE_EVERY_S:
                        last = time.monotonic()
                        history[-1] = {"role": "assistant", "content": answer}
                        yield history, skip, skip, skip, skip
                elif isinstance(shown, Notice):
                    notice = view.message(shown.message)
                elif isinstance(shown, Done):
                    result: ChatResult = shown.result
                    history[-1] = {"role": "assistant", "content": answer}
                    try:
                        store.save_answer(user, cid, answer, result)  # a stopped answer is kept as it stood
                    except Exception as exc:
                        raise user_error(exc, lang) from None
                    yield history, skip, status_line(result, notice, lang), skip, skip
                elif (line := view.line(shown)) is not None:
                    history[-1] = {"role": "assistant", "content": answer}  # "Stopping...": as it stands
                    ended_empty = isinstance(shown, (CancelledBeforeStart, Failed)) and not answer
                    yield history[:-1] if ended_empty else history, skip, line, skip, skip  # keeps the question
                if isinstance(shown, Failed):
                    raise shown.page_error() from None

    # Gradio passes the request only to named parameters, so the values are spelled out.
    def send(user_text: str, history: list[dict], cid: str | None, search: str, model_name: str, system_text: str,
             temp: float, tp: float, tk: float, mnt: float, rep: float, sd: float,
             request: gr.Request) -> Iterator[Any]:
        if not (user_text or "").strip():
            tr.warning(request, tr(request, "chat.empty"))
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
            tr.warning(request, tr(request, "chat.nothing_to_regenerate"))
            yield (gr.skip(),) * 5
            return
        last_user = flatten_content(history.pop().get("content"))
        if cid is not None:
            store.forget_answer(user_of(request), cid)
        values = (model_name, system_text, temp, tp, tk, mnt, rep, sd)
        yield from respond(history, last_user, cid, search, cid is None, values, request)

    def stop(request: gr.Request) -> None:
        # This tab's chat only. No output here: "Stopping..." and then the final status come through
        # the answer's own stream, in order (a reply from this handler could land after the final status).
        chat_jobs.stop(owner_of(request))

    @ui_handler
    def unload(model_name: str, request: gr.Request) -> str:
        done = services.unload(model_name, "text", owner=owner_of(request), user=user_of(request))
        return tr(request, "common.unloaded" if done else "common.not_loaded", name=model_name)

    def show_plan(model_name: str, request: gr.Request) -> str:
        if not model_name:
            return ""
        lang = tr.lang(request)
        try:
            info = services.model_info(model_name, "text")
        except Exception as exc:
            return f"⚠️ {render(exc, lang)}"
        if info.problem:
            return f"⚠️ {tr.msg(lang, info.problem)}"
        verb = tr(lang, "common.loaded" if info.loaded else "common.will_load")
        return f"{verb}: **{info.spec.name}** · {plan_summary(info.plan, lang)}"

    @ui_handler
    def open_conversation(cid: str | None, request: gr.Request) -> tuple[Any, ...]:
        if not cid:
            return (gr.skip(),) * (5 + len(sampling))
        conv = store.get(user_of(request), cid)
        msgs = [{"role": m["role"], "content": m["content"]} for m in conv.messages if m["role"] in ("user", "assistant")]
        known = conv.model in services.model_names("text")
        defaults = page_sampling(services, conv.model if known else None)  # for settings saved before a slider existed
        s = {**{k: getattr(defaults, k) for k in SAVED_OPTIONS}, "system": tr(request, "chat.system_default"),
             **conv.settings}
        return (msgs, cid, conv.title, conv.model if known else gr.skip(), s["system"], *(s[k] for k in SAVED_OPTIONS))

    def new_chat(search: str, request: gr.Request) -> tuple[Any, ...]:
        choices = conversation_choices(store, user_of(request), search, tr.lang(request))
        return [], None, "", "", gr.Radio(choices=choices, value=None)

    def on_page_load(current: str | None, request: gr.Request) -> tuple[Any, Any, Any]:
        lang = tr.lang(request)  # the default system prompt in the page's language
        # The model list as it is now (downloads, Refresh), and the default once the hardware is known.
        names_now = services.model_names("text")
        picked = current if current in names_now else services.default_model("text")
        return (gr.Radio(choices=conversation_choices(store, user_of(request), "", lang), value=None),
                tr(lang, "chat.system_default"), gr.Dropdown(choices=names_now, value=picked))

    outputs = [chatbot, message, status, conv_id, panel.conversations]
    inputs = [conv_id, panel.search, *params]
    message.submit(send, [message, chatbot, *inputs], outputs, concurrency_limit=None)
    send_btn.click(send, [message, chatbot, *inputs], outputs, concurrency_limit=None)
    regen_btn.click(regenerate, [chatbot, *inputs], outputs, concurrency_limit=None)
    stop_btn.click(stop, None, None, queue=False)
    for button in (clear_btn, panel.new_btn):
        button.click(new_chat, panel.search, [chatbot, conv_id, message, status, panel.conversations], queue=False)
    unload_btn.click(unload, model, status)
    model.change(show_plan, model, status)
    sliders = settings.sliders

    def model_sampling(model_name: str | None) -> tuple[Any, ...]:
        """A model picked by hand, or the page's first model: the sliders start from its own defaults."""
        defaults = page_sampling(services, model_name)
        return tuple(getattr(defaults, name) for name in PAGE_SAMPLING)

    model.input(model_sampling, model, sliders, queue=False)
    panel.conversations.input(open_conversation, panel.conversations,
                              [chatbot, conv_id, panel.title, model, system, *sampling])
    deleted = wire_history_panel(panel, store, conv_id, tr)
    deleted.then(lambda: ([], ""), None, [chatbot, status])
    demo.load(on_page_load, model, [panel.conversations, system, model]).then(model_sampling, model, sliders,
                                                                              queue=False)
