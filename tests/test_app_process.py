"""The app as a user starts it: a subprocess that serves the page quickly, privately."""

from __future__ import annotations

import subprocess
import sys
import urllib.request

import pytest

from tests.app_process import ROOT, running_app


def test_app_serves_the_page_on_localhost_without_loading_a_model(models_dir, tmp_path):
    with running_app(models_dir, tmp_path) as app:
        assert app.url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(app.url + "/", timeout=10) as resp:
            html = resp.read().decode()
        assert resp.status == 200 and "LocalAI" in html
        assert app.seconds_to_page < 30, f"the page took {app.seconds_to_page:.1f} s"
        log = app.log()
        assert "LocalAI is running at http://127.0.0.1:" in log
        assert "Loading weights" not in log, "no model is loaded at start"


def test_an_explicit_port_that_is_taken_is_refused_clearly(models_dir, tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        out = subprocess.run([sys.executable, "app.py", "--no-browser", "--port", str(port), "--models-dir",
                              str(models_dir), "--data-dir", str(tmp_path / "d"), "--outputs-dir", str(tmp_path / "o")],
                             cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2, out.stdout + out.stderr
    assert f"Port {port}" in out.stderr and "--port" in out.stderr and "Traceback" not in out.stderr


def test_help_lists_the_flags():
    out = subprocess.run([sys.executable, "app.py", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    for flag in ("--listen", "--auth", "--models-dir", "--offline", "--quantization", "--no-browser", "--check"):
        assert flag in out.stdout


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    import os

    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_an_idle_server_uses_under_one_percent_of_a_core(models_dir, tmp_path):
    """No page open, no job: the server must not keep a core busy (laptop fans, batteries). Gradio's
    queue alone used to poll 1,000 times a second (~5% of a core)."""
    import time

    with running_app(models_dir, tmp_path) as app:
        samples = []
        for _ in range(4):  # the first seconds import torch for hardware detection: take the quietest window
            before, started = _cpu_seconds(app.process.pid), time.monotonic()
            time.sleep(4)
            samples.append((_cpu_seconds(app.process.pid) - before) / (time.monotonic() - started))
            if len(samples) >= 2 and min(samples) < 0.01:
                break
        assert min(samples) < 0.01, f"idle CPU {[f'{s:.1%}' for s in samples]} of one core"
