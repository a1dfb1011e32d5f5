"""Remote image models: a server that offers POST /v1/images/generations used from this LocalAI as its own.

Against a fake image engine on 127.0.0.1 (tests/fake_image_upstream.py): the model is listed with its
server, the images come back and are saved in the right user's folder with their settings, the job runs
on the network lane (never behind local torch work), a wrong key, a server gone, a refusal and a reply
that is not the OpenAI format each give one plain error that names the server, a failing server is
skipped and the request drawn on another, Cancel closes the upstream request. The Image tab's own
handlers list it as "name · server", offer only the server's sampler, and draw with it.
Against a real second LocalAI process with the tiny image pipeline (slow): the same, end to end.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from localai.errors import UserError
from localai.gallery import read_png_info
from localai.image_request import DEFAULT_SCHEDULER, ImageRequest
from localai.jobs import Done, Generating, ImageReady, Status
from localai.messages import render
from tests.fake_image_upstream import UpstreamBehaviour, colour_of, fake_image_upstream

WAIT = 10.0
MODEL = "sd-remote"


def request(**kw: Any) -> ImageRequest:
    values: dict[str, Any] = dict(prompt="a red fox in the snow", negative_prompt="blurry", seed=7, steps=3,
                                  guidance_scale=5.0, width=96, height=64, num_images=2)
    values.update(kw)
    return ImageRequest(**values)


def build_local(tmp: Path, models_dir: Path, servers: dict[str, str], keys: dict[str, str] | None = None) -> Any:
    """This LocalAI, with ``servers`` (name -> URL) added by --remote, checked once before it is handed over."""
    from localai.config import parse_settings
    from localai.state import build_state

    args = ["--models-dir", str(models_dir), "--data-dir", str(tmp / "data"), "--outputs-dir", str(tmp / "outputs"),
            "--no-browser"]
    for name, url in servers.items():
        args += ["--remote", f"{name}={url}"]
    for name, key in (keys or {}).items():
        args += ["--remote-key", f"{name}={key}"]
    state = build_state(parse_settings(args, env={}))
    state.services.remotes.check_all()
    return state


def close_local(state: Any) -> None:
    state.services.remotes.stop()
    state.lanes.torch.call(state.registry.unload_all)
    state.lanes.shutdown()


@contextmanager
def local_app(tmp: Path, models_dir: Path, servers: dict[str, str], keys: dict[str, str] | None = None
              ) -> Iterator[Any]:
    state = build_local(tmp, models_dir, servers, keys)
    try:
        yield state
    finally:
        close_local(state)


@pytest.fixture()
def upstream() -> Iterator[Any]:
    with fake_image_upstream([MODEL], UpstreamBehaviour(key="up-key")) as up:
        yield up


@pytest.fixture()
def local(upstream: Any, models_dir: Path, tmp_path: Path) -> Iterator[Any]:
    with local_app(tmp_path, models_dir, {"pc2": upstream.url}, {"pc2": "up-key"}) as state:
        yield state


def run_job(job: Any, timeout: float = WAIT) -> tuple[list[Any], Any]:
    """The job's events (in a thread, so that a hang fails the test instead of blocking it) and its result."""
    events: list[Any] = []
    failure: list[BaseException] = []

    def read() -> None:
        try:
            events.extend(job.events())
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            failure.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    assert not reader.is_alive(), f"the job did not end within {timeout} s: {events}"
    if failure:
        raise failure[0]
    return events, next(e.result for e in events if isinstance(e, Done))


def failure_of(job: Any) -> UserError:
    with pytest.raises(UserError) as caught:
        run_job(job)
    error = caught.value
    shown = render(error, "en")
    assert "Traceback" not in shown and "File \"" not in shown
    return error


def saved_pngs(outputs: Path, user: str) -> list[Path]:
    from localai.gallery import user_folder

    return sorted(user_folder(outputs, user).rglob("*.png"))


# -- listing ---------------------------------------------------------------------------------------------
def test_a_remote_image_model_is_listed_with_its_server(local):
    from localai.ui.image_tab import model_choices

    spec = local.services.registry.resolve(MODEL, "image")
    assert (spec.source, spec.backend, spec.servers, spec.remote_id) == ("remote", "remote_image", ("pc2",), MODEL)
    assert (f"{MODEL} · pc2", MODEL) in model_choices(local.services)
    assert MODEL not in local.services.model_names("text"), "an image model is not offered for chat"
    _, _, samplers = local.services.image_defaults(MODEL)
    assert samplers == [DEFAULT_SCHEDULER], "the server's own sampler: nothing here knows which it has"


