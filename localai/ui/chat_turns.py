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
from ..chat_documents import DocumentsRef
from ..jobs import CancelledBeforeStart, Done, Notice, TextDelta
from ..options import ChatOptions
from ..untrusted_input import without_lone_surrogates
from .chat_attachments import (
    box_value, is_shown_only, picture_message, picture_paths, read_files, sources_message, stored_index,
)
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


def to_messages(history: list[dict], system: str, user_text: str,
                pictures: list[bytes] | None = None) -> list[dict[str, Any]]:
    """The conversation as the model reads it: the pictures shown before a question go with it (``images``), the
    answers' sources are left out (they are the page's)."""
    msgs: list[dict[str, Any]] = [{"role": "system", "content": system.strip()}] if system.strip() else []
    waiting: list[bytes] = []  # pictures shown before the next question
    for m in history:
        if (m.get("metadata") or {}).get("title") or m.get("role") not in ("user", "assistant"):
            continue
        if m.get("role") == "user" and picture_paths(m):
            waiting += [_read(path) for path in picture_paths(m)]
            continue
        msgs.append({"role": m["role"], "content": flatten_content(m.get("content"))})
        if m["role"] == "user" and waiting:
            msgs[-1]["images"], waiting = waiting, []
    msgs.append({"role": "user", "content": user_text})
    if waiting or pictures:
        msgs[-1]["images"] = waiting + list(pictures or [])
    return msgs


