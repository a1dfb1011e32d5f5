"""The Models tab: what this computer has, which models fit it and how each would load;
download (with progress), load, unload; per-model overrides and safety opt-ins; offline mode."""

import logging
from collections.abc import Iterator
from typing import Any

import gradio as gr

from ..catalog import ModelSpec, builtin_catalog
from ..downloads import DownloadProgress, DownloadStopped, gb
from ..errors import InvalidInput, UserError
from ..model_settings import CHOICES, ModelSettings
from ..state import AppState
from ..tiers import default_model, recommended, tier_label, tier_of
from .common import owner_of, ui_handler, user_error

log = logging.getLogger(__name__)

COLUMNS = ["Model", "Kind", "Where", "Params", "Size", "License", "Gated", "Would load as"]
KIND = {"text": "chat", "image": "image"}
WHERE = {"local": "on disk", "cache": "HF cache", "hub": "not downloaded"}


def _gb(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e8 else f"{n / 1e6:.1f} MB"


def _params(n: int) -> str:
    return "?" if not n else f"{n / 1e9:.1f}B" if n >= 1e9 else f"{n / 1e6:.0f}M" if n >= 1e6 else f"{n / 1e3:.0f}K"


def _key(spec: ModelSpec) -> str:
    return f"{spec.kind}/{spec.name}"


def hardware_markdown(state: AppState) -> str:
    hw = state.hardware()
    if hw.has_gpu:
        device = f"{hw.accelerator.upper()} · {hw.device_name}"
        accel = f"{_gb(hw.free_vram)} free of {_gb(hw.total_vram)}"
    else:
        device, accel = f"CPU · {hw.cpu_name or hw.device_name} ({hw.cpu_threads} threads)", "none (CPU only)"
    services = state.services
    bnb = "works" if hw.bnb_ok else f"unavailable — {hw.bnb_problem or 'not installed'}"
    offline = "**on**: nothing is downloaded" if services.offline else "off"
    return (f"**This computer:** {tier_label(tier_of(hw))} · **Device:** {device}  \n"
            f"**Accelerator memory:** {accel} · **RAM:** {_gb(hw.available_ram)} free of {_gb(hw.total_ram)}  \n"
            f"**bf16:** {'yes' if hw.bf16 else 'no'} · **bitsandbytes (8/4-bit):** {bnb} · "
            f"**Disk free for models:** {_gb(services.downloader.free_disk(state.settings.models_dir))} · **Offline mode:** {offline}")


def memory_markdown(state: AppState) -> str:
    loaded = state.registry.loaded()
    if not loaded:
        return "**In memory now:** no model is loaded."
    parts = [f"**{b.spec.name}** ({b.plan.describe()}, ~{_gb(b.plan.estimated_bytes)})" for b in loaded]
    total = sum(b.plan.estimated_bytes for b in loaded)
    return f"**In memory now:** {', '.join(parts)} — about {_gb(total)} in all."


def _ordered(state: AppState) -> list[ModelSpec]:
    """On disk first, then the catalog's recommendations for this tier (best first), then the rest."""
    specs = state.registry.specs()
    tier = tier_of(state.hardware())
    best = {(m.kind, m.name): i for kind in KIND for i, m in enumerate(recommended(specs, kind, tier))}
    return sorted(specs, key=lambda s: (s.source == "hub", (s.kind, s.name) not in best,
                                        best.get((s.kind, s.name), 0), s.kind != "text"))


def model_rows(state: AppState) -> list[list[str]]:
    tier = tier_of(state.hardware())
    defaults = {(m.kind, m.name) for k in KIND if (m := default_model(builtin_catalog(), k, tier)) is not None}
    rows = []
    for spec in _ordered(state):
        info = state.services.model_info(spec.name, spec.kind)
        plan = ("loaded: " if info.loaded else "") + info.plan.describe() if info.plan else f"⚠️ {info.problem[:80]}"
        star = " ★" if (spec.kind, spec.name) in defaults else ""
        rows.append([spec.name + star, KIND.get(spec.kind, spec.kind), WHERE.get(spec.source, spec.source),
                     _params(spec.params), _gb(spec.weight_bytes) if spec.weight_bytes else "?",
                     spec.license or "?", "yes — needs login" if spec.gated else "no", plan])
    return rows


def details_markdown(state: AppState, key: str | None) -> str:
    if not key:
        return "Pick a model."
    kind, _, name = key.partition("/")
    try:
        info = state.services.model_info(name, kind)
    except UserError as exc:
        return f"⚠️ {exc}"
    s = info.spec
    where = f"on disk at `{s.path}`" if s.path else "not downloaded yet"
    partial = state.services.downloader.partial_bytes(s) if s.source == "hub" else 0
    if partial:
        where += f" ({gb(partial)} of an interrupted download is kept; Download continues it)"
    lines = [f"### {s.name}", s.description or "",
             f"{KIND.get(s.kind, s.kind)} model · {_params(s.params)} parameters · "
             f"{_gb(s.weight_bytes) if s.weight_bytes else 'size unknown'} · license {s.license or 'unknown'} · "
             f"{'gated (needs a Hugging Face login)' if s.gated else 'ungated'} · {where}"]
    if info.plan is not None:
        lines.append(f"**{'Loaded as' if info.loaded else 'Would load as'}:** {info.plan.describe()}  \n"
                     f"**Why:** {info.plan.reason}")
    else:
        lines.append(f"⚠️ {info.problem}")
    return "\n\n".join(x for x in lines if x)


def build_models_tab(state: AppState) -> None:
    services = state.services
    built = False  # values below are computed on each page load; while building, placeholders (no torch yet)

    def on_load(fn: Any, placeholder: Any) -> Any:
        return lambda: fn() if built else placeholder

    hardware = gr.Markdown(on_load(lambda: hardware_markdown(state), "Detecting this computer's hardware..."),
                           elem_id="models-hardware")
    memory = gr.Markdown(on_load(lambda: memory_markdown(state), ""), elem_id="models-memory")
    with gr.Row():
        offline = gr.Checkbox(services.offline, label="Offline mode (never use the network)", elem_id="models-offline",
                              interactive=not services.downloader.policy.forced, scale=3)
        refresh_btn = gr.Button("Refresh", size="sm", scale=1, elem_id="models-refresh")
    table = gr.Dataframe(on_load(lambda: model_rows(state), []), headers=COLUMNS, interactive=False, wrap=True,
                         elem_id="models-table", label="Models (★ = recommended for this computer; click a row)",
                         max_height=420, column_widths=["19%", "6%", "10%", "6%", "7%", "12%", "10%", "30%"])
    first = state.registry.default_name("text")
    first_key = f"text/{first}" if first else None
    pick = gr.Dropdown(_choices(state), value=first_key, label="Model", elem_id="models-pick",
                       allow_custom_value=False)
    details = gr.Markdown(on_load(lambda: details_markdown(state, first_key), ""), elem_id="models-details")
    with gr.Row():
        download_btn = gr.Button("Download", variant="primary", elem_id="models-download")
        stop_btn = gr.Button("Stop download", variant="stop", elem_id="models-stop")
        load_btn = gr.Button("Load", elem_id="models-load")
        unload_btn = gr.Button("Unload", elem_id="models-unload")
    status = gr.Markdown("", elem_id="models-status")
    with gr.Accordion("Settings for this model", open=False, elem_id="models-settings"):
        with gr.Row():
            device = gr.Dropdown(list(CHOICES["device"]), value="auto", label="Device", elem_id="models-device")
            dtype = gr.Dropdown(list(CHOICES["dtype"]), value="auto", label="Precision", elem_id="models-dtype")
            quant = gr.Dropdown(list(CHOICES["quantization"]), value="auto", label="Quantization",
                                elem_id="models-quant")
            offload = gr.Dropdown(list(CHOICES["offload"]), value="auto", label="Offload", elem_id="models-offload")
        pickle = gr.Checkbox(False, label="Allow pickle weights (.bin/.ckpt/.pt): they can run code when loaded; "
                             "only for authors you trust", elem_id="models-pickle")
        code = gr.Checkbox(False, label="Trust remote code: run the Python files that come with this model; "
                           "only for authors you trust", elem_id="models-code")
        save_btn = gr.Button("Save settings", size="sm", elem_id="models-save")
    overrides = [device, dtype, quant, offload, pickle, code]

    def views(key: str | None) -> tuple[Any, ...]:
        choices = _choices(state)
        pick_update = gr.update(choices=choices, value=key if key in {k for _, k in choices} else None)
        return (hardware_markdown(state), memory_markdown(state), model_rows(state), pick_update,
                details_markdown(state, key))

    view_outputs = [hardware, memory, table, pick, details]

    @ui_handler
    def refresh(key: str | None) -> tuple[Any, ...]:
        services.refresh_models()
        return views(key)

    def show(key: str | None) -> tuple[Any, ...]:
        if not key:
            return (gr.skip(),) * (len(overrides) + 1)
        kind, _, name = key.partition("/")
        opts = services.model_settings(name, kind)
        return (details_markdown(state, key), opts.device, opts.dtype, opts.quantization, opts.offload,
                opts.allow_pickle, opts.trust_remote_code)

    def pick_row(evt: gr.SelectData) -> Any:
        row = evt.row_value or []
        kinds = {label: kind for kind, label in KIND.items()}
        if len(row) < 2 or row[1] not in kinds:
            return gr.skip()
        return f"{kinds[row[1]]}/{str(row[0]).removesuffix(' ★')}"

    @ui_handler
    def save(key: str | None, dev: str, dt: str, q: str, off: str, allow_pickle: bool, allow_code: bool) -> str:
        if not key:
            raise InvalidInput("Pick a model first.")
        kind, _, name = key.partition("/")
        services.save_model_settings(name, kind, ModelSettings(dev, dt, q, off, bool(allow_pickle), bool(allow_code)))
        return f"Settings for {name} saved; they apply from its next load."

    @ui_handler
    def set_offline(flag: bool) -> tuple[str, str]:
        services.set_offline(bool(flag))
        text = ("Offline mode is on: LocalAI will not use the network." if flag
                else "Offline mode is off: models can be downloaded.")
        return text, hardware_markdown(state)

    def download(key: str | None, request: gr.Request, progress: gr.Progress = gr.Progress()) -> Iterator[str]:
        if not key:
            raise gr.Error("Pick a model to download.")
        kind, _, name = key.partition("/")
        try:
            job = services.download(name, kind, owner=owner_of(request))
            yield f"Starting the download of {name}..."
            for event in job.events():
                if event.kind == "progress":
                    p: DownloadProgress = event.data
                    progress(p.fraction, desc=f"Downloading {name}")
                    yield f"Downloading **{name}**: {p.text()}"
                elif event.kind == "status":
                    yield event.data
                elif event.kind == "queued":
                    yield f"Waiting for another download to finish (position {event.data})."
                elif event.kind == "done" and event.data is None:
                    yield "⏸️ The download was stopped before it started."
                elif event.kind == "done":
                    r = event.data
                    yield (f"✅ Downloaded **{r.name}** ({gb(r.total_bytes)}, {r.files} files) in {r.seconds:.0f} s "
                           f"to `{r.path}`. It works offline from now on.")
        except DownloadStopped as exc:
            yield f"⏸️ {exc}"
        except Exception as exc:
            yield f"⚠️ {exc}"
            raise user_error(exc) from None

    def stop(request: gr.Request) -> str:
        n = services.cancel_downloads(owner_of(request))
        return "Stopping the download..." if n else "No download of yours is running."

    def load(key: str | None, request: gr.Request) -> Iterator[str]:
        if not key:
            raise gr.Error("Pick a model to load.")
        kind, _, name = key.partition("/")
        try:
            job = services.load(name, kind, owner=owner_of(request))
            for event in job.events():
                if event.kind == "status":
                    yield event.data
                elif event.kind == "queued":
                    yield f"Waiting for the model worker (position {event.data})..."
                elif event.kind == "done" and event.data is None:
                    yield "Loading was stopped."
                elif event.kind == "done":
                    yield f"✅ **{name}** is loaded: {event.data.describe()} — {event.data.reason}"
        except Exception as exc:
            yield f"⚠️ {exc}"
            raise user_error(exc) from None

    @ui_handler
    def unload(key: str | None, request: gr.Request) -> str:
        if not key:
            raise InvalidInput("Pick a model to unload.")
        kind, _, name = key.partition("/")
        done = services.unload(name, kind, owner=owner_of(request))
        return f"{name} was unloaded; its memory is free." if done else f"{name} is not loaded."

    refresh_btn.click(refresh, pick, view_outputs)
    table.select(pick_row, None, pick)
    pick.change(show, pick, [details, *overrides])
    save_btn.click(save, [pick, *overrides], status).success(views, pick, view_outputs)
    offline.change(set_offline, offline, [status, hardware])
    download_btn.click(download, pick, status, concurrency_limit=None).then(views, pick, view_outputs)
    stop_btn.click(stop, None, status, queue=False)
    load_btn.click(load, pick, status, concurrency_limit=None).then(views, pick, view_outputs)
    unload_btn.click(unload, pick, status).then(views, pick, view_outputs)
    built = True


def _choices(state: AppState) -> list[tuple[str, str]]:
    specs = sorted(state.registry.specs(), key=lambda s: (s.kind != "text", s.source == "hub"))
    return [(f"{s.name} ({KIND.get(s.kind, s.kind)}, {WHERE.get(s.source, s.source)})", _key(s)) for s in specs]
