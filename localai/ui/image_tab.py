"""The Image tab, laid out like Midjourney: the prompt bar on top (Enter or Generate draws; the button is
Cancel while it draws), aspect-ratio presets and the model under it, the advanced settings collapsed,
then the session's images as a grid, newest first. Each image can be enlarged (the grid's preview),
downloaded, its settings put back into the form, varied, upscaled or edited (``image_actions.py``, the editor in
``image_edit_panel.py``); LoRAs are picked in the advanced settings (``image_lora.py``). Every drawing goes through
one runner (``image_runner.py``). A model on a remote server is listed as "name · server" and draws the same way
(saved the same way), with the server's own sampler and no step progress."""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr

from ..image_request import DEFAULT_SCHEDULER, ImageRequest
from ..messages import render
from ..state import AppState
from .common import owner_of, page_image, ui_handler, user_of
from .image_actions import (ACTIONS_CSS, BUTTONS, EDIT, GridActions, build_action_row, build_action_tools, chosen_index,
                            label_updates)
from .image_aspect import ASPECTS, aspect_of, aspect_size
from .image_edit_panel import NAMES_JS, EditActions, build_edit_panel, choice_strength, edit_choices, mask_layer
from .image_lora import LORA_CSS, build_lora_picker, wire_lora_picker
from .image_reuse import form_updates, png_parameters, saved_info
from .image_runner import ImageRunner
from .image_settings import build_image_settings, family_updates
from .image_style import TAB_CSS as STYLE_CSS
from .image_style import TAB_JS as STYLE_JS
from .translator import Translator, plan_summary

log = logging.getLogger(__name__)

FIRST_ASPECT = "1:1"
TAB_CSS = STYLE_CSS + ACTIONS_CSS + LORA_CSS  # gathered into the page by localai.ui
TAB_JS = STYLE_JS + NAMES_JS
SHOW_EDITOR_JS = "() => document.querySelector('#image-edit')?.scrollIntoView({block: 'start'})"


@dataclass(frozen=True)
class ImageFormHooks:
    """What the Gallery view needs to send a saved image's settings back to this form, and to vary, upscale or
    edit it here."""

    fill_from_png: Callable[..., tuple[Any, ...]]  # (png path, current model, request=None) -> form updates
    inputs: list[Any]  # extra inputs after the path: the current model
    outputs: list[Any]
    act_on_png: Callable[[Any, str, Any], Any]  # (a Gallery event, a button of image_actions.BUTTONS, the PNG path's
    # component) -> the action chained after that event, drawn in this tab
    prompt: Any = None  # the prompt box (the Chat tab's "Draw this" fills it)
    ask_button: Any = None  # "Ask in chat": the picked image into the Chat tab's message box
    picked_inputs: tuple[Any, ...] = ()  # (picked index, items, made): what grid_source reads


def model_choices(services: Any) -> list[tuple[str, str]]:
    """The image models as the picker lists them, (label, name): a remote one as "name · its servers"."""
    return [(f"{s.name} · {', '.join(s.servers)}" if s.source == "remote" and s.servers else s.name, s.name)
            for s in services.list_models("image")]


