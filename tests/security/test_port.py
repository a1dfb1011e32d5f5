"""Restarting right after a crash: an explicit --port is honoured (its old connections in TIME-WAIT do not
count as taken) or refused clearly when another program listens on it; only the default port moves on."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from dataclasses import replace

import pytest

from localai.config import parse_settings
from localai.errors import UserError
from localai.messages import render
from localai.serving import choose_port

HOST = "127.0.0.1"


def _listener(port: int = 0, reuse: bool = False) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if reuse:  # as uvicorn's own socket does (Gradio serves through uvicorn)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((HOST, port))
    s.listen(1)
    return s


@pytest.fixture
def port_in_time_wait() -> Iterator[int]:
    """A port whose server (uvicorn-like) closed its side of a connection first, as a crashed server
    does: the connection lingers in TIME-WAIT."""
    server = _listener(reuse=True)
    port = server.getsockname()[1]
    client = socket.create_connection((HOST, port))
    accepted, _ = server.accept()
    accepted.close()  # the server side closes first: this side goes to TIME-WAIT
    client.recv(1)
    client.close()
    server.close()
    yield port


@pytest.mark.skipif(sys.platform == "win32", reason="TIME-WAIT and SO_REUSEADDR differ on Windows")
def test_an_explicit_port_in_time_wait_is_used(port_in_time_wait: int) -> None:
    plain = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with pytest.raises(OSError):  # the situation after a crash: a bind without address reuse fails
        plain.bind((HOST, port_in_time_wait))
    plain.close()
    settings = parse_settings(["--port", str(port_in_time_wait)], env={})
    assert settings.port_given
    assert choose_port(settings) == port_in_time_wait  # not port + 1


def test_an_explicit_port_another_program_listens_on_is_refused_clearly() -> None:
    with _listener() as other:
        port = other.getsockname()[1]
        with pytest.raises(UserError) as caught:
            choose_port(parse_settings(["--port", str(port)], env={}))
    said = render(caught.value, "en")
    assert caught.value.key == "error.serving.port_taken"
    assert str(port) in said and "--port" in said
    assert "порт" in render(caught.value, "ru").lower()


def test_only_the_default_port_moves_to_the_next_free_one() -> None:
    settings = parse_settings([], env={})
    assert not settings.port_given and settings.port == 7860
    with _listener() as other:
        taken = other.getsockname()[1]
        moved = choose_port(replace(settings, port=taken))  # the default, as if 7860 were this one
    assert moved > taken
