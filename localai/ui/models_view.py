"""What the Models tab shows, as text: this computer's hardware, the models in memory, the model table
and one model's details (its size, license, where it is, how it would load and why), in a language."""

from typing import Any

from ..catalog import ModelSpec, builtin_catalog
from ..errors import UserError
from ..messages import render, text
from ..sizes import format_bytes, format_params
from ..state import AppState
from ..tiers import default_model, recommended, tier_label, tier_of

COLUMNS = ["Model", "Kind", "Where", "Params", "Size", "License", "Gated", "Would load as"]
COLUMN_KEYS = ("model", "kind", "where", "params", "size", "license", "gated", "plan")
KIND = {"text": "chat", "image": "image", "embedding": "embedding"}
WHERE = {"local": "on disk", "cache": "HF cache", "hub": "not downloaded"}


def kind_label(kind: str, lang: str) -> str:
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


def _local(state: AppState) -> list[ModelSpec]:
    """This computer's models and the catalog's; those of remote servers are listed under Connections."""
    return [s for s in state.services.list_models() if s.source != "remote"]


def _ordered(state: AppState) -> list[ModelSpec]:
    """On disk first, then the catalog's recommendations for this tier (best first), then the rest."""
    specs = _local(state)
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
        rows.append([spec.name + star, kind_label(spec.kind, lang), _where(spec.source, lang),
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
    facts = text(lang, "models.facts", kind=kind_label(s.kind, lang), params=format_params(s.params),
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


def model_choices(state: AppState, lang: str = "en") -> list[tuple[str, str]]:
    specs = sorted(_local(state), key=lambda s: (s.kind != "text", s.source == "hub"))
    return [(f"{s.name} ({kind_label(s.kind, lang)}, {_where(s.source, lang)})", _key(s)) for s in specs]
