"""The Image tab, laid out like Midjourney: the prompt bar on top (Enter or Generate draws; the button is
Cancel while it draws), aspect-ratio presets and the model under it, the advanced settings collapsed,
then the session's images as a grid, newest first. Each image can be enlarged (the grid's preview),
downloaded, and its settings put back into the form. A model on a remote server is listed as "name · server"
and draws the same way (saved the same way), with the server's own sampler and no step progress."""

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr

from ..backends.base import ImageResult
from ..errors import UserError
from ..image_request import DEFAULT_SCHEDULER, ImageRequest
from ..jobs import Done, ImageReady, Step
from ..messages import render
from ..state import AppState
from .common import owner_of, page_image, ui_handler, user_error, user_of
from .image_aspect import ASPECTS, aspect_of, aspect_size
from .image_progress import eta_text, progress_html
from .image_reuse import form_updates, png_parameters, saved_info
from .image_settings import build_image_settings, family_updates
from .image_style import TAB_CSS, TAB_JS  # noqa: F401 - gathered into the page by localai.ui
from .job_view import Failed, JobTexts, JobView, TabJobs, message_text
from .translator import Translator, plan_summary

log = logging.getLogger(__name__)

UPDATE_EVERY_S = 0.1  # at most ~10 progress updates a second
KEEP = 48  # images of this page session kept in the grid
IMAGE_TEXTS = JobTexts(cancelled_before_start="image.cancelled_early", stopping="image.stopping")
FIRST_ASPECT = "1:1"


@dataclass(frozen=True)
class ImageFormHooks:
    """What the Gallery view needs to send a saved image's settings back to this form."""

    fill_from_png: Callable[..., tuple[Any, ...]]  # (png path, current model, request=None) -> form updates
    inputs: list[Any]  # extra inputs after the path: the current model
    outputs: list[Any]


def model_choices(services: Any) -> list[tuple[str, str]]:
    """The image models as the picker lists them, (label, name): a remote one as "name · its servers"."""
    return [(f"{s.name} · {', '.join(s.servers)}" if s.source == "remote" and s.servers else s.name, s.name)
            for s in services.list_models("image")]


