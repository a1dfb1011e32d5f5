"""The one API that the UI and the HTTP edge both call.

Each request is checked first, then becomes a job on a lane (``jobs.py``): torch work on the torch
lane, downloads on the network lane. Callers iterate ``job.events()`` for its typed events, and cancel
it with ``cancel(job_id, owner)``: only the job's owner can.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .access import LOCAL_USER, Access, access_for
from .backends.base import (
    BatchingChatBackend, ChatCall, ChatResult, GeneratedImage, ImageBackend, ImageResult, StepProgress,
)
from .backends.prompting import normalize_messages
from .catalog import VISION_BACKEND, ModelSpec
from .chat_documents import ChatDocuments, DocumentsRef, LaneEncoder, ReadDocument, budget_chars, chars_per_token
from .conversations import Conversations
from .documents.extract import DocumentLimits
from .documents.store import DocumentStore
from .downloads import Downloader, DownloadResult, NetworkPolicy
from .embeddings import Embeddings
from .errors import Cancelled, InvalidInput, UserError
from .gallery import SavedImage, delete_saved, list_saved, save_png
from .hardware import HardwareInfo
from .history import History
from .image_prep import prepare_image_request
from .image_request import DEFAULT_SCHEDULER, Family, ImageRequest, family_of, scheduler_names
from .jobs import DownloadStep, Generating, ImageReady, Job, Lanes, Notice, Status, Step, TextDelta
from .messages import Message, render
from .model_settings import ModelSettings
from .options import CHAT_CHARACTERS, CHAT_MESSAGES, ChatOptions
from .plan import LoadPlan, LoadPrefs
from .preset_store import FILE_NAME as PRESETS_FILE, PresetStore
from .presets import Presets
from .registry import Registry
from .remote_pool import Remotes, ServerView
from .untrusted_input import without_lone_surrogates
from .vision_models import check_images_allowed

if TYPE_CHECKING:
    from .backends.embedding import TransformersEncoder
    from .documents.store import DocumentInfo
    from .lora_files import LoraFile
    from .backends.remote_chat import RemoteChat
    from .backends.remote_image import RemoteImage
    from .doctor import Problem, SystemFacts

log = logging.getLogger(__name__)

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")  # a request from this computer itself


@dataclass(frozen=True)
class ModelInfo:
    spec: ModelSpec
    loaded: bool
    plan: LoadPlan | None
    problem: UserError | None  # why it cannot be planned, if so


@dataclass(frozen=True)
class SystemCheck:
    """The page's system check: what was found, how the default chat model would load, the problems."""

    facts: SystemFacts
    plan_line: Message | None
    problems: list[Problem]


