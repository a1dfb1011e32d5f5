"""build_ui(state) -> gr.Blocks: one builder per tab; page_css() / page_head(): the page's style and scripts.
(gradio is imported only when serving.)"""

from typing import Any

import gradio as gr

from ..state import AppState
from .translator import TOAST_TITLES_CSS, Translator

CSS = """
#chat-status { min-height: 2.5em; font-size: 0.9em; }
footer { display: none !important; }
""" + TOAST_TITLES_CSS


def page_css() -> str:
    """The page's style: the shell's, then each tab module's ``TAB_CSS`` (a constant, where it has one)."""
    return "\n".join([CSS, *(getattr(module, "TAB_CSS", "") for module in _tab_modules())])


def page_head() -> str:
    """Scripts for the page's <head>: each tab module's ``TAB_JS`` (a constant), each in its own <script>."""
    scripts = [getattr(module, "TAB_JS", "") for module in _tab_modules()]
    return "".join(f"<script>{js}</script>" for js in scripts if js.strip())


def _tab_modules() -> list[Any]:
    from . import chat_tab, gallery_tab, image_tab, models_tab  # noqa: PLC0415

    return [chat_tab, image_tab, gallery_tab, models_tab]


def build_ui(state: AppState) -> Any:
    from .chat_tab import build_chat_tab  # noqa: PLC0415
    from .check_panel import build_check_panel  # noqa: PLC0415
    from .common import owner_of  # noqa: PLC0415
    from .gallery_tab import build_gallery_tab  # noqa: PLC0415
    from .image_tab import build_image_tab  # noqa: PLC0415
    from .models_tab import build_models_tab  # noqa: PLC0415

    with gr.Blocks(title="LocalAI", analytics_enabled=False) as demo:
        tr = Translator(state.settings.lang)  # static texts: the browser translates them (gr.I18n)
        gr.Markdown(tr.ui("app.heading"))
        with gr.Tabs() as tabs:
            with gr.Tab(tr.ui("tab.chat"), id="chat"):
                build_chat_tab(state, demo)
            with gr.Tab(tr.ui("tab.image"), id="image"):
                image_form = build_image_tab(state, demo)
            with gr.Tab(tr.ui("tab.gallery"), id="gallery") as gallery_tab:
                build_gallery_tab(state, image_form, tabs, gallery_tab)
            with gr.Tab(tr.ui("tab.models"), id="models"):
                build_models_tab(state, demo)
            with gr.Tab(tr.ui("tab.check"), id="check"):
                build_check_panel(state)

        def on_leave(request: gr.Request) -> None:
            state.services.cancel_all(owner_of(request))  # a closed tab cancels all of its jobs

        demo.unload(on_leave)
    return demo
