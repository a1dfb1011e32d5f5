"""The Models tab: what this computer has, which models fit it and how each would load;
download (with progress), load, unload; per-model overrides and safety opt-ins; offline mode; the
Connections section (models on other computers, ``models_connections.py``).
Buttons that cannot apply to the picked model are greyed out (Download for a model on disk, Load for
one loaded or not on disk, Unload for one not loaded); Stop download shows only while one runs."""

import logging
from collections.abc import Iterator
from typing import Any

import gradio as gr

from ..downloads import DownloadProgress, DownloadResult, DownloadStopped
from ..errors import InvalidInput
from ..jobs import Done, DownloadStep
from ..messages import LANGS, render
from ..model_settings import ModelSettings
from ..options import DEVICE, DTYPE, OFFLOAD, QUANTIZATION
from ..plan import LoadPlan
from ..sizes import format_bytes
from ..state import AppState
from .admin_view import lock_for_non_admins
from .common import owner_of, ui_handler, user_error, user_of
from .job_view import Failed, JobTexts, JobView, TabJobs
from .models_buttons import button_states
from .models_connections import TAB_CSS, build_connections  # noqa: F401 - TAB_CSS: the page's style takes it
from .models_view import (  # noqa: F401 - details_markdown, memory_markdown, model_rows: also used from here
    COLUMNS, KIND, kind_label, model_choices, details_markdown, hardware_markdown, memory_markdown, model_rows, table_value)
from .option_inputs import dropdown
from .translator import Translator

log = logging.getLogger(__name__)

DOWNLOAD_TEXTS = JobTexts(cancelled_before_start="models.download_stopped_early", stopping="models.stopping",
                          queued="models.download_queued")
LOAD_TEXTS = JobTexts(queued="models.load_queued", cancelled_before_start="models.load_stopped")


