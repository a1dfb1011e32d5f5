"""The Image tab: pick a model, describe the picture, watch each step, cancel, browse the gallery,
reuse a seed, and read the parameters back from a dropped PNG."""

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr

from ..errors import UserError
from ..gallery import read_png_info
from ..messages import Message, render, text
from ..backends.base import ImageResult
from ..image_request import DEFAULT_SCHEDULER, MAX_SEED, MAX_STEPS, MIN_SIDE, ImageRequest
from ..jobs import Done, ImageReady, Step
from ..options import GUIDANCE, IMAGE_COUNT
from ..state import AppState
from .common import owner_of, page_image, ui_handler, user_error, user_of
from .job_view import Failed, JobTexts, JobView, TabJobs, message_text
from .option_inputs import slider
from .translator import Translator, plan_summary

log = logging.getLogger(__name__)

UPDATE_EVERY_S = 0.1  # at most ~10 progress updates a second
KEEP = 32  # images kept in the gallery
IMAGE_TEXTS = JobTexts(cancelled_before_start="image.cancelled_early", stopping="image.stopping")


def progress_html(step: int, total: int, text: str) -> str:
    pct = 100 * step / total if total else 0
    return (f'<div class="image-progress" data-step="{step}" data-total="{total}">'
            f'<progress value="{step}" max="{total}" style="width:100%"></progress>'
            f'<div>{text} ({pct:.0f}%)</div></div>')


def _eta(seconds: float, lang: str = "en") -> str:
    if seconds < 90:
        return text(lang, "image.eta_s", seconds=f"{seconds:.0f}")
    return text(lang, "image.eta_min", minutes=f"{seconds / 60:.0f}")


@dataclass(frozen=True)
class ImageFormHooks:
    """What the Gallery view needs to send a saved image's settings back to this form."""

    fill_from_png: Callable[..., tuple[Any, ...]]  # (png path, current model, request=None) -> form updates
    inputs: list[Any]  # extra inputs after the path: the current model
    outputs: list[Any]


