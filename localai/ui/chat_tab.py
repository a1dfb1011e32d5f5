"""The Chat tab, chat first: the conversation fills the middle, the message box sits at the bottom.

- The header: a menu button (the conversations sidebar), the model picker, New chat and Settings; under
  it the model's status in one short line, its full load plan one click away. Unload is at the top of
  the settings panel. The picker lists this computer's models, then those of the servers in the Models
  tab's Connections, each marked with its servers ("qwen2.5:7b · pc2, pc3"); it is read again on each
  page load and whenever it is opened (a server added, removed, or answering its first health check).
- One button beside the message box: Send, which turns into Stop while an answer is written (Esc
  stops too). Gradio shows one of two buttons in that place (``chat-send`` / ``chat-stop``), the way
  its own ChatInterface swaps them.
- Per message: copy, regenerate (the Chatbot's retry), edit a sent message and answer again, delete
  the last exchange (the Chatbot's undo); see ``chat_turns.py``.
- Conversations in a collapsible left sidebar (a full-screen menu on a phone), the system prompt and
  sampling in a right one that the Settings button opens. Both belong to this tab: ``TAB_CSS`` hides
  them while another tab is shown, whichever way that tab was selected.

Messages stream token by token; Stop keeps the partial answer; every completed message is stored at
once in the user's history.
"""

import logging
from dataclasses import dataclass
from typing import Any

import gradio as gr

from ..conversations import SAVED_OPTIONS
from ..messages import text
from ..options import PAGE_SAMPLING
from ..state import AppState
from ..options import CHAT_CHARACTERS
from .chat_documents_view import attachable_types, wire_documents
from .chat_presets import wire_chat_settings
from .chat_settings import build_chat_settings, page_sampling
from .chat_status import model_line
from .chat_turns import ChatTurns, buttons, shown_messages
from .common import owner_of, ui_handler, user_of
from .history_panel import build_history_panel, conversation_choices, wire_history_panel
from .translator import Translator

log = logging.getLogger(__name__)

DEFAULT_SYSTEM = "You are a helpful assistant."
PHONE_MAX_PX = 768  # Gradio's sidebars become full-screen overlays at this width and below

# The sidebars are page-level in Gradio: shown only while the Chat tab is (its tab button says so).
_OTHER_TAB = "body:has(button[role=tab][data-tab-id=chat][aria-selected=false])"
TAB_CSS = f"""
{_OTHER_TAB} #chat-sidebar, {_OTHER_TAB} #chat-settings {{ display: none !important; }}
{_OTHER_TAB} .sidebar-parent {{ padding-left: 0 !important; padding-right: 0 !important; }}
#chat-header {{ align-items: center; flex-wrap: nowrap; gap: 6px; }}
#chat-header > * {{ min-width: 0; }}
#chat-header button {{ flex: 0 0 auto; white-space: nowrap; }}
#chat-model {{ flex: 1 1 auto; min-width: 0; }}
#chat-status {{ min-height: 1.5em; font-size: 0.85em; }}
#chat-status p {{ margin: 0; }}
#chat-status {{ position: relative; overflow: visible !important; z-index: 5; }}
#chat-status details.chat-plan summary {{ cursor: pointer; width: fit-content; }}
#chat-status details.chat-plan[open] > p {{ position: absolute; left: 0; right: 0; margin: 0; padding: 8px 12px;
  white-space: normal; background: var(--background-fill-primary); border: 1px solid var(--border-color-primary);
  border-radius: var(--radius-md); box-shadow: var(--shadow-drop-lg); }}
#chat-main {{ height: calc(100dvh - 130px); min-height: 420px; flex-wrap: nowrap !important; }}
#chatbot {{ flex: 1 1 0 !important; height: auto !important; min-height: 160px; }}
#chat-header, #chat-status, #chat-composer, #chat-tools {{ flex: 0 0 auto !important; }}
#chat-tools {{ align-items: center; justify-content: flex-end; flex-wrap: nowrap; gap: 6px; }}
#chat-tools #chat-documents {{ flex: 1 1 auto; min-width: 0; }}
#chat-tools #chat-draw {{ flex: 0 0 auto; white-space: nowrap; min-width: fit-content; }}
#chat-composer {{ align-items: flex-end; flex-wrap: nowrap; gap: 6px; }}
#chat-composer #chat-input {{ flex: 1 1 auto; min-width: 0; }}
#chat-send, #chat-stop {{ flex: 0 0 auto; min-width: 88px; align-self: stretch; }}
@media (max-width: {PHONE_MAX_PX}px) {{
  #chat-main {{ height: calc(100dvh - 150px); min-height: 360px; }}
  #chat-status p {{ white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }}
  #chat-send, #chat-stop {{ min-width: 64px; }}
  /* closed, the sidebars open from the header's buttons (☰, Settings); open, their own button closes them */
  #chat-sidebar:not(.open) .toggle-button, #chat-settings:not(.open) .toggle-button {{ display: none; }}
}}
"""