def _read(path: str) -> bytes:
    from pathlib import Path  # noqa: PLC0415

    return Path(path).read_bytes()


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
                values: tuple, request: gr.Request, branch_at: int | None = None,
                files: tuple[list[tuple[str, bytes]], list[bytes]] = ([], [])) -> Iterator[tuple[Any, ...]]:
        """Answer ``user_text`` after ``history``; ``branch_at``: the question replaces shown message
        ``branch_at`` of ``cid``, in a new conversation branched from it. ``files``: the documents (name, bytes)
        and pictures sent with the question: the documents are kept with the conversation, the pictures go to
        the model with the question."""
        services, store, tr = self.services, self.store, self.tr
        model_name, system_text, temp, tp, tk, mnt, rep, sd = values
        # A lone surrogate (a browser can send one) is not text: the page could not even show it back.
        user_text, system_text = without_lone_surrogates(user_text), without_lone_surrogates(system_text or "")
        user, lang = user_of(request), tr.lang(request)
        options = ChatOptions(temperature=float(temp), top_p=float(tp), top_k=int(tk), max_new_tokens=int(mnt),
                              repetition_penalty=float(rep), seed=int(sd if sd is not None else -1))
        owner = owner_of(request)
        documents, pictures = files
        try:  # checks everything first: a bad request stores nothing
            read = services.read_documents(user, cid, documents) if documents else []
            cid, added = self._attach(user, cid, read, model_name, system_text or "", options)
        except Exception as exc:
            raise user_error(exc, lang) from None
        try:
            job = services.chat(model_name, to_messages(history, system_text or "", user_text, pictures), options,
                                owner=owner, documents=DocumentsRef(user, cid) if cid else None)
        except Exception as exc:
            self._detach(user, cid, added)
            raise user_error(exc, lang) from None
        note = ""
        try:
            if branch_at is not None and cid is not None:
                earlier = store.get(user, cid).title
                cid = store.branch(user, cid, branch_at, tr(lang, "hist.edited_title", title=earlier))
                note = tr(lang, "hist.branch_note", title=earlier, number=branch_at + 1)
            meta = {"images": services.save_chat_pictures(user, pictures)} if pictures else None
            cid = store.start_turn(user, cid, model_name, system_text or "", options,
                                   user_text if store_user else None, meta)
        except Exception as exc:
            services.cancel(job.id, owner)
            raise user_error(exc, lang) from None
        choices = gr.Radio(choices=conversation_choices(store, user, search, lang), value=cid)
        shown_pictures = [picture_message(p) for p in self._picture_paths(user, meta)] if store_user else []
        history = history + shown_pictures + [{"role": "user", "content": user_text},
                                              {"role": "assistant", "content": ""}]
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
                    if result.sources and answer:
                        history.append(sources_message(result.sources, lang))
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

    def _attach(self, user: str, cid: str | None, read: list[Any], model_name: str, system_text: str,
                options: ChatOptions) -> tuple[str | None, tuple[list[str], bool]]:
        """Keep documents read for this turn with the conversation (made now when there is none yet); returns the
        conversation and what to take back should the turn be refused (new document ids, a new conversation)."""
        if not read:
            return cid, ([], False)
        made = cid is None
        if cid is None:
            cid = self.store.start_turn(user, None, model_name, system_text, options, None)
        before = {d.id for d in self.services.list_documents(user, cid)}
        added = [d.id for d in self.services.attach_documents(user, cid, read) if d.id not in before]
        return cid, (added, made)

    def _detach(self, user: str, cid: str | None, added: tuple[list[str], bool]) -> None:
        """A refused turn changes nothing: the documents it attached (and the conversation it made) go again."""
        ids, made = added
        if cid is None or not (ids or made):
            return
        if made:
            self.store.delete(user, cid)
        else:
            for document_id in ids:
                self.services.remove_document(user, document_id)

    def _picture_paths(self, user: str, meta: dict | None) -> list[Any]:
        found = [self.services.chat_picture(user, name) for name in (meta or {}).get("images", [])]
        return [p for p in found if p is not None]

    def _keep_partial(self, user: str, cid: str, answer: str, model_name: str, options: ChatOptions) -> None:
        """Store the part of an answer written before its job failed (the error is shown beside it)."""
        partial = ChatResult(answer, 0, 0, 0.0, 0.0, "error", 0, options.seed, None, model_name)
        try:
            self.store.save_answer(user, cid, answer, partial)
        except Exception:  # noqa: BLE001 - the job's own error is the one to show
            log.exception("could not keep a partial answer")

    # -- the handlers (Gradio passes the request only to named parameters: the values are spelled out) ----
    def send(self, box: Any, history: list[dict], cid: str | None, search: str, model_name: str,
             system_text: str, temp: float, tp: float, tk: float, mnt: float, rep: float, sd: float,
             request: gr.Request) -> Iterator[Any]:
        """The message box sent: its text, with the documents and pictures given to it."""
        user_text, paths = box_value(box)
        try:
            files = read_files(paths)
        except OSError as exc:  # an upload that went away before it was read
            raise user_error(exc, self.tr.lang(request)) from None
        values = (model_name, system_text, temp, tp, tk, mnt, rep, sd)
        if not user_text.strip():
            if files[0] and not files[1]:  # documents alone: kept with the conversation, to ask about next
                yield self.attach_only(files[0], history or [], cid, search, values, request)
                return
            self.tr.warning(request, self.tr(request, "attach.ask_about_picture" if files[1] else "chat.empty"))
            yield _skips()
            return
        yield from self.respond(history or [], user_text, cid, search, True, values, request, files=files)

    def attach_only(self, documents: list[tuple[str, bytes]], history: list[dict], cid: str | None, search: str,
                    values: tuple, request: gr.Request) -> tuple[Any, ...]:
        """Documents sent without a question: read, checked and kept with the conversation (made now if new)."""
        model_name, system_text, temp, tp, tk, mnt, rep, sd = values
        user, lang = user_of(request), self.tr.lang(request)
        options = ChatOptions(temperature=float(temp), top_p=float(tp), top_k=int(tk), max_new_tokens=int(mnt),
                              repetition_penalty=float(rep), seed=int(sd if sd is not None else -1))
        try:
            read = self.services.read_documents(user, cid, documents)
            cid, _ = self._attach(user, cid, read, model_name, without_lone_surrogates(system_text or ""), options)
        except Exception as exc:
            raise user_error(exc, lang) from None
        names = ", ".join(r.document.name for r in read)
        choices = gr.Radio(choices=conversation_choices(self.store, user, search, lang), value=cid)
        return history, "", self.tr(lang, "attach.attached", names=names), cid, choices, *buttons(False)

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
        if not new_text.strip() or not 0 <= index < len(history) or is_shown_only(history[index]):
            self.tr.warning(request, self.tr(request, "chat.empty"))
            yield self.restored(history, cid, request)
            return
        values = (model_name, system_text, temp, tp, tk, mnt, rep, sd)
        yield from self.respond(history[:index], new_text, cid, search, True, values, request,
                                branch_at=stored_index(history, index))

    def restored(self, history: list[dict], cid: str | None, request: gr.Request) -> tuple[Any, ...]:
        """The conversation as stored, for an edit that was refused (the page shows the edited text already)."""
        if cid is None:
            return history, *_skips(6)
        conv = self.store.get(user_of(request), cid)
        return shown_messages(conv, self.services.chat_picture, self.tr.lang(request)), *_skips(6)

    @ui_handler
    def undo(self, history: list[dict], cid: str | None, search: str, evt: gr.UndoData,
             request: gr.Request) -> tuple[Any, ...]:
        """The Chatbot's undo: the last question and its answer are deleted, from the history too; the question
        goes back into the message box."""
        history, index = list(history or []), _index(evt.index)
        while 0 < index <= len(history) and is_shown_only(history[index - 1]):  # its pictures go with it
            index -= 1
        user = user_of(request)
        if cid is not None:
            self.store.delete_from(user, cid, stored_index(history, index))
        choices = gr.Radio(choices=conversation_choices(self.store, user, search, self.tr.lang(request)), value=cid)
        return history[:index], flatten_content(evt.value), "", choices

    def stop(self, request: gr.Request) -> None:
        # This tab's chat only. No output here: "Stopping..." and then the final status come through
        # the answer's own stream, in order (a reply from this handler could land after the final status).
        self.jobs.stop(owner_of(request))


def shown_messages(conv: Any, pictures: Any = None, lang: str = "en") -> list[dict[str, Any]]:
    """A stored conversation as the Chatbot shows it: its user and assistant messages, the pictures sent with a
    question before it and an answer's sources under it (``pictures(user, name)``: where a kept picture is)."""
    shown: list[dict[str, Any]] = []
    for m in conv.messages:
        if m["role"] not in ("user", "assistant"):
            continue
        meta = m.get("meta") or {}
        if pictures is not None and m["role"] == "user":
            found = [pictures(conv.owner, name) for name in meta.get("images", [])]
            shown += [picture_message(path) for path in found if path is not None]
        shown.append({"role": m["role"], "content": m["content"]})
        if m["role"] == "assistant" and meta.get("sources"):
            shown.append(sources_message(meta["sources"], lang))
    return shown
