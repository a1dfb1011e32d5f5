"""The Models tab's Connections section: other computers that serve models over the OpenAI API (vLLM,
Ollama, llama.cpp's server, another LocalAI). Their models join the chat's model list, marked with the
server's name.

- A table of the servers: name, URL, state (reachable, not checked yet, or down with the reason in
  plain words), their models, latency, requests in flight, whether a key is set (never the key).
- Test (a health check now) and Remove for the server picked in the list; Refresh reads them again.
- A form to add one: name, URL, an optional key (a password box, emptied once sent).

Add and Remove are greyed out, with a note saying why, unless ``services.may_manage_remotes`` allows
this user from this address (the admin, or a page opened on this computer itself); the services refuse
them anyway. With ``--no-remotes`` the section only says that remotes are off and how to turn them on.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import gradio as gr

from ..errors import InvalidInput
from ..messages import render, text
from .common import ui_handler, user_of
from .translator import Translator

COLUMN_KEYS = ("name", "url", "state", "models", "latency", "in_flight", "key")
# The buttons beside the server list sit level with its box, not stretched to its height.
TAB_CSS = "#conn-actions { align-items: flex-end; } #conn-actions > button { flex-grow: 0; min-width: 96px; }\n"
SHOWN_MODELS = 6  # model ids listed per server in the table; the rest as "+N"


def client_host(request: gr.Request) -> str | None:
    """The address the page's request came from ("127.0.0.1" for this computer itself)."""
    client = getattr(request, "client", None)
    return getattr(client, "host", None)


# -- what the section shows, as text ------------------------------------------------------------------
def state_text(view: Any, lang: str) -> str:
    if view.reachable is None:
        return text(lang, "conn.state.unchecked")
    if view.reachable:
        return text(lang, "conn.state.up")
    return text(lang, "conn.state.down", why=problem_text(view.problem, lang, hint=False))


def problem_text(problem: Any, lang: str, hint: bool = True) -> str:
    """What is wrong with a server, in plain words; ``hint``: with what to do about it (the table leaves that to
    the status line, to stay short)."""
    if problem is None:
        return "?"
    parts = getattr(problem, "parts", None)
    return render(parts[0], lang) if parts and not hint else render(problem, lang)


def models_text(view: Any, lang: str) -> str:
    if not view.models:
        return text(lang, "conn.no_models") if view.reachable else ""
    ids = [m.id if m.kind != "image" else text(lang, "conn.image_model", id=m.id) for m in view.models]
    shown = ", ".join(ids[:SHOWN_MODELS])
    return shown if len(ids) <= SHOWN_MODELS else text(lang, "conn.more_models", models=shown,
                                                       count=len(ids) - SHOWN_MODELS)


def connection_rows(views: Sequence[Any], lang: str) -> list[list[str]]:
    rows = []
    for v in views:
        name = text(lang, "conn.from_flag", name=v.name) if v.origin == "flag" else v.name
        latency = text(lang, "conn.latency", ms=f"{v.latency_ms:.0f}") if v.latency_ms is not None else ""
        rows.append([name, v.url, state_text(v, lang), models_text(v, lang), latency, str(v.in_flight),
                     text(lang, "conn.key_set" if v.has_key else "conn.key_none")])
    return rows


def table_value(views: Sequence[Any], lang: str) -> dict[str, Any]:
    """The servers' table with its column names in ``lang``."""
    return {"headers": [text(lang, f"conn.col.{k}") for k in COLUMN_KEYS], "data": connection_rows(views, lang)}


def summary_line(views: Sequence[Any], lang: str) -> str:
    if not views:
        return text(lang, "conn.none")
    up = sum(1 for v in views if v.reachable)
    return text(lang, "conn.summary", count=len(views), up=up)


def checked_line(view: Any, lang: str, key_up: str) -> str:
    """After Add or Test: reachable with its models and latency, else down and why (a warning too)."""
    if view.reachable:
        return text(lang, key_up, name=view.name, count=len(view.models),
                    ms=f"{view.latency_ms:.0f}" if view.latency_ms is not None else "?")
    return f"⚠️ {text(lang, 'conn.is_down', name=view.name, why=problem_text(view.problem, lang))}"


@dataclass(frozen=True)
class ButtonStates:
    add: bool
    test: bool
    remove: bool


def button_states(views: Sequence[Any], picked: str | None, may_manage: bool) -> ButtonStates:
    """Add for those who may manage servers; Test for a listed server; Remove for a listed server that was
    added here (one from ``--remote`` stays until LocalAI is started without it)."""
    view = next((v for v in views if v.name == picked), None)
    return ButtonStates(add=may_manage, test=view is not None,
                        remove=may_manage and view is not None and view.origin != "flag")


