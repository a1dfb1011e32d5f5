"""The remote servers in ``python app.py --check``: each server of --remote and of the Models tab is
asked for its models once (a few seconds at most, all at once), and the check says which answer,
how fast and with which models; one that does not is a warning with its fix. Only the servers the
user added are contacted; with --no-remotes none is."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

from .config import Settings
from .doctor import Problem
from .messages import Message, text
from .remote_pool import ServerView

MODELS_SHOWN = 6


def check_remote_servers(settings: Settings, env: Mapping[str, str] | None = None) -> list[ServerView] | None:
    """Each configured server as a health check now finds it; None with --no-remotes."""
    from .state import build_remotes  # noqa: PLC0415

    if settings.no_remotes:
        return None
    remotes = build_remotes(settings, env)
    try:
        names = [view.name for view in remotes.views()]
        with ThreadPoolExecutor(max_workers=max(1, min(8, len(names)))) as pool:
            return list(pool.map(remotes.check, names))
    finally:
        remotes.stop()


def remote_rows(views: list[ServerView] | None, lang: str) -> list[tuple[str, str]]:
    """(label, value) rows for the check's facts: one per server, or one saying there are none / they are off."""
    label = text(lang, "check.remotes")
    if views is None:
        return [(label, text(lang, "check.remotes_off"))]
    if not views:
        return [(label, text(lang, "check.remotes_none"))]
    rows = []
    for view in views:
        if view.reachable:
            ids = [m.id if m.kind == "text" else text(lang, "conn.image_model", id=m.id) for m in view.models]
            shown = ", ".join(ids[:MODELS_SHOWN]) + (f", +{len(ids) - MODELS_SHOWN}" if len(ids) > MODELS_SHOWN else "")
            value = text(lang, "check.remote_up", url=view.url, ms=f"{view.latency_ms or 0:.0f}", count=len(ids),
                         models=shown or text(lang, "conn.no_models"))
        else:
            value = text(lang, "check.remote_down", url=view.url)
        rows.append((f"{label}: {view.name}", value))
    return rows


def remote_problems(views: list[ServerView] | None) -> list[Problem]:
    """A warning for each server that does not answer, with what to do (LocalAI starts without it)."""
    problems = []
    for view in views or ():
        if not view.reachable and view.problem is not None:
            what, *hint = view.problem.parts
            problems.append(Problem("warning", what, hint[0] if hint else Message("hint.remote.unreachable")))
    return problems
