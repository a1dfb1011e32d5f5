"""The page's theme: Gradio's default theme with colours that meet WCAG AA contrast (4.5:1 for text) in
light and in dark mode, and fonts served by the app itself (nothing is fetched from the internet).

Gradio's own defaults fail the check: white on its orange primary buttons is 2.8:1, white on its red
Stop buttons 3.8:1, and the grey help text under inputs 1.9:1. Dark or light follows the system (the
browser's ``prefers-color-scheme``) until the user picks one with the header's toggle (``THEME_JS``).
"""

from __future__ import annotations

from typing import Any

# ``window.localaiTheme(toggle)``, put in <head>: applies the user's choice, kept in the browser's
# localStorage ("system", or none: follow the system's setting); with ``toggle`` it switches first.
THEME_HEAD_JS = """
window.localaiTheme = (toggle) => {
  const key = 'localai-theme';
  const system = () => window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
  let chosen = localStorage.getItem(key) || 'system';
  if (toggle) {
    const next = document.body.classList.contains('dark') ? 'light' : 'dark';
    chosen = next === (system() ? 'dark' : 'light') ? 'system' : next;
    localStorage.setItem(key, chosen);
  }
  const dark = chosen === 'dark' || (chosen === 'system' && system());
  document.body.classList.toggle('dark', dark);
  const button = document.querySelector('#theme-toggle');
  if (button) button.setAttribute('aria-pressed', String(dark));
};
"""
APPLY_THEME_JS = "() => { window.localaiTheme(false); }"  # Blocks.load: after Gradio set the system's
TOGGLE_THEME_JS = "() => { window.localaiTheme(true); }"  # the header's button

# The header: the app's name and the toggle on one line, small on phones. The toggle shows an icon; its text
# stays for screen readers (font-size 0 hides it from the eye only).
THEME_CSS = """
#page-header { align-items: center; flex-wrap: nowrap; gap: 0.5rem; }
#page-title, #page-title .prose { margin: 0; padding: 0; }
#page-title h2 { margin: 0; font-size: 1.3rem; line-height: 1.3; }
#theme-toggle { flex: 0 0 auto; width: 2.5rem; min-width: 2.5rem; height: 2.5rem; padding: 0; font-size: 0; }
#theme-toggle::before { content: '\\25D0'; font-size: 1.25rem; line-height: 1; }
@media (max-width: 640px) {
  #page-title h2 { font-size: 1rem; }
}
"""


def page_theme() -> Any:
    """Gradio's default look with AA-contrast primary and stop buttons and help text."""
    import gradio as gr  # noqa: PLC0415

    theme = gr.themes.Default(primary_hue=gr.themes.colors.orange, neutral_hue=gr.themes.colors.zinc)
    return theme.set(
        # white on orange-700 is 5.2:1, on red-700 6.5:1 (orange-500 and red-500 fail)
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_dark="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        button_primary_background_fill_hover_dark="*primary_800",
        button_primary_border_color="*primary_700",
        button_primary_border_color_dark="*primary_700",
        button_primary_text_color="white",
        button_primary_text_color_dark="white",
        button_cancel_background_fill="#b91c1c",
        button_cancel_background_fill_dark="#b91c1c",
        button_cancel_background_fill_hover="#991b1b",
        button_cancel_background_fill_hover_dark="#991b1b",
        button_cancel_border_color="#b91c1c",
        button_cancel_border_color_dark="#b91c1c",
        button_cancel_text_color="white",
        button_cancel_text_color_dark="white",
        # help text under inputs: zinc-600 on white 7.6:1, zinc-400 on the dark background 7.9:1
        block_info_text_color="*neutral_600",
        block_info_text_color_dark="*neutral_400",
        body_text_color_subdued="*neutral_600",
        body_text_color_subdued_dark="*neutral_400",
        input_placeholder_color="*neutral_500",
        input_placeholder_color_dark="*neutral_400",
        link_text_color="*secondary_700",
        link_text_color_dark="*secondary_300",
    )
