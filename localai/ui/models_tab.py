"""The Models tab: what this computer has, which models fit it and how each would load;
download (with progress), load, unload; per-model overrides and safety opt-ins; offline mode."""

import logging
from collections.abc import Iterator
from typing import Any

import gradio as gr

from ..catalog import ModelSpec, builtin_catalog
from ..downloads import DownloadProgress, DownloadResult, DownloadStopped
from ..errors import InvalidInput, UserError
from ..messages import LANGS, render, text
from ..jobs import Done, DownloadStep
from ..model_settings import ModelSettings
from ..options import DEVICE, DTYPE, OFFLOAD, QUANTIZATION
from ..plan import LoadPlan
from ..sizes import format_bytes, format_params
from ..state import AppState
from ..tiers import default_model, recommended, tier_label, tier_of
from .admin_view import lock_for_non_admins
from .common import owner_of, ui_handler, user_error, user_of
from .job_view import Failed, JobTexts, JobView, TabJobs
from .option_inputs import dropdown
from .translator import Translator

log = logging.getLogger(__name__)

COLUMNS = ["Model", "Kind", "Where", "Params", "Size", "License", "Gated", "Would load as"]
COLUMN_KEYS = ("model", "kind", "where", "params", "size", "license", "gated", "plan")
KIND = {"text": "chat", "image": "image"}
WHERE = {"local": "on disk", "cache": "HF cache", "hub": "not downloaded"}
DOWNLOAD_TEXTS = JobTexts(cancelled_before_start="models.download_stopped_early", stopping="models.stopping",
                          queued="models.download_queued")
LOAD_TEXTS = JobTexts(queued="models.load_queued", cancelled_before_start="models.load_stopped")


def _kind(kind: str, lang: str) -> str:
    return text(lang, f"models.kind.{kind}") if kind in KIND else kind


def _where(source: str, lang: str) -> str:
    return text(lang, f"models.where.{source}") if source in WHERE else source


def _size(spec: ModelSpec, lang: str, unknown: str = "?") -> str:
    """Its size on disk, and a GGUF file's quantization type ("98.4 MB · GGUF Q4_1")."""
    size = format_bytes(spec.weight_bytes) if spec.weight_bytes else unknown
    return text(lang, "models.size_gguf", size=size, quant=spec.quantization) if spec.quantization else size


def _key(spec: ModelSpec) -> str:
    return f"{spec.kind}/{spec.name}"


def hardware_markdown(state: AppState, lang: str = "en") -> str:
    services = state.services
    hw = services.hardware()
    if hw.has_gpu:
        device = f"{hw.accelerator.upper()} · {hw.device_name}"
        accel = text(lang, "models.free_of", free=format_bytes(hw.free_vram), total=format_bytes(hw.total_vram))
    else:
        device = text(lang, "models.cpu_device", name=hw.cpu_name or hw.device_name, threads=hw.cpu_threads)
        accel = text(lang, "models.no_accel")
    bnb = text(lang, "models.bnb_works") if hw.bnb_ok else text(
        lang, "models.bnb_broken", why=hw.bnb_problem or text(lang, "models.not_installed"))
    return text(lang, "models.hardware", tier=render(tier_label(tier_of(hw)), lang), device=device, accel=accel,
                ram_free=format_bytes(hw.available_ram), ram_total=format_bytes(hw.total_ram),
                bf16=text(lang, "common.yes" if hw.bf16 else "common.no"), bnb=bnb,
                disk=format_bytes(services.free_disk()),
                offline=text(lang, "models.offline_on" if services.offline else "models.offline_off"))


def memory_markdown(state: AppState, lang: str = "en") -> str:
    loaded = state.services.loaded_models()
    if not loaded:
        return text(lang, "models.memory_none")
    parts = [f"**{b.spec.name}** ({render(b.plan.describe(), lang)}, ~{format_bytes(b.plan.estimated_bytes)})"
             for b in loaded]
    total = sum(b.plan.estimated_bytes for b in loaded if b.plan.pool != "none")  # a remote model holds none here
    return text(lang, "models.memory", models=", ".join(parts), total=format_bytes(total))


def _ordered(state: AppState) -> list[ModelSpec]:
    """On disk first, then the catalog's recommendations for this tier (best first), then the rest."""
    specs = state.services.list_models()
    tier = tier_of(state.services.hardware())
    best = {(m.kind, m.name): i for kind in KIND for i, m in enumerate(recommended(specs, kind, tier))}
    return sorted(specs, key=lambda s: (s.source == "hub", (s.kind, s.name) not in best,
                                        best.get((s.kind, s.name), 0), s.kind != "text"))


def model_rows(state: AppState, lang: str = "en") -> list[list[str]]:
    tier = tier_of(state.services.hardware())
    defaults = {(m.kind, m.name) for k in KIND if (m := default_model(builtin_catalog(), k, tier)) is not None}
    rows = []
    for spec in _ordered(state):
        info = state.services.model_info(spec.name, spec.kind)
        plan = ((text(lang, "models.loaded_prefix") if info.loaded else "") + render(info.plan.describe(), lang)
                if info.plan else f"⚠️ {render(info.problem, lang)[:80]}")
        star = " ★" if (spec.kind, spec.name) in defaults else ""
        rows.append([spec.name + star, _kind(spec.kind, lang), _where(spec.source, lang),
                     format_params(spec.params), _size(spec, lang),
                     spec.license or "?",
                     text(lang, "models.gated_yes" if spec.gated else "common.no"), plan])
    return rows