# -- drawing ---------------------------------------------------------------------------------------------
def test_images_come_back_and_are_saved_for_the_user_with_their_settings(local, upstream):
    job = local.services.generate_images(MODEL, request(), owner="alice-tab", user="alice")
    events, result = run_job(job)
    # what was asked of the server: our own API's fields, the key as a bearer token
    body = upstream.bodies[-1]
    assert body == {"model": MODEL, "prompt": "a red fox in the snow", "n": 2, "size": "96x64",
                    "response_format": "b64_json", "negative_prompt": "blurry", "steps": 3, "guidance_scale": 5.0,
                    "seed": 7}
    assert upstream.auth[-1] == "Bearer up-key"
    # what the page hears: drawing on pc2, then the two images, saved
    statuses = [render(e.message, "en") for e in events if isinstance(e, Status)]
    assert any("pc2" in line for line in statuses), statuses
    assert any(isinstance(e, Generating) for e in events)
    ready = [e.image for e in events if isinstance(e, ImageReady)]
    assert [im.info.seed for im in ready] == [7, 8] and all(im.finished and im.path for im in ready)
    assert not result.cancelled and [im.info.seed for im in result.images] == [7, 8]
    assert render(result.plan.describe(), "en").count("pc2") == 1, "the summary names the server that drew"
    # saved in alice's folder, with the settings that made them; nothing in anyone else's
    paths = saved_pngs(local.settings.outputs_dir, "alice")
    assert sorted(paths) == sorted(im.path for im in ready)
    assert saved_pngs(local.settings.outputs_dir, "bob") == []
    assert [s.path for s in local.services.saved_images("bob")] == []
    assert len(local.services.saved_images("alice")) == 2
    from PIL import Image

    for im in ready:
        meta = read_png_info(im.path)
        info = meta.info
        assert (info.prompt, info.negative_prompt, info.steps, info.cfg_scale) == ("a red fox in the snow", "blurry",
                                                                                   3, 5.0)
        assert (info.width, info.height, info.model, info.extra.get("Server")) == (96, 64, MODEL, "pc2")
        assert meta.localai["user"] == "alice" and meta.localai["server"] == "pc2"
        with Image.open(im.path) as png:
            assert png.convert("RGB").getpixel((10, 10)) == colour_of(info.seed), "the server's own picture"


def test_the_sampler_the_server_names_in_its_png_is_kept(local, upstream):
    upstream.behaviour.parameters = "a fox\nSteps: 3, Sampler: DPM++ 2M Karras, CFG scale: 5, Seed: 7, Size: 96x64"
    _, result = run_job(local.services.generate_images(MODEL, request(num_images=1), user="alice"))
    assert result.sampler == "DPM++ 2M Karras"
    assert read_png_info(result.images[0].path).info.sampler == "DPM++ 2M Karras"


def test_a_remote_drawing_never_waits_behind_local_torch_work(local):
    release, started = threading.Event(), threading.Event()
    local.lanes.torch.submit(lambda job: (started.set(), release.wait(30)), owner="blocker", description="block")
    assert started.wait(WAIT)
    try:
        t0 = time.monotonic()
        _, result = run_job(local.services.generate_images(MODEL, request(num_images=1), user="alice"))
        assert len(result.images) == 1 and time.monotonic() - t0 < 5
    finally:
        release.set()


# -- errors ----------------------------------------------------------------------------------------------
def test_a_wrong_key_says_so_and_names_the_server(local, upstream):
    upstream.behaviour.key = "a-new-key"  # the server's key was changed after it was added
    error = failure_of(local.services.generate_images(MODEL, request(), user="alice"))
    # The request itself meets the refusal (502), or a health check in the background met it first and the
    # server is set aside (503): either way the message says the key was refused, naming the server and URL.
    assert (type(error).__name__, error.status) in (("RemoteWrongKey", 502), ("NoRemoteServer", 503))
    text = render(error, "en")
    assert "pc2" in text and upstream.url in text and "refused the key (HTTP 401)" in text
    assert saved_pngs(local.settings.outputs_dir, "alice") == []


def test_a_server_gone_is_a_plain_error_with_its_url_then_it_is_skipped(local, upstream):
    upstream.stop()  # the other computer went off: its port refuses connections
    error = failure_of(local.services.generate_images(MODEL, request(), user="alice"))
    assert type(error).__name__ == "RemoteUnreachable"
    assert upstream.url in render(error, "en") and "pc2" in render(error, "en")
    again = failure_of(local.services.generate_images(MODEL, request(), user="alice"))
    assert type(again).__name__ == "NoRemoteServer", "a failed server is skipped until its check passes"
    assert "pc2" in render(again, "en")


