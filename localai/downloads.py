"""Downloading models from the Hugging Face Hub: only the files needed, with progress, resumable.

``Downloader.download(spec, ...)`` does, in order:

1. refuse at once when offline (``--offline`` or the switch in the page): no request is made;
2. list the repository's files and sizes (``HfApi.model_info(files_metadata=True)``) and pick
   the ones needed: safetensors weights, configs, tokenizer; not the duplicate ``.bin`` /
   ``.onnx`` / ``.msgpack`` / ``.h5`` copies (pickle weights only with the user's opt-in);
3. check free disk for what is still missing, before any byte is written;
4. fetch each file with huggingface_hub's ``http_get`` into a ``.part`` file that survives a
   stop, a crash or a lost connection, so the next try resumes where it stopped (a resumed
   file is checked against the Hub's sha256); progress goes to ``on_progress`` and the log;
5. move the finished folder to ``<models-dir>/<kind>/<name>/``, where the app finds it offline.

Files go to ``<models-dir>/.downloads/<kind>/<name>/`` while downloading. Every failure is a
``UserError`` that says what happened and what to do (gated model, no network, disk full).
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import re
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .catalog import PICKLE_SUFFIXES, ModelSpec
from .errors import InvalidInput, ModelUnavailable, UnsafeModel, UserError
from .sizes import format_bytes as gb
from .messages import Message

log = logging.getLogger(__name__)

DEFAULT_ENDPOINT = "https://huggingface.co"
DISK_MARGIN = 200 * 1000**2  # left free beyond the download itself
STAGING_DIR = ".downloads"
PARTIAL_DIR = ".partial"
SOURCE_FILE = ".localai-source.json"
NEVER_SUFFIXES = (".onnx", ".onnx_data", ".msgpack", ".h5", ".ot", ".tflite", ".gguf", ".pb", ".mlmodel", ".xml",
                  ".npz", ".ggml", ".engine", ".trt")
TEXT_SUFFIXES = (".json", ".txt", ".model", ".jinja", ".tiktoken", ".vocab")
SKIP_INDEXES = ("tf_model.h5.index.json", "flax_model.msgpack.index.json")
SKIP_FOLDERS = frozenset({"onnx", "openvino", "flax", "coreml", "original", "tf", "tflite", "gguf", ".git"})
SHARD = re.compile(r"^model-\d+-of-\d+\.safetensors$")


# --- errors the user sees ----------------------------------------------------------------------

class OfflineMode(ModelUnavailable):
    """A download was asked for while the app must not touch the network."""

    code = "offline"


class NoNetwork(ModelUnavailable):
    status = 503
    code = "network_unavailable"


class GatedModel(ModelUnavailable):
    status = 403
    code = "model_gated"


class NotEnoughDisk(UserError):
    status = 507
    code = "not_enough_disk"


class DownloadFailed(UserError):
    status = 502
    code = "download_failed"


class DownloadStopped(UserError):
    """The user stopped the download; finished and partial files are kept for the next try."""

    status = 499
    code = "cancelled"


# --- data --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RemoteFile:
    path: str  # relative to the repository root
    size: int
    sha256: str | None = None  # LFS files: the Hub's checksum


@dataclass(frozen=True)
class FileSelection:
    kind: str  # "text" | "image"
    keep: tuple[str, ...]
    skipped: tuple[str, ...]
    pickle_only: tuple[str, ...] = ()  # pickle weights that would be needed (no safetensors exist)


@dataclass(frozen=True)
class DownloadPlan:
    spec: ModelSpec
    repo_id: str
    revision: str  # the commit all files come from
    kind: str
    files: tuple[RemoteFile, ...]
    skipped: tuple[str, ...]
    params: int = 0
    gated: bool = False
    license: str = ""

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)

    def describe(self) -> Message:
        if self.skipped:
            return Message("download.files_skipped", files=len(self.files), size=gb(self.total_bytes),
                           skipped=len(self.skipped))
        return Message("download.files", files=len(self.files), size=gb(self.total_bytes))


@dataclass(frozen=True)
class DownloadProgress:
    name: str
    file: str
    files_done: int
    files_total: int
    done_bytes: int
    total_bytes: int
    speed: float  # bytes per second over the last few seconds
    eta: float | None  # seconds left; None while unknown

    @property
    def fraction(self) -> float:
        return min(1.0, self.done_bytes / self.total_bytes) if self.total_bytes else 0.0

    def describe(self) -> Message:
        """"1.20 GB of 2.40 GB (50%) · 12.3 MB/s · 2 min left · file 3 of 5: model.safetensors"."""
        values = {"done": gb(self.done_bytes), "total": gb(self.total_bytes), "percent": f"{self.fraction:.0%}",
                  "speed": f"{self.speed / 1e6:.1f}", "number": min(self.files_done + 1, self.files_total),
                  "count": self.files_total, "file": self.file}
        if self.eta is None:
            return Message("download.progress", **values)
        return Message("download.progress_eta", eta=_duration(self.eta), **values)


@dataclass(frozen=True)
class DownloadResult:
    name: str
    kind: str
    path: Path
    downloaded_bytes: int  # fetched now (not counting what was already on disk)
    total_bytes: int
    files: int
    seconds: float


def _duration(seconds: float) -> Message:
    seconds = max(0, int(seconds))
    if seconds < 90:
        return Message("unit.seconds", n=seconds)
    if seconds < 5400:
        return Message("unit.minutes", n=round(seconds / 60))
    return Message("unit.hours", n=f"{seconds / 3600:.1f}")


def hub_endpoint(environ: dict[str, str] | None = None) -> str:
    """The Hub's address: HF_ENDPOINT read now (huggingface_hub itself reads it once, at import)."""
    env = os.environ if environ is None else environ
    return (env.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


# --- which files are needed ----------------------------------------------------------------------

def _is_pickle_weight(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base.endswith(PICKLE_SUFFIXES) and not base.startswith(("training_args", "optimizer", "scheduler", "rng"))


def select_files(paths: Iterable[str], allow_pickle: bool = False, allow_code: bool = False,
                 components: Iterable[str] | None = None) -> FileSelection:
    """The files a chat model (root folder) or a diffusers pipeline (``model_index.json``) needs.

    Kept: configs, tokenizer files, safetensors weights (for sharded models the ``model-XXXXX-of-YYYYY``
    shards, not a ``consolidated`` duplicate; for diffusers the plain, non-variant file of each
    component). Pickle weights only when no safetensors exist and ``allow_pickle``; Python files
    only with ``allow_code``. Never: ONNX, Flax, TensorFlow, GGUF, OpenVINO copies, root-level
    single-file checkpoints of a diffusers repo, READMEs and images. ``components`` (the keys of a
    diffusers ``model_index.json``) limits an image model to the folders its pipeline uses.
    """
    paths = sorted(set(paths))
    kind = "image" if "model_index.json" in paths else "text"
    keep: list[str] = []
    pickles: list[str] = []

    def useful(name: str) -> bool:
        base = name.rsplit("/", 1)[-1]
        if base.endswith(NEVER_SUFFIXES) or base in SKIP_INDEXES or base.startswith("."):
            return False
        return base.endswith(TEXT_SUFFIXES) or base.startswith(("LICENSE", "NOTICE", "USE_POLICY")) or (
            allow_code and base.endswith(".py"))

    groups: dict[str, list[str]] = {}
    for p in paths:
        folder = p.rsplit("/", 1)[0] if "/" in p else ""
        if kind == "text" and folder:
            continue  # chat models live in the root; subfolders hold other formats
        if kind == "image" and (folder in SKIP_FOLDERS or "/" in folder or (
                folder and components is not None and folder not in components)):
            continue
        groups.setdefault(folder, []).append(p)
    for folder, names in groups.items():
        base = {n: n.rsplit("/", 1)[-1] for n in names}
        tensors = [n for n in names if base[n].endswith(".safetensors")]
        if kind == "image" and folder == "":
            tensors = []  # single-file copies of the whole pipeline
        if kind == "text" and "model.safetensors.index.json" in names:
            shards = [n for n in tensors if SHARD.match(n)]
            tensors = shards or [n for n in tensors if not base[n].startswith("consolidated")]
        elif kind == "text" and "model.safetensors" in names:
            tensors = ["model.safetensors"]
        elif kind == "image" and tensors:
            plain = [n for n in tensors if base[n].count(".") == 1]  # not "x.fp16.safetensors"
            tensors = plain or [n for n in tensors if ".fp16." in base[n]] or tensors
        bins = [n for n in names if _is_pickle_weight(n)] if not tensors and not (kind == "image" and not folder) else []
        if bins:
            pickles.extend(bins)
        weights = tensors + (bins if allow_pickle else [])
        for n in names:
            if n in weights:
                keep.append(n)
            elif useful(n) and not (base[n] == "pytorch_model.bin.index.json" and not (bins and allow_pickle)):
                keep.append(n)
    skipped = tuple(p for p in paths if p not in keep)
    return FileSelection(kind, tuple(sorted(keep)), skipped, tuple(pickles) if not allow_pickle else ())


# --- the network switch --------------------------------------------------------------------------

class NetworkPolicy:
    """Whether the app may use the network. ``--offline`` makes "offline" permanent for the process.

    Offline also switches huggingface_hub itself off (``HF_HUB_OFFLINE``), so no library can
    reach the Hub behind our back; loading uses local files only either way.
    """

    def __init__(self, forced_offline: bool = False) -> None:
        self.forced = forced_offline
        self._offline = forced_offline

    @property
    def offline(self) -> bool:
        return self._offline

    def set_offline(self, offline: bool) -> None:
        if self.forced and not offline:
            raise InvalidInput("error.download.forced_offline", "hint.download.restart_online")
        from huggingface_hub import constants  # noqa: PLC0415

        self._offline = bool(offline)
        constants.HF_HUB_OFFLINE = self._offline
        if self._offline:
            os.environ["HF_HUB_OFFLINE"] = "1"
        else:
            os.environ.pop("HF_HUB_OFFLINE", None)
        log.info("network: %s", "offline (nothing will be fetched)" if self._offline else "downloads allowed")

    def check(self, what: str) -> None:
        if self._offline:
            raise OfflineMode("error.download.offline",
                              "hint.download.offline_forced" if self.forced else "hint.download.offline_switch",
                              name=what)


# --- progress ------------------------------------------------------------------------------------

class _Tracker:
    """Adds up bytes across files; emits throttled progress events and console lines; checks cancel."""

    def __init__(self, name: str, files_total: int, total_bytes: int, on_progress: Callable[[DownloadProgress], None],
                 cancelled: Callable[[], bool], every_s: float = 0.25, log_every_s: float = 3.0) -> None:
        self.name, self.files_total, self.total_bytes = name, files_total, total_bytes
        self.on_progress, self.cancelled = on_progress, cancelled
        self.every_s, self.log_every_s = every_s, log_every_s
        self.done_files_bytes = 0  # bytes of files finished (or already on disk)
        self.file_bytes = 0  # bytes of the current file on disk
        self.files_done = 0
        self.file = ""
        self.fetched = 0  # bytes received in this session
        self._samples: deque[tuple[float, int]] = deque(maxlen=64)
        self._last_emit = self._last_log = 0.0

    def start_file(self, path: str, initial: int) -> None:
        self.file, self.file_bytes = path, initial
        self.emit(force=True)

    def add(self, n: int) -> None:
        self.file_bytes += n
        self.fetched += n
        self.check_cancel()
        self.emit()

    def check_cancel(self) -> None:
        if self.cancelled():
            raise DownloadStopped("error.download.stopped", "hint.download.continue", name=self.name)

    def finish_file(self, size: int) -> None:
        self.done_files_bytes += size
        self.file_bytes = 0
        self.files_done += 1
        self.emit(force=True)

    def snapshot(self) -> DownloadProgress:
        now, done = time.monotonic(), self.done_files_bytes + self.file_bytes
        self._samples.append((now, self.fetched))
        while len(self._samples) > 2 and now - self._samples[0][0] > 8.0:
            self._samples.popleft()
        t0, b0 = self._samples[0]
        speed = (self.fetched - b0) / (now - t0) if now - t0 > 0.2 else 0.0
        eta = (self.total_bytes - done) / speed if speed > 0 else None
        return DownloadProgress(self.name, self.file, self.files_done, self.files_total, done, self.total_bytes,
                                speed, eta)

    def emit(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_emit < self.every_s:
            return
        self._last_emit = now
        progress = self.snapshot()
        self.on_progress(progress)
        if force and progress.files_done == self.files_total or now - self._last_log >= self.log_every_s:
            self._last_log = now
            log.info("downloading %s: %s", self.name, progress.describe())

    def bar(self, path: str) -> Callable[..., _FileBar]:
        """What huggingface_hub's ``http_get`` takes as ``tqdm_class``: it builds one bar per file."""
        return lambda **kwargs: _FileBar(self, path, **kwargs)


class _FileBar:
    """The small part of tqdm that ``http_get`` uses, forwarding to our tracker."""

    def __init__(self, tracker: _Tracker, path: str, initial: int = 0, **_: Any) -> None:
        self.tracker = tracker
        self.n = initial
        tracker.start_file(path, initial)

    def update(self, n: int | float | None = 1) -> None:
        n = int(n or 0)
        self.n += n
        self.tracker.add(n)

    def __enter__(self) -> _FileBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def close(self) -> None:
        return None

    def set_postfix_str(self, *args: object, **kwargs: object) -> None:
        return None

    def refresh(self) -> None:
        return None


# --- the downloader ------------------------------------------------------------------------------

def _free_disk(path: Path) -> int:
    path = Path(path).resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(4 * 1024 * 1024), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class Downloader:
    models_dir: Path
    policy: NetworkPolicy = field(default_factory=NetworkPolicy)
    endpoint: str | None = None  # None: HF_ENDPOINT (read at each download), else huggingface.co
    token: str | None = None  # None: the user's login (HF_TOKEN or `hf auth login`)
    free_disk: Callable[[Path], int] = _free_disk
    chunk_size: int = 1024 * 1024  # bytes between progress updates (and cancel checks)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _active: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        if logging.getLogger("httpx2").level == logging.NOTSET:
            logging.getLogger("httpx2").setLevel(logging.WARNING)  # one INFO line per request otherwise

    def target(self, spec: ModelSpec, kind: str | None = None) -> Path:
        return Path(self.models_dir) / (kind or spec.kind) / _folder_name(spec.name)

    def staging(self, spec: ModelSpec, kind: str | None = None) -> Path:
        return Path(self.models_dir) / STAGING_DIR / (kind or spec.kind) / _folder_name(spec.name)

    def partial_bytes(self, spec: ModelSpec) -> int:
        """Bytes of an unfinished download of ``spec`` kept on disk (0 when none)."""
        folder = self.staging(spec)
        if not folder.is_dir():
            return 0
        return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and p.name != SOURCE_FILE)

    # -- 2. listing ---------------------------------------------------------------------------------
    def plan(self, spec: ModelSpec, allow_pickle: bool = False, allow_code: bool = False) -> DownloadPlan:
        """Which files would be fetched and how big they are (one request to the Hub)."""
        if not spec.repo_id:
            raise InvalidInput("error.download.no_repo", "hint.download.already_local", name=spec.name)
        self.policy.check(spec.name)
        endpoint = self.endpoint or hub_endpoint()
        try:
            from huggingface_hub import HfApi  # noqa: PLC0415

            api = HfApi(endpoint=endpoint, token=self._token())
            info = api.model_info(spec.repo_id, files_metadata=True, timeout=20)
            siblings = {s.rfilename: s for s in info.siblings or ()}
            components = _pipeline_components(api, spec.repo_id, info.sha) if "model_index.json" in siblings else None
            selection = select_files(siblings, allow_pickle=allow_pickle, allow_code=allow_code, components=components)
            # An embedding model's files are picked as a chat model's are (the repository's root folder).
            if selection.kind != spec.kind and (selection.kind, spec.kind) != ("text", "embedding"):
                what = {"text": Message("download.a_chat_model"), "image": Message("download.an_image_model"),
                        "embedding": Message("embed.download.an_embedding_model")}
                raise InvalidInput("error.download.wrong_kind", "hint.download.other_list", repo=spec.repo_id,
                                   kind=what[selection.kind], other=what[spec.kind])
            if selection.pickle_only:
                raise UnsafeModel("error.download.pickle_only", "hint.download.pickle_opt_in", name=spec.name,
                                  files=", ".join(selection.pickle_only[:3]))
            files = tuple(RemoteFile(p, int(siblings[p].size or 0), siblings[p].lfs.sha256 if siblings[p].lfs else None)
                          for p in selection.keep)
            if not any(f.path.endswith((".safetensors", *PICKLE_SUFFIXES)) for f in files):
                raise ModelUnavailable("error.download.no_weights", "hint.download.pick_another", repo=spec.repo_id)
            params = _params(api, spec.repo_id, info, files)
            license_id = str(getattr(info.card_data, "license", None) or spec.license or "")
        except UserError:
            raise
        except Exception as exc:
            raise _explain(exc, spec, endpoint, self._token() is not None) from None
        return DownloadPlan(spec, spec.repo_id, str(info.sha), selection.kind, files, selection.skipped, params,
                            bool(info.gated), license_id)

    # -- the whole download -------------------------------------------------------------------------
    def download(self, spec: ModelSpec, on_progress: Callable[[DownloadProgress], None] = lambda p: None,
                 on_status: Callable[[Message], None] = lambda s: None, cancelled: Callable[[], bool] = lambda: False,
                 allow_pickle: bool = False, allow_code: bool = False) -> DownloadResult:
        """Fetch ``spec`` into ``<models-dir>/<kind>/<name>/``; resumes what an earlier try left."""
        if spec.path is not None:
            raise InvalidInput("error.download.already_here", "hint.download.just_load", name=spec.name, path=spec.path)
        # 1. offline: refuse before anything else
        self.policy.check(spec.name)
        with self._lock:
            if spec.name in self._active:
                raise InvalidInput("error.download.in_progress", "hint.download.wait", name=spec.name)
            self._active.add(spec.name)
        try:
            return self._download(spec, on_progress, on_status, cancelled, allow_pickle, allow_code)
        finally:
            with self._lock:
                self._active.discard(spec.name)

    def _download(self, spec: ModelSpec, on_progress: Callable[[DownloadProgress], None],
                  on_status: Callable[[Message], None], cancelled: Callable[[], bool], allow_pickle: bool,
                  allow_code: bool) -> DownloadResult:
        started = time.monotonic()
        # 2. list the files
        on_status(Message("status.download.listing", name=spec.name))
        plan = self.plan(spec, allow_pickle, allow_code)
        target, staging = self.target(spec, plan.kind), self.staging(spec, plan.kind)
        if target.exists():
            raise InvalidInput("error.download.target_exists", "hint.download.refresh_or_delete", name=spec.name,
                               path=target)
        if plan.gated and self._token() is None:
            raise _gated(spec, has_token=False)
        # 3. free disk for what is still missing, before writing anything
        have = sum(_bytes_on_disk(staging, f) for f in plan.files)
        need = plan.total_bytes - have
        free = self.free_disk(staging)
        if need + DISK_MARGIN > free:
            raise NotEnoughDisk("error.download.disk", "hint.download.disk", name=spec.name, need=gb(need),
                                already=Message("download.already_have", have=gb(have)) if have else "",
                                free=gb(free), path=_existing(staging))
        log.info("downloading %s from %s: %s (%s still to fetch) into %s", spec.name, plan.repo_id, plan.describe(),
                 gb(need), staging)
        on_status(Message("status.download.start", name=spec.name, plan=plan.describe()))
        # 4. fetch each file (resumable)
        tracker = _Tracker(spec.name, len(plan.files), plan.total_bytes, on_progress, cancelled)
        endpoint, token = self.endpoint or hub_endpoint(), self._token()
        self._tune_chunks()
        try:
            for f in plan.files:
                tracker.check_cancel()
                self._fetch(plan, f, staging, tracker, endpoint, token, on_status)
        except UserError:
            raise
        except Exception as exc:
            raise _explain(exc, spec, endpoint, token is not None) from None
        # 5. move into place
        (staging / SOURCE_FILE).write_text(json.dumps(
            {"repo_id": plan.repo_id, "revision": plan.revision, "files": [f.path for f in plan.files],
             "license": plan.license, "downloaded_at": time.strftime("%Y-%m-%dT%H:%M:%S")}, indent=2))
        shutil.rmtree(staging / PARTIAL_DIR, ignore_errors=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, target)
        seconds = time.monotonic() - started
        log.info("downloaded %s (%s) in %.0f s to %s", spec.name, gb(plan.total_bytes), seconds, target)
        return DownloadResult(spec.name, plan.kind, target, tracker.fetched, plan.total_bytes, len(plan.files), seconds)

    def _fetch(self, plan: DownloadPlan, f: RemoteFile, staging: Path, tracker: _Tracker, endpoint: str,
               token: str | None, on_status: Callable[[Message], None]) -> None:
        from huggingface_hub import get_hf_file_metadata, hf_hub_url  # noqa: PLC0415
        from huggingface_hub.file_download import http_get  # noqa: PLC0415
        from huggingface_hub.utils import build_hf_headers  # noqa: PLC0415

        dest = staging / f.path
        if dest.is_file() and dest.stat().st_size == f.size:
            tracker.start_file(f.path, f.size)
            tracker.finish_file(f.size)
            return
        url = hf_hub_url(plan.repo_id, f.path, revision=plan.revision, endpoint=endpoint)
        meta = get_hf_file_metadata(url, token=token or False, endpoint=endpoint)
        size = meta.size if meta.size is not None else f.size
        etag = re.sub(r"[^0-9A-Za-z]", "", meta.etag or "noetag")[:24]
        parts = staging / PARTIAL_DIR
        parts.mkdir(parents=True, exist_ok=True)
        stem = f.path.replace("/", "__")
        part = parts / f"{stem}.{etag}.part"
        for stale in parts.glob(f"{stem}.*.part"):
            if stale != part:
                stale.unlink()  # the file changed on the Hub since that try
        resume = part.stat().st_size if part.is_file() else 0
        if resume > size:
            part.unlink()
            resume = 0
        if resume:
            log.info("resuming %s/%s at %s of %s", plan.repo_id, f.path, gb(resume), gb(size))
        headers = build_hf_headers(token=token or False)
        location = meta.location or url
        if urlsplit(location).netloc != urlsplit(endpoint).netloc:
            headers.pop("authorization", None)  # never send the token to a CDN
        with part.open("ab") as out:
            http_get(location, out, resume_size=resume, headers=headers, expected_size=size,
                     tqdm_class=tracker.bar(f.path))  # type: ignore[arg-type]
        if resume and f.sha256:
            on_status(Message("status.download.checking", path=f.path))
            if _sha256(part) != f.sha256:
                part.unlink()
                raise DownloadFailed("error.download.damaged", "hint.download.fetch_anew", file=f.path,
                                     name=plan.spec.name)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(part, dest)
        tracker.finish_file(size)

    def _token(self) -> str | None:
        if self.token:
            return self.token
        from huggingface_hub import get_token  # noqa: PLC0415

        return get_token()

    def _tune_chunks(self) -> None:
        """huggingface_hub reads 10 MB per chunk; smaller chunks give smoother progress and a quicker stop."""
        from huggingface_hub import constants  # noqa: PLC0415

        constants.DOWNLOAD_CHUNK_SIZE = min(constants.DOWNLOAD_CHUNK_SIZE, self.chunk_size)


def _folder_name(name: str) -> str:
    """A model name as one folder name (repo ids "org/name" become "org--name")."""
    return re.sub(r'[<>:"\\|?*]', "_", name.replace("/", "--")).strip(". ") or "model"


def _existing(path: Path) -> Path:
    path = Path(path).resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _bytes_on_disk(staging: Path, f: RemoteFile) -> int:
    """Bytes of ``f`` already downloaded: the whole file when finished, else its largest .part."""
    done = staging / f.path
    if done.is_file() and done.stat().st_size == f.size:
        return f.size
    parts = list((staging / PARTIAL_DIR).glob(f"{f.path.replace('/', '__')}.*.part"))
    return min(f.size, max((p.stat().st_size for p in parts), default=0))


def _pipeline_components(api: Any, repo_id: str, revision: str | None) -> set[str] | None:
    """The component folders a diffusers pipeline uses, read from its model_index.json (kept in memory)."""
    from huggingface_hub import hf_hub_url  # noqa: PLC0415
    from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status  # noqa: PLC0415

    url = hf_hub_url(repo_id, "model_index.json", revision=revision, endpoint=api.endpoint)
    response = get_session().get(url, headers=build_hf_headers(token=api.token or False), timeout=20,
                                 follow_redirects=True)
    hf_raise_for_status(response)
    try:
        index = response.json()
        return {k for k, v in index.items() if not k.startswith("_") and isinstance(v, list) and v[0] is not None}
    except (ValueError, AttributeError, IndexError, TypeError):
        return None


def _params(api: Any, repo_id: str, info: Any, files: tuple[RemoteFile, ...]) -> int:
    """Parameter count: the Hub's own figure, else read from the safetensors headers (a few KB each)."""
    if info.safetensors is not None and info.safetensors.total:
        return int(info.safetensors.total)
    total = 0
    tensors = [f for f in files if f.path.endswith(".safetensors")]
    for f in tensors[:32]:
        try:
            meta = api.parse_safetensors_file_metadata(repo_id, f.path, revision=info.sha)
            total += sum(meta.parameter_count.values())
        except Exception as exc:  # sizes are nice to have; the download does not depend on them
            log.info("could not read the header of %s/%s: %s", repo_id, f.path, exc)
            return 0
    return total


# --- errors -------------------------------------------------------------------------------------

def _gated(spec: ModelSpec, has_token: bool) -> GatedModel:
    page = f"https://huggingface.co/{spec.repo_id}"
    if has_token:
        return GatedModel("error.download.gated_no_access", "hint.download.accept_license", name=spec.name, page=page)
    return GatedModel("error.download.gated", "hint.download.gated_steps", name=spec.name, page=page,
                      tokens="https://huggingface.co/settings/tokens")


def _network_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [ConnectionError, TimeoutError]
    for module in ("httpx2", "httpx"):
        try:
            errors.append(__import__(module).TransportError)
        except (ImportError, AttributeError):
            pass
    return tuple(errors)


def _explain(exc: BaseException, spec: ModelSpec, endpoint: str, has_token: bool) -> UserError:
    """The plain-words error for a failure inside huggingface_hub or the network (the log keeps the details)."""
    from huggingface_hub.errors import (  # noqa: PLC0415
        GatedRepoError,
        HfHubHTTPError,
        OfflineModeIsEnabled,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    log.info("download of %s failed: %r", spec.name, exc)
    host = urlsplit(endpoint).netloc or endpoint
    if isinstance(exc, OfflineModeIsEnabled):
        return OfflineMode("error.download.hf_offline", "hint.download.unset_hf_offline", name=spec.name)
    if isinstance(exc, GatedRepoError):
        return _gated(spec, has_token)
    if isinstance(exc, (RepositoryNotFoundError, RevisionNotFoundError)):
        return ModelUnavailable("error.download.not_found", "hint.download.check_name", repo=spec.repo_id, host=host)
    if isinstance(exc, HfHubHTTPError):
        status = getattr(getattr(exc, "response", None), "status_code", "?")
        return DownloadFailed("error.download.http", "hint.download.try_later", host=host, status=status,
                              name=spec.name)
    if isinstance(exc, _network_errors()):
        return NoNetwork("error.download.no_network", "hint.download.no_network", host=host, name=spec.name,
                         error=str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__,
                         path=f"models/{spec.kind}/")
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return NotEnoughDisk("error.download.disk_full", "hint.download.free_and_continue", name=spec.name)
    if isinstance(exc, OSError) and "Consistency check failed" in str(exc):
        return DownloadFailed("error.download.incomplete", "hint.download.continue_received", name=spec.name)
    if isinstance(exc, OSError):
        return DownloadFailed("error.download.os_error", "hint.download.again_log", name=spec.name,
                              error=str(exc)[:200])
    log.exception("unexpected download failure", exc_info=exc)
    return DownloadFailed("error.download.failed", "hint.download.log_retry", name=spec.name,
                          error=type(exc).__name__)
