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
from ..image_request import DEFAULT_SCHEDULER, MAX_IMAGES, MAX_SEED, MAX_STEPS, MIN_SIDE, ImageRequest
from ..jobs import Job
from ..state import AppState
from .common import owner_of, ui_handler, user_error, user_of

log = logging.getLogger(__name__)

UPDATE_EVERY_S = 0.1  # at most ~10 progress updates a second
KEEP = 32  # images kept in the gallery


def progress_html(step: int, total: int, text: str) -> str:
    pct = 100 * step / total if total else 0
    return (f'<div class="image-progress" data-step="{step}" data-total="{total}">'
            f'<progress value="{step}" max="{total}" style="width:100%"></progress>'
            f'<div>{text} ({pct:.0f}%)</div></div>')


def _eta(seconds: float) -> str:
    return f"about {seconds:.0f} s left" if seconds < 90 else f"about {seconds / 60:.0f} min left"


@dataclass(frozen=True)
class ImageFormHooks:
    """What the Gallery view needs to send a saved image's settings back to this form."""

    fill_from_png: Callable[[str | None, str], tuple[Any, ...]]  # (png path, current model) -> form updates
    inputs: list[Any]  # extra inputs after the path: the current model
    outputs: list[Any]


def build_image_tab(state: AppState) -> ImageFormHooks:
    services = state.services
    running: dict[str, Job] = {}  # the job each browser session is drawing, for its Cancel button
    names = state.registry.names("image")
    first = state.registry.default_name("image")
    fam = services.image_defaults(first)[1] if first else None
    with gr.Row():
        with gr.Column(scale=3):
            with gr.Row():
                model = gr.Dropdown(names, value=first, label="Image model", scale=4, elem_id="image-model")
                unload_btn = gr.Button("Unload", scale=1, size="sm", elem_id="image-unload")
            plan_md = gr.Markdown("", elem_id="image-plan")
            prompt = gr.Textbox(label="Prompt", lines=3, placeholder="a lighthouse on a cliff at sunset, oil painting",
                                elem_id="image-prompt")
            negative = gr.Textbox(label="Negative prompt (what to avoid)", lines=1, elem_id="image-negative")
            with gr.Row():
                generate_btn = gr.Button("Generate", variant="primary", elem_id="image-generate")
                cancel_btn = gr.Button("Cancel", variant="stop", elem_id="image-cancel")
            gr.Markdown("<small>Cancel stops at the next step: finished images are kept and saved; the one being "
                        "drawn is shown marked 'unfinished' and is not saved.</small>", elem_id="image-cancel-note")
            progress = gr.HTML("", elem_id="image-progress")
            gallery = gr.Gallery(label="Images", columns=3, height=520, format="png", elem_id="image-gallery",
                                 object_fit="contain")
            with gr.Row():
                seed_info = gr.Markdown("", elem_id="image-seed-info")
                reuse_btn = gr.Button("♻️ Reuse seed", size="sm", scale=0, elem_id="image-reuse-seed")
        with gr.Column(scale=2, min_width=280):
            with gr.Row():
                seed = gr.Number(-1, label="Seed (-1 = random)", precision=0, minimum=-1, maximum=MAX_SEED,
                                 elem_id="image-seed", scale=4)
                random_btn = gr.Button("Random", size="sm", scale=0, elem_id="image-random-seed")
            steps = gr.Slider(1, fam.max_steps if fam else MAX_STEPS, value=fam.steps if fam else 25, step=1,
                              label="Steps", elem_id="image-steps")
            guidance = gr.Slider(0, 20, value=fam.guidance if fam else 7.0, step=0.5,
                                 label="Guidance scale (CFG; 0 for Turbo models)", elem_id="image-guidance")
            width = gr.Slider(MIN_SIDE, fam.max_side if fam else 2048, value=fam.size if fam else 512,
                              step=fam.multiple if fam else 8, label="Width", elem_id="image-width")
            height = gr.Slider(MIN_SIDE, fam.max_side if fam else 2048, value=fam.size if fam else 512,
                               step=fam.multiple if fam else 8, label="Height", elem_id="image-height")
            count = gr.Slider(1, MAX_IMAGES, value=1, step=1, label="Number of images (seed, seed+1, ...)",
                              elem_id="image-count")
            scheduler = gr.Dropdown(services.image_defaults(first)[2] if first else [DEFAULT_SCHEDULER],
                                    value=DEFAULT_SCHEDULER, label="Scheduler (sampler)", elem_id="image-scheduler")
            with gr.Accordion("PNG info: read the settings of an image", open=False):
                png_file = gr.File(label="Drop a PNG here", file_types=[".png"], type="filepath",
                                   elem_id="image-pnginfo-file")
                png_text = gr.Textbox(label="Parameters", lines=6, interactive=False, buttons=["copy"],
                                      elem_id="image-pnginfo-text")
                send_btn = gr.Button("Send to the form", elem_id="image-pnginfo-send")
    items = gr.State([])  # (image, caption) pairs shown in the gallery, newest first
    seeds = gr.State([])  # the seed of each gallery item
    picked = gr.State(None)  # the seed of the selected gallery item
    png_info = gr.State(None)

    def show_plan(name: str) -> str:
        if not name:
            return ""
        try:
            info = services.model_info(name, "image")
            f = services.image_defaults(name)[1]
        except Exception as exc:  # noqa: BLE001 - shown in the plan line; nothing else changes
            return f"⚠️ {exc}"
        if info.problem:
            return f"⚠️ {info.problem}"
        return (f"{'Loaded' if info.loaded else 'Will load as'}: **{info.spec.name}** ({f.label}) · "
                f"{info.plan.describe()} — {info.plan.reason}")

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
                 guidance_value: float, w: float, h: float, n: float, sched: str, shown: list, shown_seeds: list,
                 request: gr.Request) -> Iterator[tuple[Any, ...]]:
        req = ImageRequest(prompt=prompt_text or "", negative_prompt=negative_text or "",
                           seed=int(seed_value if seed_value is not None else -1), steps=int(steps_value),
                           guidance_scale=float(guidance_value), width=int(w), height=int(h), num_images=int(n),
                           scheduler=sched or DEFAULT_SCHEDULER)
        owner = owner_of(request)
        try:
            job = services.generate_images(model_name, req, owner=owner, user=user_of(request))
        except UserError as exc:
            raise user_error(exc) from None
        running[owner] = job
        new: list = []
        new_seeds: list = []
        last, text = 0.0, "Waiting for the model..."
        yield gr.skip(), progress_html(0, 1, text), gr.skip(), gr.skip(), gr.skip()
        try:
            for event in job.events():
                if event.kind == "progress":
                    p = event.data
                    now = time.monotonic()
                    if now - last >= UPDATE_EVERY_S or p.step == p.total:
                        last = now
                        where = f" · image {p.image + 1} of {int(n)}" if int(n) > 1 else ""
                        yield (gr.skip(), progress_html(p.step, p.total, f"Step {p.step} of {p.total}{where} · "
                                                        f"{_eta(p.eta_s)}"), gr.skip(), gr.skip(), gr.skip())
                elif event.kind == "image":
                    g = event.data
                    caption = f"seed {g.info.seed}" if g.finished else \
                        f"seed {g.info.seed} · unfinished (stopped at step {g.steps_done}), not saved"
                    new.insert(0, (str(g.path) if g.path else g.image, caption))
                    new_seeds.insert(0, g.info.seed)
                    yield (new + list(shown), gr.skip(), gr.skip(), (new + list(shown))[:KEEP],
                           (new_seeds + list(shown_seeds))[:KEEP])
                elif event.kind == "queued":
                    yield gr.skip(), progress_html(0, 1, f"Waiting in line: position {event.data}."), *(gr.skip(),) * 3
                elif event.kind == "status" and event.data != "generating":
                    yield gr.skip(), progress_html(0, 1, event.data), *(gr.skip(),) * 3
                elif event.kind == "notice":
                    gr.Warning(event.data)
                elif event.kind == "done" and event.data is None:  # cancelled while waiting in line
                    yield gr.skip(), progress_html(0, 1, "Cancelled before it started."), *(gr.skip(),) * 3
                elif event.kind == "done":
                    r = event.data
                    used = ", ".join(str(i.info.seed) for i in r.images)
                    if r.cancelled:
                        summary = (f"Cancelled. {sum(i.finished for i in r.images)} finished image(s) were saved; "
                                   "an image stopped part-way is shown marked 'unfinished' and was not saved.")
                    else:
                        where = f" on {r.plan.describe()}" if r.plan else ""
                        summary = (f"Done: {len(r.images)} image(s) in {r.seconds:.1f} s with {r.sampler}{where} · "
                                   f"saved in {state.settings.outputs_dir}")
                    steps_total = r.request.steps * r.request.num_images
                    yield (gr.skip(), progress_html(steps_total if not r.cancelled else 0, steps_total, summary),
                           f"Seed used: **{used or '—'}**" + (f" · {r.notice}" if r.notice else ""), gr.skip(),
                           gr.skip())
        except Exception as exc:  # noqa: BLE001 - shown, then raised as a plain message
            yield gr.skip(), progress_html(0, 1, f"⚠️ {exc}"), gr.skip(), gr.skip(), gr.skip()
            raise user_error(exc) from None
        finally:
            if running.get(owner) is job:
                running.pop(owner, None)

    def cancel(request: gr.Request) -> Any:
        job = running.get(owner_of(request))
        if job is None:
            return gr.skip()
        job.cancel.cancel()
        return progress_html(0, 1, "Stopping at the next step...")

    def on_select(shown_seeds: list, evt: gr.SelectData) -> tuple[Any, Any]:
        if evt.index is None or evt.index >= len(shown_seeds):
            return None, gr.skip()
        return shown_seeds[evt.index], f"Selected image: seed **{shown_seeds[evt.index]}**"

    def reuse(chosen: int | None, shown_seeds: list) -> Any:
        value = chosen if chosen is not None else (shown_seeds[0] if shown_seeds else None)
        if value is None:
            gr.Warning("Generate an image first; its seed can then be reused.")
            return gr.skip()
        return value

    @ui_handler
    def read_png(path: str | None) -> tuple[str, Any]:
        if not path:
            return "", None
        meta = read_png_info(path)
        if meta.info is None:
            return "This PNG has no generation parameters.", None
        text = meta.parameters or meta.info.to_parameters()
        if meta.localai.get("plan"):
            plan = meta.localai["plan"]
            text += f"\n\nLoaded as: {plan.get('device')} {plan.get('dtype')} — {plan.get('reason', '')}"
        return text, meta.info

    def send(info: Any, current_model: str) -> tuple[Any, ...]:
        if info is None:
            gr.Warning("Drop a PNG with generation parameters first.")
            return (gr.skip(),) * 9
        models = state.registry.names("image")
        if info.model and info.model not in models:
            gr.Warning(f"The model '{info.model}' is not here; the other settings were filled in.")
        target = info.model if info.model in models else current_model
        names = services.image_defaults(target)[2] if target else [DEFAULT_SCHEDULER]
        sched = info.sampler if info.sampler in names else DEFAULT_SCHEDULER
        value = lambda v: gr.update(value=v) if v else gr.skip()
        return (gr.update(value=info.model) if info.model in models else gr.skip(), info.prompt,
                info.negative_prompt, info.seed, value(info.steps), gr.update(value=info.cfg_scale),
                value(info.width), value(info.height), gr.update(choices=names, value=sched))

    @ui_handler
    def unload(model_name: str) -> str:
        done = services.unload(model_name, "image")
        return f"{model_name} was unloaded; its memory is free." if done else f"{model_name} is not loaded."

    form = [model, prompt, negative, seed, steps, guidance, width, height, count, scheduler]
    model.change(show_plan, model, plan_md, queue=False)
    model.input(family_defaults, model, [steps, guidance, width, height, scheduler], queue=False)
    gen_inputs = [*form, items, seeds]
    gen_outputs = [gallery, progress, seed_info, items, seeds]
    for trigger in (generate_btn.click, prompt.submit):
        trigger(generate, gen_inputs, gen_outputs, concurrency_limit=None)
        trigger(lambda: None, None, picked, queue=False)  # a new run: "Reuse seed" takes its first image again
    cancel_btn.click(cancel, None, progress, queue=False)
    gallery.select(on_select, seeds, [picked, seed_info], queue=False)
    reuse_btn.click(reuse, [picked, seeds], seed, queue=False)
    random_btn.click(lambda: -1, None, seed, queue=False)
    png_file.change(read_png, png_file, [png_text, png_info], queue=False)
    send_btn.click(send, [png_info, model], [model, prompt, negative, seed, steps, guidance, width, height, scheduler],
                   queue=False)
    unload_btn.click(unload, model, plan_md)

    def fill_from_png(path: str | None, current_model: str) -> tuple[Any, ...]:
        return send(read_png_info(path).info if path else None, current_model)

    return ImageFormHooks(fill_from_png, [model], [model, prompt, negative, seed, steps, guidance, width, height,
                                                 scheduler])
