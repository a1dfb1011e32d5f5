"""The System check tab: the check behind ``python app.py --check``, run when the user presses the
button (never at page load: it starts subprocesses and probes the GPU), shown in the page's language."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterator, Sequence
from typing import Any

import gradio as gr

from ..catalog import ModelSpec
from ..doctor import GB, Problem, SystemFacts, diagnose, gather_facts
from ..errors import UserError
from ..state import AppState
from .common import owner_of
from .i18n import Translator, text, translate, translate_error, translate_plan

log = logging.getLogger(__name__)


def _md(value: str) -> str:
    """Plain text safe inside Markdown: special characters escaped, `code spans` kept as they are."""
    parts = value.split("`")
    return "`".join(re.sub(r"([\\*_<>\[\]#|])", r"\\\1", p) if i % 2 == 0 else p for i, p in enumerate(parts))


def plan_line(state: AppState) -> tuple[str, ModelSpec | None, list[Problem]]:
    """(how the default chat model would load, that model, problems planning it): the app's own registry,
    so a model already loaded shows the plan it got."""
    name = state.registry.default_name("text")
    if name is None:
        return "", None, []
    spec = None
    try:
        spec = state.registry.resolve(name, "text")
        loaded = state.registry.get_loaded(spec)
        plan = loaded.plan if loaded is not None else state.registry.plan(spec)
        return f"{spec.name}: {plan.describe()} ({plan.reason})", spec, []
    except UserError as exc:
        title = exc.message if spec is None else f"The chat model cannot be loaded: {exc.message}"
        return f"{name}: {exc}", spec, [Problem("warning", title, exc.hint or "Choose another chat model.")]


def check_markdown(facts: SystemFacts, models_dir: Any, plan: str, problems: Sequence[Problem], lang: str) -> str:
    """The check's result: each problem with its fix, then what was found on this computer."""
    lines = [text(lang, "check.found", count=len(problems)) if problems else text(lang, "check.ok")]
    for p in problems:
        label = text(lang, "check.blocker" if p.severity == "blocker" else "check.warning")
        lines.append(f"**{label}:** {_md(translate(p.title, lang))}  \n"
                     f"**{text(lang, 'check.fix')}:** {_md(translate(p.fix, lang))}")
    hw = facts.hardware
    if hw is None:
        hardware = text(lang, "check.unknown_hardware", why=facts.hardware_error or text(lang, "check.no_torch"))
    elif hw.has_gpu:
        hardware = text(lang, "check.gpu_memory", device=hw.accelerator.upper(), name=hw.device_name,
                        free=f"{hw.free_vram / GB:.1f} GB", total=f"{hw.total_vram / GB:.1f} GB")
    else:
        hardware = text(lang, "check.cpu", name=hw.cpu_name or hw.device_name, threads=hw.cpu_threads)
    if hw is not None:
        ram = text(lang, "models.free_of", free=f"{hw.available_ram / GB:.1f} GB", total=f"{hw.total_ram / GB:.1f} GB")
        hardware += f" · {text(lang, 'check.ram')}: {ram} · bf16: {text(lang, 'common.yes' if hw.bf16 else 'common.no')}"
    gpu = (text(lang, "check.nvidia", driver=facts.nvidia_driver, cuda=facts.nvidia_max_cuda) if facts.nvidia_gpu
           else text(lang, "check.amd") if facts.amd_gpu else text(lang, "check.no_gpu"))
    gpu += "; " + text(lang, "check.torch_build", build=facts.torch_build or text(lang, "check.none"),
                       usable=text(lang, "common.yes" if facts.cuda_available else "common.no"))
    bnb = text(lang, "models.bnb_works") if facts.bnb_ok else text(
        lang, "models.bnb_broken", why=facts.bnb_problem or text(lang, "models.not_installed"))
    libs = ", ".join(f"{name} {version or text(lang, 'check.missing')}" for name, version in facts.versions)
    py = ".".join(map(str, facts.python))
    rows = [
        ("check.python", text(lang, "check.python_value", version=py, bits=64 if facts.is_64bit else 32,
                              os=facts.os_name, path=f"`{facts.executable}`")),
        ("check.hardware", _md(hardware)),
        ("check.gpu", _md(gpu)),
        ("check.bnb", _md(bnb)),
        ("check.libraries", _md(libs)),
        ("check.disk", text(lang, "check.disk_value", free=f"{facts.free_disk / GB:.1f} GB", path=f"`{models_dir}`")),
        ("check.chat_model", _md(translate_plan(translate(plan, lang), lang)) if plan
         else text(lang, "check.no_default")),
    ]
    lines.append(f"---\n**{text(lang, 'check.facts')}**\n\n" + "\n".join(f"- **{text(lang, key)}:** {value}"
                                                                       for key, value in rows))
    return "\n\n".join(lines)


def build_check_panel(state: AppState) -> None:
    tr = Translator(state.settings.lang)
    gr.Markdown(tr.ui("check.intro"), elem_id="check-intro")
    run_btn = gr.Button(tr.ui("check.run"), variant="primary", elem_id="check-run")
    result = gr.Markdown("", elem_id="check-result")

    def run(request: gr.Request) -> Iterator[str]:
        lang = tr.lang(request)
        yield tr(lang, "check.running")
        try:
            # gather_facts imports torch and probes bitsandbytes: torch work, so on the inference worker.
            job = state.worker.submit(lambda job: gather_facts(state.settings), owner_of(request), "system check")
            facts = None
            for event in job.events():
                if event.kind == "queued" and event.data:
                    yield tr(lang, "check.queued", position=event.data)
                elif event.kind == "done":
                    facts = event.data
            if facts is None:
                return
            facts = dataclasses.replace(facts, port_free=True)  # the port in use is this very app
            plan, spec, plan_problems = plan_line(state)
            problems = diagnose(facts, state.settings, spec) + plan_problems
            yield check_markdown(facts, state.settings.models_dir, plan, problems, lang)
        except Exception as exc:  # the page gets one plain line, the log the details
            log.info("the system check failed", exc_info=True)
            why = translate_error(exc, lang) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"
            yield tr(lang, "check.failed", error=why)

    run_btn.click(run, None, result)
