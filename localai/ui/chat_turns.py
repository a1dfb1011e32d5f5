"""The Chat tab's turns: send, regenerate (the Chatbot's retry), edit a sent message and answer again (the
Chatbot's edit), undo the last exchange (the Chatbot's undo), stop.

Each turn is checked before anything is stored (a refused request changes nothing), streams the answer
into the page and stores every completed message at once. Editing message k branches the conversation:
the conversation as it was stays in the history, the edit continues in a new one (see ``history.py``).
Handlers yield the outputs of ``ChatTurns.OUTPUTS``: the chatbot, the message box, the status line, the
open conversation, the conversation list, the Send and Stop faces of the one button.
"""

import logging
import time
from collections.abc import Iterator
from typing import Any

import gradio as gr

from ..backends.base import ChatResult
from ..backends.prompting import flatten_content
from ..jobs import CancelledBeforeStart, Done, Notice, TextDelta
from ..options import ChatOptions
from ..untrusted_input import without_lone_surrogates
from .chat_status import status_line
from .common import owner_of, ui_handler, user_error, user_of
from .history_panel import conversation_choices
from .job_view import Failed, JobTexts, JobView, TabJobs
from .translator import Translator

log = logging.getLogger(__name__)

UPDATE_EVERY_S = 0.04  # at most ~25 page updates a second while streaming
CHAT_TEXTS = JobTexts(cancelled_before_start="chat.stopped_before", stopping="chat.stopping", generating="chat.writing")


def buttons(writing: bool) -> tuple[Any, Any]:
    """The one button's two faces: Send while idle, Stop while an answer is written."""
    return gr.Button(visible=not writing), gr.Button(visible=writing)


def to_messages(history: list[dict], system: str, user_text: str) -> list[dict[str, str]]:
    msgs = [{"role": "system", "content": system.strip()}] if system.strip() else []
    for m in history:
        if m.get("role") in ("user", "assistant"):
            msgs.append({"role": m["role"], "content": flatten_content(m.get("content"))})
    msgs.append({"role": "user", "content": user_text})
    return msgs


def _index(value: Any) -> int:
    """A Chatbot event's message index (a tuple for a message made of several parts: its first number)."""
    return int(value[0] if isinstance(value, (list, tuple)) else value)


def _skips(count: int = 7) -> tuple[Any, ...]:
    return (gr.skip(),) * count


