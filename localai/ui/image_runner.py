"""The Image tab's one runner: a request (drawn from text, or an edit: vary, upscale, image to image, inpaint,
outpaint) followed from start to summary. The new images join the grid, newest first, each with its caption; the
progress line shows the steps and the time left; Generate turns into Cancel while it draws, and Cancel (or Esc)
stops it. Every way of drawing in the tab (Generate, Enter, the grid's Vary and Upscale, the editor, the Gallery
tab's buttons) goes through ``ImageRunner.run``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from ..backends.base import ImageResult
from ..errors import UserError
from ..image_request import ImageRequest
from ..jobs import Done, ImageReady, Step
from ..messages import render
from .common import owner_of, page_image, user_error, user_of
from .image_progress import eta_text, progress_html
from .job_view import Failed, JobTexts, JobView, TabJobs, message_text
from .translator import Translator

UPDATE_EVERY_S = 0.1  # at most ~10 progress updates a second
KEEP = 48  # images of this page session kept in the grid
IMAGE_TEXTS = JobTexts(cancelled_before_start="image.cancelled_early", stopping="image.stopping")
OUTPUTS = 8  # gallery, progress, seed info, items, made, Generate, Cancel, picked


class ImageRunner:
    """Runs the tab's requests for each browser session and remembers them for its Cancel button."""

    def __init__(self, services: Any, tr: Translator, outputs_dir: Path | str) -> None:
        self.services = services
        self.tr = tr
        self.outputs_dir = outputs_dir
        self.jobs = TabJobs(services)  # the drawing each browser session waits for, for its Cancel button

    def run(self, model_name: str, req: ImageRequest, shown_items: list, shown_made: list, request: Any,
            what: str = "") -> Iterator[tuple[Any, ...]]:
        """Draw ``req`` with ``model_name``, yielding updates of [gallery, progress, seed info, items, made, Generate,
        Cancel, picked]; ``what`` (in the request's language) is added to the new images' captions ("vary
        (subtle)"). A drawing already running in this page session is left alone: it says so and draws nothing."""
        tr, services = self.tr, self.services
        owner, lang = owner_of(request), tr.lang(request)
        if self.jobs.has_jobs(owner):
            tr.warning(lang, tr(lang, "edit.busy"))
            return
        try:
            job = services.generate_images(model_name, req, owner=owner, user=user_of(request))
        except UserError as exc:
            raise user_error(exc, lang) from None
        view = JobView(tr, lang, IMAGE_TEXTS)
        count = req.num_images
        new: list = []
        new_made: list = []
        last = 0.0

        def shown_as(grid: Any = None, line: Any = None, seed_line: Any = None, running: Any = None) -> tuple:
            """The updates; None leaves one as it is. A grid that changes unpicks the picked image (its place moved)."""
            skip = gr.skip()
            kept = lambda v: skip if v is None else v  # noqa: E731
            made_now = (new_made + list(shown_made))[:KEEP] if grid is not None else skip
            buttons = (skip, skip) if running is None else (gr.update(visible=not running), gr.update(visible=running))
            unpicked = None if grid is not None or running else skip
            return kept(grid), kept(line), kept(seed_line), kept(grid), made_now, *buttons, unpicked

        with self.jobs.running(owner, job):
            yield shown_as(line=progress_html(0, 1, tr(lang, "common.waiting_model")), running=True)
            for shown in view.follow(job):
                if isinstance(shown, Step):
                    now = time.monotonic()
                    if now - last >= UPDATE_EVERY_S or shown.i == shown.total:
                        last = now
                        where = tr(lang, "image.which", number=shown.image + 1, count=count) if count > 1 else ""
                        line = tr(lang, "image.step", step=shown.i, total=shown.total, where=where,
                                  eta=eta_text(shown.eta, lang))
                        yield shown_as(line=progress_html(shown.i, shown.total, line))
                elif isinstance(shown, ImageReady):
                    g = shown.image
                    caption = tr(lang, "image.caption", seed=g.info.seed) if g.finished else \
                        tr(lang, "image.caption_unfinished", seed=g.info.seed, step=g.steps_done)
                    caption = f"{caption} · {what}" if what else caption
                    new.insert(0, (page_image(g.path) if g.path else g.image, caption))
                    new_made.insert(0, {"seed": g.info.seed, "path": str(g.path) if g.path else None, "info": g.info})
                    yield shown_as(grid=(new + list(shown_items))[:KEEP])
                elif isinstance(shown, Done):
                    yield shown_as(*self.summary(shown.result, lang))
                elif (line := view.line(shown)) is not None:
                    yield shown_as(line=progress_html(0, 1, line))
                if isinstance(shown, Failed):
                    raise shown.page_error() from None

    def finished(self, request: gr.Request) -> tuple[Any, Any]:
        """After a run: Generate back, Cancel hidden; unless another drawing of this session still runs."""
        busy = self.jobs.has_jobs(owner_of(request))
        return gr.update(visible=not busy), gr.update(visible=busy)

    def cancel(self, request: gr.Request) -> None:
        # This tab's drawing only. "Stopping..." comes through the job's own stream, so it cannot
        # overwrite the final summary.
        self.jobs.stop(owner_of(request))

    def summary(self, r: ImageResult, lang: str) -> tuple[Any, Any, Any]:
        """The (unchanged) grid, the progress line and the seed line of a finished (or stopped) request."""
        tr = self.tr
        used = ", ".join(str(i.info.seed) for i in r.images)
        if r.cancelled:
            line = tr(lang, "image.cancelled", count=sum(i.finished for i in r.images))
        else:
            line = tr(lang, "image.done", count=len(r.images), seconds=f"{r.seconds:.1f}", sampler=r.sampler,
                      where=self.drawn_where(r.plan, lang), folder=self.outputs_dir)
        steps_total = r.request.steps * r.request.num_images
        notice = f" · {message_text(r.notice, lang)}" if r.notice else ""
        return (None, progress_html(steps_total if not r.cancelled else 0, steps_total, line),
                tr(lang, "image.seed_used", seeds=used or "—") + notice)

    def drawn_where(self, plan: Any, lang: str) -> str:
        """Where it was drawn, for the summary: " on cpu · fp32 · ..." here, " on pc2" on a remote server."""
        if plan is None:
            return ""
        if plan.device == "remote":
            return self.tr(lang, "image.done_on_server", servers=plan.extra("servers", ""))
        return self.tr(lang, "image.done_on", plan=render(plan.describe(), lang))
