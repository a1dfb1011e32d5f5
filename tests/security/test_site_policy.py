"""Host and Origin rules (site_policy) and the guard's WebSocket refusal, without a server."""

from __future__ import annotations

import pytest

from localai.config import parse_settings
from localai.errors import UserError
from localai.site_policy import SitePolicy, parse_origin, site_policy, split_host


def _policy(*argv: str) -> SitePolicy:
    return site_policy(parse_settings(list(argv), env={}))


@pytest.mark.parametrize(("value", "expected"), [
    ("Example.COM:7860", ("example.com", 7860)), ("[::1]:7860", ("::1", 7860)), ("::1", ("::1", None)),
    ("localhost", ("localhost", None)), ("localhost.:80", ("localhost", 80)), ("host:99999", ("", None)),
    ("host:７８６０", ("", None)), ("[::1]x", ("", None)),
])
def test_split_host(value: str, expected: tuple[str, int | None]) -> None:
    assert split_host(value) == expected


@pytest.mark.parametrize(("origin", "expected"), [
    ("http://localhost:7860", ("http", "localhost", 7860)), ("https://a.example", ("https", "a.example", 443)),
    ("null", None), ("file://", None), ("http://a.example/path", None), ("http://user@a.example", None),
    ("*", None),
])
def test_parse_origin(origin: str, expected: tuple | None) -> None:
    assert parse_origin(origin) == expected


def test_local_names_and_allowed_hosts_pass_and_others_do_not() -> None:
    policy = _policy("--allowed-hosts", "Box.Lan", "--allowed-hosts", "nas.home:8080")
    for host in ("127.0.0.1:7860", "localhost", "[::1]:7860", "app.localhost:7860", "box.lan", "NAS.home"):
        assert policy.host_allowed(host), host
    for host in ("evil.example:7860", "127.0.0.1.evil.example", "localhost.evil.example", "", "[::1"):
        assert not policy.host_allowed(host), host


def test_an_address_of_this_computer_passes() -> None:
    policy = SitePolicy(frozenset({"localhost"}), addresses=lambda: ["192.168.1.20"])
    assert policy.host_allowed("192.168.1.20:7860") and not policy.host_allowed("192.168.1.21:7860")


def test_same_origin_means_same_name_and_port() -> None:
    policy = _policy()
    assert policy.same_origin("http://127.0.0.1:7860", "127.0.0.1:7860")
    assert policy.same_origin("https://box.lan", "box.lan")  # behind a TLS proxy that keeps Host
    assert not policy.same_origin("http://127.0.0.1:8888", "127.0.0.1:7860")  # another local app
    assert not policy.same_origin("http://localhost:7860", "127.0.0.1:7860")
    assert not policy.same_origin("null", "127.0.0.1:7860")


def test_cors_origin_must_be_an_origin() -> None:
    assert _policy("--cors-origin", "https://app.example").cors_allowed("https://app.example:443")
    for bad in ("*", "app.example", "https://app.example/path"):
        with pytest.raises(UserError) as info:
            _policy("--cors-origin", bad)
        assert "--cors-origin" in str(info.value)


def test_a_websocket_from_another_site_is_closed_before_it_opens() -> None:
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute
    from starlette.testclient import TestClient
    from starlette.websockets import WebSocket, WebSocketDisconnect

    from localai.http_guard import BodyLimits, HttpGuard

    async def echo(ws: WebSocket) -> None:
        await ws.accept()
        await ws.send_text("hello")
        await ws.close()

    inner = Starlette(routes=[WebSocketRoute("/ws", echo)])
    guarded = HttpGuard(inner, _policy("--allowed-hosts", "testserver"), BodyLimits(1 << 20, 1 << 20))
    client = TestClient(guarded)  # Host: testserver
    with client.websocket_connect("/ws", headers={"Origin": "http://testserver"}) as ws:
        assert ws.receive_text() == "hello"
    refused = TestClient(HttpGuard(inner, _policy(), BodyLimits(1 << 20, 1 << 20)))
    for test_client, headers in ((client, {"Origin": "http://evil.example"}), (refused, {})):
        with pytest.raises(WebSocketDisconnect) as info, test_client.websocket_connect("/ws", headers=headers):
            pass
        assert info.value.code == 1008
