"""Serving decisions made before launch: bind address, logins, the port, privacy switches."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from localai.config import parse_settings
from localai.errors import UserError
from localai.serving import apply_privacy_env, find_free_port, load_logins, port_is_free


def _settings(*argv: str):
    return parse_settings(list(argv), env={})


def test_defaults_serve_only_this_computer() -> None:
    s = _settings()
    assert (s.host, s.port, s.listen, s.share) == ("127.0.0.1", 7860, False, False)
    assert s.auth == () and s.auth_file is None
    logins = load_logins(s)
    assert logins.pairs == () and not logins.generated  # no login needed on localhost


def test_listen_binds_all_interfaces_and_generates_a_random_password() -> None:
    s = _settings("--listen")
    assert s.host == "0.0.0.0" and s.listen
    first, second = load_logins(s), load_logins(s)
    assert first.generated
    ((user, password),) = first.pairs
    assert user and len(password) >= 12
    assert first.pairs[0][1] != second.pairs[0][1]  # random, not a fixed default


def test_a_non_local_host_counts_as_listening() -> None:
    assert _settings("--host", "192.168.1.5").listen
    assert not _settings("--host", "localhost").listen


def test_auth_is_parsed_and_used_instead_of_a_generated_password() -> None:
    s = _settings("--listen", "--auth", "a:b", "--auth", "carol:pa:ss")
    assert s.auth == ("a:b", "carol:pa:ss")
    logins = load_logins(s)
    assert logins.pairs == (("a", "b"), ("carol", "pa:ss")) and not logins.generated


def test_auth_file_lines_are_read(tmp_path: Path) -> None:
    f = tmp_path / "logins.txt"
    f.write_text("# household\nalice:wonderland\n\nbob:builder\n", encoding="utf-8")
    logins = load_logins(_settings("--listen", "--auth-file", str(f)))
    assert logins.pairs == (("alice", "wonderland"), ("bob", "builder"))


def test_missing_auth_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="--auth-file"):
        load_logins(_settings("--listen", "--auth-file", str(tmp_path / "nope.txt")))


@pytest.mark.parametrize("bad", ["nocolon", "user:", ":secret-password"])
def test_malformed_auth_is_a_user_error_that_does_not_echo_the_password(bad: str) -> None:
    with pytest.raises(UserError) as info:
        load_logins(_settings("--listen", "--auth", bad))
    assert "user:password" in str(info.value)
    assert "secret-password" not in str(info.value)


def test_share_without_a_login_is_refused() -> None:
    with pytest.raises(UserError) as info:
        load_logins(_settings("--share"))
    assert "--auth" in str(info.value) and "internet" in info.value.message
    assert load_logins(_settings("--share", "--auth", "a:b")).pairs == (("a", "b"),)


def test_find_free_port_skips_a_port_in_use() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        assert not port_is_free("127.0.0.1", busy)
        port = find_free_port("127.0.0.1", busy)
        assert port > busy
        assert port_is_free("127.0.0.1", port)


def test_find_free_port_gives_up_with_a_user_error() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        busy = taken.getsockname()[1]
        with pytest.raises(UserError, match="--port"):
            find_free_port("127.0.0.1", busy, tries=1)


def test_privacy_env_switches_off_analytics_and_telemetry() -> None:
    env: dict[str, str] = {"HOME": "/home/x"}
    apply_privacy_env(_settings(), env)
    assert env["GRADIO_ANALYTICS_ENABLED"] == "False"
    assert env["HF_HUB_DISABLE_TELEMETRY"] == "1"
    assert "HF_HUB_OFFLINE" not in env
    assert env["HOME"] == "/home/x"


def test_privacy_env_with_offline_forbids_hub_access() -> None:
    env: dict[str, str] = {}
    apply_privacy_env(_settings("--offline"), env)
    assert env["HF_HUB_OFFLINE"] == "1"
    assert env["GRADIO_ANALYTICS_ENABLED"] == "False" and env["HF_HUB_DISABLE_TELEMETRY"] == "1"


def test_privacy_env_leaves_the_process_environment_alone_when_given_a_dict(monkeypatch) -> None:
    import os

    monkeypatch.delenv("DO_NOT_TRACK", raising=False)
    apply_privacy_env(_settings(), {})
    assert "DO_NOT_TRACK" not in os.environ


def test_lan_urls_list_this_computers_addresses_without_loopback() -> None:
    from localai.serving import lan_urls

    urls = lan_urls("0.0.0.0", 7860)
    assert all(u.startswith("http://") and u.endswith(":7860") and "127.0.0.1" not in u for u in urls)
    assert lan_urls("192.168.1.5", 7861) == ["http://192.168.1.5:7861"]
    assert lan_urls("fe80::1", 7862) == ["http://[fe80::1]:7862"]
