"""build_ui(state) -> gr.Blocks: one builder per tab; page_css() / page_head(): the page's style and scripts.
(gradio is imported only when serving.)"""

from typing import Any

import gradio as gr

from ..state import AppState
from .theme import APPLY_THEME_JS, THEME_CSS, THEME_HEAD_JS, TOGGLE_THEME_JS, page_theme
from .translator import TOAST_TITLES_CSS, Translator

__all__ = ["build_ui", "page_css", "page_head", "page_theme"]

CSS = """
#chat-status { min-height: 2.5em; font-size: 0.9em; }
footer { display: none !important; }
""" + TOAST_TITLES_CSS + THEME_CSS


# Two fixes of Gradio 6.31's markup for screen readers and keyboards (axe: aria-prohibited-attr and
# scrollable-region-focusable): its empty-value placeholders (an empty gallery, image or file) carry aria-label on
# a plain <div>: they get the role of the icon they show; a block that scrolls (a wide table on a phone) gets
# tabindex=0 so the keyboard can scroll it. Checked a moment after the page changes, not on every change.
A11Y_HEAD_JS = """
(() => {
  let pending = null;
  const fix = () => {
    pending = null;
    for (const el of document.querySelectorAll('div.empty[aria-label]:not([role])')) el.setAttribute('role', 'img');
    for (const el of document.querySelectorAll('.block:not([tabindex])')) {
      const style = getComputedStyle(el);
      const scrolls = (el.scrollWidth > el.clientWidth + 1 && /auto|scroll/.test(style.overflowX)) ||
                      (el.scrollHeight > el.clientHeight + 1 && /auto|scroll/.test(style.overflowY));
      if (scrolls) el.setAttribute('tabindex', '0');
    }
  };
  new MutationObserver(() => { pending = pending || setTimeout(fix, 250); })
    .observe(document.documentElement, {subtree: true, childList: true, attributes: true, attributeFilter: ['style', 'class']});
})();
"""


def page_css() -> str:
    """The page's style: the shell's, then each tab module's ``TAB_CSS`` (a constant, where it has one)."""
    return "\n".join([CSS, *(getattr(module, "TAB_CSS", "") for module in _tab_modules())])


def page_head() -> str:
    """Scripts for the page's <head>: the shell's, then each tab module's ``TAB_JS`` (a constant), each in its own
    <script>."""
    scripts = [THEME_HEAD_JS, A11Y_HEAD_JS, *(getattr(module, "TAB_JS", "") for module in _tab_modules())]
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
    from .tab_links import wire_tab_links  # noqa: PLC0415

    with gr.Blocks(title="LocalAI", analytics_enabled=False) as demo:
        tr = Translator(state.settings.lang)  # static texts: the browser translates them (gr.I18n)
        with gr.Row(elem_id="page-header"):
            gr.Markdown(tr.ui("app.heading"), elem_id="page-title")
            theme_btn = gr.Button(tr.ui("app.theme"), size="sm", scale=0, elem_id="theme-toggle")
        with gr.Tabs() as tabs:
            with gr.Tab(tr.ui("tab.chat"), id="chat"):
                chat_hooks = build_chat_tab(state, demo)
            with gr.Tab(tr.ui("tab.image"), id="image"):
                image_form = build_image_tab(state, demo)
            with gr.Tab(tr.ui("tab.gallery"), id="gallery") as gallery_tab:
                build_gallery_tab(state, image_form, tabs, gallery_tab)
            with gr.Tab(tr.ui("tab.models"), id="models"):
                build_models_tab(state, demo)
            with gr.Tab(tr.ui("tab.check"), id="check"):
                build_check_panel(state)
        wire_tab_links(chat_hooks, image_form, tabs, tr)  # "Ask in chat", "Draw this"

        def on_leave(request: gr.Request) -> None:
            state.services.cancel_all(owner_of(request))  # a closed tab cancels all of its jobs

        demo.unload(on_leave)
        # Light or dark: the system's, until the user picks one here (kept in the browser, see theme.py).
        theme_btn.click(None, js=TOGGLE_THEME_JS)
        demo.load(None, js=APPLY_THEME_JS)
    return demo
