"""The page's side of the catalogs: static component texts that the browser translates (``gr.I18n``),
texts made at run time in the request's language, and the pop-up titles.

- ``Translator.ui(key)``: a ``gr.I18n`` key; the browser shows it in its own language (``--lang`` fills
  both locales with one language).
- ``Translator(request, key, **values)``: a text in the request's language (``--lang``, else the browser's
  ``Accept-Language``).
- ``Translator.msg(request, message)``: a ``Message`` or ``UserError`` from the services, in that language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..messages import LANGS, catalog, language_of, normalize, render, text


@dataclass(frozen=True)
class Translator:
    """Bound to ``--lang`` (None: each request's browser language)."""

    forced: str | None = None

    def lang(self, request: Any) -> str:
        return language_of(request, self.forced)

    def _lang_of(self, who: Any) -> str:
        return who if isinstance(who, str) else self.lang(who)

    def __call__(self, who: Any, key: str, **values: Any) -> str:
        """``key`` in the language of ``who``: a gr.Request, or a language code."""
        return text(self._lang_of(who), key, **values)

    def ui(self, key: str) -> Any:
        """A static text of a component, translated by the browser (``gr.I18n``)."""
        if key not in catalog("en"):
            raise KeyError(key)
        from gradio.i18n import I18nData  # noqa: PLC0415

        return I18nData(key)

    def msg(self, who: Any, message: Any) -> str:
        """A ``Message`` or ``UserError`` from the services (or a plain string), in the language of ``who``."""
        return render(message, self._lang_of(who))

    def warning(self, who: Any, message: str) -> None:
        """``gr.Warning`` with its title in the language of ``who``."""
        import gradio as gr  # noqa: PLC0415

        gr.Warning(message, title=self(who, "common.warning"))

    def info(self, who: Any, message: str) -> None:
        import gradio as gr  # noqa: PLC0415

        gr.Info(message, title=self(who, "common.info"))


def plan_summary(plan: Any, lang: str) -> str:
    """A load plan as the page shows it: "cpu · fp32 · no quantization — <its reason>"."""
    return f"{render(plan.describe(), lang)} — {render(plan.reason, lang)}"


def gradio_translations(forced: str | None = None) -> dict[str, dict[str, str]]:
    """The ``gr.I18n`` tables: every catalog text, per language. With ``forced``, every locale shows that language."""
    tables = {lang: dict(catalog(lang)) for lang in LANGS}
    if forced:
        chosen = tables[normalize(forced)]
        tables = {lang: dict(chosen) for lang in LANGS}
    return tables


def gradio_i18n(forced: str | None = None) -> Any:
    import gradio as gr  # noqa: PLC0415

    return gr.I18n(**gradio_translations(forced))


# Gradio 6.31 titles its pop-ups with their kind in English ("Warning", "Error"), whatever title is
# passed; the page's <html lang> follows its locale, so CSS puts the Russian titles in their place.
TOAST_TITLES_CSS = "".join(
    f"html[lang^=ru] .toast-title.{kind} {{ font-size: 0; }}\n"
    f"html[lang^=ru] .toast-title.{kind}::before {{ content: '{title}'; font-size: var(--text-lg); }}\n"
    for kind, title in (("warning", "Внимание"), ("error", "Ошибка"), ("info", "Сообщение"), ("success", "Готово")))
