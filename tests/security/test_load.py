"""Load: 8 streaming API clients for 60 s against the running app (a tiny real model, so tokens flow
fast), half of them dropping each stream part-way. Between the end of a 10 s warm-up and the end of
the run the server's memory (RSS), threads and open file descriptors do not grow, read from
``/proc/<pid>`` while the server is idle; afterwards it still answers.
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.app_process import RunningApp, running_app

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/<pid>")]

CLIENTS = 8
WARM_UP_S, LOAD_S = 10.0, 50.0  # 60 s of load in all
# 64 MiB: with continuous batching the server holds a fixed-size KV cache whose kept conversations and the
# allocator's pools for batches of 1-8 rows settle after the warm-up (38-52 MiB seen over ~5,000 requests);
# a leak of a request's worth per request still fails. Whether part of it is a slow leak is not settled yet.
MAX_RSS_GROWTH = 64 * 1024 * 1024


@dataclass(frozen=True)
class Usage:
    rss: int  # bytes
    threads: int
    fds: int


def usage(pid: int) -> Usage:
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return Usage(rss=int(status["VmRSS"].split()[0]) * 1024, threads=int(status["Threads"]),
                 fds=len(list(Path(f"/proc/{pid}/fd").iterdir())))


def settled(pid: int, seconds: float = 2.0) -> Usage:
    """Usage once the server has been idle a moment (connections closed, jobs ended)."""
    time.sleep(seconds)
    return usage(pid)


@dataclass
class Tally:
    finished: int = 0
    dropped: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, detail: str = "") -> None:
        with self.lock:
            if kind == "finished":
                self.finished += 1
            elif kind == "dropped":
                self.dropped += 1
            else:
                self.errors.append(detail)


def one_stream(url: str, n: int, drop: bool, tally: Tally) -> None:
    """Stream one answer; a dropping client closes its connection after a few chunks."""
    parts = urlparse(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    body = {"model": "tiny-llama", "stream": True, "max_tokens": 48, "temperature": 0,
            "messages": [{"role": "user", "content": f"Tell story number {n} about a fox."}]}
    try:
        conn.request("POST", "/v1/chat/completions", json.dumps(body), {"Content-Type": "application/json"})
        resp = conn.getresponse()
        if resp.status != 200:
            tally.add("error", f"{resp.status}: {resp.read()[:300]!r}")
            return
        chunks = 0
        for line in resp:
            if line.startswith(b"data: "):
                chunks += 1
                if line.strip() == b"data: [DONE]":
                    tally.add("finished")
                    return
                if drop and chunks >= 3:
                    tally.add("dropped")
                    return  # the connection closes below, mid-stream
        tally.add("error", f"the stream ended without [DONE] after {chunks} chunks")
    except OSError as exc:
        tally.add("error", repr(exc))
    finally:
        conn.close()


def load(url: str, seconds: float, tally: Tally) -> None:
    deadline = time.monotonic() + seconds

    def client(index: int) -> None:
        n = 0
        while time.monotonic() < deadline:
            one_stream(url, index * 100_000 + n, drop=index % 2 == 1, tally=tally)
            n += 1

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 90)


@pytest.fixture(scope="module")
def app(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    with running_app(models_dir, tmp_path_factory.mktemp("load")) as running:
        yield running


def test_eight_streaming_clients_for_a_minute_leak_nothing(app: RunningApp) -> None:
    pid = app.process.pid
    warm = Tally()
    load(app.url, WARM_UP_S, warm)
    before = settled(pid)
    tally = Tally()
    load(app.url, LOAD_S, tally)
    after = settled(pid)

    print(f"warm-up {warm.finished} finished, {warm.dropped} dropped; run {tally.finished} finished, "
          f"{tally.dropped} dropped; {before} -> {after}")
    assert not warm.errors and not tally.errors, (warm.errors + tally.errors)[:5]
    assert tally.finished >= 20 and tally.dropped >= 20, tally
    assert after.rss - before.rss < MAX_RSS_GROWTH, f"memory grew {(after.rss - before.rss) / 2**20:.1f} MiB"
    assert after.threads <= before.threads + 2, (before, after)
    assert after.fds <= before.fds + 4, (before, after)

    still = Tally()
    one_stream(app.url, 7, drop=False, tally=still)
    assert still.finished == 1, still.errors
    assert "Traceback" not in app.log()
