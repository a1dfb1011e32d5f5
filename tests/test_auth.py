"""Logins (plain and hashed passwords), the API key, and both enforced by the running app."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from localai.auth import ApiKey, Logins, hash_password, load_api_key, load_logins, verify_password
from localai.config import parse_settings
from localai.errors import UserError
from tests.app_process import ROOT, running_app

FAST = 1000  # iterations for hashes made in tests (the default takes ~0.3 s a check)


def _settings(*argv: str):
    return parse_settings(list(argv), env={})


# -- passwords ---------------------------------------------------------------------------------------------
def test_hashed_password_round_trip_and_format() -> None:
    stored = hash_password("correct horse", iterations=FAST)
    scheme, iterations, salt, digest = stored.split("$")
    assert (scheme, iterations) == ("pbkdf2_sha256", str(FAST)) and salt and digest
    assert "correct horse" not in stored
    assert verify_password("correct horse", stored)
    assert not verify_password("correct horse ", stored) and not verify_password("", stored)
    assert hash_password("correct horse", iterations=FAST) != stored, "a fresh salt every time"


def test_default_hash_is_strong() -> None:
    assert int(hash_password("x").split("$")[1]) >= 600_000


def test_plain_passwords_compare_exactly() -> None:
    assert verify_password("pa:ss", "pa:ss")
    assert not verify_password("pa:s", "pa:ss") and not verify_password("PA:SS", "pa:ss")


def test_logins_check_plain_and_hashed_users() -> None:
    logins = Logins((("alice", "wonderland"), ("bob", hash_password("builder", iterations=FAST))), False)
    assert logins.check("alice", "wonderland") and logins.check("bob", "builder")
    assert logins.check(" bob ", "builder"), "the login page strips the user name; so do we"
    assert not logins.check("alice", "builder") and not logins.check("bob", "wonderland")
    assert not logins.check("carol", "wonderland") and not logins.check("", "")


def test_auth_file_takes_hashed_lines_and_comments(tmp_path: Path) -> None:
    hashed = hash_password("s3cret!", iterations=FAST)
    f = tmp_path / "logins.txt"
    f.write_text(f"# our household\n\nalice:wonderland\nbob:{hashed}\n   # indented comment\n", encoding="utf-8")
    logins = load_logins(_settings("--listen", "--auth-file", str(f), "--auth", "carol:pa:ss"))
    assert [u for u, _ in logins.pairs] == ["carol", "alice", "bob"] and not logins.generated
    assert logins.check("bob", "s3cret!") and logins.check("carol", "pa:ss")


def test_damaged_hash_is_a_clear_error_without_the_hash() -> None:
    with pytest.raises(UserError) as info:
        load_logins(_settings("--auth", "bob:pbkdf2_sha256$1000$abc"))
    assert "python -m localai.auth hash" in str(info.value)


def test_generated_password_is_long_and_random() -> None:
    a, b = load_logins(_settings("--listen")), load_logins(_settings("--listen"))
    assert a.generated and len(a.pairs[0][1]) >= 20 and a.pairs != b.pairs
    assert a.check(a.pairs[0][0], a.pairs[0][1])


def test_share_needs_a_login() -> None:
    with pytest.raises(UserError, match="--auth"):
        load_logins(_settings("--share"))
    with pytest.raises(UserError, match="--auth"):
        load_logins(_settings("--share", "--listen"))


def test_gradio_auth_is_a_coroutine_that_checks() -> None:
    check = Logins((("alice", hash_password("pw", iterations=FAST)),), False).gradio_auth(delay_s=0)
    assert asyncio.iscoroutinefunction(check)
    assert asyncio.run(check("alice", "pw")) is True
    assert asyncio.run(check("alice", "nope")) is False


def test_hash_helper_prints_a_login_line() -> None:
    out = subprocess.run([sys.executable, "-m", "localai.auth", "hash", "alice", "--iterations", str(FAST)],
                         check=False, cwd=ROOT, input="my password\n", capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    line = out.stdout.strip()
    user, stored = line.split(":", 1)
    assert user == "alice" and verify_password("my password", stored)
    assert "my password" not in out.stdout


# -- the API key -------------------------------------------------------------------------------------------
def test_api_key_rules() -> None:
    assert load_api_key(_settings()) == ApiKey(None, False), "127.0.0.1 without --api-key: open"
    assert load_api_key(_settings("--api-key", "k1")) == ApiKey("k1", False)
    listen = load_api_key(_settings("--listen"))
    assert listen.generated and listen.key.startswith("sk-localai-") and len(listen.key) > 30
    assert listen != load_api_key(_settings("--listen"))
    assert load_api_key(_settings("--share", "--auth", "a:b")).key
    assert load_api_key(parse_settings([], env={"LOCALAI_API_KEY": "from-env"})).key == "from-env"


def test_api_key_check() -> None:
    key = ApiKey("sk-abc", False)
    assert key.allows("Bearer sk-abc") and key.allows("bearer  sk-abc ")
    for header in (None, "", "sk-abc", "Bearer sk-ab", "Bearer sk-abcd", "Basic sk-abc", "Bearer"):
        assert not key.allows(header), header
    assert ApiKey(None, False).allows(None)


# -- the running app ---------------------------------------------------------------------------------------
@pytest.mark.slow
def test_listen_requires_a_login_and_an_api_key(models_dir: Path, tmp_path: Path) -> None:
    hashed = hash_password("garden", iterations=FAST)
    auth_file = tmp_path / "logins.txt"
    auth_file.write_text(f"alice:{hashed}\n", encoding="utf-8")
    # --listen with --host 127.0.0.1: the LAN rules, without opening a port to the network in a test
    with running_app(models_dir, tmp_path, extra=["--listen", "--host", "127.0.0.1",
                                                  "--auth-file", str(auth_file)]) as app:
        log = app.log()
        key = re.search(r"API key: (sk-localai-\S+)", log)
        assert key, log
        assert "Shared on your network at http://127.0.0.1:" in log
        with httpx.Client(base_url=app.url, timeout=30) as web:
            assert web.get("/config").status_code == 401, "the page's data needs a login"
            assert web.post("/login", data={"username": "alice", "password": "weed"}).status_code == 400
            assert web.post("/login", data={"username": "mallory", "password": "garden"}).status_code == 400
            ok = web.post("/login", data={"username": "alice", "password": "garden"})
            assert ok.status_code == 200 and ok.json() == {"success": True}
            assert web.get("/config").status_code == 200
        with httpx.Client(base_url=app.url + "/v1", timeout=30) as api:
            assert api.get("/models").status_code == 401
            assert api.get("/models", headers={"Authorization": "Bearer wrong"}).status_code == 401
            resp = api.get("/models", headers={"Authorization": f"Bearer {key[1]}"})
            assert resp.status_code == 200 and "tiny-llama" in [m["id"] for m in resp.json()["data"]]


@pytest.mark.slow
def test_listen_without_a_login_prints_a_generated_one(models_dir: Path, tmp_path: Path) -> None:
    with running_app(models_dir, tmp_path, extra=["--listen", "--host", "127.0.0.1"]) as app:
        found = re.search(r"Login: user '(\S+)', password '(\S+)'", app.log())
        assert found, app.log()
        with httpx.Client(base_url=app.url, timeout=30) as web:
            assert web.post("/login", data={"username": found[1], "password": "guess"}).status_code == 400
            assert web.post("/login", data={"username": found[1], "password": found[2]}).status_code == 200


def test_share_without_a_login_refuses_to_start(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "app.py", "--share", "--no-browser", "--models-dir", str(tmp_path / "m"),
                          "--data-dir", str(tmp_path / "d"), "--outputs-dir", str(tmp_path / "o")],
                         check=False, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "--share" in out.stderr and "--auth" in out.stderr
