"""Launch ``app.py`` as a real subprocess on a free port and wait until the page answers; or serve an ASGI app
(the API routes alone) from a thread of the test process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningApp:
    url: str
    process: subprocess.Popen
    log_path: Path
    seconds_to_page: float

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def running_app(models_dir: Path, work: Path, extra: Sequence[str] = (), timeout: float = 90,
                env: dict[str, str] | None = None) -> Iterator[RunningApp]:
    port = free_port()
    work.mkdir(parents=True, exist_ok=True)
    log_path = work / f"app-{port}.log"
    args = [sys.executable, str(ROOT / "app.py"), "--no-browser", "--port", str(port),
            "--models-dir", str(models_dir), "--data-dir", str(work / "data"),
            "--outputs-dir", str(work / "outputs"), *extra]
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    started = time.perf_counter()
    with log_path.open("w") as log:
        proc = subprocess.Popen(args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=full_env)
    url = ""
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"app.py exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            shown = log_path.read_text(errors="replace").split("LocalAI is running at ", 1)
            if len(shown) == 2:
                url = shown[1].split()[0]
                try:
                    with urllib.request.urlopen(url + "/", timeout=2) as resp:
                        if resp.status in (200, 401):
                            break
                except urllib.error.HTTPError as exc:
                    if exc.code == 401:
                        break
                except OSError:
                    pass
            if time.perf_counter() - started > timeout:
                raise RuntimeError(f"the page did not answer within {timeout} s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.1)
        yield RunningApp(url, proc, log_path, time.perf_counter() - started)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def serve_in_thread(app: object) -> tuple[str, object, threading.Thread]:
    """Serve ``app`` with uvicorn on 127.0.0.1 from a daemon thread; returns (its .../v1 URL, the server, the
    thread). Stop it with ``server.should_exit = True`` and ``thread.join()``."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start within 20 s")
        time.sleep(0.02)
    return f"http://127.0.0.1:{port}/v1", server, thread