def test_a_refusal_passes_the_servers_words_on_and_keeps_the_server(local, upstream):
    upstream.behaviour.status, upstream.behaviour.error = 400, "steps must be at most 8 for SDXL-Turbo"
    error = failure_of(local.services.generate_images(MODEL, request(), user="alice"))
    assert type(error).__name__ == "RemoteRefused" and error.status == 400
    assert "steps must be at most 8 for SDXL-Turbo" in render(error, "en") and "pc2" in render(error, "en")
    assert local.services.remotes.view("pc2").reachable, "the server is fine: it only turned the request down"


@pytest.mark.parametrize(("change", "kind", "words"), [
    ({"reply": {"data": [{"url": "https://example.com/a.png"}]}}, "RemoteBadReply", "links instead of images"),
    ({"reply": {"data": []}}, "RemoteBadReply", "without any image"),
    ({"reply": {"data": [{"b64_json": "bm90IGFuIGltYWdl"}]}}, "RemoteBadReply", "cannot be read"),
    ({"raw": b"<html>a login page</html>"}, "RemoteBadReply", "pc2"),
    ({"no_images_route": True}, "RemoteBadReply", "does not draw images"),
    ({"status": 500}, "RemoteFailed", "it went wrong"),
])
def test_a_reply_that_is_not_images_is_one_plain_error(local, upstream, change, kind, words):
    for name, value in change.items():
        setattr(upstream.behaviour, name, value)
    error = failure_of(local.services.generate_images(MODEL, request(), user="alice"))
    assert type(error).__name__ == kind
    assert words in render(error, "en") and "pc2" in render(error, "en")
    assert saved_pngs(local.settings.outputs_dir, "alice") == []


# -- cancel ----------------------------------------------------------------------------------------------
def test_cancel_closes_the_upstream_request_at_once(local, upstream):
    upstream.behaviour.delay_s = 30.0  # a long drawing
    job = local.services.generate_images(MODEL, request(), owner="alice-tab", user="alice")
    assert upstream.arrived.wait(WAIT), "the request reached the server"
    t0 = time.monotonic()
    assert local.services.cancel(job.id, "alice-tab")
    events, result = run_job(job, timeout=5)
    assert time.monotonic() - t0 < 3, "the job ends at once, not when the server would have answered"
    assert upstream.left.wait(5), "the server saw the client leave (another LocalAI stops drawing then)"
    assert result.cancelled and result.images == ()
    assert saved_pngs(local.settings.outputs_dir, "alice") == []
    assert local.services.remotes.view("pc2").reachable, "a cancel is not the server's fault"


def test_cancel_while_waiting_in_line_never_contacts_the_server(local, upstream):
    upstream.behaviour.delay_s = 30.0
    first = local.services.generate_images(MODEL, request(), owner="a", user="alice")
    assert upstream.arrived.wait(WAIT)
    local.services.cancel(first.id, "a")
    run_job(first)
    assert len(upstream.bodies) == 1


# -- several servers -------------------------------------------------------------------------------------
@pytest.fixture()
def two_servers(models_dir: Path, tmp_path: Path) -> Iterator[SimpleNamespace]:
    with fake_image_upstream([MODEL]) as a, fake_image_upstream([MODEL]) as b:
        with local_app(tmp_path, models_dir, {"pc2": a.url, "pc3": b.url}) as state:
            yield SimpleNamespace(state=state, a=a, b=b)


def test_a_server_that_fails_is_skipped_and_the_request_drawn_on_the_other(two_servers):
    s, a, b = two_servers.state, two_servers.a, two_servers.b
    assert s.services.registry.resolve(MODEL, "image").servers == ("pc2", "pc3")
    a.behaviour.status = 500  # pc2 (first in line: neither is busy) fails with an internal error
    events, result = run_job(s.services.generate_images(MODEL, request(num_images=1), user="alice"))
    assert len(result.images) == 1 and result.images[0].info.extra["Server"] == "pc3"
    assert len(a.bodies) == 1 and b.answered == 1, "tried once on pc2, then drawn on pc3"
    statuses = [render(e.message, "en") for e in events if isinstance(e, Status)]
    assert any("pc3" in line for line in statuses), statuses
    assert not s.services.remotes.view("pc2").reachable, "pc2 is skipped until its health check passes"
    _, result = run_job(s.services.generate_images(MODEL, request(num_images=1), user="alice"))
    assert result.images[0].info.extra["Server"] == "pc3" and len(a.bodies) == 1


