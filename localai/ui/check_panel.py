"""The System check tab: the check behind ``python app.py --check``, run when the user presses the
button (never at page load: it starts subprocesses and probes the GPU), shown in the page's language."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator

import gradio as gr

from ..catalog import ModelSpec
from ..check_report import check_markdown
from ..doctor import Problem, diagnose, gather_facts
from ..errors import UserError
from ..i18n import Translator, translate_error
from ..state import AppState
from ..jobs import Done
from .common import owner_of
from .job_view import Failed, JobTexts, JobView

log = logging.getLogger(__name__)

CHECK_TEXTS = JobTexts(queued="check.queued")


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


def build_check_panel(state: AppState) -> None:
    tr = Translator(state.settings.lang)
    gr.Markdown(tr.ui("check.intro"), elem_id="check-intro")
    run_btn = gr.Button(tr.ui("check.run"), variant="primary", elem_id="check-run")
    result = gr.Markdown("", elem_id="check-result")

    def run(request: gr.Request) -> Iterator[str]:
        lang = tr.lang(request)
        yield tr(lang, "check.running")
        try:
            # gather_facts imports torch and probes bitsandbytes: torch work, so on the torch lane.
            job = state.lanes.torch.submit(lambda job: gather_facts(state.settings), owner_of(request), "system check")
            view, facts = JobView(tr, lang, CHECK_TEXTS), None
            for shown in view.follow(job):
                if isinstance(shown, Done):
                    facts = shown.result
                elif isinstance(shown, Failed):
                    raise shown.error
                elif (line := view.line(shown)) is not None:
                    yield line
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
