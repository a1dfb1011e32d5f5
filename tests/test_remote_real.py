"""Remote servers for real: LocalAI processes on 127.0.0.1 used as the remotes of another LocalAI process,
driven through the first one's OpenAI API with the official ``openai`` client.

Three remotes, each a real ``app.py`` behind its own API key:
  - ``a`` and ``b`` serve the same model name, ``tiny-long``: a tiny random Llama with a 16k context (an
    answer of thousands of tokens keeps its server busy for seconds), built with a different seed on
    each, so that a greedy answer says which server wrote it;
  - ``c`` serves ``tiny-doomed`` alone: it is killed in the middle of an answer, then started again on
    the same port with another key.
The LocalAI under test has no local model and gets them with ``--remote a=... --remote-key a=...``,
``--remote b=...`` (its key from ``LOCALAI_REMOTE_KEY_B``) and ``--remote c=...``.

The tests run in the file's order: the last ones kill servers. Whether a server is working is read from
its process's CPU time (/proc): a tiny model answering takes most of a core, an idle LocalAI almost none.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx
import openai
import pytest

from tests.app_process import RunningApp, running_app

pytestmark = pytest.mark.slow

LONG = "tiny-long"  # on a and b (different weights)
DOOMED = "tiny-doomed"  # on c only
KEYS = {"a": "sk-remote-a", "b": "sk-remote-b", "c": "sk-remote-c"}
NEW_KEY_C = "sk-remote-c-rotated"
CONTEXT = 16384
LONG_ANSWER = 8000  # tokens asked when a server must stay busy: seconds of work for the tiny model, and it
# fits its batching cache (16k tokens, less headroom), so that other requests to that server join it at once
STORY = "Tell me a long story about a fisherman and his cat."
OTHER = "Describe the harbour of a small village at dawn."


def ask(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def names_c(message: str) -> bool:
    """Whether a message names the server c (as a word: "The server c (http://...)")."""
    return re.search(r"(?<![\w/.-])c(?![\w/.-])", message) is not None


def cpu_seconds(app: RunningApp) -> float:
    """CPU time (user + system, all threads) the app's process has used so far."""
    raw = Path(f"/proc/{app.process.pid}/stat").read_text()
    fields = raw.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_over(apps: dict[str, RunningApp], seconds: float) -> dict[str, float]:
    """CPU seconds each app used during the next ``seconds`` (measured side by side)."""
    before = {name: cpu_seconds(app) for name, app in apps.items()}
    time.sleep(seconds)
    return {name: cpu_seconds(app) - before[name] for name, app in apps.items()}


def read_text(stream, chunks: int) -> str:
    """Read a stream until ``chunks`` pieces of text came (or it ended); the text."""
    parts: list[str] = []
    for chunk in stream:
        parts.extend(c.delta.content for c in chunk.choices if c.delta.content)
        if len(parts) >= chunks:
            break
    return "".join(parts)


@dataclass
class Remotes:
    front: RunningApp  # the LocalAI under test
    servers: dict[str, RunningApp]  # its remotes, by the name it knows them by
    folders: dict[str, Path]  # each remote's models folder
    work: Path
    stack: ExitStack  # servers started during the tests are stopped with the module's
    direct_cache: dict[tuple, str] = field(default_factory=dict)

    def client(self, **kw) -> openai.OpenAI:
        return openai.OpenAI(base_url=self.front.url + "/v1", api_key="local", max_retries=0, timeout=120, **kw)

    def direct(self, name: str, model: str, prompt: str, tokens: int) -> str:
        """The greedy answer of remote ``name`` itself, asked without LocalAI in between."""
        cache_key = (name, model, prompt, tokens)
        if cache_key not in self.direct_cache:
            client = openai.OpenAI(base_url=self.servers[name].url + "/v1", api_key=KEYS[name], max_retries=0,
                                   timeout=120)
            out = client.chat.completions.create(model=model, messages=ask(prompt), max_tokens=tokens, temperature=0)
            self.direct_cache[cache_key] = out.choices[0].message.content
        return self.direct_cache[cache_key]

    def which(self, text: str, prompt: str) -> str:
        """Which of a and b wrote ``text`` (an answer of at least 48 tokens to ``prompt``): the one whose own
        48-token answer begins it."""
        found = [n for n in ("a", "b") if text.startswith(self.direct(n, LONG, prompt, 48))]
        assert len(found) == 1, f"the answer is neither a's nor b's own: {text[:120]!r}"
        return found[0]


def start_together(stack: ExitStack, apps: dict[str, AbstractContextManager[RunningApp]]) -> dict[str, RunningApp]:
    """Start several apps at once (each start-up mostly waits on imports); each is stopped with ``stack``."""
    with ThreadPoolExecutor(len(apps)) as pool:
        futures = {name: pool.submit(cm.__enter__) for name, cm in apps.items()}
        started: dict[str, RunningApp] = {}
        errors = []
        for name, future in futures.items():
            try:
                started[name] = future.result()
                stack.push(apps[name].__exit__)
            except Exception as exc:  # noqa: BLE001 - stop the others, then report
                errors.append(exc)
    if errors:
        raise errors[0]
    return started


