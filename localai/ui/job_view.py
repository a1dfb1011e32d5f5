"""How a tab shows a job it started, and how its Stop button finds that job again.

``JobView.follow(job)`` yields the job's typed events for the tab to show; notices also pop up as
warnings, and an error ends the stream as ``Failed`` instead of raising, so the tab can still put it
in its status line before raising ``failed.page_error()`` (a plain ``gr.Error``, never a traceback).
``JobView.line(event)`` is the status line for the events every job has (waiting in line, a status,
writing, stopping, cancelled before it started, failed), in the page's language.

``TabJobs`` remembers the jobs a tab started, per browser session, so that the tab's Stop cancels
those and nothing else (not the same session's image, not a model load).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Union

from ..jobs import CancelledBeforeStart, Generating, Job, JobEvent, Notice, Queued, Status, Stopping
from ..messages import Message, render
from .common import user_error
from .translator import Translator


def message_text(message: Message, lang: str) -> str:
    """A status line or notice from the core, in ``lang``: the one place the page renders them."""
    return render(message, lang)


@dataclass(frozen=True)
class JobTexts:
    """The catalog keys of one tab's lines for the events every job has."""

    queued: str = "common.queued"  # takes {position}
    generating: str | None = None  # None (for each of these): the line before it stays
    stopping: str | None = None
    cancelled_before_start: str | None = None


@dataclass(frozen=True)
class Failed:
    """The job raised ``error`` (a ``UserError``): the last item ``JobView.follow`` yields."""

    error: BaseException
    lang: str

    def page_error(self) -> Exception:
        """The ``gr.Error`` to raise for it: its message and hint in the page's language."""
        return user_error(self.error, self.lang)


Shown = Union[JobEvent, Failed]


class JobView:
    """One job as one tab shows it, in the language of the request that started it."""

    def __init__(self, tr: Translator, lang: str, texts: JobTexts) -> None:
        self.tr = tr
        self.lang = lang
        self.texts = texts

    def follow(self, job: Job) -> Iterator[Shown]:
        """The job's events; a ``Notice`` also pops up as a warning; an error ends it as ``Failed``."""
        try:
            for event in job.events():
                if isinstance(event, Notice):
                    self.tr.warning(self.lang, self.message(event.message))
                yield event
        except Exception as exc:  # noqa: BLE001 - the job's error, for the tab to show, then raise
            yield Failed(exc, self.lang)

    def message(self, message: Message) -> str:
        return message_text(message, self.lang)

    def line(self, shown: Shown) -> str | None:
        """The status line for an event every job has; None for the tab's own events (text, steps,
        images, the result) and for the events this tab has no line for."""
        tr, lang, texts = self.tr, self.lang, self.texts
        if isinstance(shown, Queued):
            return tr(lang, texts.queued, position=shown.position)
        if isinstance(shown, Status):
            return self.message(shown.message)
        optional = {Generating: texts.generating, Stopping: texts.stopping,
                    CancelledBeforeStart: texts.cancelled_before_start}
        if type(shown) in optional:
            key = optional[type(shown)]
            return tr(lang, key) if key else None
        if isinstance(shown, Failed):
            return f"⚠️ {render(shown.error, lang)}"
        return None


class TabJobs:
    """The jobs one tab has running, per browser session (``owner``)."""

    def __init__(self, services: Any) -> None:
        self._services = services
        self._jobs: dict[str, list[str]] = {}  # owner -> ids of the jobs this tab started for them
        self._lock = threading.Lock()

    @contextmanager
    def running(self, owner: str, job: Job) -> Iterator[Job]:
        """Remember ``job`` while the ``with`` block follows it."""
        with self._lock:
            self._jobs.setdefault(owner, []).append(job.id)
        try:
            yield job
        finally:
            with self._lock:
                ids = self._jobs.get(owner, [])
                if job.id in ids:
                    ids.remove(job.id)
                if not ids:
                    self._jobs.pop(owner, None)

    def stop(self, owner: str) -> int:
        """Cancel the jobs this tab started for ``owner``; how many were still running or waiting."""
        with self._lock:
            ids = list(self._jobs.get(owner, []))
        return sum(self._services.cancel(job_id, owner) for job_id in ids)

    def has_jobs(self, owner: str) -> bool:
        """Whether a job this tab started for ``owner`` is still running or waiting."""
        with self._lock:
            return bool(self._jobs.get(owner))