def build_image_tab(state: AppState, demo: Any) -> ImageFormHooks:
    services = state.services
    image_jobs = TabJobs(services)  # the drawing each browser session waits for, for its Cancel button
    names = services.model_names("image")
    first = services.default_model("image", wait=False)
    fam = services.image_defaults(first)[1] if first else None
    tr = Translator(state.settings.lang)
    with gr.Row():
        with gr.Column(scale=3):
            with gr.Row():
                model = gr.Dropdown(names, value=first, label=tr.ui("image.model"), scale=4, elem_id="image-model")
                unload_btn = gr.Button(tr.ui("common.unload"), scale=1, size="sm", elem_id="image-unload")
            plan_md = gr.Markdown("", elem_id="image-plan")
            prompt = gr.Textbox(label=tr.ui("image.prompt"), info=tr.ui("image.prompt_info"), lines=3,
                                placeholder=tr.ui("image.prompt_placeholder"), elem_id="image-prompt")
            negative = gr.Textbox(label=tr.ui("image.negative"), lines=1, elem_id="image-negative")
            with gr.Row():
                generate_btn = gr.Button(tr.ui("image.generate"), variant="primary", elem_id="image-generate")
                cancel_btn = gr.Button(tr.ui("image.cancel"), variant="stop", elem_id="image-cancel")
            gr.Markdown(tr.ui("image.cancel_note"), elem_id="image-cancel-note")
            progress = gr.HTML("", elem_id="image-progress")
            gallery = gr.Gallery(label=tr.ui("image.gallery"), columns=3, height=520, format="png",
                                 elem_id="image-gallery", object_fit="contain")
            with gr.Row():
                seed_info = gr.Markdown("", elem_id="image-seed-info")
                reuse_btn = gr.Button(tr.ui("image.reuse"), size="sm", scale=0, elem_id="image-reuse-seed")
        with gr.Column(scale=2, min_width=280):
            with gr.Row():
                seed = gr.Number(-1, label=tr.ui("common.seed"), info=tr.ui("common.seed_info"), precision=0,
                                 minimum=-1, maximum=MAX_SEED, elem_id="image-seed", scale=4)
                random_btn = gr.Button(tr.ui("image.random"), size="sm", scale=0, elem_id="image-random-seed")
            steps = gr.Slider(1, fam.max_steps if fam else MAX_STEPS, value=fam.steps if fam else 25, step=1,
                              label=tr.ui("image.steps"), info=tr.ui("image.steps_info"), elem_id="image-steps")
            guidance = slider(GUIDANCE, tr, fam.guidance if fam else 7.0, elem_id="image-guidance")
            width = gr.Slider(MIN_SIDE, fam.max_side if fam else 2048, value=fam.size if fam else 512,
                              step=fam.multiple if fam else 8, label=tr.ui("image.width"), elem_id="image-width")
            height = gr.Slider(MIN_SIDE, fam.max_side if fam else 2048, value=fam.size if fam else 512,
                               step=fam.multiple if fam else 8, label=tr.ui("image.height"), elem_id="image-height")
            count = slider(IMAGE_COUNT, tr, elem_id="image-count")
            scheduler = gr.Dropdown(services.image_defaults(first)[2] if first else [DEFAULT_SCHEDULER],
                                    value=DEFAULT_SCHEDULER, label=tr.ui("image.scheduler"),
                                    info=tr.ui("image.scheduler_info"), elem_id="image-scheduler")
            with gr.Accordion(tr.ui("image.pnginfo"), open=False):
                png_file = gr.File(label=tr.ui("image.png_drop"), file_types=[".png"], type="filepath",
                                   elem_id="image-pnginfo-file")
                png_text = gr.Textbox(label=tr.ui("image.png_parameters"), lines=6, interactive=False,
                                      buttons=["copy"], elem_id="image-pnginfo-text")
                send_btn = gr.Button(tr.ui("image.png_send"), elem_id="image-pnginfo-send")
    items = gr.State([])  # (image, caption) pairs shown in the gallery, newest first
    seeds = gr.State([])  # the seed of each gallery item
    picked = gr.State(None)  # the seed of the selected gallery item
    png_info = gr.State(None)

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
        return (f"{tr(lang, 'common.loaded' if info.loaded else 'common.will_load')}: **{info.spec.name}** "
                f"({f.label}) · {plan_summary(info.plan, lang)}")

    def family_defaults(name: str) -> tuple[Any, ...]:
        """A model picked by hand: its family's size, steps, guidance and schedulers."""
        try:
            _, f, schedulers = services.image_defaults(name)
        except Exception:  # noqa: BLE001 - the plan line says what is wrong
            return (gr.skip(),) * 5
        side = {"minimum": MIN_SIDE, "maximum": f.max_side, "value": f.size, "step": f.multiple}
        return (gr.update(maximum=f.max_steps, value=f.steps), gr.update(value=f.guidance),
                gr.update(**side), gr.update(**side), gr.update(choices=schedulers, value=DEFAULT_SCHEDULER))

    def generate(model_name: str, prompt_text: str, negative_text: str, seed_value: float, steps_value: float,
                 guidance_value: float, w: float, h: float, n: float, sched: str, shown_items: list, shown_seeds: list,
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
        new_seeds: list = []
        last, skip = 0.0, gr.skip()
        with image_jobs.running(owner, job):
            yield skip, progress_html(0, 1, tr(lang, "common.waiting_model")), skip, skip, skip
            for shown in view.follow(job):
                if isinstance(shown, Step):
                    now = time.monotonic()
                    if now - last >= UPDATE_EVERY_S or shown.i == shown.total:
                        last = now
                        where = tr(lang, "image.which", number=shown.image + 1, count=int(n)) if int(n) > 1 else ""
                        line = tr(lang, "image.step", step=shown.i, total=shown.total, where=where,
                                  eta=_eta(shown.eta, lang))
                        yield skip, progress_html(shown.i, shown.total, line), skip, skip, skip
                elif isinstance(shown, ImageReady):
                    g = shown.image
                    caption = tr(lang, "image.caption", seed=g.info.seed) if g.finished else \
                        tr(lang, "image.caption_unfinished", seed=g.info.seed, step=g.steps_done)
                    new.insert(0, (page_image(g.path) if g.path else g.image, caption))
                    new_seeds.insert(0, g.info.seed)
                    yield (new + list(shown_items), skip, skip, (new + list(shown_items))[:KEEP],
                           (new_seeds + list(shown_seeds))[:KEEP])
                elif isinstance(shown, Done):
                    yield skip, *summary(shown.result, lang)
                elif (line := view.line(shown)) is not None:
                    yield skip, progress_html(0, 1, line), skip, skip, skip
                if isinstance(shown, Failed):
                    raise shown.page_error() from None

    def summary(r: ImageResult, lang: str) -> tuple[Any, ...]:
        """The progress line and seed line of a finished (or stopped) request."""
        used = ", ".join(str(i.info.seed) for i in r.images)
        if r.cancelled:
            line = tr(lang, "image.cancelled", count=sum(i.finished for i in r.images))
        else:
            where = tr(lang, "image.done_on", plan=render(r.plan.describe(), lang)) if r.plan else ""
            line = tr(lang, "image.done", count=len(r.images), seconds=f"{r.seconds:.1f}", sampler=r.sampler,
                      where=where, folder=state.settings.outputs_dir)
        steps_total = r.request.steps * r.request.num_images
        notice = f" · {message_text(r.notice, lang)}" if r.notice else ""
        return (progress_html(steps_total if not r.cancelled else 0, steps_total, line),
                tr(lang, "image.seed_used", seeds=used or "—") + notice, gr.skip(), gr.skip())

    def cancel(request: gr.Request) -> None:
        # This tab's drawing only. "Stopping..." comes through the job's own stream, so it cannot
        # overwrite the final summary.
        image_jobs.stop(owner_of(request))

    def on_select(shown_seeds: list, evt: gr.SelectData, request: gr.Request) -> tuple[Any, Any]:
        if evt.index is None or evt.index >= len(shown_seeds):
            return None, gr.skip()
        return shown_seeds[evt.index], tr(request, "image.selected", seed=shown_seeds[evt.index])

    def reuse(chosen: int | None, shown_seeds: list, request: gr.Request) -> Any:
        value = chosen if chosen is not None else (shown_seeds[0] if shown_seeds else None)
        if value is None:
            tr.warning(request, tr(request, "image.reuse_first"))
            return gr.skip()
        return value

    @ui_handler
    def read_png(path: str | None, request: gr.Request) -> tuple[str, Any]:
        if not path:
            return "", None
        meta = read_png_info(path)
        if meta.info is None:
            return tr(request, "image.png_none"), None
        text = meta.parameters or meta.info.to_parameters()
        if meta.localai.get("plan"):
            plan, lang = meta.localai["plan"], tr.lang(request)
            text += (f"\n\n{tr(lang, 'image.png_loaded_as')}: {plan.get('device')} {plan.get('dtype')} — "
                     f"{render(Message.from_record(plan.get('reason_message')) or plan.get('reason', ''), lang)}")
        return text, meta.info

    def send(info: Any, current_model: str, request: gr.Request = None) -> tuple[Any, ...]:
        if info is None:
            tr.warning(request, tr(request, "image.png_first"))
            return (gr.skip(),) * 9
        models = services.model_names("image")
        if info.model and info.model not in models:
            tr.warning(request, tr(request, "image.png_model_missing", model=info.model))
        target = info.model if info.model in models else current_model
        names = services.image_defaults(target)[2] if target else [DEFAULT_SCHEDULER]
        sched = info.sampler if info.sampler in names else DEFAULT_SCHEDULER
        value = lambda v: gr.update(value=v) if v else gr.skip()
        return (gr.update(value=info.model) if info.model in models else gr.skip(), info.prompt,
                info.negative_prompt, info.seed, value(info.steps), gr.update(value=info.cfg_scale),
                value(info.width), value(info.height), gr.update(choices=names, value=sched))

    @ui_handler
    def unload(model_name: str, request: gr.Request) -> str:
        done = services.unload(model_name, "image", owner=owner_of(request), user=user_of(request))
        return tr(request, "common.unloaded" if done else "common.not_loaded", name=model_name)

    form = [model, prompt, negative, seed, steps, guidance, width, height, count, scheduler]
    model.change(show_plan, model, plan_md, queue=False)
    model.input(family_defaults, model, [steps, guidance, width, height, scheduler], queue=False)
    gen_inputs = [*form, items, seeds]
    gen_outputs = [gallery, progress, seed_info, items, seeds]
    for trigger in (generate_btn.click, prompt.submit):
        trigger(generate, gen_inputs, gen_outputs, concurrency_limit=None)
        trigger(lambda: None, None, picked, queue=False)  # a new run: "Reuse seed" takes its first image again
    cancel_btn.click(cancel, None, None, queue=False)
    gallery.select(on_select, seeds, [picked, seed_info], queue=False)
    reuse_btn.click(reuse, [picked, seeds], seed, queue=False)
    random_btn.click(lambda: -1, None, seed, queue=False)
    png_file.change(read_png, png_file, [png_text, png_info], queue=False)
    send_btn.click(send, [png_info, model], [model, prompt, negative, seed, steps, guidance, width, height, scheduler],
                   queue=False)
    unload_btn.click(unload, model, plan_md)

    def on_page_load(current: str | None) -> Any:
        """The model list as it is now, and the default once the hardware is known (then its family's settings)."""
        names_now = services.model_names("image")
        if current in names_now:
            return gr.Dropdown(choices=names_now)
        return gr.Dropdown(choices=names_now, value=services.default_model("image"))

    demo.load(on_page_load, model, model).then(
        lambda name, picked_before: family_defaults(name) if name and name != picked_before else (gr.skip(),) * 5,
        [model, gr.State(first)], [steps, guidance, width, height, scheduler])

    def fill_from_png(path: str | None, current_model: str, request: Any = None) -> tuple[Any, ...]:
        return send(read_png_info(path).info if path else None, current_model, request)

    return ImageFormHooks(fill_from_png, [model], [model, prompt, negative, seed, steps, guidance, width, height,
                                                 scheduler])
