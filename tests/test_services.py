"""Services over the fake backends: the path the page and the API take, without torch.

The fakes (tests/fake_backends.py) are registered through the registry the app builds, so these
tests exercise the seams: services -> registry -> a ChatBackend / ImageBackend -> typed events.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from localai.catalog import ModelSpec
from localai.errors import InvalidInput, UnknownModel
from localai.image_request import ImageRequest
from localai.jobs import Done, Generating, ImageReady, Notice, Status, Step, TextDelta
from localai.messages import render
from localai.options import ChatOptions
from tests.fake_backends import FAKE_CHAT, FAKE_CHAT_2, FAKE_IMAGE, fake_hardware, register_fake_backends

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def fstate(tmp_path: Path) -> Iterator:
    from localai.config import parse_settings
    from localai.state import build_state

    settings = parse_settings(["--models-dir", str(tmp_path / "models"), "--data-dir", str(tmp_path / "data"),
                               "--outputs-dir", str(tmp_path / "outputs"), "--no-browser", "--offline"], env={})
    st = build_state(settings, hardware_info=fake_hardware())
    st.fakes = register_fake_backends(st.registry)
    yield st
    st.lanes.torch.call(st.registry.unload_all)
    st.lanes.shutdown()


def ask(text: str, system: str = "You are helpful.") -> list[dict]:
    return [{"role": "system", "content": system}, {"role": "user", "content": text}]


def test_chat_streams_text_events_then_the_result(fstate):
    events = list(fstate.services.chat(FAKE_CHAT, ask("Hello"), ChatOptions(max_new_tokens=12, seed=3)).events())
    kinds = [type(e) for e in events]
    assert kinds.index(Status) < kinds.index(Generating) < kinds.index(TextDelta), "loading, then writing, then text"
    result = events[-1].result
    assert isinstance(events[-1], Done) and result.completion_tokens == 12 and result.model == FAKE_CHAT
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == result.text
    assert result.plan is not None and result.plan.pool == "ram"


def test_model_is_loaded_once_and_reused(fstate):
    fstate.services.chat(FAKE_CHAT, ask("one"), ChatOptions(max_new_tokens=4)).wait()
    backend = fstate.registry.get_loaded(fstate.registry.resolve(FAKE_CHAT, "text"))
    others = list(fstate.services.chat(FAKE_CHAT, ask("two"), ChatOptions(max_new_tokens=4)).events())
    assert fstate.registry.get_loaded(fstate.registry.resolve(FAKE_CHAT, "text")) is backend
    assert not any(isinstance(e, Status) and "Loading" in render(e.message, "en") for e in others)
    assert fstate.services.unload(FAKE_CHAT, "text") is True
    assert fstate.registry.loaded() == []
    assert fstate.fakes.calls == [("load", FAKE_CHAT), ("unload", FAKE_CHAT)]


def test_empty_message_and_unknown_model_are_refused_before_any_work(fstate):
    with pytest.raises(InvalidInput, match="empty"):
        fstate.services.chat(FAKE_CHAT, ask("   "))
    with pytest.raises(UnknownModel) as err:
        fstate.services.chat("no-such-model", ask("hi"))
    assert FAKE_CHAT in str(err.value) and FAKE_CHAT_2 in str(err.value)
    with pytest.raises(InvalidInput, match="Temperature"):
        fstate.services.chat(FAKE_CHAT, ask("hi"), ChatOptions(temperature=-1))
    assert fstate.registry.loaded() == [] and fstate.fakes.calls == []


def test_a_conversation_longer_than_the_model_reads_comes_with_a_notice_first(fstate):
    fstate.fakes.context_messages = 4
    history = ask("first")
    for i in range(3):
        history += [{"role": "assistant", "content": f"answer {i}"}, {"role": "user", "content": f"question {i}"}]
    events = list(fstate.services.chat(FAKE_CHAT, history, ChatOptions(max_new_tokens=3)).events())
    notices = [e for e in events if isinstance(e, Notice)]
    assert len(notices) == 1 and "4 oldest messages were left out" in render(notices[0].message, "en")
    assert events.index(notices[0]) < next(i for i, e in enumerate(events) if isinstance(e, TextDelta))
    assert events[-1].result.dropped_messages == 4


def test_images_report_every_step_and_are_saved_with_their_settings(fstate):
    from PIL import Image

    req = ImageRequest(prompt="a red fox", num_images=2, steps=3, width=96, height=64, seed=11)
    events = list(fstate.services.generate_images(FAKE_IMAGE, req, user="alice").events())
    steps = [e for e in events if isinstance(e, Step)]
    assert [(e.i, e.total, e.image, e.image_step) for e in steps] == [
        (1, 6, 0, 1), (2, 6, 0, 2), (3, 6, 0, 3), (4, 6, 1, 1), (5, 6, 1, 2), (6, 6, 1, 3)]
    ready = [e.image for e in events if isinstance(e, ImageReady)]
    assert [i.info.seed for i in ready] == [11, 12] and all(i.path is not None for i in ready)
    with Image.open(ready[1].path) as png:
        assert png.size == (96, 64) and "Seed: 12" in png.text.get("parameters", "")
    result = events[-1].result
    assert isinstance(events[-1], Done) and not result.cancelled and len(result.images) == 2


def test_services_and_the_fakes_never_import_torch():
    """The seam: nothing between the page / API and a backend needs torch, transformers or diffusers."""
    script = textwrap.dedent("""
        import sys, tempfile
        from localai.config import parse_settings
        from localai.image_request import ImageRequest
        from localai.options import ChatOptions
        from localai.state import build_state
        from tests.fake_backends import fake_hardware, register_fake_backends
        tmp = tempfile.mkdtemp()
        st = build_state(parse_settings(["--models-dir", tmp + "/m", "--data-dir", tmp + "/d", "--outputs-dir",
                                         tmp + "/o", "--offline"], env={}), hardware_info=fake_hardware())
        register_fake_backends(st.registry)
        assert st.services.chat("fake-chat", [{"role": "user", "content": "hi"}],
                                ChatOptions(max_new_tokens=3)).wait().completion_tokens == 3
        req = ImageRequest(prompt="fox", steps=2, width=64, height=64, seed=1)
        assert len(st.services.generate_images("fake-image", req).wait().images) == 1
        st.lanes.shutdown()
        print(sorted(m for m in ("torch", "transformers", "diffusers") if m in sys.modules))
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout


def test_the_models_tab_counts_only_memory_held_on_this_computer(fstate):
    from localai.plan import LoadPlan
    from localai.sizes import format_bytes
    from localai.ui.models_tab import memory_markdown
    from tests.fake_backends import FakeChatBackend

    remote = ModelSpec("remote-chat", "text", "local", backend="fake-remote", params=10**9)
    fstate.registry.register("fake-remote", kind="text", scanners=(lambda s: [remote],),
                             planner=lambda spec, hw, prefs: LoadPlan("remote", "bf16", estimated_bytes=4 * 10**9,
                                                                      reason="on another machine", pool="none"),
                             factory=lambda spec, plan: FakeChatBackend(spec, plan, fstate.fakes))
    local = fstate.services.load(FAKE_CHAT, "text").wait()
    fstate.services.load("remote-chat", "text").wait()
    line = memory_markdown(fstate)
    assert "remote-chat" in line and FAKE_CHAT in line
    assert f"about {format_bytes(local.estimated_bytes)} in all" in line, line