def build_models_tab(state: AppState, demo: Any = None) -> None:
    services = state.services
    tr = Translator(state.settings.lang)
    download_jobs = TabJobs(services)  # the downloads each browser session started, for the Stop button
    built = False  # values below are computed on each page load; while building, placeholders (no torch yet)

    def on_load(fn: Any, placeholder: Any) -> Any:
        def value(request: gr.Request = None) -> Any:  # Gradio passes the page's request on each load
            return fn(tr.lang(request)) if built else placeholder
        return value

    hardware = gr.Markdown(on_load(lambda lang: hardware_markdown(state, lang), tr.ui("models.detecting")),
                           elem_id="models-hardware")
    memory = gr.Markdown(on_load(lambda lang: memory_markdown(state, lang), ""), elem_id="models-memory")
    with gr.Row():
        offline = gr.Checkbox(services.offline, label=tr.ui("models.offline"), elem_id="models-offline",
                              interactive=not services.offline_forced, scale=3)
        refresh_btn = gr.Button(tr.ui("models.refresh"), size="sm", scale=1, elem_id="models-refresh")
    table = gr.Dataframe(on_load(lambda lang: table_value(state, lang), []), headers=COLUMNS, interactive=False,
                         wrap=True, elem_id="models-table", label=tr.ui("models.table"),
                         max_height=420, column_widths=["19%", "6%", "10%", "6%", "7%", "12%", "10%", "30%"])
    first = services.default_model("text", wait=False)
    first_key = f"text/{first}" if first else None
    pick = gr.Dropdown(model_choices(state), value=first_key, label=tr.ui("models.pick"), elem_id="models-pick",
                       allow_custom_value=False)
    details = gr.Markdown(on_load(lambda lang: details_markdown(state, first_key, lang), ""), elem_id="models-details")
    live = demo is None  # with a page, each button is enabled on load when it applies to the picked model
    with gr.Row(elem_id="models-actions"):
        download_btn = gr.Button(tr.ui("models.download"), variant="primary", interactive=live,
                                 elem_id="models-download")
        stop_btn = gr.Button(tr.ui("models.stop"), variant="stop", visible=live, elem_id="models-stop")
        load_btn = gr.Button(tr.ui("models.load"), interactive=live, elem_id="models-load")
        unload_btn = gr.Button(tr.ui("common.unload"), interactive=live, elem_id="models-unload")
    buttons = [download_btn, stop_btn, load_btn, unload_btn]
    status = gr.Markdown("", elem_id="models-status")
    admin_note = gr.Markdown("", visible=False, elem_id="models-admin-only")
    with gr.Accordion(tr.ui("models.settings"), open=False, elem_id="models-settings"):
        with gr.Row():
            device = dropdown(DEVICE, tr, elem_id="models-device")
            dtype = dropdown(DTYPE, tr, elem_id="models-dtype")
            quant = dropdown(QUANTIZATION, tr, elem_id="models-quant")
            offload = dropdown(OFFLOAD, tr, elem_id="models-offload")
        pickle = gr.Checkbox(False, label=tr.ui("models.pickle"), elem_id="models-pickle")
        code = gr.Checkbox(False, label=tr.ui("models.code"), elem_id="models-code")
        save_btn = gr.Button(tr.ui("models.save"), size="sm", elem_id="models-save")
    overrides = [device, dtype, quant, offload, pickle, code]
    build_connections(services, tr, demo)  # other computers' models (vLLM, Ollama, another LocalAI...)

    def button_updates(key: str | None, request: gr.Request) -> tuple[Any, ...]:
        """[Download, Stop download, Load, Unload] as they apply to ``key`` now."""
        downloading = download_jobs.has_jobs(owner_of(request))
        return button_states(services, key, user_of(request), downloading).updates()

    def views(key: str | None, request: gr.Request) -> tuple[Any, ...]:
        lang = tr.lang(request)
        choices = model_choices(state, lang)
        pick_update = gr.update(choices=choices, value=key if key in {k for _, k in choices} else None)
        return (hardware_markdown(state, lang), memory_markdown(state, lang), table_value(state, lang), pick_update,
                details_markdown(state, key, lang), *button_updates(key, request))

    view_outputs = [hardware, memory, table, pick, details, *buttons]

    @ui_handler
    def refresh(key: str | None, request: gr.Request) -> tuple[Any, ...]:
        services.refresh_models()
        return views(key, request)

    def show(key: str | None, request: gr.Request) -> tuple[Any, ...]:
        if not key:
            return (*(gr.skip(),) * (len(overrides) + 1), *button_updates(key, request))
        kind, _, name = key.partition("/")
        opts = services.model_settings(name, kind)
        return (details_markdown(state, key, tr.lang(request)), opts.device, opts.dtype, opts.quantization,
                opts.offload, opts.allow_pickle, opts.trust_remote_code, *button_updates(key, request))

    def pick_row(evt: gr.SelectData) -> Any:
        row = evt.row_value or []
        kinds = {kind_label(kind, lang): kind for kind in KIND for lang in LANGS}
        if len(row) < 2 or row[1] not in kinds:
            return gr.skip()
        return f"{kinds[row[1]]}/{str(row[0]).removesuffix(' ★')}"

    @ui_handler
    def save(key: str | None, dev: str, dt: str, q: str, off: str, allow_pickle: bool, allow_code: bool,
             request: gr.Request) -> str:
        if not key:
            raise InvalidInput(tr(request, "models.pick_first"))
        kind, _, name = key.partition("/")
        services.save_model_settings(name, kind, ModelSettings(dev, dt, q, off, bool(allow_pickle), bool(allow_code)),
                                     user=user_of(request))
        return tr(request, "models.saved", name=name)

    @ui_handler
    def set_offline(flag: bool, request: gr.Request) -> tuple[str, str]:
        services.set_offline(bool(flag), user=user_of(request))
        return (tr(request, "models.offline_is_on" if flag else "models.offline_is_off"),
                hardware_markdown(state, tr.lang(request)))

    def download(key: str | None, request: gr.Request, progress: gr.Progress = gr.Progress()) -> Iterator[str]:
        lang, owner = tr.lang(request), owner_of(request)
        if not key:
            raise gr.Error(tr(lang, "models.pick_download"))
        kind, _, name = key.partition("/")
        try:
            job = services.download(name, kind, owner=owner, user=user_of(request))
        except Exception as exc:
            yield f"⚠️ {render(exc, lang)}"
            raise user_error(exc, lang) from None
        view = JobView(tr, lang, DOWNLOAD_TEXTS)
        with download_jobs.running(owner, job):
            yield tr(lang, "models.starting", name=name)
            for shown in view.follow(job):
                if isinstance(shown, DownloadStep):
                    p: DownloadProgress = shown.progress
                    progress(p.fraction, desc=tr(lang, "models.downloading", name=name))
                    yield tr(lang, "models.downloading_progress", name=name, progress=view.message(p.describe()))
                elif isinstance(shown, Done):
                    r: DownloadResult = shown.result
                    yield tr(lang, "models.downloaded", name=r.name, size=format_bytes(r.total_bytes), files=r.files,
                             seconds=f"{r.seconds:.0f}", path=r.path)
                elif isinstance(shown, Failed) and isinstance(shown.error, DownloadStopped):
                    yield f"⏸️ {render(shown.error, lang)}"  # stopped by the user: not an error
                    return
                elif (line := view.line(shown)) is not None:
                    yield line
                if isinstance(shown, Failed):
                    raise shown.page_error() from None

    def download_shown(key: str | None, request: gr.Request,
                       progress: gr.Progress = gr.Progress()) -> Iterator[tuple[Any, Any, Any]]:
        """The download's lines; once it runs, Download greys out and Stop download shows (until it ends)."""
        running = False
        for line in download(key, request, progress):
            if not running and download_jobs.has_jobs(owner_of(request)):
                running = True
                yield line, gr.update(interactive=False), gr.update(visible=True)
            else:
                yield line, gr.skip(), gr.skip()

    def stop(request: gr.Request) -> Any:
        # This tab's downloads only. With one running, "Stopping..." comes through its own stream instead.
        n = download_jobs.stop(owner_of(request))
        return gr.skip() if n else tr(request, "models.no_download")

    def load(key: str | None, request: gr.Request) -> Iterator[str]:
        lang = tr.lang(request)
        if not key:
            raise gr.Error(tr(lang, "models.pick_load"))
        kind, _, name = key.partition("/")
        try:
            job = services.load(name, kind, owner=owner_of(request))
        except Exception as exc:
            yield f"⚠️ {render(exc, lang)}"
            raise user_error(exc, lang) from None
        view = JobView(tr, lang, LOAD_TEXTS)
        for shown in view.follow(job):
            if isinstance(shown, Done):
                plan: LoadPlan = shown.result
                yield tr(lang, "models.is_loaded", name=name, plan=render(plan.describe(), lang),
                         reason=render(plan.reason, lang))
            elif (line := view.line(shown)) is not None:
                yield line
            if isinstance(shown, Failed):
                raise shown.page_error() from None

    def load_shown(key: str | None, request: gr.Request) -> Iterator[tuple[Any, Any]]:
        """The load's lines; Load greys out while it runs."""
        for i, line in enumerate(load(key, request)):
            yield line, gr.update(interactive=False) if i == 0 else gr.skip()

    @ui_handler
    def unload(key: str | None, request: gr.Request) -> str:
        if not key:
            raise InvalidInput(tr(request, "models.pick_unload"))
        kind, _, name = key.partition("/")
        done = services.unload(name, kind, owner=owner_of(request), user=user_of(request))
        return tr(request, "common.unloaded" if done else "common.not_loaded", name=name)

    def page_choices(request: gr.Request) -> Any:
        lang = tr.lang(request)  # the model list's labels in the page's language
        return gr.update(choices=model_choices(state, lang)) if lang != "en" else gr.skip()

    refresh_btn.click(refresh, pick, view_outputs)
    table.select(pick_row, None, pick)
    pick.change(show, pick, [details, *overrides, *buttons])
    save_btn.click(save, [pick, *overrides], status).success(views, pick, view_outputs)
    offline.change(set_offline, offline, [status, hardware]).then(button_updates, pick, buttons)
    download_btn.click(download_shown, pick, [status, download_btn, stop_btn], concurrency_limit=None).then(
        views, pick, view_outputs)
    stop_btn.click(stop, None, status, queue=False)
    load_btn.click(load_shown, pick, [status, load_btn], concurrency_limit=None).then(views, pick, view_outputs)
    unload_btn.click(unload, pick, status).then(views, pick, view_outputs)
    if demo is not None:
        demo.load(page_choices, None, pick, queue=False)
        demo.load(button_updates, pick, buttons, queue=False)
        admin_controls = [offline, download_btn, unload_btn, save_btn, *overrides]
        demo.load(lock_for_non_admins(services, tr, admin_controls, admin_note), None, [*admin_controls, admin_note],
                  queue=False)
    built = True
