"""The conversation sidebar of the Chat tab: list, search, new, rename, delete, export, import."""

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from ..conversations import Conversations
from ..messages import text
from .common import ui_handler, user_of
from .translator import Translator


@dataclass
class HistoryPanel:
    search: Any
    conversations: Any
    new_btn: Any
    title: Any
    rename_btn: Any
    delete_btn: Any
    confirm_row: Any
    confirm_btn: Any
    cancel_btn: Any
    export_md: Any
    export_json: Any
    upload: Any


def conversation_choices(conversations: Conversations, user: str, search: str = "",
                         lang: str = "en") -> list[tuple[str, str]]:
    out = []
    for s in conversations.list(user, search or ""):
        when = time.strftime(text(lang, "hist.date"), time.localtime(s.updated))
        out.append((f"{s.title} · {when}", s.id))
    return out


def build_history_panel(tr: Translator | None = None) -> HistoryPanel:
    tr = tr or Translator()
    gr.Markdown(tr.ui("hist.heading"))
    new_btn = gr.Button(tr.ui("hist.new"), size="sm", elem_id="history-new")
    search = gr.Textbox(placeholder=tr.ui("hist.search"), label=tr.ui("hist.search"), show_label=False,
                        elem_id="history-search")
    conversations = gr.Radio([], label=tr.ui("hist.list"), show_label=False, elem_id="history-list", container=False)
    with gr.Accordion(tr.ui("hist.actions"), open=False, elem_id="history-actions"):
        title = gr.Textbox(label=tr.ui("hist.title"), elem_id="history-title")
        rename_btn = gr.Button(tr.ui("hist.rename"), size="sm", elem_id="history-rename")
        delete_btn = gr.Button(tr.ui("hist.delete"), size="sm", variant="stop", elem_id="history-delete")
        with gr.Row(visible=False) as confirm_row:
            confirm_btn = gr.Button(tr.ui("hist.confirm"), size="sm", variant="stop", elem_id="history-confirm-delete")
            cancel_btn = gr.Button(tr.ui("hist.keep"), size="sm", elem_id="history-cancel-delete")
        export_md = gr.DownloadButton(tr.ui("hist.export_md"), size="sm", elem_id="history-export-md")
        export_json = gr.DownloadButton(tr.ui("hist.export_json"), size="sm", elem_id="history-export-json")
        upload = gr.UploadButton(tr.ui("hist.import"), file_types=[".json"], size="sm",
                                 elem_id="history-import")
    return HistoryPanel(search, conversations, new_btn, title, rename_btn, delete_btn, confirm_row, confirm_btn,
                        cancel_btn, export_md, export_json, upload)


def wire_history_panel(panel: HistoryPanel, conversations: Conversations, conv_id: Any,
                       tr: Translator | None = None) -> Any:
    """The sidebar's own events (opening a conversation is wired by the chat tab).
    Returns the "deleted" event so the chat tab can clear its view after it."""
    tr = tr or Translator()

    def choices(request: gr.Request, search: str) -> list[tuple[str, str]]:
        return conversation_choices(conversations, user_of(request), search, tr.lang(request))

    def refresh(search: str, request: gr.Request) -> Any:
        return gr.Radio(choices=choices(request, search))

    @ui_handler
    def rename(cid: str | None, title: str, search: str, request: gr.Request) -> Any:
        if not cid:
            raise gr.Error(tr(request, "hist.open_first"))
        conversations.rename(user_of(request), cid, title)
        return gr.Radio(choices=choices(request, search), value=cid)

    @ui_handler
    def delete(cid: str | None, search: str, request: gr.Request) -> Any:
        if cid:
            conversations.delete(user_of(request), cid)
        return (gr.Radio(choices=choices(request, search), value=None), gr.Row(visible=False), None, "")

    def ask_delete(cid: str | None, request: gr.Request) -> Any:
        if not cid:
            tr.warning(request, tr(request, "hist.open_first"))
            return gr.skip()
        return gr.Row(visible=True)

    @ui_handler
    def exports(cid: str | None, request: gr.Request) -> tuple[Any, Any]:
        if not cid:
            return gr.DownloadButton(value=None), gr.DownloadButton(value=None)
        export = conversations.export(user_of(request), cid)
        folder = Path(tempfile.mkdtemp(prefix="localai-export-"))
        md, js = folder / f"{export.stem}.md", folder / f"{export.stem}.json"
        md.write_text(export.markdown, encoding="utf-8")
        js.write_text(export.json, encoding="utf-8")
        return gr.DownloadButton(value=str(md)), gr.DownloadButton(value=str(js))

    @ui_handler
    def import_file(file: Any, search: str, request: gr.Request) -> Any:
        path = Path(file if isinstance(file, str) else getattr(file, "name", ""))
        ids = conversations.import_file(user_of(request), path.read_bytes())
        done = tr(request, "hist.imported_one") if len(ids) == 1 else tr(request, "hist.imported", count=len(ids))
        tr.info(request, done)
        return gr.Radio(choices=choices(request, search))

    panel.search.change(refresh, panel.search, panel.conversations, queue=False)
    panel.rename_btn.click(rename, [conv_id, panel.title, panel.search], panel.conversations)
    panel.delete_btn.click(ask_delete, conv_id, panel.confirm_row, queue=False)
    panel.cancel_btn.click(lambda: gr.Row(visible=False), None, panel.confirm_row, queue=False)
    deleted = panel.confirm_btn.click(delete, [conv_id, panel.search],
                                      [panel.conversations, panel.confirm_row, conv_id, panel.title])
    conv_id.change(exports, conv_id, [panel.export_md, panel.export_json])
    panel.upload.upload(import_file, [panel.upload, panel.search], panel.conversations)
    return deleted
