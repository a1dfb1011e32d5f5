"""A fake chat backend and a fake image backend, registered through the registry the app uses.

For tests where the model itself is not what is tested (services, the API, the registry): they
meet the ``ChatBackend`` / ``ImageBackend`` contracts without torch, answer instantly (or as slowly
as a test asks), and are deterministic: the same seed and question give the same answer, the same
seed and prompt the same picture.

    from tests.fake_backends import FAKE_CHAT, FAKE_IMAGE, register_fake_backends
    behaviour = register_fake_backends(state.registry)
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from localai.backends.base import ChatResult, GeneratedImage, ImageResult, StepProgress
from localai.backends.prompting import dropped_notice
from localai.catalog import ModelSpec
from localai.gallery import GenerationInfo
from localai.hardware import HardwareInfo
from localai.image_request import MAX_SEED, ImageRequest
from localai.jobs import CancelToken
from localai.messages import Message
from localai.options import ChatOptions
from localai.plan import LoadPlan, LoadPrefs

FAKE_CHAT, FAKE_CHAT_2, FAKE_IMAGE = "fake-chat", "fake-chat-2", "fake-image"
WORDS = ("the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "sea", "bread", "stars", "rain",
         "village", "cat", "story", "answer", "light", "river", "stone", "song")
GIB = 1024**3


@dataclass
class FakeBehaviour:
    """What the fakes do; a test changes it to make them slow, short of context, or memory-hungry."""

    token_seconds: float = 0.0  # the chat model's time per token
    step_seconds: float = 0.0  # the image model's time per denoising step
    context_messages: int = 64  # how many messages the chat model reads at once (older ones are dropped)
    calls: list[tuple[str, str]] = field(default_factory=list)  # ("load" | "unload", model name), in order
    on_load: Callable[[LoadPlan], None] = lambda plan: None  # e.g. take the plan's bytes from fake RAM
    on_unload: Callable[[LoadPlan], None] = lambda plan: None


def fake_specs() -> list[ModelSpec]:
    chat = dict(kind="text", source="local", backend="fake-chat", family="fake", params=1_000_000, context_length=64)
    return [ModelSpec(name=FAKE_CHAT, **chat), ModelSpec(name=FAKE_CHAT_2, **chat),
            ModelSpec(name=FAKE_IMAGE, kind="image", source="local", backend="fake-image", family="sd15",
                      params=2_000_000)]


def plan_fake_load(spec: ModelSpec, hw: HardwareInfo, prefs: LoadPrefs) -> LoadPlan:
    """Every fake model takes 4 bytes per parameter of RAM."""
    need = spec.params * 4
    # a plain string renders as itself: the fake needs no catalog text
    return LoadPlan("cpu", "fp32", estimated_bytes=need, reason=f"fake: {need} bytes of RAM", pool="ram")  # type: ignore[arg-type]


def fake_hardware(available_ram: int = 16 * GIB) -> HardwareInfo:
    return HardwareInfo("cpu", "Fake CPU", 0, 0, total_ram=32 * GIB, available_ram=available_ram, cpu_threads=2)


def register_fake_backends(registry, behaviour: FakeBehaviour | None = None) -> FakeBehaviour:
    """Register "fake-chat" and "fake-image" (with their three models) in ``registry``; returns their behaviour."""
    behaviour = behaviour or FakeBehaviour()
    specs = fake_specs()
    registry.register("fake-chat", kind="text", planner=plan_fake_load,
                      factory=lambda spec, plan: FakeChatBackend(spec, plan, behaviour),
                      scanners=(lambda s: [m for m in specs if m.kind == "text"],))
    registry.register("fake-image", kind="image", planner=plan_fake_load,
                      factory=lambda spec, plan: FakeImageBackend(spec, plan, behaviour),
                      scanners=(lambda s: [m for m in specs if m.kind == "image"],))
    return behaviour


class _Loadable:
    def __init__(self, spec: ModelSpec, plan: LoadPlan, behaviour: FakeBehaviour) -> None:
        self.spec, self.plan, self.behaviour = spec, plan, behaviour
        self.loaded = False

    def load(self, on_status: Callable[[Message], None]) -> None:
        on_status(Message("status.loading_weights", name=self.spec.name, plan=self.plan.describe()))
        self.behaviour.calls.append(("load", self.spec.name))
        self.behaviour.on_load(self.plan)
        self.loaded = True

    def unload(self) -> None:
        self.behaviour.calls.append(("unload", self.spec.name))
        self.behaviour.on_unload(self.plan)
        self.loaded = False


class FakeChatBackend(_Loadable):
    """Answers with words drawn from a generator seeded by the seed and the last question."""

    streaming = True
    images_in = False
    batching = False

    def stream_chat(self, messages: Sequence[dict], options: ChatOptions, cancel: CancelToken,
                    on_text: Callable[[str], None], *, on_notice: Callable[[Message], None] | None = None,
                    on_start: Callable[[], None] | None = None) -> ChatResult:
        started = time.perf_counter()
        system = [m for m in messages[:1] if m["role"] == "system"]
        turns = list(messages[len(system):])
        dropped = max(0, len(system) + len(turns) - self.behaviour.context_messages)
        if dropped and on_notice is not None:
            on_notice(dropped_notice(self.spec.name, self.behaviour.context_messages, dropped))
        shown = system + turns[dropped:]
        if on_start is not None:
            on_start()
        seed = options.seed if options.seed >= 0 else random.randrange(2**31)
        rng = random.Random(f"{0 if options.temperature == 0 else seed}/{shown[-1]['content']}")
        text, emitted, tokens, finish, first_at = "", 0, 0, "length", 0.0
        hold = max((len(s) for s in options.stop), default=1) - 1  # a stop string may be starting
        while tokens < options.max_new_tokens:
            if cancel.cancelled:
                finish = "cancelled"
                break
            time.sleep(self.behaviour.token_seconds)
            text += ("" if tokens == 0 else " ") + rng.choice(WORDS)
            tokens += 1
            first_at = first_at or time.perf_counter()
            cut = min((i for i in (text.find(s) for s in options.stop) if i >= 0), default=-1)
            if cut >= 0:
                text, finish = text[:cut], "stop"
                break
            if len(text) - hold > emitted:
                on_text(text[emitted:len(text) - hold])
                emitted = len(text) - hold
        if len(text) > emitted:
            on_text(text[emitted:])
        now = time.perf_counter()
        prompt_tokens = sum(len(m["content"].split()) + 2 for m in shown)
        return ChatResult(text, prompt_tokens, tokens, now - started, (first_at or now) - started, finish, dropped,
                          seed, self.plan, self.spec.name)


class FakeImageBackend(_Loadable):
    """Draws a flat colour picked by the seed, reporting every step."""

    operations = frozenset({"text-to-image"})

    def scheduler_names(self) -> list[str]:
        return ["Default", "Euler a"]

    def generate(self, request: ImageRequest, cancel: CancelToken, on_step: Callable[[StepProgress], None],
                 on_image: Callable[[GeneratedImage], GeneratedImage | None] | None = None) -> ImageResult:
        from PIL import Image

        req, started, done = request, time.perf_counter(), 0
        total = req.steps * req.num_images
        images: list[GeneratedImage] = []
        for i in range(req.num_images):
            if cancel.cancelled:
                break
            seed = (req.seed + i) % (MAX_SEED + 1)
            steps_done = 0
            for step in range(req.steps):
                if cancel.cancelled:
                    break
                time.sleep(self.behaviour.step_seconds)
                done, steps_done = done + 1, step + 1
                on_step(StepProgress(done, total, 0.0, i, step + 1))
            colour = tuple(random.Random(f"{seed}/{req.prompt}").randrange(256) for _ in range(3))
            info = GenerationInfo(prompt=req.prompt, negative_prompt=req.negative_prompt, steps=req.steps,
                                  sampler=req.scheduler, cfg_scale=float(req.guidance_scale), seed=seed,
                                  width=req.width, height=req.height, model=self.spec.name)
            finished = steps_done == req.steps
            image = GeneratedImage(Image.new("RGB", (req.width, req.height), colour), info, i, finished, steps_done)
            if on_image is not None:
                image = on_image(image) or image
            images.append(image)
            if not finished:
                break
        cancelled = cancel.cancelled and (len(images) < req.num_images or not images[-1].finished)
        return ImageResult(tuple(images), req, req.scheduler, time.perf_counter() - started, cancelled, self.plan,
                           self.spec.name)