def test_requests_go_to_the_least_busy_server(two_servers):
    s, a, b = two_servers.state, two_servers.a, two_servers.b
    a.behaviour.delay_s = b.behaviour.delay_s = 1.0
    jobs = [s.services.generate_images(MODEL, request(num_images=1), owner=f"o{i}", user="alice") for i in range(2)]
    results = [run_job(job)[1] for job in jobs]
    assert sorted(r.images[0].info.extra["Server"] for r in results) == ["pc2", "pc3"]
    assert a.answered == b.answered == 1


# -- the Image tab ---------------------------------------------------------------------------------------
def handler(demo: Any, elem_id: str, event: str = "click") -> Any:
    ids = {bid for bid, block in demo.blocks.items() if getattr(block, "elem_id", None) == elem_id}
    for fn in demo.fns.values():
        if any(target in ids and name == event for target, name in fn.targets):
            return fn.fn
    raise LookupError(f"nothing is wired to {event} of #{elem_id}")


def browser(session: str, user: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(username=user, session_hash=session, headers={"accept-language": "en"})


def test_the_image_tab_lists_draws_and_saves_with_a_remote_model(local, upstream):
    from localai.ui import build_ui

    demo = build_ui(local)
    req = browser("tab-1")
    # the plan line says where it draws, and that there are no steps to show
    plan_line = handler(demo, "image-model", "change")(MODEL, req)
    assert "pc2" in plan_line and "step" in plan_line.lower()
    # picked by hand: the server's own sampler only
    sized = handler(demo, "image-model", "input")(MODEL, "1:1")
    assert sized[4]["choices"] == [DEFAULT_SCHEDULER]
    generate = handler(demo, "image-generate")
    updates = list(generate(MODEL, "a red fox", "", 11, 2, 5.0, 64, 64, 2, DEFAULT_SCHEDULER, [], [], request=req))
    lines = [u[1] for u in updates if isinstance(u[1], str)]
    assert any("pc2" in line for line in lines), "the progress line says which server draws"
    grid = [u[0] for u in updates if isinstance(u[0], list)][-1]
    assert len(grid) == 2
    assert "pc2" in lines[-1], "the summary names the server"
    assert len(saved_pngs(local.settings.outputs_dir, "local")) == 2


# -- our own API -----------------------------------------------------------------------------------------
def test_our_api_draws_with_a_remote_model_as_with_a_local_one(local, upstream):
    import base64
    import io

    import openai
    from fastapi import FastAPI
    from PIL import Image

    from localai.api import mount_api
    from localai.auth import ApiKey
    from tests.app_process import serve_in_thread

    app = FastAPI()
    mount_api(app, local.services, ApiKey(None, False))
    url, server, thread = serve_in_thread(app)
    try:
        client = openai.OpenAI(base_url=url, api_key="local", max_retries=0, timeout=30)
        assert MODEL in [m.id for m in client.models.list().data]
        out = client.images.generate(model=MODEL, prompt="a red fox", n=1, size="64x64", response_format="b64_json",
                                     extra_body={"seed": 5, "steps": 2})
        with Image.open(io.BytesIO(base64.b64decode(out.data[0].b64_json))) as png:
            assert png.size == (64, 64) and png.convert("RGB").getpixel((1, 1)) == colour_of(5)
            assert "Server: pc2" in png.info["parameters"], "the saved PNG, with its settings, is what comes back"
        assert upstream.bodies[-1]["seed"] == 5 and upstream.bodies[-1]["steps"] == 2
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# -- a real second LocalAI -------------------------------------------------------------------------------
REAL_KEY = "sk-upstream-key"


@pytest.fixture(scope="module")
def real_upstream(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """Another LocalAI process on 127.0.0.1 with the tiny image pipeline, behind an API key."""
    from tests.app_process import running_app
    from tests.tiny_pipelines import with_tiny_sd

    work = tmp_path_factory.mktemp("remote-images-upstream")
    models = with_tiny_sd(models_dir, work / "models")
    with running_app(models, work, extra=["--api-key", REAL_KEY, "--offline"]) as app:
        yield SimpleNamespace(app=app, url=app.url, outputs=work / "outputs")


@pytest.fixture()
def real_local(real_upstream: SimpleNamespace, models_dir: Path, tmp_path: Path) -> Iterator[Any]:
    with local_app(tmp_path, models_dir, {"gpu": real_upstream.url}, {"gpu": REAL_KEY}) as state:
        yield state


@pytest.mark.slow
def test_a_second_localai_draws_and_the_images_are_saved_here_for_the_user(real_local, real_upstream):
    from PIL import Image, ImageChops

    spec = real_local.services.registry.resolve("tiny-sd", "image")
    assert (spec.source, spec.servers) == ("remote", ("gpu",))
    job = real_local.services.generate_images("tiny-sd", request(prompt="a lighthouse at dusk", seed=3, steps=2,
                                                                 width=64, height=64), user="alice")
    events, result = run_job(job, timeout=120)
    assert [im.info.seed for im in result.images] == [3, 4] and all(im.path for im in result.images)
    assert result.sampler not in ("", DEFAULT_SCHEDULER), "the sampler the other LocalAI used, read from its PNG"
    mine = saved_pngs(real_local.settings.outputs_dir, "alice")
    assert sorted(mine) == sorted(im.path for im in result.images)
    assert saved_pngs(real_local.settings.outputs_dir, "local") == []
    info = read_png_info(mine[0]).info
    assert (info.prompt, info.negative_prompt, info.steps, info.cfg_scale) == ("a lighthouse at dusk", "blurry", 2, 5.0)
    assert info.model == "tiny-sd" and info.extra["Server"] == "gpu"
    # the very pictures the other LocalAI drew (it saved its own copies too)
    theirs = sorted(real_upstream.outputs.rglob(f"*-{info.seed}.png"), key=lambda p: p.stat().st_mtime)
    assert theirs, "the other LocalAI saved what it drew"
    with Image.open(mine[0]) as a, Image.open(theirs[-1]) as b:
        assert ImageChops.difference(a.convert("RGB"), b.convert("RGB")).getbbox() is None


@pytest.mark.slow
def test_a_wrong_key_for_a_real_localai_is_a_plain_error(real_upstream, models_dir, tmp_path):
    from localai.jobs import CancelToken
    from localai.remote_client import RemoteClient
    from localai.remote_images_client import generate_images
    from localai.remote_servers import RemoteServer, normalize_url

    url = normalize_url(real_upstream.url)
    with pytest.raises(UserError) as caught:
        generate_images(RemoteClient(RemoteServer("gpu", url, "sk-wrong")), "tiny-sd",
                        request(width=64, height=64).with_defaults(""), CancelToken())
    assert type(caught.value).__name__ == "RemoteWrongKey"
    assert url in render(caught.value, "en") and "gpu" in render(caught.value, "en")
    with local_app(tmp_path, models_dir, {"gpu": real_upstream.url}, {"gpu": "sk-wrong"}) as state:
        view = state.services.remotes.view("gpu")
        assert not view.reachable and type(view.problem).__name__ == "RemoteWrongKey"
        assert "tiny-sd" not in state.services.model_names("image")


@pytest.mark.slow
def test_cancel_stops_the_other_localai_drawing(real_local, real_upstream):
    small = request(steps=2, width=64, height=64, num_images=1)
    run_job(real_local.services.generate_images("tiny-sd", small, user="alice"), 300)  # the model is loaded there
    left_before = real_upstream.app.log().count("the client left")
    big = request(prompt="a long drawing", seed=1000, steps=50, width=192, height=192, num_images=8)
    job = real_local.services.generate_images("tiny-sd", big, owner="alice-tab", user="alice")
    drawing = threading.Event()
    events: list[Any] = []

    def read() -> None:
        for event in job.events():
            events.append(event)
            if isinstance(event, Status):
                drawing.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert drawing.wait(30)
    time.sleep(2)  # the other LocalAI is drawing the first of the eight now
    t0 = time.monotonic()
    assert real_local.services.cancel(job.id, "alice-tab")
    reader.join(5)
    assert not reader.is_alive() and time.monotonic() - t0 < 3, "Cancel ends the job here at once"
    result = next(e.result for e in events if isinstance(e, Done))
    assert result.cancelled and result.images == ()
    deadline = time.monotonic() + 10
    while real_upstream.app.log().count("the client left") == left_before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert real_upstream.app.log().count("the client left") > left_before, "the other LocalAI saw the client leave"
    # It stopped drawing: a small drawing sent now waits there behind the big one, which ends at its next step
    # instead of drawing all eight (each finished one would be saved there).
    run_job(real_local.services.generate_images("tiny-sd", small, user="alice"), 300)
    big_ones = [p for p in real_upstream.outputs.rglob("*.png") if 1000 <= int(p.stem.rsplit("-", 1)[1]) <= 1007]
    assert len(big_ones) < 8, "the other LocalAI did not draw the cancelled request to its end"
    assert len(saved_pngs(real_local.settings.outputs_dir, "alice")) == 2, "only the two small drawings"