class Services:
    def __init__(self, registry: Registry, lanes: Lanes, downloader: Downloader | None = None,
                 history: History | None = None, access: Access | None = None,
                 presets: PresetStore | None = None, remotes: Remotes | None = None) -> None:
        self.registry = registry
        self.lanes = lanes
        s = registry.settings
        self.access = access or access_for(s)  # who may change what every user shares
        self.downloader = downloader or Downloader(s.models_dir, NetworkPolicy(forced_offline=s.offline))
        self.documents = ChatDocuments(DocumentStore(s.data_dir / "documents.sqlite3"),
                                       DocumentLimits(max_bytes=s.max_upload_mb * 1024 * 1024))
        self.conversations = Conversations(history or History(s.data_dir / "history.sqlite3"), self.documents.store)
        self.presets = Presets(presets or PresetStore(s.data_dir / PRESETS_FILE))  # each user's own, and the built-in
        self.remotes = remotes if remotes is not None else Remotes(enabled=False)  # the servers the user added

    # -- models ----------------------------------------------------------------------------------
    def list_models(self, kind: str | None = None) -> list[ModelSpec]:
        return self.registry.specs(kind)

    def model_names(self, kind: str) -> list[str]:
        return self.registry.names(kind)

    def model_name(self, name: str, kind: str) -> str:
        """The name a model is listed under (``name`` may be its repo id); unknown names raise UnknownModel."""
        return self.registry.resolve(name, kind).name

    def model_capabilities(self, spec: ModelSpec) -> list[str]:
        """What a model can do, for /v1/models ("chat", "completion", "vision", "tools", "embeddings", "images"; see
        ``model_capabilities.py``): read from small files on disk, never by loading the model."""
        from .model_capabilities import model_capabilities  # noqa: PLC0415

        return model_capabilities(spec)

    def default_model(self, kind: str, wait: bool = True) -> str | None:
        """The model selected at start (see ``Registry.default_name``; ``wait=False`` while building the page)."""
        return self.registry.default_name(kind, wait=wait)

    def loaded_models(self) -> list[ModelInfo]:
        return [ModelInfo(b.spec, True, b.plan, None) for b in self.registry.loaded()]

    def model_info(self, name: str, kind: str) -> ModelInfo:
        spec = self.registry.resolve(name, kind)
        loaded = self.registry.get_loaded(spec)
        if loaded is not None:
            return ModelInfo(spec, True, loaded.plan, None)
        try:
            return ModelInfo(spec, False, self.registry.plan(spec), None)
        except UserError as exc:
            return ModelInfo(spec, False, None, exc)

    def load(self, name: str, kind: str, owner: str = "local") -> Job:
        spec = self.registry.resolve(name, kind)

        def run(job: Job) -> LoadPlan:
            loaded = self.registry.get_loaded(spec)
            if loaded is not None and not _honours(loaded.plan, self.registry.prefs_for(spec)):
                job.emit(Status(Message("status.reloading", name=spec.name)))
                self.registry.unload(spec.name, spec.kind)  # the user changed this model's overrides
            return self.registry.ensure_loaded(spec, lambda s: job.emit(Status(s))).plan

        return self.lanes.torch.submit(run, owner, f"load {spec.name}")

    def unload(self, name: str, kind: str, owner: str = "local", user: str = LOCAL_USER) -> bool:
        """Free a model's memory (others may be using it: the admin only)."""
        self.access.require_admin(user, "access.unload")
        spec = self.registry.resolve(name, kind)
        return bool(self.lanes.torch.call(lambda: self.registry.unload(spec.name, kind), owner, f"unload {spec.name}"))

    def refresh_models(self) -> list[ModelSpec]:
        """Rescan the models folder and the Hugging Face cache."""
        return self.registry.refresh()

    # -- downloads, offline mode, per-model settings ----------------------------------------------
    def download(self, name: str, kind: str, owner: str = "local", user: str = LOCAL_USER) -> Job:
        """Download a catalog model, on the network lane (the admin only). Events: ``Status`` lines,
        ``DownloadStep``s, then ``Done`` with a ``DownloadResult``; the model is listed as on disk afterwards."""
        self.access.require_admin(user, "access.download")
        spec = self.registry.resolve(name, kind)
        if spec.path is not None:
            raise InvalidInput("error.download.already_here", "hint.download.just_load", name=spec.name, path=spec.path)
        self.downloader.policy.check(spec.name)
        opts = self.registry.model_settings.get(spec.kind, spec.name)

        def run(job: Job) -> DownloadResult:
            try:
                return self.downloader.download(
                    spec, on_progress=lambda p: job.emit(DownloadStep(p)), on_status=lambda s: job.emit(Status(s)),
                    cancelled=lambda: job.cancel.cancelled, allow_pickle=opts.allow_pickle,
                    allow_code=opts.trust_remote_code)
            finally:
                self.registry.refresh()

        return self.lanes.network.submit(run, owner, f"download {spec.name}")

    def partial_download_bytes(self, name: str, kind: str) -> int:
        """Bytes of this catalog model already downloaded by an interrupted download (resumed next time)."""
        spec = self.registry.resolve(name, kind)
        return self.downloader.partial_bytes(spec) if spec.source == "hub" else 0

    def is_admin(self, user: str) -> bool:
        """Whether ``user`` may change model settings, opt-ins, downloads, offline mode and unloading."""
        return self.access.is_admin(user)

    @property
    def offline(self) -> bool:
        return self.downloader.policy.offline

    @property
    def offline_forced(self) -> bool:
        """Offline by --offline (or LOCALAI_OFFLINE=1): the page cannot switch it off."""
        return self.downloader.policy.forced

    def set_offline(self, offline: bool, user: str = LOCAL_USER) -> None:
        """Switch offline mode for everyone (the admin only)."""
        self.access.require_admin(user, "access.offline")
        self.downloader.policy.set_offline(offline)

    def model_settings(self, name: str, kind: str) -> ModelSettings:
        spec = self.registry.resolve(name, kind)
        return self.registry.model_settings.get(spec.kind, spec.name)

    def save_model_settings(self, name: str, kind: str, settings: ModelSettings,
                            user: str = LOCAL_USER) -> ModelSettings:
        """Remember this model's overrides and opt-ins (used from its next load; everyone's: the admin only)."""
        self.access.require_admin(user, "access.model_settings")
        spec = self.registry.resolve(name, kind)
        return self.registry.model_settings.set(spec.kind, spec.name, settings)

    # -- this computer -----------------------------------------------------------------------------
    def hardware(self) -> HardwareInfo:
        return self.registry.hardware()

    def free_disk(self) -> int:
        """Free bytes on the disk of the models folder."""
        return self.downloader.free_disk(self.registry.settings.models_dir)

    def system_check(self, owner: str = "local") -> Job:
        """The check behind ``--check``, for the page, on the torch lane. Events: ``Queued``, then ``Done`` with a
        ``SystemCheck``."""
        from .doctor import diagnose, gather_facts  # noqa: PLC0415

        settings = self.registry.settings

        def run(job: Job) -> SystemCheck:  # gather_facts imports torch and probes bitsandbytes: torch work
            facts = replace(gather_facts(settings), port_free=True)  # the port in use is this very app
            plan_line, spec, plan_problems = self.default_chat_plan()
            return SystemCheck(facts, plan_line, diagnose(facts, settings, spec) + plan_problems)

        return self.lanes.torch.submit(run, owner, "system check")

    def default_chat_plan(self) -> tuple[Message | None, ModelSpec | None, list[Problem]]:
        """(how the default chat model would load, that model, problems planning it): this app's own
        registry, so a model already loaded shows the plan it got."""
        from .doctor import planning_failed  # noqa: PLC0415

        spec = None
        try:
            name = self.registry.default_name("text")  # --text-model may name an unknown model
            if name is None:
                return None, None, []
            spec = self.registry.resolve(name, "text")
            loaded = self.registry.get_loaded(spec)
            plan = loaded.plan if loaded is not None else self.registry.plan(spec)
            return Message("doctor.plan.line", name=spec.name, plan=plan.describe(), reason=plan.reason), spec, []
        except UserError as exc:
            line, problems = planning_failed(exc, spec, spec.name if spec else "")
            return line, spec, problems

    # -- remote servers (the Models tab's Connections) ---------------------------------------------
    def remote_servers(self) -> list[ServerView]:
        """The servers added (on the command line or in the page), with what their last check found."""
        return self.remotes.views()

    def may_manage_remotes(self, user: str, client_host: str | None) -> bool:
        """Adding or removing a server: the admin, or anyone at this computer itself (127.0.0.1)."""
        return self.access.is_admin(user) or (client_host or "") in LOOPBACK_HOSTS

    def add_remote(self, name: str, url: str, key: str | None, user: str = LOCAL_USER,
                   client_host: str | None = None) -> ServerView:
        """Add a server (checked at once, saved either way; its models are listed once it answers)."""
        self._require_remote_manager(user, client_host)
        return self.remotes.add(name, url, key)

    def remove_remote(self, name: str, user: str = LOCAL_USER, client_host: str | None = None) -> None:
        self._require_remote_manager(user, client_host)
        self.remotes.remove(name)

    def check_remote(self, name: str) -> ServerView:
        """Check a server now: reachable, its models, the latency."""
        return self.remotes.check(name)

    def _require_remote_manager(self, user: str, client_host: str | None) -> None:
        if not self.may_manage_remotes(user, client_host):
            self.access.require_admin(user, "access.remotes")

    # -- chat --------------------------------------------------------------------------------------
    def chat_defaults(self, model: str, base: ChatOptions = ChatOptions()) -> ChatOptions:
        """``base`` (the page's defaults, or the API's neutral ones) with the sampling values the model's own
        generation_config.json sets. Reads one small file; the model need not be loaded or even on disk."""
        from .backends.generation_defaults import model_sampling  # noqa: PLC0415
        from .backends.model_files import local_folder  # noqa: PLC0415

        spec = self.registry.resolve(model, "text")
        if spec.backend not in ("transformers", VISION_BACKEND):  # generation_config.json: a transformers folder's
            return base
        try:
            folder = local_folder(spec)
        except UserError:  # not downloaded: nothing to read yet
            return base
        return base.with_values(model_sampling(folder))

    def chat(self, model: str, messages: Sequence[dict[str, Any]], options: ChatOptions | None = None,
             owner: str = "local", documents: DocumentsRef | None = None) -> Job:
        """Submit a chat job on the torch lane. Events: ``Queued``, ``Status`` (loading...), ``Generating``,
        ``TextDelta``s, ``Notice`` (e.g. old messages left out), then ``Done`` with a ``ChatResult``.
        ``documents``: the conversation whose documents the last question is answered from (the result's
        ``sources`` then name the parts used; see ``chat_documents.py``)."""
        options = options or ChatOptions()
        options.validate()
        CHAT_MESSAGES.check(len(messages), "messages")
        msgs = normalize_messages(messages)  # lone surrogates replaced: they are not text
        CHAT_CHARACTERS.check(sum(len(m["content"]) for m in msgs), "messages")
        last = msgs[-1] if msgs else {}
        if not (last.get("role") == "tool" or last.get("role") == "user" and (last["content"].strip()
                                                                             or last.get("images"))):
            raise InvalidInput("error.chat.empty_message", "hint.chat.type_something").about("messages")
        spec = self.registry.resolve(model, "text")
        check_images_allowed(self.registry, spec, msgs)  # pictures: a vision model only (else it names some)
        if options.tools and (spec.source == "remote" or spec.backend == VISION_BACKEND):  # tools: local text models
            raise InvalidInput("error.tools.backend", "hint.tools.pick_model", name=spec.name).about("tools")
        documents = documents if self.documents.has_documents(documents) else None
        if spec.source == "remote":
            return self._remote_chat(spec, msgs, options, owner, documents)

        def run(job: Job) -> ChatResult | None:
            if job.cancel.cancelled:
                return _cancelled(spec)
            backend = self.registry.ensure_chat(spec, lambda s: job.emit(Status(s)))
            if getattr(backend, "batching", False):
                return self._serve_chats(cast(BatchingChatBackend, backend), job, spec)
            try:
                asked, sources = self._with_documents(job, backend, msgs, options, documents)
                return _with_sources(backend.stream_chat(
                    asked, options, job.cancel, lambda text: job.emit(TextDelta(text)),
                    on_notice=lambda notice: job.emit(Notice(notice)), on_start=lambda: job.emit(Generating())),
                    sources)
            except Cancelled:  # stopped while the prompt was being prepared
                return _cancelled(spec)

        # Chats for one model share a group: a batching backend serves those waiting together (see _serve_chats).
        return self.lanes.torch.submit(run, owner, f"chat {spec.name}", group=("chat", spec.name),
                                       payload=(msgs, options, documents))

    def _with_documents(self, job: Job, backend: Any, msgs: list[dict], options: ChatOptions,
                        documents: DocumentsRef | None, on_lane: bool = True) -> tuple[list[dict], tuple[Any, ...]]:
        """The messages with the conversation's documents put into the last question (all of them when they fit
        beside the conversation, else the parts most like the question), and the parts used."""
        if documents is None:
            return msgs, ()
        from .documents.retrieval import DocumentContext, prompt_with_documents  # noqa: PLC0415

        question = msgs[-1]["content"]
        context_length = int(getattr(backend, "context_length", 0) or backend.spec.context_length or 0)
        ratio = chars_per_token(backend, self.documents.sample(documents))
        budget = budget_chars(context_length, sum(len(m["content"]) for m in msgs), options.max_new_tokens, ratio,
                              len(question) + sum(len(m["content"]) for m in msgs if m["role"] == "system"))

        def encoder() -> Any:
            try:
                found = self.encoder() if on_lane else self.lanes.torch.call(self.encoder, job.owner, "embedding model")
            except UserError as exc:  # none on this computer, or it does not fit: keywords still find the parts
                job.emit(Notice(Message("attach.notice.keywords", why=exc.parts[0])))
                return None
            return found if on_lane else LaneEncoder(found, self.lanes.torch)

        wrapper = len(prompt_with_documents(DocumentContext("retrieval", "-", ()), ""))  # the instruction around them
        context = self.documents.context(documents, question, max(0, budget - wrapper), encoder,
                                         lambda s: job.emit(Status(s)))
        if context.mode == "none":
            return msgs, ()
        asked = [*msgs[:-1], {**msgs[-1], "content": prompt_with_documents(context, question)}]
        return asked, tuple(context.sources)

    def _remote_chat(self, spec: ModelSpec, msgs: list[dict], options: ChatOptions, owner: str,
                     documents: DocumentsRef | None = None) -> Job:
        """A remote model's answer, on the network lane: it never waits behind local torch work and takes no
        memory here. Cancel shuts its connection down (the server stops too)."""
        entry = self.registry.backend(spec.backend)

        def run(job: Job) -> ChatResult:
            if job.cancel.cancelled:
                return _cancelled(spec)
            backend = cast("RemoteChat", entry.factory(spec, self.registry.plan(spec)))
            asked, sources = self._with_documents(job, backend, msgs, options, documents, on_lane=False)
            return _with_sources(backend.stream_chat(asked, options, job.cancel, lambda text: job.emit(TextDelta(text)),
                                                     on_notice=lambda notice: job.emit(Notice(notice)),
                                                     on_start=lambda: job.emit(Generating()),
                                                     on_status=lambda status: job.emit(Status(status))), sources)

        return self.lanes.network.submit(run, owner, f"chat {spec.name}")

    def _serve_chats(self, backend: BatchingChatBackend, first: Job, spec: ModelSpec) -> ChatResult | None:
        """Serve ``first`` and the chat jobs for the same model that wait in line before any other job, decoding
        together: they join between decode steps, and each ends on its own (``lane.finish`` / ``lane.fail``)."""
        lane = self.lanes.torch
        served: list[Job] = [first]

        def call_of(job: Job) -> ChatCall | None:
            messages, options, documents = job.payload
            try:
                messages, sources = self._with_documents(job, backend, messages, options, documents)
            except Exception as exc:  # this job's documents could not be read: it alone ends
                if job is first:
                    raise
                lane.fail(job, exc)
                return None

            def failed(error: BaseException) -> None:
                if isinstance(error, Cancelled):  # stopped while its prompt was being prepared
                    lane.finish(job, _cancelled(spec))
                else:
                    lane.fail(job, error)

            return ChatCall(messages, options, job.cancel, lambda text: job.emit(TextDelta(text)),
                            on_result=lambda result: lane.finish(job, _with_sources(result, sources)), on_error=failed,
                            on_notice=lambda notice: job.emit(Notice(notice)), on_start=lambda: job.emit(Generating()))

        def more(room: int) -> list[ChatCall]:
            joined = lane.take_group(first.group, room)
            served.extend(joined)
            return [call for call in map(call_of, joined) if call is not None]

        try:
            backend.serve_batch([cast(ChatCall, call_of(first))], more)
        except Exception as exc:  # a bug in the engine: every job it took ends with it, none is left hanging
            for job in served[1:]:
                lane.fail(job, exc)
            raise
        return first.result

    # -- raw completions (POST /v1/completions) ---------------------------------------------------------------
    def complete(self, model: str, prompt: str, options: ChatOptions | None = None, owner: str = "local") -> Job:
        """Continue ``prompt`` as it is, with no chat template: a job on the torch lane with the events of ``chat``
        (``Generating``, ``TextDelta``s, ``Done`` with a ``ChatResult``). It runs on its own, never joining a
        batch. Local transformers and GGUF models only: a vision or remote model is refused before any work."""
        from .model_capabilities import completes  # noqa: PLC0415

        options = options or ChatOptions()
        options.validate()
        text = without_lone_surrogates(prompt)
        CHAT_CHARACTERS.check(len(text), "prompt")
        if not text:
            raise InvalidInput("error.complete.empty_prompt", "hint.complete.send_text").about("prompt")
        spec = self.registry.resolve(model, "text")
        if not completes(spec):  # a remote model, a vision model, an engine that answers chats only
            raise InvalidInput("error.complete.remote" if spec.source == "remote" else "error.complete.vision"
                               if spec.backend == VISION_BACKEND else "error.complete.chat_only",
                               "hint.complete.use_chat", name=spec.name).about("model")

        def run(job: Job) -> ChatResult | None:
            if job.cancel.cancelled:
                return _cancelled(spec)
            backend = self.registry.ensure_chat(spec, lambda s: job.emit(Status(s)))
            complete = backend.complete  # type: ignore[attr-defined]  (the backends ``completes`` names have it)
            return complete(text, options, job.cancel, lambda piece: job.emit(TextDelta(piece)),
                            on_start=lambda: job.emit(Generating()))

        return self.lanes.torch.submit(run, owner, f"complete {spec.name}")

    # -- a conversation's documents (the Chat tab's attachments) -----------------------------------------
    def read_documents(self, user: str, conv_id: str | None, files: Sequence[tuple[str, bytes]]) -> list[ReadDocument]:
        """Read and check files to attach to a conversation (``conv_id`` None: one about to start); nothing is
        stored. A file that cannot be used raises a ``UserError`` naming it and saying what to do."""
        if conv_id:
            self.conversations.get(user, conv_id)  # someone else's conversation is refused
        read = [self.documents.read(name, data) for name, data in files]
        self.documents.check_room(user, conv_id, read)
        return read

    def attach_documents(self, user: str, conv_id: str, read: Sequence[ReadDocument]) -> list[DocumentInfo]:
        """Store files read by ``read_documents`` with the user's conversation (the same file twice: once)."""
        self.conversations.get(user, conv_id)
        return [self.documents.add(user, conv_id, r) for r in read]

    def list_documents(self, user: str, conv_id: str | None) -> list[DocumentInfo]:
        """The documents of one of the user's conversations, oldest first."""
        return self.documents.list(user, conv_id)

    def save_chat_pictures(self, user: str, pictures: Sequence[bytes]) -> list[str]:
        """Keep the pictures sent with a question in the user's history; returns the names to store with it."""
        from .chat_pictures import save_pictures  # noqa: PLC0415

        return save_pictures(self.registry.settings.data_dir, user, pictures)

    def chat_picture(self, user: str, name: str) -> Path | None:
        """A picture kept with the user's history, by its stored name (None: not the user's, or gone)."""
        from .chat_pictures import saved_picture  # noqa: PLC0415

        return saved_picture(self.registry.settings.data_dir, user, name)

    def remove_document(self, user: str, document_id: str) -> None:
        """Remove one of the user's documents (another user's is refused as not found)."""
        self.documents.remove(user, document_id)

    # -- embeddings (documents search, POST /v1/embeddings; see embeddings.py) ---------------------------
    def embedding_model(self) -> str | None:
        """The embedding model documents are searched with and the API's default: --embedding-model when it is on
        this computer, else the first one on it; None when none is (an unknown --embedding-model: UnknownModel)."""
        return Embeddings(self.registry, self.lanes).default_name()

    def embedding_dimensions(self, model: str | None = None) -> int:
        """The length of an embedding model's vectors, from its config.json (0 when its folder does not say)."""
        return Embeddings(self.registry, self.lanes).dimensions(model)

    def embed(self, texts: Sequence[str], model: str | None = None, role: str = "passage",
              owner: str = "local") -> Job:
        """Embed ``texts`` (role "query" or "passage": E5 models are given "query: " / "passage: " first) on the
        torch lane. Checked first: 1 to 2048 texts, none empty, 2 million characters in all; a text longer than
        the model's window (512 tokens for E5) is cut there. ``model`` None: ``embedding_model()``. Events:
        ``Queued``, ``Status`` (loading...), then ``Done`` with an ``EmbeddingResult`` (None when cancelled)."""
        return Embeddings(self.registry, self.lanes).submit(texts, model, role, owner)

    def encoder(self, model: str | None = None, on_status: Callable[[Message], None] | None = None
                ) -> TransformersEncoder:
        """The embedding model, loaded (the ``Encoder`` of documents/retrieval.py), for code that already runs on
        the torch lane; a clear ``UserError`` when there is none on this computer or it cannot be loaded."""
        return Embeddings(self.registry, self.lanes).encoder(model, on_status)

    # -- images ----------------------------------------------------------------------------------------
    def image_defaults(self, model: str) -> tuple[ModelSpec, Family, list[str]]:
        """The model, its family's defaults and limits, and the scheduler names it takes."""
        spec = self.registry.resolve(model, "image")
        loaded = cast("ImageBackend | None", self.registry.get_loaded(spec))
        names = loaded.scheduler_names() if loaded is not None else scheduler_names(spec.family)
        if spec.source == "remote":
            names = [DEFAULT_SCHEDULER]  # the server's own: which others it takes is not known here
        return spec, family_of(spec.family, spec.name), names

    def list_loras(self, model: str | None = None) -> list[LoraFile]:
        """The LoRA files in ``<models>/lora/``; with ``model``, those made for its family (or not saying)."""
        from .lora_files import BASE_OF, scan_loras  # noqa: PLC0415

        found = scan_loras(self.registry.settings.models_dir)
        if not model:
            return found
        base = BASE_OF.get(self.registry.resolve(model, "image").family or "", "")
        return [lo for lo in found if not lo.base or not base or lo.base == base]

    def generate_images(self, model: str, request: ImageRequest, owner: str = "local", user: str = "local") -> Job:
        """Submit a drawing: from text, or an edit of a source image (``request.mode``: image-to-image,
        variation, inpaint, outpaint, upscale; an inpainting model of the same family draws the masked modes
        when there is one), with the request's LoRAs. The request is checked first (a bad field raises
        ``InvalidInput`` and nothing is queued). Events: ``Queued``, ``Status`` (loading...), ``Generating``,
        ``Step``s, ``ImageReady`` (a ``GeneratedImage``, saved under --outputs-dir when finished), ``Notice``,
        then ``Done`` with an ``ImageResult``."""
        request = replace(request, prompt=without_lone_surrogates(request.prompt or ""),
                          negative_prompt=without_lone_surrogates(request.negative_prompt or ""))
        request.check()
        # fills defaults, checks sizes, draws the seed; an edit's source sized, its LoRAs found and checked
        asked = self.registry.resolve(model, "image")
        spec, req = prepare_image_request(self.registry, asked, request)
        if spec.source == "remote":
            return self._remote_images(spec, req, owner, user)
        outputs = self.registry.settings.outputs_dir

        def run(job: Job) -> ImageResult:
            if job.cancel.cancelled:
                return ImageResult((), req, "", 0.0, True, None, spec.name)
            if spec.name != asked.name:  # an inpainting model of the same family draws the masked modes
                job.emit(Notice(Message("notice.inpainting_model", name=spec.name, asked=asked.name)))
            backend = self.registry.ensure_image(spec, lambda s: job.emit(Status(s)))
            job.emit(Generating())

            def on_image(image: GeneratedImage) -> GeneratedImage:
                if image.finished:  # an image stopped early is shown, not saved
                    image = replace(image, path=save_png(image.image, image.info, outputs, {
                        "model": spec.name, "repo_id": spec.repo_id, "family": spec.family,
                        "plan": plan_record(backend.plan), **edit_record(req)}, user=user))
                job.emit(ImageReady(image))
                return image

            def on_step(p: StepProgress) -> None:
                job.emit(Step(p.step, p.total, p.eta_s, p.image, p.image_step))

            result = backend.generate(req, job.cancel, on_step, on_image)
            if result.notice:
                job.emit(Notice(result.notice))
            return result

        return self.lanes.torch.submit(run, owner, f"images {spec.name}")

    def _remote_images(self, spec: ModelSpec, req: ImageRequest, owner: str, user: str) -> Job:
        """A remote model's drawing, on the network lane: it never waits behind local torch work and takes no
        memory here. Events: ``Queued``, ``Generating``, ``Status`` (which server draws: no steps come),
        ``ImageReady`` for each image (saved in the user's folder, as local ones are), ``Done``. Cancel shuts
        its connection down (the server stops drawing)."""
        from .backends.remote_image import SERVER_FIELD  # noqa: PLC0415
        from .backends.remote_base import plan_remote  # noqa: PLC0415

        entry = self.registry.backend(spec.backend)
        outputs = self.registry.settings.outputs_dir

        def run(job: Job) -> ImageResult:
            if job.cancel.cancelled:
                return ImageResult((), req, "", 0.0, True, None, spec.name)
            backend = cast("RemoteImage", entry.factory(spec, self.registry.plan(spec)))
            job.emit(Generating())

            def on_image(image: GeneratedImage) -> GeneratedImage:
                server = image.info.extra.get(SERVER_FIELD, "")
                image = replace(image, path=save_png(image.image, image.info, outputs, {
                    "model": spec.name, "remote_id": spec.remote_id, "server": server,
                    "plan": plan_record(plan_remote(replace(spec, servers=(server,))))}, user=user))
                job.emit(ImageReady(image))
                return image

            return backend.generate(req, job.cancel, lambda step: None, on_image,
                                    on_status=lambda status: job.emit(Status(status)))

        return self.lanes.network.submit(run, owner, f"images {spec.name}")

    # -- the user's saved images (the Gallery tab) ---------------------------------------------------
    def saved_images(self, user: str) -> list[SavedImage]:
        """This user's saved images under --outputs-dir, newest first."""
        return list_saved(self.registry.settings.outputs_dir, user)

    def delete_saved_image(self, user: str, path: str) -> None:
        """Delete one of this user's saved images (someone else's is refused)."""
        delete_saved(self.registry.settings.outputs_dir, user, path)

    # -- cancelling ------------------------------------------------------------------------------------
    def cancel(self, job_id: str, owner: str) -> bool:
        """Cancel one job, if it is this owner's and still waiting or running. False otherwise: an
        ended job, or somebody else's (nobody can cancel a job that is not theirs)."""
        job = self.lanes.find(job_id)
        if job is None or job.owner != owner:
            return False
        job.stop()
        return True

    def cancel_all(self, owner: str) -> int:
        """Cancel every job of this owner, on every lane (a closed browser tab). Returns how many."""
        jobs = self.lanes.jobs_of(owner)
        for job in jobs:
            job.stop()
        return len(jobs)


