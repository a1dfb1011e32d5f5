"""The Gallery tab: the user's saved images by date; a click enlarges one (with Download) and shows its
parameters; reuse them in the Image tab, vary, upscale or edit the image there, or delete it."""

from typing import Any

import gradio as gr

from ..state import AppState
from .common import page_image, ui_handler, user_of
from .image_actions import ACTIONS, EDIT
from .image_tab import ImageFormHooks
from .translator import Translator

ALL_DAYS = "All dates"
SHOWN = 200  # newest images shown at once

TAB_CSS = """
#gallery-images { max-width: 100%; }
@media (max-width: 640px) {
  #gallery-images .grid-container { grid-template-columns: repeat(2, minmax(0, 1fr)); }
}
"""


def build_gallery_tab(state: AppState, image_form: ImageFormHooks, tabs: Any, tab: Any) -> None:
    """Built inside ``tab``; the list is read when the tab is opened and on Refresh."""
    services = state.services
    tr = Translator(state.settings.lang)
    with gr.Row():
        day = gr.Dropdown([ALL_DAYS], value=ALL_DAYS, label=tr.ui("gallery.day"), scale=3, elem_id="gallery-day")
        refresh_btn = gr.Button(tr.ui("models.refresh"), size="sm", scale=1, elem_id="gallery-refresh")
    with gr.Row():
        with gr.Column(scale=3):
            pictures = gr.Gallery(label=tr.ui("gallery.images"), columns=4, fit_columns=False, height=560,
                                  elem_id="gallery-images", object_fit="contain", preview=False,
                                  buttons=["download", "fullscreen"])  # a click enlarges; Download saves the PNG
        with gr.Column(scale=2, min_width=260):
            params = gr.Textbox(label=tr.ui("image.png_parameters"), lines=8, interactive=False, buttons=["copy"],
                                elem_id="gallery-params")
            reuse_btn = gr.Button(tr.ui("gallery.reuse"), elem_id="gallery-reuse")
            with gr.Row(elem_id="gallery-actions"):  # each switches to the Image tab and draws there
                acts = {kind: gr.Button(tr.ui(action.label_key), size="sm", min_width=110,
                                        elem_id=f"gallery-{kind.replace('_', '-')}")
                        for kind, action in ACTIONS.items()}
                acts[EDIT] = gr.Button(tr.ui("edit.in_image_tab"), size="sm", min_width=110, elem_id="gallery-edit")
            delete_btn = gr.Button(tr.ui("gallery.delete"), variant="stop", elem_id="gallery-delete")
            with gr.Row(visible=False) as confirm_row:
                confirm_btn = gr.Button(tr.ui("hist.confirm"), variant="stop", size="sm",
                                        elem_id="gallery-confirm-delete")
                keep_btn = gr.Button(tr.ui("hist.keep"), size="sm", elem_id="gallery-keep")
    paths = gr.State([])  # the file of each shown image
    chosen = gr.State(None)  # the selected image's file

    def show(day_value: str, request: gr.Request) -> tuple[Any, ...]:
        user, lang = user_of(request), tr.lang(request)
        everything = services.saved_images(user)
        days = [ALL_DAYS] + sorted({s.day for s in everything}, reverse=True)
        picked = day_value if day_value in days else ALL_DAYS
        shown = [s for s in everything if picked == ALL_DAYS or s.day == picked][:SHOWN]
        items = [(page_image(s.path),
                  tr(lang, "gallery.caption", day=s.day, seed=s.meta.info.seed) if s.meta.info else s.day)
                 for s in shown]
        empty = "" if shown else tr(lang, "gallery.empty")
        choices = [(tr(lang, "gallery.all_days") if d == ALL_DAYS else d, d) for d in days]
        return (gr.Dropdown(choices=choices, value=picked), items, [str(s.path) for s in shown], None, empty,
                gr.Row(visible=False))

    def select(shown_paths: list[str], evt: gr.SelectData, request: gr.Request) -> tuple[Any, Any]:
        if evt.index is None or evt.index >= len(shown_paths):
            return None, ""
        from ..gallery import read_png_info  # noqa: PLC0415

        path = shown_paths[evt.index]
        meta = read_png_info(path)
        text = meta.parameters or tr(request, "gallery.no_parameters")
        plan = meta.localai.get("plan") or {}
        if plan:
            text += (f"\n\n{tr(request, 'gallery.model')}: {meta.localai.get('model', '?')} · {plan.get('device')} "
                     f"{plan.get('dtype')}")
        return path, text

    def ask_delete(path: str | None, request: gr.Request) -> Any:
        if not path:
            tr.warning(request, tr(request, "gallery.select_first"))
            return gr.skip()
        return gr.Row(visible=True)

    @ui_handler
    def delete(path: str | None, day_value: str, request: gr.Request) -> tuple[Any, ...]:
        if path:
            services.delete_saved_image(user_of(request), path)
            tr.info(request, tr(request, "gallery.deleted"))
        return show(day_value, request)

    @ui_handler
    def reuse(path: str | None, current_model: str, request: gr.Request) -> tuple[Any, ...]:
        if not path:
            raise gr.Error(tr(request, "gallery.select_first"))
        return (*image_form.fill_from_png(path, current_model, request), gr.Tabs(selected="image"))

    def to_image_tab(path: str | None, request: gr.Request) -> Any:
        if not path:
            tr.warning(request, tr(request, "gallery.select_first"))
            return gr.skip()
        return gr.Tabs(selected="image")

    listing = [day, pictures, paths, chosen, params, confirm_row]
    day.input(show, day, listing, queue=False)
    refresh_btn.click(show, day, listing, queue=False)
    pictures.select(select, paths, [chosen, params], queue=False)
    delete_btn.click(ask_delete, chosen, confirm_row, queue=False)
    keep_btn.click(lambda: gr.Row(visible=False), None, confirm_row, queue=False)
    confirm_btn.click(delete, [chosen, day], listing)
    reuse_btn.click(reuse, [chosen, *image_form.inputs], [*image_form.outputs, tabs])
    for kind, button in acts.items():  # queued: the warning needs the queue
        image_form.act_on_png(button.click(to_image_tab, chosen, tabs), kind, chosen)
    tab.select(show, day, listing, queue=False)
