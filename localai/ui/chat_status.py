"""The chat header's status line: the model and how it runs in one short line, the full load plan on click.

The short line is what a person glances at ("tiny-llama · cpu · int8 · 47.0 tokens/s"); the plan's
reason (why this precision, how much memory) sits in a ``<details>`` under it, opened with a click.
"""

from __future__ import annotations

import html
from typing import Any

from ..backends.base import ChatResult
from ..messages import render, text


def _details(summary: str, body: str) -> str:
    return f"<details class='chat-plan'><summary>{html.escape(summary)}</summary>\n\n{body}\n\n</details>"


def plan_details(plan: Any, lang: str) -> str:
    """The load plan's reason, folded: shown when the person clicks its summary."""
    if plan is None:
        return ""
    return _details(text(lang, "chat.plan_why"), render(plan.reason, lang))


def status_line(result: ChatResult, notice: str = "", lang: str = "en", note: str = "") -> str:
    """After an answer: the model, how it is loaded, its speed (and whether it was stopped), a warning and a
    ``note`` (where an edited branch came from) when there are any, then the plan."""
    plan = result.plan
    parts = [f"**{result.model}**"]
    if plan is not None:
        parts.append(render(plan.describe(), lang))
    speed = text(lang, "chat.speed", tokens=result.completion_tokens, speed=f"{result.tokens_per_second:.1f}")
    if result.finish_reason == "cancelled":
        speed += text(lang, "chat.stopped")
    elif result.finish_reason == "length":
        speed += text(lang, "chat.length")
    parts.append(speed)
    line = " · ".join(parts)
    if notice:
        line += f"  \n⚠️ {notice}"
    if note:
        line += f"  \n{note}"
    return line + plan_details(plan, lang)


def model_line(services: Any, model_name: str | None, lang: str) -> str:
    """Before an answer: whether the picked model is loaded or how it will load, and the plan on click."""
    if not model_name:
        return ""
    try:
        info = services.model_info(model_name, "text")
    except Exception as exc:  # noqa: BLE001 - an unknown model: the line says what is wrong
        return f"⚠️ {render(exc, lang)}"
    if info.problem:
        return f"⚠️ {render(info.problem, lang)}"
    if info.spec.source == "remote":  # nothing loads here: where it runs, and why no memory is used
        return f"**{info.spec.name}** · {render(info.plan.describe(), lang)}" + plan_details(info.plan, lang)
    verb = text(lang, "chat.model_ready" if info.loaded else "chat.model_will_load")
    return f"**{info.spec.name}** · {verb} · {render(info.plan.describe(), lang)}" + plan_details(info.plan, lang)