# -- the handlers -----------------------------------------------------------------------------------
class Connections:
    """The section's handlers. Each returns the updates of the section's outputs: [table, summary, pick,
    Add, Test, Remove, name, URL, key, status, note]."""

    def __init__(self, services: Any, tr: Translator) -> None:
        self.services = services
        self.tr = tr

    def may_manage(self, request: gr.Request) -> bool:
        return bool(self.services.may_manage_remotes(user_of(request), client_host(request)))

    def shown(self, picked: str | None, request: gr.Request, status: Any = None,
              clear_form: bool = False) -> tuple[Any, ...]:
        """The section as it is now; ``status``: a new status line; ``clear_form``: the form emptied."""
        lang = self.tr.lang(request)
        views = self.services.remote_servers()
        names = [v.name for v in views]
        picked = picked if picked in names else (names[0] if names else None)
        may = self.may_manage(request)
        b = button_states(views, picked, may)
        form = [gr.update(interactive=may, value="") if clear_form else gr.update(interactive=may) for _ in range(3)]
        note = gr.update(visible=not may, value="" if may else text(lang, "conn.manage_only",
                                                                              admin=self.services.access.admin))
        return (table_value(views, lang), summary_line(views, lang), gr.update(choices=names, value=picked),
                gr.update(interactive=b.add), gr.update(interactive=b.test), gr.update(interactive=b.remove),
                *form, gr.skip() if status is None else status, note)  # each its own dict: Gradio consumes them

    def buttons(self, picked: str | None, request: gr.Request) -> tuple[Any, Any]:
        """[Test, Remove] for the server picked now."""
        b = button_states(self.services.remote_servers(), picked, self.may_manage(request))
        return gr.update(interactive=b.test), gr.update(interactive=b.remove)

    def refresh(self, picked: str | None, request: gr.Request) -> tuple[Any, ...]:
        return self.shown(picked, request)

    def add(self, name: str, url: str, key: str, request: gr.Request) -> tuple[Any, ...]:
        """The form sent: the server is added and checked at once, and the form emptied (the page holds a key
        no longer than it takes to send it). A refused one changes nothing: the form stays as typed."""
        lang = self.tr.lang(request)
        if not (name or "").strip():
            raise InvalidInput("conn.need_name").about("name")
        if not (url or "").strip():
            raise InvalidInput("conn.need_url").about("url")
        view = self.services.add_remote(name.strip(), url.strip(), (key or "").strip() or None, user_of(request),
                                        client_host(request))
        line = checked_line(view, lang, "conn.added")
        if not view.reachable:
            self.tr.warning(lang, line.removeprefix("⚠️ "))
        return self.shown(view.name, request, status=line, clear_form=True)

    def test(self, picked: str | None, request: gr.Request) -> tuple[Any, ...]:
        lang = self.tr.lang(request)
        if not picked:
            raise InvalidInput("conn.pick_first")
        view = self.services.check_remote(picked)
        line = checked_line(view, lang, "conn.tested")
        if not view.reachable:
            self.tr.warning(lang, line.removeprefix("⚠️ "))
        return self.shown(picked, request, status=line)

    def remove(self, picked: str | None, request: gr.Request) -> tuple[Any, ...]:
        lang = self.tr.lang(request)
        if not picked:
            raise InvalidInput("conn.pick_first")
        self.services.remove_remote(picked, user_of(request), client_host(request))
        return self.shown(None, request, status=text(lang, "conn.removed", name=picked))


# -- the section --------------------------------------------------------------------------------------
def build_connections(services: Any, tr: Translator, demo: Any = None) -> None:
    """The Connections section, in the tab being built (``demo``: the page, whose load fills it)."""
    remotes = getattr(services, "remotes", None)
    with gr.Column(elem_id="conn"):
        gr.Markdown(tr.ui("conn.heading"), elem_id="conn-heading")
        if remotes is None or not remotes.enabled:
            gr.Markdown(tr.ui("conn.off"), elem_id="conn-off")
            return
        gr.Markdown(tr.ui("conn.intro"), elem_id="conn-intro")
        summary = gr.Markdown("", elem_id="conn-summary")
        table = gr.Dataframe(value={"headers": list(COLUMN_KEYS), "data": []}, interactive=False, wrap=True,
                             elem_id="conn-table", label=tr.ui("conn.table"), show_label=False, max_height=320,
                             column_widths=["12%", "20%", "24%", "22%", "8%", "7%", "7%"])
        with gr.Row(elem_id="conn-actions"):
            pick = gr.Dropdown([], value=None, label=tr.ui("conn.pick"), elem_id="conn-pick",
                               allow_custom_value=False, scale=3)
            test_btn = gr.Button(tr.ui("conn.test"), size="sm", interactive=False, elem_id="conn-test", scale=1)
            remove_btn = gr.Button(tr.ui("conn.remove"), size="sm", variant="stop", interactive=False,
                                   elem_id="conn-remove", scale=1)
            refresh_btn = gr.Button(tr.ui("conn.refresh"), size="sm", elem_id="conn-refresh", scale=1)
        status = gr.Markdown("", elem_id="conn-status")
        with gr.Group(elem_id="conn-form"):
            with gr.Row():
                name = gr.Textbox(label=tr.ui("conn.name"), placeholder=tr.ui("conn.name_placeholder"),
                                  max_length=32, max_lines=1, elem_id="conn-name", scale=1)
                url = gr.Textbox(label=tr.ui("conn.url"), placeholder=tr.ui("conn.url_placeholder"),
                                 max_length=500, max_lines=1, elem_id="conn-url", scale=2)
                key = gr.Textbox(label=tr.ui("conn.key"), type="password", placeholder=tr.ui("conn.key_placeholder"),
                                 max_length=500, elem_id="conn-key", scale=1)
            add_btn = gr.Button(tr.ui("conn.add"), variant="primary", size="sm", interactive=False, elem_id="conn-add")
        note = gr.Markdown("", visible=False, elem_id="conn-manage-only")
    section = Connections(services, tr)
    outputs = [table, summary, pick, add_btn, test_btn, remove_btn, name, url, key, status, note]
    add_btn.click(ui_handler(section.add), [name, url, key], outputs, concurrency_limit=None)
    test_btn.click(ui_handler(section.test), pick, outputs, concurrency_limit=None)
    remove_btn.click(ui_handler(section.remove), pick, outputs)
    refresh_btn.click(ui_handler(section.refresh), pick, outputs)
    pick.input(section.buttons, pick, [test_btn, remove_btn], queue=False)
    if demo is not None:
        demo.load(ui_handler(section.refresh), pick, outputs, queue=False)