def plan_record(plan: LoadPlan) -> dict[str, Any]:
    """A plan as saved with an image: its fields, the reason in English, and the reason as a message (so
    the page can show it in the reader's language)."""
    record: dict[str, Any] = {f.name: getattr(plan, f.name) for f in fields(plan) if f.name != "reason"}
    record["reason"] = render(plan.reason, "en")
    if isinstance(plan.reason, Message):
        record["reason_message"] = plan.reason.as_record()
    return record


def edit_record(req: ImageRequest) -> dict[str, Any]:
    """What an edit and its LoRAs add to an image's own record (the PNG's "localai" chunk)."""
    record: dict[str, Any] = {}
    if req.is_edit:
        record["edit"] = {"mode": req.mode, "strength": req.strength, "source_hash": req.source_hash,
                          "mask": req.mask is not None, "outpaint": req.outpaint or None,
                          "tiles": [req.tiles.size, req.tiles.overlap] if req.tiles else None}
    if req.loras:
        record["loras"] = [{"name": lora.name, "weight": weight, "base": lora.base} for lora, weight in req.picked_loras]
    return record


def _honours(plan: LoadPlan, prefs: LoadPrefs) -> bool:
    """Whether a loaded model's plan already matches every override the user set."""
    return all(getattr(prefs, f) in ("auto", getattr(plan, f)) for f in ("device", "dtype", "quantization", "offload"))


def _with_sources(result: ChatResult, sources: tuple[Any, ...]) -> ChatResult:
    return replace(result, sources=sources) if sources and result is not None else result


def _cancelled(spec: ModelSpec) -> ChatResult:
    return ChatResult("", 0, 0, 0.0, 0.0, "cancelled", 0, -1, None, spec.name)
