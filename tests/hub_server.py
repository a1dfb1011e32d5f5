"""A tiny Hugging Face Hub on 127.0.0.1 for tests: the routes huggingface_hub calls, nothing more.

    GET  /api/models/<repo>[/revision/<rev>][?blobs=true]   model_info (siblings with sizes, lfs sha256,
                                                             gated, cardData.license, safetensors.total)
    GET  /api/models/<repo>/tree/<rev>[/<path>]?recursive=   list_repo_tree (used by snapshot_download)
    HEAD /<repo>/resolve/<rev>/<file>                        ETag (sha256 for LFS files, git sha1 else),
                                                             X-Repo-Commit, Content-Length, Accept-Ranges
    GET  /<repo>/resolve/<rev>/<file>                        the bytes; ``Range: bytes=a-[b]`` gives 206

Switches for failure tests: ``fail_after[file] = n`` cuts the connection after n bytes of the
next GET of that file (once); ``throttle`` sleeps between 16 KB chunks; a gated repo answers
401 without a token and 403 for a token not in ``allowed_tokens``. ``requests`` records
(method, path, Range header) of every request.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

CHUNK = 16 * 1024
LFS_SUFFIXES = (".safetensors", ".bin", ".onnx", ".msgpack", ".h5", ".ckpt", ".pt")


@dataclass
class FakeRepo:
    repo_id: str
    files: dict[str, bytes]
    sha: str = "0123456789abcdef0123456789abcdef01234567"
    gated: bool = False
    license: str = "apache-2.0"
    params: int | None = None  # the "safetensors.total" the API reports; None leaves it out

    def is_lfs(self, path: str) -> bool:
        return path.endswith(LFS_SUFFIXES)

    def etag(self, path: str) -> str:
        data = self.files[path]
        if self.is_lfs(path):
            return hashlib.sha256(data).hexdigest()
        return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def repo_from_folder(repo_id: str, folder: Path, extra: dict[str, bytes] | None = None, **kwargs: object) -> FakeRepo:
    """A repo holding every file under ``folder`` (paths relative to it), plus ``extra``."""
    folder = Path(folder)
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    files.update(extra or {})
    return FakeRepo(repo_id, files, **kwargs)  # type: ignore[arg-type]


@dataclass
class FakeHub:
    repos: dict[str, FakeRepo] = field(default_factory=dict)
    fail_after: dict[str, int] = field(default_factory=dict)
    throttle: float = 0.0  # seconds slept after each 16 KB chunk
    allowed_tokens: set[str] = field(default_factory=set)
    requests: list[tuple[str, str, str]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the hub first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def add(self, repo: FakeRepo) -> FakeRepo:
        self.repos[repo.repo_id] = repo
        return repo

    def start(self) -> FakeHub:
        hub = self

        class Handler(_Handler):
            pass

        Handler.hub = hub
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-hub", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def record(self, method: str, path: str, range_header: str) -> None:
        with self._lock:
            self.requests.append((method, path, range_header))

    def downloads(self, filename: str | None = None) -> list[tuple[str, str, str]]:
        """GET requests of file contents (resolve URLs), optionally of one file; not the reads of
        safetensors headers (``Range: bytes=0-100000``)."""
        return [r for r in self.requests if r[0] == "GET" and "/resolve/" in r[1] and r[2] != "bytes=0-100000"
                and (filename is None or r[1].endswith("/" + filename))]


class _Handler(BaseHTTPRequestHandler):
    hub: FakeHub
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        return

    # -- plumbing --------------------------------------------------------------------------------
    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None,
              content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, data: object, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(data).encode(), headers)

    def _error(self, status: int, code: str, message: str) -> None:
        self._json({"error": message}, status, {"X-Error-Code": code, "X-Error-Message": message})

    def _repo_or_404(self, repo_id: str) -> FakeRepo | None:
        repo = self.hub.repos.get(repo_id)
        if repo is None:
            self._error(404, "RepoNotFound", "Repository not found")
        return repo

    # -- routes ------------------------------------------------------------------------------------
    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        self.hub.record(self.command, path, self.headers.get("Range", ""))
        if path.startswith("/api/models/"):
            rest = path[len("/api/models/"):]
            if "/tree/" in rest:
                repo_id, _, tail = rest.partition("/tree/")
                return self._tree(repo_id, tail, parse_qs(parts.query))
            repo_id = rest.split("/revision/")[0]
            return self._model_info(repo_id)
        match = re.match(r"^/(.+?/.+?)/resolve/([^/]+)/(.+)$", path)
        if match:
            return self._resolve(*match.groups())
        self._error(404, "EntryNotFound", "Not found")

    def _model_info(self, repo_id: str) -> None:
        repo = self._repo_or_404(repo_id)
        if repo is None:
            return
        siblings = []
        for name, data in sorted(repo.files.items()):
            item: dict = {"rfilename": name, "size": len(data), "blobId": repo.etag(name) if not repo.is_lfs(name)
                          else hashlib.sha1(data).hexdigest()}
            if repo.is_lfs(name):
                item["lfs"] = {"size": len(data), "sha256": repo.etag(name), "pointerSize": 134}
            siblings.append(item)
        info = {"_id": "fake", "id": repo.repo_id, "modelId": repo.repo_id, "sha": repo.sha, "private": False,
                "gated": "manual" if repo.gated else False, "disabled": False, "downloads": 0, "likes": 0,
                "tags": [], "library_name": "transformers", "siblings": siblings,
                "cardData": {"license": repo.license}, "lastModified": "2026-01-01T00:00:00.000Z"}
        if repo.params is not None:
            info["safetensors"] = {"parameters": {"F32": repo.params}, "total": repo.params}
        self._json(info)

    def _tree(self, repo_id: str, tail: str, query: dict) -> None:
        repo = self._repo_or_404(repo_id)
        if repo is None:
            return
        _, _, sub = tail.partition("/")
        recursive = query.get("recursive", ["false"])[0].lower() == "true"
        entries, folders = [], set()
        for name, data in sorted(repo.files.items()):
            if sub and not name.startswith(sub.rstrip("/") + "/"):
                continue
            rel = name[len(sub.rstrip("/")) + 1:] if sub else name
            if "/" in rel and not recursive:
                folders.add((sub.rstrip("/") + "/" if sub else "") + rel.split("/")[0])
                continue
            for i in range(rel.count("/")):
                folders.add((sub.rstrip("/") + "/" if sub else "") + "/".join(rel.split("/")[: i + 1]))
            entry: dict = {"type": "file", "path": name, "size": len(data), "oid": hashlib.sha1(data).hexdigest()}
            if repo.is_lfs(name):
                entry["lfs"] = {"oid": repo.etag(name), "size": len(data), "pointerSize": 134}
            entries.append(entry)
        entries += [{"type": "directory", "path": f, "oid": "0" * 40, "size": 0} for f in sorted(folders)]
        self._json(entries)

    def _resolve(self, repo_id: str, revision: str, filename: str) -> None:
        repo = self._repo_or_404(repo_id)
        if repo is None:
            return
        if revision not in ("main", repo.sha):
            return self._error(404, "RevisionNotFound", "Invalid rev id")
        if repo.gated:
            auth = self.headers.get("Authorization", "")
            token = auth.removeprefix("Bearer ").strip()
            if not token:
                return self._error(401, "GatedRepo", f"Access to model {repo_id} is restricted. Please log in.")
            if token not in self.hub.allowed_tokens:
                return self._error(403, "GatedRepo", f"Access to model {repo_id} is restricted and you are not in "
                                                     "the authorized list.")
        data = repo.files.get(filename)
        if data is None:
            return self._error(404, "EntryNotFound", f"{filename} does not exist")
        start, end, status = 0, len(data) - 1, 200
        rng = self.headers.get("Range", "")
        match = re.match(r"bytes=(\d*)-(\d*)$", rng.strip())
        if match and self.command == "GET":
            start = int(match.group(1) or 0)
            end = min(int(match.group(2)), len(data) - 1) if match.group(2) else len(data) - 1
            status = 206
        body = data[start:end + 1]
        headers = {"ETag": f'"{repo.etag(filename)}"', "X-Repo-Commit": repo.sha, "Accept-Ranges": "bytes"}
        if status == 206:
            headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command == "HEAD":
            return
        with self.hub._lock:  # cut only a request that would go past the cut point (not a header read)
            cut = self.hub.fail_after.get(filename)
            if cut is not None and cut < len(body):
                del self.hub.fail_after[filename]
            else:
                cut = None
        sent = 0
        for i in range(0, len(body), CHUNK):
            piece = body[i:i + CHUNK]
            if cut is not None and sent + len(piece) > cut:
                self.wfile.write(piece[: max(0, cut - sent)])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)  # the line drops mid-file
                return
            self.wfile.write(piece)
            sent += len(piece)
            if self.hub.throttle:
                self.wfile.flush()
                time.sleep(self.hub.throttle)
