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

    def describe(self) -> str:
        left_out = f"; left out {len(self.skipped)} files not needed" if self.skipped else ""
        return f"{len(self.files)} files, {gb(self.total_bytes)}{left_out}"


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

    def text(self) -> str:
        eta = "" if self.eta is None else f" · {_duration(self.eta)} left"
        return (f"{gb(self.done_bytes)} of {gb(self.total_bytes)} ({self.fraction:.0%}) · "
                f"{self.speed / 1e6:.1f} MB/s{eta} · file {min(self.files_done + 1, self.files_total)} of "
                f"{self.files_total}: {self.file}")


@dataclass(frozen=True)
class DownloadResult:
    name: str
    kind: str
    path: Path
    downloaded_bytes: int  # fetched now (not counting what was already on disk)
    total_bytes: int
    files: int
    seconds: float


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


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
            raise InvalidInput("LocalAI was started with --offline, so it stays offline.",
                               "Restart it without --offline to download models.")
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
            how = "Restart LocalAI without --offline" if self.forced else "Switch off 'Offline mode' in the Models tab"
            raise OfflineMode(f"Offline mode is on, so {what} cannot be downloaded.",
                              f"{how} to download it, or copy the model folder into the models folder and press Refresh.")


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
            raise DownloadStopped(f"The download of {self.name} was stopped.",
                                  "What was downloaded is kept: press Download again to continue from there.")

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
            log.info("downloading %s: %s", self.name, progress.text())

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
            raise InvalidInput(f"{spec.name} has no Hugging Face repository to download from.",
                               "It is already a local model.")
        self.policy.check(spec.name)
        endpoint = self.endpoint or hub_endpoint()
        try:
            from huggingface_hub import HfApi  # noqa: PLC0415

            api = HfApi(endpoint=endpoint, token=self._token())
            info = api.model_info(spec.repo_id, files_metadata=True, timeout=20)
            siblings = {s.rfilename: s for s in info.siblings or ()}
            components = _pipeline_components(api, spec.repo_id, info.sha) if "model_index.json" in siblings else None
            selection = select_files(siblings, allow_pickle=allow_pickle, allow_code=allow_code, components=components)
            if selection.kind != spec.kind:
                what = {"text": "a chat model", "image": "an image model"}
                raise InvalidInput(f"{spec.repo_id} is {what[selection.kind]}, not {what[spec.kind]}.",
                                   "Pick it from the other list.")
            if selection.pickle_only:
                raise UnsafeModel(
                    f"{spec.name} is only published as pickle weights ({', '.join(selection.pickle_only[:3])}), "
                    "which can run code on this computer when loaded.",
                    "Pick a model with .safetensors weights, or, if you trust its authors, tick 'Allow pickle "
                    "weights' for this model in the Models tab and download again.")
            files = tuple(RemoteFile(p, int(siblings[p].size or 0), siblings[p].lfs.sha256 if siblings[p].lfs else None)
                          for p in selection.keep)
            if not any(f.path.endswith((".safetensors", *PICKLE_SUFFIXES)) for f in files):
                raise ModelUnavailable(f"{spec.repo_id} on Hugging Face has no weights LocalAI can use.",
                                       "Pick another model from the list.")
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
                 on_status: Callable[[str], None] = lambda s: None, cancelled: Callable[[], bool] = lambda: False,
                 allow_pickle: bool = False, allow_code: bool = False) -> DownloadResult:
        """Fetch ``spec`` into ``<models-dir>/<kind>/<name>/``; resumes what an earlier try left."""
        if spec.path is not None:
            raise InvalidInput(f"{spec.name} is already on this computer ({spec.path}).", "Load it, no download needed.")
        # 1. offline: refuse before anything else
        self.policy.check(spec.name)
        with self._lock:
            if spec.name in self._active:
                raise InvalidInput(f"{spec.name} is already being downloaded.", "Wait for that download to finish.")
            self._active.add(spec.name)
        try:
            return self._download(spec, on_progress, on_status, cancelled, allow_pickle, allow_code)
        finally:
            with self._lock:
                self._active.discard(spec.name)

    def _download(self, spec: ModelSpec, on_progress: Callable[[DownloadProgress], None],
                  on_status: Callable[[str], None], cancelled: Callable[[], bool], allow_pickle: bool,
                  allow_code: bool) -> DownloadResult:
        started = time.monotonic()
        # 2. list the files
        on_status(f"Asking Hugging Face for the files of {spec.name}...")
        plan = self.plan(spec, allow_pickle, allow_code)
        target, staging = self.target(spec, plan.kind), self.staging(spec, plan.kind)
        if target.exists():
            raise InvalidInput(f"{spec.name} is already in {target}.",
                               "Press Refresh to see it; delete that folder first to download it again.")
        if plan.gated and self._token() is None:
            raise _gated(spec, has_token=False)
        # 3. free disk for what is still missing, before writing anything
        have = sum(_bytes_on_disk(staging, f) for f in plan.files)
        need = plan.total_bytes - have
        free = self.free_disk(staging)
        if need + DISK_MARGIN > free:
            raise NotEnoughDisk(
                f"Not enough disk space for {spec.name}: it needs {gb(need)} more"
                f"{f' ({gb(have)} is already downloaded)' if have else ''}, but only {gb(free)} is free "
                f"in {_existing(staging)}.",
                "Free some space (and empty the trash), or start LocalAI with --models-dir on a disk with more room.")
        log.info("downloading %s from %s: %s (%s still to fetch) into %s", spec.name, plan.repo_id, plan.describe(),
                 gb(need), staging)
        on_status(f"Downloading {spec.name}: {plan.describe()}.")
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
               token: str | None, on_status: Callable[[str], None]) -> None:
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
            on_status(f"Checking {f.path}...")
            if _sha256(part) != f.sha256:
                part.unlink()
                raise DownloadFailed(f"{f.path} of {plan.spec.name} was damaged while resuming and was deleted.",
                                     "Press Download again to fetch it anew.")
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
        return GatedModel(f"{spec.name} is gated, and your Hugging Face account has not been given access to it yet.",
                          f"Open {page}, accept its license while logged in (approval can take a while), then "
                          "press Download again.")
    return GatedModel(
        f"{spec.name} is gated: its authors only allow downloads after you accept their license on Hugging Face.",
        f"1) Open {page} and accept the license while logged in. 2) Create a 'read' token at "
        "https://huggingface.co/settings/tokens. 3) In a terminal run `hf auth login` and paste it (or set the "
        "HF_TOKEN environment variable). 4) Restart LocalAI and press Download again. Or pick an ungated model.")


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
        return OfflineMode(f"{spec.name} cannot be downloaded: the HF_HUB_OFFLINE environment variable is set.",
                           "Unset HF_HUB_OFFLINE (or switch 'Offline mode' off in the Models tab) and try again.")
    if isinstance(exc, GatedRepoError):
        return _gated(spec, has_token)
    if isinstance(exc, (RepositoryNotFoundError, RevisionNotFoundError)):
        return ModelUnavailable(f"{spec.repo_id} was not found on Hugging Face ({host}), or it is private.",
                                "Check the name; for a private model log in with `hf auth login` and restart LocalAI.")
    if isinstance(exc, HfHubHTTPError):
        status = getattr(getattr(exc, "response", None), "status_code", "?")
        return DownloadFailed(f"Hugging Face ({host}) answered with an error (HTTP {status}) while downloading "
                              f"{spec.name}.", "Try again in a few minutes; finished files are kept.")
    if isinstance(exc, _network_errors()):
        return NoNetwork(f"Could not reach Hugging Face ({host}) to download {spec.name}: "
                         f"{str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__}.",
                         "Check the internet connection (and proxy settings), then press Download again; what was "
                         "downloaded is kept. Or copy the model folder from another computer into "
                         f"models/{spec.kind}/ and press Refresh.")
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return NotEnoughDisk(f"The disk filled up while downloading {spec.name}.",
                             "Free some space, then press Download again to continue.")
    if isinstance(exc, OSError) and "Consistency check failed" in str(exc):
        return DownloadFailed(f"A file of {spec.name} arrived incomplete.",
                              "Press Download again; it continues from what was received.")
    if isinstance(exc, OSError):
        return DownloadFailed(f"Downloading {spec.name} failed: {str(exc)[:200]}",
                              "Press Download again; the console log has the details.")
    log.exception("unexpected download failure", exc_info=exc)
    return DownloadFailed(f"Downloading {spec.name} failed ({type(exc).__name__}).",
                          "The console log has the details; press Download again to retry.")
