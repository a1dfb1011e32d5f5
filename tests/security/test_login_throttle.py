"""Item 6 of issue 11: password guessing. Attempts are limited per user name and per client address:
one at a time, a growing wait after a few wrong passwords, then a lock-out window that even the right
password must sit out; the refusal (429) says when to try again.

Replayed three ways: the throttle itself on a fake clock, the middleware in front of a stand-in login
route, and 50 parallel wrong logins against the real app (``--listen`` on 127.0.0.1).
"""

from __future__ import annotations

import concurrent.futures
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from localai.login_throttle import Attempt, LoginThrottle, Refusal, ThrottlePolicy
from tests.app_process import RunningApp, running_app


@dataclass
class FakeClock:
    now: float = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _fail(throttle: LoginThrottle, user: str = "alice", address: str = "10.0.0.5") -> None:
    attempt = throttle.begin(user, address)
    assert isinstance(attempt, Attempt), attempt
    throttle.finish(attempt, succeeded=False)


# -- the throttle ----------------------------------------------------------------------------------------
def test_parallel_attempts_for_one_name_or_from_one_address_are_refused_at_once() -> None:
    throttle = LoginThrottle(clock=FakeClock())
    first = throttle.begin("alice", "10.0.0.5")
    assert isinstance(first, Attempt)
    assert isinstance(throttle.begin("Alice ", "10.0.0.6"), Refusal), "same name, other address"
    assert isinstance(throttle.begin("bob", "10.0.0.5"), Refusal), "same address, other name"
    assert isinstance(throttle.begin("bob", "10.0.0.6"), Attempt), "someone else entirely"
    throttle.finish(first, succeeded=True)
    assert isinstance(throttle.begin("alice", "10.0.0.5"), Attempt)


def test_the_wait_grows_after_a_few_wrong_passwords() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(ThrottlePolicy(free_failures=3, first_wait_s=2.0, lockout_after=10), clock)
    for _ in range(3):
        _fail(throttle)  # typos: no wait
    _fail(throttle)
    waits = []
    for _ in range(4):
        refusal = throttle.begin("alice", "10.0.0.5")
        assert isinstance(refusal, Refusal) and not refusal.locked_out
        waits.append(refusal.retry_after_s)
        clock.now += refusal.retry_after_s
        _fail(throttle)
    assert waits == [2, 4, 8, 16]


def test_after_the_lock_out_even_the_right_password_waits_for_the_window_to_end() -> None:
    clock = FakeClock()
    policy = ThrottlePolicy(free_failures=0, first_wait_s=1.0, lockout_after=5, lockout_s=600.0)
    throttle = LoginThrottle(policy, clock)
    for _ in range(5):
        _fail(throttle, address=f"10.0.0.{clock.now % 200:.0f}")  # a new address each time: the name locks
        clock.now += 60
    refusal = throttle.begin("alice", "192.168.1.20")  # alice herself, from her own computer
    assert isinstance(refusal, Refusal) and refusal.locked_out and refusal.retry_after_s == 600 - 60
    clock.now += 500
    assert isinstance(throttle.begin("alice", "192.168.1.20"), Refusal)
    clock.now += 41
    attempt = throttle.begin("alice", "192.168.1.20")
    assert isinstance(attempt, Attempt), "the window is over"
    throttle.finish(attempt, succeeded=True)
    _fail(throttle, address="192.168.1.21")
    again = throttle.begin("alice", "192.168.1.22")
    assert isinstance(again, Refusal) and not again.locked_out and again.retry_after_s == 1, \
        "a success cleared the name's record: one wrong password is a short wait again, not a lock-out"


def test_one_address_trying_many_names_is_locked_out_too() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(ThrottlePolicy(free_failures=0, first_wait_s=1.0, lockout_after=4, lockout_s=300), clock)
    for n in range(4):
        _fail(throttle, user=f"user{n}")
        clock.now += 10
    refusal = throttle.begin("carol", "10.0.0.5")
    assert isinstance(refusal, Refusal) and refusal.locked_out


def test_the_table_of_records_stays_small_under_a_flood_of_made_up_names() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(ThrottlePolicy(max_records=200, forget_after_s=3600), clock)
    for n in range(5_000):
        _fail(throttle, user=f"name{n}", address=f"10.{n // 250}.{n % 250}.1")
        clock.now += 0.01
    assert len(throttle) <= 200 + 2