# Esc stops the answer being written (the Stop face of the one button, when it is shown).
TAB_JS = """
document.addEventListener('keydown', (event) => {
  if (event.key !== 'Escape') return;
  const stop = document.getElementById('chat-stop');
  if (stop && stop.offsetParent !== null) { event.preventDefault(); stop.click(); }
});
"""


def branch_note(store: Any, user: str, conv: Any, lang: str) -> str:
    """For a conversation made by editing a message: which conversation and message it was edited from."""
    origin = store.origin(user, conv)
    if origin is None:
        return ""
    title, index = origin
    if title is None:
        return text(lang, "hist.branch_note_gone")
    return text(lang, "hist.branch_note", title=title, number=index + 1)


def model_label(spec: Any) -> str:
    """A model as the picker lists it: its name, and for a model on other computers the servers that have it."""
    servers = getattr(spec, "servers", ())
    return f"{spec.name} · {', '.join(servers)}" if servers else spec.name


def chat_models(services: Any) -> list[tuple[str, str]]:
    """The picker's choices, (label, model name), in the registry's order: this computer's models, then the
    remote servers', then the catalog's to download."""
    return [(model_label(s), s.name) for s in services.list_models("text")]


@dataclass(frozen=True)
class ChatHooks:
    """What the Image tab's "Ask in chat" fills (the message box) and what "Draw this" reads (the conversation)."""

    message: Any
    chatbot: Any
    draw_button: Any