def build_image_tab(state: AppState, demo: Any) -> ImageFormHooks:
    services = state.services
    image_jobs = TabJobs(services)  # the drawing each browser session waits for, for its Cancel button
    names = model_choices(services)
    first = services.default_model("image", wait=False)
    fam = services.image_defaults(first)[1] if first else None
    tr = Translator(state.settings.lang)
    with gr.Row(elem_id="image-bar", equal_height=True):
        prompt = gr.Textbox(label=tr.ui("image.prompt"), show_label=False, lines=1, max_lines=6, scale=8,
                            placeholder=tr.ui("image.prompt_placeholder"), elem_id="image-prompt", container=False,
                            autofocus=False)
        generate_btn = gr.Button(tr.ui("image.generate"), variant="primary", scale=1, elem_id="image-generate")
        cancel_btn = gr.Button(tr.ui("image.cancel"), variant="stop", scale=1, visible=False, elem_id="image-cancel")
    with gr.Row(elem_id="image-options", equal_height=True):
        aspect = gr.Radio(list(ASPECTS), value=FIRST_ASPECT, label=tr.ui("image.aspect"), scale=3,
                          elem_id="image-aspect")
        model = gr.Dropdown(names, value=first, label=tr.ui("image.model"), scale=2, min_width=200,
                            elem_id="image-model")
    plan_md = gr.Markdown("", elem_id="image-plan")
    advanced = build_image_settings(tr, fam, services.image_defaults(first)[2] if first else [DEFAULT_SCHEDULER],
                                    FIRST_ASPECT)
    negative, seed, steps, guidance = advanced.negative, advanced.seed, advanced.steps, advanced.guidance
    width, height, count, scheduler = advanced.width, advanced.height, advanced.count, advanced.scheduler
    progress = gr.HTML("", elem_id="image-progress")
    # Shown in the enlarged view's toolbar next to Download; vary / upscale / edit will join it there.
    reuse_tool = gr.Button(tr(state.settings.lang or "en", "image.reuse_settings"), size="sm",
                           elem_id="image-reuse-tool", render=False)
    gallery = gr.Gallery(label=tr.ui("image.gallery"), columns=4, fit_columns=False, height="auto", format="png",
                         elem_id="image-gallery", object_fit="contain", buttons=["download", "fullscreen", reuse_tool],
                         preview=False)
    with gr.Row(elem_id="image-actions"):
        seed_info = gr.Markdown("", elem_id="image-seed-info")
        reuse_btn = gr.Button(tr.ui("image.reuse_settings"), size="sm", scale=0, min_width=120, elem_id="image-reuse-settings")
        reuse_seed_btn = gr.Button(tr.ui("image.reuse"), size="sm", scale=0, min_width=120, elem_id="image-reuse-seed")
        # The place for the per-image actions of the image-editing issue: vary, upscale, edit.
    items = gr.State([])  # (image, caption) pairs shown in the grid, newest first
    made = gr.State([])  # per grid item: {"seed", "path" (None: not saved), "info"}
    picked = gr.State(None)  # the index of the selected grid item

    def show_plan(name: str, request: gr.Request) -> str:
        if not name:
            return ""
        lang = tr.lang(request)
        try:
            info = services.model_info(name, "image")
            f = services.image_defaults(name)[1]
        except Exception as exc:  # noqa: BLE001 - shown in the plan line; nothing else changes
            return f"⚠️ {render(exc, lang)}"
        if info.problem:
            return f"⚠️ {tr.msg(lang, info.problem)}"
        if info.spec.source == "remote":
            return tr(lang, "image.remote_plan", name=info.spec.name, servers=", ".join(info.spec.servers))
        return (f"{tr(lang, 'common.loaded' if info.loaded else 'common.will_load')}: **{info.spec.name}** "
                f"({f.label}) · {plan_summary(info.plan, lang)}")

    def family_defaults(name: str, chosen_aspect: str | None) -> tuple[Any, ...]:
        """A model picked by hand: its family's size (at the chosen aspect), steps, guidance and schedulers."""
        try:
            _, f, schedulers = services.image_defaults(name)
        except Exception:  # noqa: BLE001 - the plan line says what is wrong
            return (gr.skip(),) * 6
        return (*family_updates(f, schedulers, chosen_aspect), chosen_aspect or FIRST_ASPECT)

    def set_aspect(name: str | None, chosen: str | None) -> tuple[Any, Any]:
        if not name or chosen not in ASPECTS:
            return gr.skip(), gr.skip()
        try:
            f = services.image_defaults(name)[1]
        except Exception:  # noqa: BLE001 - the plan line says what is wrong
            return gr.skip(), gr.skip()
        return aspect_size(f, chosen)

    def match_aspect(name: str | None, w: float, h: float) -> Any:
        """A size set by hand: the preset it equals, else none marked."""
        try:
            return aspect_of(services.image_defaults(name)[1], int(w), int(h)) if name else None
        except Exception:  # noqa: BLE001 - the plan line says what is wrong
            return gr.skip()

    def generate(model_name: str, prompt_text: str, negative_text: str, seed_value: float, steps_value: float,
                 guidance_value: float, w: float, h: float, n: float, sched: str, shown_items: list, shown_made: list,
                 request: gr.Request) -> Iterator[tuple[Any, ...]]:
        req = ImageRequest(prompt=prompt_text or "", negative_prompt=negative_text or "",
                           seed=int(seed_value if seed_value is not None else -1), steps=int(steps_value),
                           guidance_scale=float(guidance_value), width=int(w), height=int(h), num_images=int(n),
                           scheduler=sched or DEFAULT_SCHEDULER)
        owner, lang = owner_of(request), tr.lang(request)
        try:
            job = services.generate_images(model_name, req, owner=owner, user=user_of(request))
        except UserError as exc:
            raise user_error(exc, lang) from None
        view = JobView(tr, lang, IMAGE_TEXTS)
        new: list = []
        new_made: list = []
        last = 0.0

        def shown_as(grid: Any = None, line: Any = None, seed_line: Any = None, running: Any = None) -> tuple:
            """Updates of [gallery, progress, seed info, items, made, Generate, Cancel]; None leaves one as it is."""
            skip = gr.skip()
            kept = lambda v: skip if v is None else v  # noqa: E731
            made_now = (new_made + list(shown_made))[:KEEP] if grid is not None else skip
            buttons = (skip, skip) if running is None else (gr.update(visible=not running), gr.update(visible=running))
            return kept(grid), kept(line), kept(seed_line), kept(grid), made_now, *buttons

        with image_jobs.running(owner, job):
            yield shown_as(line=progress_html(0, 1, tr(lang, "common.waiting_model")), running=True)
            for shown in view.follow(job):
                if isinstance(shown, Step):
                    now = time.monotonic()
                    if now - last >= UPDATE_EVERY_S or shown.i == shown.total:
                        last = now
                        where = tr(lang, "image.which", number=shown.image + 1, count=int(n)) if int(n) > 1 else ""
                        line = tr(lang, "image.step", step=shown.i, total=shown.total, where=where,
                                  eta=eta_text(shown.eta, lang))
                        yield shown_as(line=progress_html(shown.i, shown.total, line))
                elif isinstance(shown, ImageReady):
                    g = shown.image
                    caption = tr(lang, "image.caption", seed=g.info.seed) if g.finished else \
                        tr(lang, "image.caption_unfinished", seed=g.info.seed, step=g.steps_done)
                    new.insert(0, (page_image(g.path) if g.path else g.image, caption))
                    new_made.insert(0, {"seed": g.info.seed, "path": str(g.path) if g.path else None, "info": g.info})
                    yield shown_as(grid=(new + list(shown_items))[:KEEP])
                elif isinstance(shown, Done):
                    yield shown_as(*summary(shown.result, lang))
                elif (line := view.line(shown)) is not None:
                    yield shown_as(line=progress_html(0, 1, line))
                if isinstance(shown, Failed):
                    raise shown.page_error() from None

    def summary(r: ImageResult, lang: str) -> tuple[Any, Any, Any]:
        """The (unchanged) grid, the progress line and the seed line of a finished (or stopped) request."""
        used = ", ".join(str(i.info.seed) for i in r.images)
        if r.cancelled:
            line = tr(lang, "image.cancelled", count=sum(i.finished for i in r.images))
        else:
            line = tr(lang, "image.done", count=len(r.images), seconds=f"{r.seconds:.1f}", sampler=r.sampler,
                      where=drawn_where(r.plan, lang), folder=state.settings.outputs_dir)
        steps_total = r.request.steps * r.request.num_images
        notice = f" · {message_text(r.notice, lang)}" if r.notice else ""
        return (None, progress_html(steps_total if not r.cancelled else 0, steps_total, line),
                tr(lang, "image.seed_used", seeds=used or "—") + notice)

    def drawn_where(plan: Any, lang: str) -> str:
        """Where it was drawn, for the summary: " on cpu · fp32 · ..." here, " on pc2" on a remote server."""
        if plan is None:
            return ""
        if plan.device == "remote":
            return tr(lang, "image.done_on_server", servers=plan.extra("servers", ""))
        return tr(lang, "image.done_on", plan=render(plan.describe(), lang))

    def cancel(request: gr.Request) -> None:
        # This tab's drawing only. "Stopping..." comes through the job's own stream, so it cannot
        # overwrite the final summary.
        image_jobs.stop(owner_of(request))

    def on_select(shown_made: list, evt: gr.SelectData, request: gr.Request) -> tuple[Any, Any]:
        if evt.index is None or not 0 <= evt.index < len(shown_made):
            return None, gr.skip()
        return evt.index, tr(request, "image.selected", seed=shown_made[evt.index]["seed"])

    def chosen_item(index: int | None, shown_made: list) -> dict | None:
        """The selected image, else the newest (None when the grid is empty)."""
        if index is not None and 0 <= index < len(shown_made):
            return shown_made[index]
        return shown_made[0] if shown_made else None

    def reuse_seed(index: int | None, shown_made: list, request: gr.Request) -> Any:
        item = chosen_item(index, shown_made)
        if item is None:
            tr.warning(request, tr(request, "image.reuse_first"))
            return gr.skip()
        return item["seed"]

    @ui_handler
    def reuse_settings(index: int | None, shown_made: list, current_model: str, request: gr.Request) -> tuple:
        item = chosen_item(index, shown_made)
        if item is None:
            tr.warning(request, tr(request, "image.reuse_first"))
            return (gr.skip(),) * 10
        return form_updates(services, tr, saved_info(item["path"], item["info"]), current_model, request)

    @ui_handler
    def read_png(path: str | None, request: gr.Request) -> tuple[str, Any]:
        return png_parameters(path, tr, request) if path else ("", None)

    def send_png(info: Any, current_model: str, request: gr.Request) -> tuple[Any, ...]:
        return form_updates(services, tr, info, current_model, request)

    @ui_handler
    def unload(model_name: str, request: gr.Request) -> str:
        done = services.unload(model_name, "image", owner=owner_of(request), user=user_of(request))
        return tr(request, "common.unloaded" if done else "common.not_loaded", name=model_name)

    form = [model, prompt, negative, seed, steps, guidance, width, height, count, scheduler]
    filled = [model, prompt, negative, seed, steps, guidance, width, height, scheduler, aspect]
    sized = [steps, guidance, width, height, scheduler, aspect]
    png_info = gr.State(None)
    model.change(show_plan, model, plan_md, queue=False)
    model.input(family_defaults, [model, aspect], sized, queue=False)
    aspect.input(set_aspect, [model, aspect], [width, height], queue=False)
    for side in (width, height):
        side.input(match_aspect, [model, width, height], aspect, queue=False)
    gen_inputs = [*form, items, made]
    gen_outputs = [gallery, progress, seed_info, items, made]
    for trigger in (generate_btn.click, prompt.submit):  # its first update turns Generate into Cancel
        trigger(generate, gen_inputs, [*gen_outputs, generate_btn, cancel_btn], concurrency_limit=None).then(
            lambda: (gr.update(visible=True), gr.update(visible=False)), None, [generate_btn, cancel_btn],
            queue=False)
        trigger(lambda: None, None, picked, queue=False)  # a new run: the reuse buttons take its first image
    cancel_btn.click(cancel, None, None, queue=False)
    gallery.select(on_select, made, [picked, seed_info], queue=False)
    for button in (reuse_btn, reuse_tool):
        button.click(reuse_settings, [picked, made, model], filled)  # queued: its warning needs the queue
    reuse_seed_btn.click(reuse_seed, [picked, made], seed)
    advanced.random_btn.click(lambda: -1, None, seed, queue=False)
    advanced.png_file.change(read_png, advanced.png_file, [advanced.png_text, png_info], queue=False)
    advanced.png_send.click(send_png, [png_info, model], filled)
    advanced.unload_btn.click(unload, model, plan_md)

    def on_page_load(current: str | None) -> Any:
        """The model list as it is now, and the default once the hardware is known (then its family's settings)."""
        choices = model_choices(services)
        if current in (name for _, name in choices):
            return gr.Dropdown(choices=choices)
        return gr.Dropdown(choices=choices, value=services.default_model("image"))

    def on_picker_focus(shown: list | None) -> tuple[Any, Any]:
        """Opening the picker: the models as they are now (a remote server added or gone since the page loaded)."""
        choices = [list(c) for c in model_choices(services)]
        if choices == shown:
            return gr.skip(), gr.skip()
        return gr.update(choices=[tuple(c) for c in choices]), choices

    listed = gr.State([list(c) for c in names])  # the choices the picker shows now
    model.focus(on_picker_focus, listed, [model, listed], queue=False)
    demo.load(on_page_load, model, model).then(
        lambda name, picked_before, chosen: family_defaults(name, chosen) if name and name != picked_before
        else (gr.skip(),) * 6, [model, gr.State(first), aspect], sized).then(show_plan, model, plan_md, queue=False)

    def tool_label(request: gr.Request) -> Any:
        """The grid toolbar's own buttons take plain text, not the page's translations: set in its language."""
        return gr.update(value=tr(request, "image.reuse_settings"))

    demo.load(tool_label, None, reuse_tool, queue=False)

    def fill_from_png(path: str | None, current_model: str, request: Any = None) -> tuple[Any, ...]:
        return form_updates(services, tr, saved_info(path, None), current_model, request)

    return ImageFormHooks(fill_from_png, [model], filled)
