"""The System check tab: the check behind ``python app.py --check``, run when the user presses the
button (never at page load: it starts subprocesses and probes the GPU), shown in the page's language."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import gradio as gr

from ..check_report import check_markdown
from ..errors import UserError
from ..jobs import Done
from ..messages import render
from ..state import AppState
from .common import owner_of
from .job_view import Failed, JobTexts, JobView
from .translator import Translator

log = logging.getLogger(__name__)

CHECK_TEXTS = JobTexts(queued="check.queued")


def build_check_panel(state: AppState) -> None:
    services = state.services
    tr = Translator(state.settings.lang)
    gr.Markdown(tr.ui("check.intro"), elem_id="check-intro")
    run_btn = gr.Button(tr.ui("check.run"), variant="primary", elem_id="check-run")
    result = gr.Markdown("", elem_id="check-result")

    def run(request: gr.Request) -> Iterator[str]:
        lang = tr.lang(request)
        yield tr(lang, "check.running")
        try:
            job = services.system_check(owner_of(request))  # torch work: it waits in the torch lane
            view, check = JobView(tr, lang, CHECK_TEXTS), None
            for shown in view.follow(job):
                if isinstance(shown, Done):
                    check = shown.result
                elif isinstance(shown, Failed):
                    raise shown.error
                elif (line := view.line(shown)) is not None:
                    yield line
            if check is None:
                return
            yield check_markdown(check.facts, state.settings.models_dir, check.plan_line, check.problems, lang)
        except Exception as exc:  # the page gets one plain line, the log the details
            log.info("the system check failed", exc_info=True)
            why = render(exc, lang) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"
            yield tr(lang, "check.failed", error=why)

    run_btn.click(run, None, result)