def _wait_listed(front: RunningApp, wanted: set[str], timeout: float = 60) -> None:
    client = openai.OpenAI(base_url=front.url + "/v1", api_key="local", max_retries=0, timeout=10)
    deadline = time.monotonic() + timeout
    ids: set[str] = set()
    while time.monotonic() < deadline:
        ids = {m.id for m in client.models.list().data}
        if wanted <= ids:
            return
        time.sleep(0.2)
    raise AssertionError(f"the remote models {sorted(wanted - ids)} were not listed within {timeout:.0f} s")


@pytest.fixture(scope="module")
def remotes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Remotes]:
    from tests.tiny_models import save_tiny_llama

    work = tmp_path_factory.mktemp("remote-real")
    folders = {name: work / f"models-{name}" for name in ("a", "b", "c", "front")}
    for folder in folders.values():
        (folder / "text").mkdir(parents=True)
        (folder / "image").mkdir()
    for seed, name in ((1, "a"), (2, "b")):
        save_tiny_llama(folders[name] / "text" / LONG, seed=seed, max_position_embeddings=CONTEXT)
    save_tiny_llama(folders["c"] / "text" / DOOMED, seed=3, max_position_embeddings=CONTEXT)

    with ExitStack() as stack:
        servers = start_together(stack, {name: running_app(folders[name], work / name,
                                                           extra=["--api-key", KEYS[name], "--offline"])
                                         for name in ("a", "b", "c")})
        front = stack.enter_context(running_app(folders["front"], work / "front", extra=[
            "--remote", f"a={servers['a'].url}", "--remote-key", f"a={KEYS['a']}",
            "--remote", f"b={servers['b'].url}",  # its key comes from the environment
            "--remote", f"c={servers['c'].url}/v1", "--remote-key", f"c={KEYS['c']}",
            "--offline",  # blocks downloads, not the servers the user added
        ], env={"LOCALAI_REMOTE_KEY_B": KEYS["b"]}))
        _wait_listed(front, {LONG, DOOMED})
        yield Remotes(front, servers, folders, work, stack)


# -- models and answers ------------------------------------------------------------------------------------
def test_the_remote_models_are_listed_with_their_servers(remotes: Remotes) -> None:
    models = {m.id: m for m in remotes.client().models.list().data}
    assert set(models) == {LONG, DOOMED}, "the front has no local model: all of these come from its remotes"
    assert models[LONG].owned_by.startswith("remote:")
    assert set(models[LONG].owned_by.split(":", 1)[1].split(",")) == {"a", "b"}
    assert models[DOOMED].owned_by == "remote:c"


def test_an_answer_and_a_stream_come_from_the_remote_unchanged(remotes: Remotes) -> None:
    own = {name: remotes.direct(name, LONG, STORY, 24) for name in ("a", "b")}
    assert own["a"] != own["b"], "the two servers' models differ, so an answer says which one wrote it"
    client = remotes.client()

    answer = client.chat.completions.create(model=LONG, messages=ask(STORY), max_tokens=24, temperature=0)
    assert answer.model == LONG
    assert answer.choices[0].message.content in own.values()
    assert answer.choices[0].finish_reason == "length"
    assert answer.usage.completion_tokens == 24

    pieces = [c.choices[0].delta.content for c in client.chat.completions.create(
        model=LONG, messages=ask(STORY), max_tokens=24, temperature=0, stream=True) if c.choices and
        c.choices[0].delta.content]
    assert len(pieces) > 5, "streamed piece by piece, not in one block"
    assert "".join(pieces) in own.values()


def test_closing_the_stream_stops_the_remote_server(remotes: Remotes) -> None:
    ab = {n: remotes.servers[n] for n in ("a", "b")}
    client = remotes.client()
    stream = client.chat.completions.create(model=LONG, messages=ask(STORY), max_tokens=LONG_ANSWER,
                                            temperature=0, stream=True)
    assert read_text(stream, 20)
    working = cpu_over(ab, 1.0)
    server = max(working, key=working.get)
    assert working[server] > 0.2, f"a server is writing the answer: CPU seconds in 1 s {working}"

    stream.close()  # what a client does to stop: it closes the connection
    time.sleep(1.5)
    after = cpu_over(ab, 2.0)
    assert after[server] < 0.15, (f"{server} kept working after the stream was closed: CPU seconds in 2 s {after} "
                                  f"(while answering: {working})")

    started = time.perf_counter()
    short = client.chat.completions.create(model=LONG, messages=ask(OTHER), max_tokens=8, temperature=0)
    assert short.usage.completion_tokens == 8
    assert time.perf_counter() - started < 5, "the next request is served at once"