def table_value(state: AppState, lang: str = "en") -> dict[str, Any]:
    """The model table with its column names in ``lang``."""
    return {"headers": [text(lang, f"models.col.{k}") for k in COLUMN_KEYS], "data": model_rows(state, lang)}


def details_markdown(state: AppState, key: str | None, lang: str = "en") -> str:
    if not key:
        return text(lang, "models.pick_one")
    kind, _, name = key.partition("/")
    try:
        info = state.services.model_info(name, kind)
    except UserError as exc:
        return f"⚠️ {render(exc, lang)}"
    s = info.spec
    where = text(lang, "models.on_disk_at", path=s.path) if s.path else text(lang, "models.not_downloaded")
    partial = state.services.partial_download_bytes(s.name, s.kind)
    if partial:
        where += text(lang, "models.partial", size=format_bytes(partial))
    facts = text(lang, "models.facts", kind=_kind(s.kind, lang), params=format_params(s.params),
                 size=_size(s, lang, text(lang, "models.size_unknown")),
                 license=s.license or text(lang, "models.unknown"),
                 gated=text(lang, "models.gated" if s.gated else "models.ungated"), where=where)
    lines = [f"### {s.name}", s.description or "", facts]
    if info.plan is not None:
        verb = text(lang, "models.loaded_as" if info.loaded else "models.would_load_as")
        lines.append(f"**{verb}:** {render(info.plan.describe(), lang)}  \n"
                     f"**{text(lang, 'models.why')}:** {render(info.plan.reason, lang)}")
    else:
        lines.append(f"⚠️ {render(info.problem, lang)}")
    return "\n\n".join(x for x in lines if x)


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
    pick = gr.Dropdown(_choices(state), value=first_key, label=tr.ui("models.pick"), elem_id="models-pick",
                       allow_custom_value=False)
    details = gr.Markdown(on_load(lambda lang: details_markdown(state, first_key, lang), ""), elem_id="models-details")
    with gr.Row():
        download_btn = gr.Button(tr.ui("models.download"), variant="primary", elem_id="models-download")
        stop_btn = gr.Button(tr.ui("models.stop"), variant="stop", elem_id="models-stop")
        load_btn = gr.Button(tr.ui("models.load"), elem_id="models-load")
        unload_btn = gr.Button(tr.ui("common.unload"), elem_id="models-unload")
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

    def views(key: str | None, request: gr.Request) -> tuple[Any, ...]:
        lang = tr.lang(request)
        choices = _choices(state, lang)
        pick_update = gr.update(choices=choices, value=key if key in {k for _, k in choices} else None)
        return (hardware_markdown(state, lang), memory_markdown(state, lang), table_value(state, lang), pick_update,
                details_markdown(state, key, lang))

    view_outputs = [hardware, memory, table, pick, details]

    @ui_handler
    def refresh(key: str | None, request: gr.Request) -> tuple[Any, ...]:
        services.refresh_models()
        return views(key, request)

    def show(key: str | None, request: gr.Request) -> tuple[Any, ...]:
        if not key:
            return (gr.skip(),) * (len(overrides) + 1)
        kind, _, name = key.partition("/")
        opts = services.model_settings(name, kind)
        return (details_markdown(state, key, tr.lang(request)), opts.device, opts.dtype, opts.quantization,
                opts.offload, opts.allow_pickle, opts.trust_remote_code)

    def pick_row(evt: gr.SelectData) -> Any:
        row = evt.row_value or []
        kinds = {_kind(kind, lang): kind for kind in KIND for lang in LANGS}
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

    @ui_handler
    def unload(key: str | None, request: gr.Request) -> str:
        if not key:
            raise InvalidInput(tr(request, "models.pick_unload"))
        kind, _, name = key.partition("/")
        done = services.unload(name, kind, owner=owner_of(request), user=user_of(request))
        return tr(request, "common.unloaded" if done else "common.not_loaded", name=name)

    def page_choices(request: gr.Request) -> Any:
        lang = tr.lang(request)  # the model list's labels in the page's language
        return gr.update(choices=_choices(state, lang)) if lang != "en" else gr.skip()

    refresh_btn.click(refresh, pick, view_outputs)
    table.select(pick_row, None, pick)
    pick.change(show, pick, [details, *overrides])
    save_btn.click(save, [pick, *overrides], status).success(views, pick, view_outputs)
    offline.change(set_offline, offline, [status, hardware])
    download_btn.click(download, pick, status, concurrency_limit=None).then(views, pick, view_outputs)
    stop_btn.click(stop, None, status, queue=False)
    load_btn.click(load, pick, status, concurrency_limit=None).then(views, pick, view_outputs)
    unload_btn.click(unload, pick, status).then(views, pick, view_outputs)
    if demo is not None:
        demo.load(page_choices, None, pick, queue=False)
        admin_controls = [offline, download_btn, unload_btn, save_btn, *overrides]
        demo.load(lock_for_non_admins(services, tr, admin_controls, admin_note), None, [*admin_controls, admin_note],
                  queue=False)
    built = True


def _choices(state: AppState, lang: str = "en") -> list[tuple[str, str]]:
    specs = sorted(state.services.list_models(), key=lambda s: (s.kind != "text", s.source == "hub"))
    return [(f"{s.name} ({_kind(s.kind, lang)}, {_where(s.source, lang)})", _key(s)) for s in specs]