def build_image_tab(state: AppState, demo: Any) -> ImageFormHooks:
    services = state.services
    names = model_choices(services)
    first = services.default_model("image", wait=False)
    fam = services.image_defaults(first)[1] if first else None
    tr = Translator(state.settings.lang)
    lang = state.settings.lang or "en"
    runner = ImageRunner(services, tr, state.settings.outputs_dir)
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
    with advanced.accordion:  # the LoRA row joins the advanced settings, at their end
        lora = build_lora_picker(tr)
    negative, seed, steps, guidance = advanced.negative, advanced.seed, advanced.steps, advanced.guidance
    width, height, count, scheduler = advanced.width, advanced.height, advanced.count, advanced.scheduler
    edit = build_edit_panel(tr, lang)
    progress = gr.HTML("", elem_id="image-progress")
    # Shown in the enlarged view's toolbar next to Download: the image's actions, then Reuse settings.
    tools = build_action_tools(tr, lang)
    reuse_tool = gr.Button(tr(lang, "image.reuse_settings"), size="sm", elem_id="image-reuse-tool", render=False)
    gallery = gr.Gallery(label=tr.ui("image.gallery"), columns=4, fit_columns=False, height="auto", format="png",
                         elem_id="image-gallery", object_fit="contain",
                         buttons=["download", "fullscreen", *tools.values(), reuse_tool], preview=False)
    with gr.Row(elem_id="image-actions"):
        seed_info = gr.Markdown("", elem_id="image-seed-info")
        row = build_action_row(tr)
        reuse_btn = gr.Button(tr.ui("image.reuse_settings"), size="sm", scale=0, min_width=120, elem_id="image-reuse-settings")
        reuse_seed_btn = gr.Button(tr.ui("image.reuse"), size="sm", scale=0, min_width=120, elem_id="image-reuse-seed")
        ask_btn = gr.Button(tr.ui("attach.ask_in_chat"), size="sm", scale=0, min_width=120, elem_id="image-ask-chat")
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
        yield from runner.run(model_name, req, shown_items, shown_made, request)

    def on_select(shown_made: list, evt: gr.SelectData, request: gr.Request) -> tuple[Any, Any]:
        if evt.index is None or not 0 <= evt.index < len(shown_made):
            return None, gr.skip()
        return evt.index, tr(request, "image.selected", seed=shown_made[evt.index]["seed"])

    def chosen_item(index: int | None, shown_made: list) -> dict | None:
        """The selected image, else the newest (None when the grid is empty)."""
        i = chosen_index(index, shown_made)
        return None if i is None else shown_made[i]

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

    def into_editor(index: int | None, shown_items: list, shown_made: list, request: gr.Request) -> tuple[Any, Any]:
        """The picked image (else the newest) into the editor, which opens."""
        i = chosen_index(index, shown_made)
        if i is None or i >= len(shown_items):
            tr.warning(request, tr(request, "edit.pick_first"))
            return gr.skip(), gr.skip()
        return EditActions.load(shown_items[i][0])

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
    run_outputs = [gallery, progress, seed_info, items, made, generate_btn, cancel_btn, picked]
    buttons = [generate_btn, cancel_btn]

    def draws(event: Any, fn: Callable[..., Any], inputs: list[Any]) -> Any:
        """``fn`` (a generator of the runner's updates) run after ``event``; then Generate is back."""
        return event(fn, inputs, run_outputs, concurrency_limit=None).then(runner.finished, None, buttons, queue=False)

    for trigger in (generate_btn.click, prompt.submit):  # its first update turns Generate into Cancel
        draws(trigger, generate, gen_inputs)
    cancel_btn.click(runner.cancel, None, None, queue=False)
    actions = GridActions(services, tr, runner)
    editing = EditActions(tr, runner)
    action_form = [model, prompt, count, items, made]
    for kind in BUTTONS:
        for button in (tools[kind], row[kind]):
            if kind == EDIT:
                button.click(into_editor, [picked, items, made], [edit.editor, edit.accordion]).then(
                    None, js=SHOW_EDITOR_JS)  # queued: its warning needs the queue
            else:
                draws(button.click, actions.on_grid(kind), [picked, *action_form])
    edit.choice.input(choice_strength, edit.choice, edit.strength, queue=False)
    draws(edit.draw_btn.click, editing.draw, [edit.editor, edit.choice, edit.strength, model, prompt, negative, seed,
                                              steps, guidance, count, scheduler, items, made])
    wire_lora_picker(lora, services, tr, demo, model, prompt)
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

    def page_texts(request: gr.Request) -> tuple[Any, ...]:
        """Texts that take no page translation, set in the page's language: the grid toolbar's own buttons (plain
        text), the editor's choices and its layer's name."""
        return (*label_updates(tr, request), gr.update(value=tr(request, "image.reuse_settings")),
                gr.update(choices=edit_choices(tr, request)), gr.update(layers=mask_layer(tr, request)))

    demo.load(page_texts, None, [*(tools[kind] for kind in BUTTONS), reuse_tool, edit.choice, edit.editor],
              queue=False)

    def fill_from_png(path: str | None, current_model: str, request: Any = None) -> tuple[Any, ...]:
        return form_updates(services, tr, saved_info(path, None), current_model, request)

    def png_into_editor(path: str | None) -> tuple[Any, Any]:
        return EditActions.load(page_image(path)) if path else (gr.skip(), gr.skip())

    def act_on_png(event: Any, kind: str, path: Any) -> Any:
        if kind == EDIT:
            return event.then(png_into_editor, path, [edit.editor, edit.accordion]).then(None, js=SHOW_EDITOR_JS)
        return draws(event.then, actions.on_saved(kind), [path, *action_form])

    return ImageFormHooks(fill_from_png, [model], filled, act_on_png, prompt, ask_btn, (picked, items, made))