# -- the middleware, in front of a stand-in login route ----------------------------------------------------
@pytest.fixture()
def login_client() -> Iterator:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from localai.login_guard import LoginThrottleMiddleware

    async def login(request: Request) -> JSONResponse:
        form = await request.form()
        ok = form.get("username") == "alice" and form.get("password") == "right"
        return JSONResponse({"success": ok}, status_code=200 if ok else 400)

    clock = FakeClock()
    throttle = LoginThrottle(ThrottlePolicy(free_failures=1, first_wait_s=5.0, lockout_after=3, lockout_s=900), clock)
    app = Starlette(routes=[Route("/login", login, methods=["POST"])],
                    middleware=[Middleware(LoginThrottleMiddleware, throttle=throttle)])
    with TestClient(app) as client:
        client.clock = clock
        yield client


def test_a_refused_attempt_gets_429_with_when_to_try_again(login_client) -> None:
    assert login_client.post("/login", data={"username": "alice", "password": "guess1"}).status_code == 400
    assert login_client.post("/login", data={"username": "alice", "password": "guess2"}).status_code == 400
    waiting = login_client.post("/login", data={"username": "alice", "password": "right"})
    assert waiting.status_code == 429 and waiting.headers["Retry-After"] == "5"
    assert "5 s" in waiting.json()["detail"]
    login_client.clock.now += 5
    assert login_client.post("/login", files={"username": (None, "alice"), "password": (None, "guess3")}).status_code \
        == 400, "the page's multipart form is read too"
    locked = login_client.post("/login", data={"username": "alice", "password": "right"},
                               headers={"Accept-Language": "ru"})
    assert locked.status_code == 429 and locked.headers["Retry-After"] == "900"
    assert "15 мин" in locked.json()["detail"], locked.json()
    login_client.clock.now += 900
    assert login_client.post("/login", data={"username": "alice", "password": "right"}).status_code == 200


def test_a_huge_login_form_is_refused_unread(login_client) -> None:
    answer = login_client.post("/login", data={"username": "alice", "password": "x" * 200_000})
    assert answer.status_code == 413 and "Traceback" not in answer.text


# -- 50 parallel guesses against the real app ------------------------------------------------------------
@pytest.fixture(scope="module")
def listening_app(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    work = tmp_path_factory.mktemp("login-throttle")
    with running_app(models_dir, work, extra=["--listen", "--host", "127.0.0.1", "--auth", "alice:right-pass-1",
                                             "--auth", "bob:other-pass-2"]) as app:
        yield app


def _login(url: str, user: str, password: str) -> tuple[int, str, str]:
    body = urllib.parse.urlencode({"username": user, "password": password}).encode()
    request = urllib.request.Request(url + "/login", data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:
            return resp.status, resp.headers.get("Retry-After", ""), resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Retry-After", ""), exc.read().decode()


@pytest.mark.slow
def test_fifty_parallel_wrong_logins_are_mostly_refused_unchecked(listening_app: RunningApp) -> None:
    guesses = [("alice" if n % 2 else "bob", f"guess-{n}") for n in range(50)]
    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(lambda guess: _login(listening_app.url, *guess), guesses))
    statuses = [status for status, _, _ in answers]
    assert 200 not in statuses
    assert statuses.count(400) <= 5, f"only a handful are checked, not {statuses.count(400)}"
    refused = [(retry, text) for status, retry, text in answers if status == 429]
    assert len(refused) >= 45
    assert all(int(retry) >= 1 and "Try again" in text and "Traceback" not in text for retry, text in refused)
    assert "Traceback" not in listening_app.log()

    status, retry, _ = _login(listening_app.url, "alice", "right-pass-1")
    if status == 429:  # still waiting out the last wrong one
        import time

        time.sleep(int(retry))
        status, _, _ = _login(listening_app.url, "alice", "right-pass-1")
    assert status == 200, "the right password, after the wait"


@pytest.mark.slow
def test_the_login_form_says_how_wrong_passwords_are_slowed_down(listening_app: RunningApp) -> None:
    with urllib.request.urlopen(listening_app.url + "/", timeout=30) as resp:
        page = resp.read().decode()
    assert "they pause for 15 minutes" in page


def test_the_login_note_follows_the_language() -> None:
    from localai.guards import login_note

    assert "15 минут" in login_note("ru") and "after 10" in login_note("en")