def build_chat_tab(state: AppState, demo: Any) -> ChatHooks:
    services = state.services
    store = services.conversations
    first = services.default_model("text", wait=False)
    start = page_sampling(services, first)
    tr = Translator(state.settings.lang)
    conv_id = gr.State(None)
    narrow = gr.State(False)  # a phone: the sidebars cover the chat, so they close after a pick
    with gr.Sidebar(open=False, width=300, elem_id="chat-sidebar", label="conversations") as left:
        panel = build_history_panel(tr)
    with gr.Sidebar(open=False, width=360, position="right", elem_id="chat-settings", label="settings") as right:
        unload_btn = gr.Button(tr.ui("common.unload"), size="sm", elem_id="chat-unload")  # frees the model's memory
        settings = build_chat_settings(tr, start, DEFAULT_SYSTEM)
        close_settings = gr.Button(tr.ui("chat.settings_close"), size="sm", elem_id="chat-settings-close")
    with gr.Column(elem_id="chat-main"):
        with gr.Row(elem_id="chat-header"):
            menu_btn = gr.Button("☰", size="sm", scale=0, min_width=40, elem_id="chat-menu")
            model = gr.Dropdown(chat_models(services), value=first, label=tr.ui("chat.model"), show_label=False,
                                container=False, allow_custom_value=False, scale=1, elem_id="chat-model")
            new_btn = gr.Button(tr.ui("chat.new"), size="sm", scale=0, min_width=40, elem_id="chat-new")
            settings_btn = gr.Button(tr.ui("chat.settings"), size="sm", scale=0, min_width=40,
                                     elem_id="chat-settings-open")
        status = gr.Markdown("", elem_id="chat-status")
        chatbot = gr.Chatbot(label=tr.ui("chat.conversation"), show_label=False, buttons=["copy"], elem_id="chatbot",
                             editable="user", feedback_options=None, placeholder=tr.ui("chat.placeholder"),
                             latex_delimiters=[], autoscroll=True)
        with gr.Row(elem_id="chat-tools"):
            documents = gr.Dropdown([], value=[], multiselect=True, label=tr.ui("attach.documents"), show_label=False,
                                    visible=False, container=False, allow_custom_value=False, scale=1,
                                    elem_id="chat-documents")
            draw_btn = gr.Button(tr.ui("attach.draw_this"), size="sm", scale=0, min_width=40, elem_id="chat-draw")
        with gr.Row(elem_id="chat-composer"):
            message = gr.MultimodalTextbox(placeholder=tr.ui("chat.input"), label=tr.ui("chat.input"),
                                           show_label=False, lines=1, max_lines=8, elem_id="chat-input",
                                           autofocus=True, container=False, submit_btn=False, sources=["upload"],
                                           file_count="multiple", file_types=attachable_types(),
                                           max_plain_text_length=CHAT_CHARACTERS.max)
            send_btn = gr.Button(tr.ui("chat.send"), variant="primary", elem_id="chat-send")
            stop_btn = gr.Button(tr.ui("chat.stop"), variant="stop", visible=False, elem_id="chat-stop")
    wire_chat_settings(settings, services, model, tr, demo)  # presets: pick, save, delete, reset to defaults
    system, temperature, top_p, top_k, max_new, repetition, seed = settings.values
    params = [model, *settings.values]
    sampling = settings.sampling
    turns = ChatTurns(services, tr)

    @ui_handler
    def unload(model_name: str, request: gr.Request) -> str:
        done = services.unload(model_name, "text", owner=owner_of(request), user=user_of(request))
        return tr(request, "common.unloaded" if done else "common.not_loaded", name=model_name)

    def show_plan(model_name: str, request: gr.Request) -> str:
        return model_line(services, model_name, tr.lang(request))

    @ui_handler
    def open_conversation(cid: str | None, is_narrow: bool, request: gr.Request) -> tuple[Any, ...]:
        if not cid:
            return (gr.skip(),) * (7 + len(sampling))
        user, lang = user_of(request), tr.lang(request)
        conv = store.get(user, cid)
        msgs = shown_messages(conv, services.chat_picture, lang)
        known = conv.model in services.model_names("text")
        defaults = page_sampling(services, conv.model if known else None)  # for settings saved before a slider existed
        s = {**{k: getattr(defaults, k) for k in SAVED_OPTIONS}, "system": tr(request, "chat.system_default"),
             **conv.settings}
        closed = gr.Sidebar(open=False) if is_narrow else gr.skip()
        return (msgs, cid, conv.title, conv.model if known else gr.skip(), branch_note(store, user, conv, lang), closed,
                s["system"],
                *(s[k] for k in SAVED_OPTIONS))

    def new_chat(search: str, is_narrow: bool, request: gr.Request) -> tuple[Any, ...]:
        choices = conversation_choices(store, user_of(request), search, tr.lang(request))
        closed = gr.Sidebar(open=False) if is_narrow else gr.skip()
        return [], None, "", "", gr.Radio(choices=choices, value=None), closed

    def on_page_load(current: str | None, width: float | None, request: gr.Request) -> tuple[Any, ...]:
        lang = tr.lang(request)  # the default system prompt in the page's language
        # The model list as it is now (downloads, Refresh), and the default once the hardware is known.
        choices = chat_models(services)
        picked = current if current in {name for _, name in choices} else services.default_model("text")
        is_narrow = bool(width) and float(width) <= PHONE_MAX_PX
        return (gr.Radio(choices=conversation_choices(store, user_of(request), "", lang), value=None),
                tr(lang, "chat.system_default"), gr.Dropdown(choices=choices, value=picked),
                gr.Sidebar(open=True) if not is_narrow else gr.skip(),  # a phone's starts (and stays) closed
                is_narrow, model_line(services, picked, lang), *model_sampling(picked))

    outputs = [chatbot, message, status, conv_id, panel.conversations, send_btn, stop_btn]
    inputs = [conv_id, panel.search, *params]
    listed = wire_documents(services, documents, conv_id, tr)
    for sent in (message.submit(turns.send, [message, chatbot, *inputs], outputs, concurrency_limit=None),
                 send_btn.click(turns.send, [message, chatbot, *inputs], outputs, concurrency_limit=None),
                 chatbot.retry(turns.regenerate, [chatbot, *inputs], outputs, concurrency_limit=None),
                 chatbot.edit(turns.edit, [chatbot, *inputs], outputs, concurrency_limit=None)):
        sent.then(lambda: buttons(False), None, [send_btn, stop_btn], queue=False)  # also after an error
        sent.then(listed, conv_id, documents, queue=False)
    stop_btn.click(turns.stop, None, None, queue=False)
    chatbot.undo(turns.undo, [chatbot, conv_id, panel.search], [chatbot, message, status, panel.conversations])
    new_outputs = [chatbot, conv_id, message, panel.title, panel.conversations, left]
    for button in (new_btn, panel.new_btn):
        button.click(new_chat, [panel.search, narrow], new_outputs, queue=False).then(
            listed, conv_id, documents, queue=False)
    chatbot.clear(new_chat, [panel.search, narrow], new_outputs, queue=False).then(  # its trash icon: a new chat
        listed, conv_id, documents, queue=False)
    menu_btn.click(lambda: gr.Sidebar(open=True), None, left, queue=False)
    settings_btn.click(lambda: gr.Sidebar(open=True), None, right, queue=False)
    close_settings.click(lambda: gr.Sidebar(open=False), None, right, queue=False)
    unload_btn.click(unload, model, status)
    model.change(show_plan, model, status)

    def fresh_models(current: str | None) -> Any:
        """The picker opened: its list as it is now; a model whose server went away gives way to the default."""
        choices = chat_models(services)
        if current in {name for _, name in choices}:
            return gr.Dropdown(choices=choices)
        return gr.Dropdown(choices=choices, value=services.default_model("text"))

    model.focus(fresh_models, model, model, queue=False, show_progress="hidden")
    sliders = settings.sliders

    def model_sampling(model_name: str | None) -> tuple[Any, ...]:
        """A model picked by hand, or the page's first model: the sliders start from its own defaults."""
        defaults = page_sampling(services, model_name)
        return tuple(getattr(defaults, name) for name in PAGE_SAMPLING)

    model.input(model_sampling, model, sliders, queue=False)
    panel.conversations.input(open_conversation, [panel.conversations, narrow],
                              [chatbot, conv_id, panel.title, model, status, left, system, *sampling]).then(
        listed, conv_id, documents, queue=False)
    deleted = wire_history_panel(panel, store, conv_id, tr)
    deleted.then(lambda: ([], ""), None, [chatbot, status]).then(listed, conv_id, documents, queue=False)
    page_width = gr.Number(visible=False)  # filled by the browser at load: is this a phone?
    # One update at load, the sliders included: once the status line shows, every setting has its start value.
    demo.load(on_page_load, [model, page_width], [panel.conversations, system, model, left, narrow, status, *sliders],
              js="(current, width) => [current, window.innerWidth]", show_progress="hidden")
    return ChatHooks(message, chatbot, draw_btn)