class ChatTurns:
    """The turn handlers of one Chat tab; ``jobs`` remembers each browser session's answer for its Stop."""

    def __init__(self, services: Any, tr: Translator) -> None:
        self.services = services
        self.store = services.conversations
        self.tr = tr
        self.jobs = TabJobs(services)

    # -- the one streaming turn every handler ends in ---------------------------------------------------
    def respond(self, history: list[dict], user_text: str, cid: str | None, search: str, store_user: bool,
                values: tuple, request: gr.Request, branch_at: int | None = None) -> Iterator[tuple[Any, ...]]:
        """Answer ``user_text`` after ``history``; ``branch_at``: the question replaces shown message
        ``branch_at`` of ``cid``, in a new conversation branched from it."""
        services, store, tr = self.services, self.store, self.tr
        model_name, system_text, temp, tp, tk, mnt, rep, sd = values
        # A lone surrogate (a browser can send one) is not text: the page could not even show it back.
        user_text, system_text = without_lone_surrogates(user_text), without_lone_surrogates(system_text or "")
        user, lang = user_of(request), tr.lang(request)
        options = ChatOptions(temperature=float(temp), top_p=float(tp), top_k=int(tk), max_new_tokens=int(mnt),
                              repetition_penalty=float(rep), seed=int(sd if sd is not None else -1))
        owner = owner_of(request)
        try:  # checks everything first: a bad request stores nothing
            job = services.chat(model_name, to_messages(history, system_text or "", user_text), options, owner=owner)
        except Exception as exc:
            raise user_error(exc, lang) from None
        note = ""
        try:
            if branch_at is not None and cid is not None:
                earlier = store.get(user, cid).title
                cid = store.branch(user, cid, branch_at, tr(lang, "hist.edited_title", title=earlier))
                note = tr(lang, "hist.branch_note", title=earlier, number=branch_at + 1)
            cid = store.start_turn(user, cid, model_name, system_text or "", options,
                                   user_text if store_user else None)
        except Exception as exc:
            services.cancel(job.id, owner)
            raise user_error(exc, lang) from None
        choices = gr.Radio(choices=conversation_choices(store, user, search, lang), value=cid)
        history = history + [{"role": "user", "content": user_text}, {"role": "assistant", "content": ""}]
        view = JobView(tr, lang, CHAT_TEXTS)
        answer, notice, last, skip = "", "", 0.0, gr.skip()
        with self.jobs.running(owner, job):
            yield history, "", tr(lang, "common.waiting_model"), cid, choices, *buttons(True)
            for shown in view.follow(job):
                if isinstance(shown, TextDelta):
                    answer += shown.text
                    if time.monotonic() - last >= UPDATE_EVERY_S:
                        last = time.monotonic()
                        history[-1] = {"role": "assistant", "content": answer}
                        yield history, skip, skip, skip, skip, skip, skip
                elif isinstance(shown, Notice):
                    notice = view.message(shown.message)
                elif isinstance(shown, Done):
                    result: ChatResult = shown.result
                    history[-1] = {"role": "assistant", "content": answer}
                    try:
                        store.save_answer(user, cid, answer, result)  # a stopped answer is kept as it stood
                    except Exception as exc:
                        raise user_error(exc, lang) from None
                    yield history, skip, status_line(result, notice, lang, note), skip, skip, *buttons(False)
                elif (line := view.line(shown)) is not None:
                    history[-1] = {"role": "assistant", "content": answer}  # "Stopping...": as it stands
                    ended = isinstance(shown, (CancelledBeforeStart, Failed))
                    shown_history = history[:-1] if ended and not answer else history  # keeps the question
                    yield shown_history, skip, line, skip, skip, *(buttons(False) if ended else (skip, skip))
                if isinstance(shown, Failed):
                    if answer:  # e.g. a remote server that stopped part way: the answer so far is kept
                        self._keep_partial(user, cid, answer, model_name, options)
                    raise shown.page_error() from None

    def _keep_partial(self, user: str, cid: str, answer: str, model_name: str, options: ChatOptions) -> None:
        """Store the part of an answer written before its job failed (the error is shown beside it)."""
        partial = ChatResult(answer, 0, 0, 0.0, 0.0, "error", 0, options.seed, None, model_name)
        try:
            self.store.save_answer(user, cid, answer, partial)
        except Exception:  # noqa: BLE001 - the job's own error is the one to show
            log.exception("could not keep a partial answer")

    # -- the handlers (Gradio passes the request only to named parameters: the values are spelled out) ----
    def send(self, user_text: str, history: list[dict], cid: str | None, search: str, model_name: str,
             system_text: str, temp: float, tp: float, tk: float, mnt: float, rep: float, sd: float,
             request: gr.Request) -> Iterator[Any]:
        if not (user_text or "").strip():
            self.tr.warning(request, self.tr(request, "chat.empty"))
            yield _skips()
            return
        values = (model_name, system_text, temp, tp, tk, mnt, rep, sd)
        yield from self.respond(history or [], user_text, cid, search, True, values, request)

    def regenerate(self, history: list[dict], cid: str | None, search: str, model_name: str, system_text: str,
                   temp: float, tp: float, tk: float, mnt: float, rep: float, sd: float,
                   request: gr.Request) -> Iterator[Any]:
        """The Chatbot's retry (on the last answer): the last question answered again, the old answer dropped."""
        history = list(history or [])
        while history and history[-1].get("role") != "user":
            history.pop()
        if not history:
            self.tr.warning(request, self.tr(request, "chat.nothing_to_regenerate"))
            yield _skips()
            return
        last_user = flatten_content(history.pop().get("content"))
        if cid is not None:
            self.store.forget_answer(user_of(request), cid)
        values = (model_name, system_text, temp, tp, tk, mnt, rep, sd)
        yield from self.respond(history, last_user, cid, search, cid is None, values, request)

    def edit(self, history: list[dict], cid: str | None, search: str, model_name: str, system_text: str,
             temp: float, tp: float, tk: float, mnt: float, rep: float, sd: float, evt: gr.EditData,
             request: gr.Request) -> Iterator[Any]:
        """A sent message edited on the page: answered again from there, in a branch (the earlier one is kept)."""
        index, new_text = _index(evt.index), flatten_content(evt.value)
        history = list(history or [])
        if not new_text.strip() or not 0 <= index < len(history):
            self.tr.warning(request, self.tr(request, "chat.empty"))
            yield self.restored(history, cid, request)
            return
        values = (model_name, system_text, temp, tp, tk, mnt, rep, sd)
        yield from self.respond(history[:index], new_text, cid, search, True, values, request, branch_at=index)

    def restored(self, history: list[dict], cid: str | None, request: gr.Request) -> tuple[Any, ...]:
        """The conversation as stored, for an edit that was refused (the page shows the edited text already)."""
        if cid is None:
            return history, *_skips(6)
        conv = self.store.get(user_of(request), cid)
        return shown_messages(conv), *_skips(6)

    @ui_handler
    def undo(self, history: list[dict], cid: str | None, search: str, evt: gr.UndoData,
             request: gr.Request) -> tuple[Any, ...]:
        """The Chatbot's undo: the last question and its answer are deleted, from the history too; the question
        goes back into the message box."""
        index = _index(evt.index)
        user = user_of(request)
        if cid is not None:
            self.store.delete_from(user, cid, index)
        choices = gr.Radio(choices=conversation_choices(self.store, user, search, self.tr.lang(request)), value=cid)
        return list(history or [])[:index], flatten_content(evt.value), "", choices

    def stop(self, request: gr.Request) -> None:
        # This tab's chat only. No output here: "Stopping..." and then the final status come through
        # the answer's own stream, in order (a reply from this handler could land after the final status).
        self.jobs.stop(owner_of(request))


def shown_messages(conv: Any) -> list[dict[str, str]]:
    """A stored conversation as the Chatbot shows it: its user and assistant messages."""
    return [{"role": m["role"], "content": m["content"]} for m in conv.messages if m["role"] in ("user", "assistant")]