def test_two_streams_at_once_go_to_different_servers_and_do_not_mix(remotes: Remotes) -> None:
    for name in ("a", "b"):  # the servers' own answers first, one at a time
        for prompt in (STORY, OTHER):
            remotes.direct(name, LONG, prompt, 48)
    client = remotes.client()
    first = client.chat.completions.create(model=LONG, messages=ask(STORY), max_tokens=400, temperature=0,
                                           stream=True)
    texts = {STORY: read_text(first, 1)}  # the first is being answered when the second is sent
    second = client.chat.completions.create(model=LONG, messages=ask(OTHER), max_tokens=400, temperature=0,
                                            stream=True)
    texts[OTHER] = read_text(second, 1)

    def rest(prompt: str, stream) -> None:
        texts[prompt] += read_text(stream, 10**9)

    threads = [threading.Thread(target=rest, args=pair) for pair in ((STORY, first), (OTHER, second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    where = {prompt: remotes.which(text, prompt) for prompt, text in texts.items()}
    assert where[STORY] != where[OTHER], f"both went to {where[STORY]}"


# -- failures ----------------------------------------------------------------------------------------------
def test_a_server_killed_mid_answer_gives_a_clear_error_after_the_text_so_far(remotes: Remotes) -> None:
    own = remotes.direct("c", DOOMED, STORY, 24)
    client = remotes.client()
    stream = client.chat.completions.create(model=DOOMED, messages=ask(STORY), max_tokens=LONG_ANSWER,
                                            temperature=0, stream=True)
    received = read_text(stream, 30)
    assert received.startswith(own[:40]), "the text so far is c's own answer"
    remotes.servers["c"].process.kill()
    killed = time.perf_counter()
    with pytest.raises(openai.APIError) as caught:
        received += read_text(stream, 10**9)
    assert time.perf_counter() - killed < 15, "the error comes soon after the server died"
    message = caught.value.message
    port = str(urlparse(remotes.servers["c"].url).port)
    assert names_c(message) and port in message, f"the error names the server and its address: {message!r}"
    assert "stopped answering" in message, message
    assert "Traceback" not in message and "File \"" not in message
    assert len(received) > len(own[:40]), "the text before the failure reached the client"

    # the app keeps serving
    other = client.chat.completions.create(model=LONG, messages=ask(OTHER), max_tokens=8, temperature=0)
    assert other.usage.completion_tokens == 8


def test_a_changed_key_is_reported_plainly_naming_the_server(remotes: Remotes) -> None:
    """c comes back on the same port with another key (its admin changed it): asking for its model says
    that c refused the key, as a JSON error with a 4xx/5xx status; never a traceback."""
    port = urlparse(remotes.servers["c"].url).port
    remotes.servers["c"] = remotes.stack.enter_context(running_app(
        remotes.folders["c"], remotes.work / "c-again", extra=["--api-key", NEW_KEY_C, "--offline", "--port", str(port)]))
    assert urlparse(remotes.servers["c"].url).port == port
    seen: list[tuple[int, str]] = []
    deadline = time.monotonic() + 30  # a server that failed is checked again every 5 s
    while time.monotonic() < deadline:
        response = httpx.post(remotes.front.url + "/v1/chat/completions", timeout=60,
                              json={"model": DOOMED, "messages": ask(STORY), "max_tokens": 8})
        assert 400 <= response.status_code < 600, response.text
        assert response.headers["content-type"].startswith("application/json")
        message = response.json()["error"]["message"]
        assert "Traceback" not in response.text
        seen.append((response.status_code, message))
        if "refused the key" in message:
            break
        time.sleep(0.5)
    status, message = seen[-1]
    assert "refused the key" in message, f"never said the key was refused: {seen}"
    assert names_c(message), message
    assert status in (502, 503), seen
    assert all(names_c(m) for _, m in seen), f"every error names the server: {seen}"


def test_a_request_to_a_server_that_just_went_down_is_answered_by_the_other(remotes: Remotes) -> None:
    """One long answer keeps one server busy; the other is killed and, before any health check can notice,
    a new request is sent: it goes to the dead one (the least busy), fails before its first token and is
    answered by the busy one."""
    for name in ("a", "b"):
        remotes.direct(name, LONG, STORY, 48)
        remotes.direct(name, LONG, OTHER, 24)
    client = remotes.client()
    stream = client.chat.completions.create(model=LONG, messages=ask(STORY), max_tokens=LONG_ANSWER,
                                            temperature=0, stream=True)
    busy = remotes.which(read_text(stream, 60), STORY)
    down = "b" if busy == "a" else "a"
    remotes.servers[down].process.kill()
    remotes.servers[down].process.wait()

    started = time.perf_counter()
    answer = client.chat.completions.create(model=LONG, messages=ask(OTHER), max_tokens=24, temperature=0)
    assert answer.choices[0].message.content == remotes.direct(busy, LONG, OTHER, 24), "answered by the live server"
    assert time.perf_counter() - started < 10
    stream.close()

    again = client.chat.completions.create(model=LONG, messages=ask(OTHER), max_tokens=24, temperature=0)
    assert again.choices[0].message.content == remotes.direct(busy, LONG, OTHER, 24)
    log = remotes.front.log()
    assert f"remote {down} failed a request" in log, "the dead server was tried, then skipped"


def test_no_traceback_reached_the_log(remotes: Remotes) -> None:
    """Every failure above was an expected one: the LocalAI under test logged no crash."""
    assert "Traceback" not in remotes.front.log()
