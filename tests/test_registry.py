"""The registry: resolving names, loading once, unloading, evicting when memory is short,
and clear errors for broken model folders (with the real transformers backend)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from localai.catalog import ModelSpec
from localai.config import parse_settings
from localai.errors import ModelFolderInvalid, UnknownModel, UnsafeModel, UserError
from localai.hardware import HardwareInfo
from localai.jobs import Done, TextDelta
from localai.messages import render
from localai.plan import LoadPlan, LoadPrefs, plan_text_load
from localai.registry import Registry, UnknownBackend
from tests.fake_backends import FakeBehaviour, FakeChatBackend

GB = 10**9


# -- fakes ----------------------------------------------------------------------------------------------

class FakeHardware:
    """Returns a HardwareInfo literal; loading and unloading fake models moves its free memory."""

    def __init__(self, available_ram: int, free_vram: int = 0) -> None:
        self.info = HardwareInfo("cuda" if free_vram else "cpu", "Fake", free_vram, free_vram, total_ram=64 * GB,
                                 available_ram=available_ram, cpu_threads=2)

    def __call__(self) -> HardwareInfo:
        return self.info

    def take(self, plan: LoadPlan, sign: int = 1) -> None:
        n = sign * plan.estimated_bytes
        if plan.pool == "ram":
            self.info = self.info.with_free(available_ram=self.info.available_ram - n)
        elif plan.pool == "gpu":
            self.info = self.info.with_free(free_vram=self.info.free_vram - n)


def _behaviour(hw: FakeHardware) -> FakeBehaviour:
    return FakeBehaviour(on_load=hw.take, on_unload=lambda plan: hw.take(plan, -1))


def _spec(name: str, params: float) -> ModelSpec:
    return ModelSpec(name=name, kind="text", source="local", repo_id=f"org/{name}-repo", params=int(params),
                     weight_bytes=int(params * 4))


SPECS = [_spec("alpha", 1.5e9), _spec("beta", 1.5e9), _spec("gamma", 3e9)]


@pytest.fixture()
def fake(tmp_path: Path):
    """A registry over three fake models (fp32 on CPU: alpha 6 GB, beta 6 GB, gamma 12 GB)."""

    class Env:
        def __init__(self) -> None:
            self.statuses: list[str] = []
            self.hw = FakeHardware(30 * GB)
            self.behaviour = _behaviour(self.hw)
            self.calls = self.behaviour.calls  # ("load" | "unload", name), in order
            settings = parse_settings(["--models-dir", str(tmp_path / "models"), "--data-dir", str(tmp_path / "data")],
                                      env={})
            self.registry = Registry(settings, self.hw, catalog=())
            # The real planner over these three only (nothing from the models folder or the HF cache),
            # served by the fake chat backend.
            self.registry.register("transformers", kind="text", planner=plan_text_load,
                                   factory=lambda spec, plan: FakeChatBackend(spec, plan, self.behaviour),
                                   scanners=(lambda s: list(SPECS),))

        def load(self, name: str, **kw):
            return self.registry.ensure_loaded(self.registry.resolve(name, "text"),
                                               lambda status: self.statuses.append(render(status, "en")), **kw)

        def loaded_names(self) -> list[str]:
            return sorted(b.spec.name for b in self.registry.loaded())

    return Env()


# -- resolving ------------------------------------------------------------------------------------------

def test_resolve_by_name_or_repo_id(fake) -> None:
    assert fake.registry.resolve("beta", "text").name == "beta"
    assert fake.registry.resolve("  org/gamma-repo ", "text").name == "gamma"
    assert fake.registry.names("text") == ["alpha", "beta", "gamma"]


def test_resolve_unknown_name_lists_the_known_ones(fake) -> None:
    with pytest.raises(UnknownModel) as info:
        fake.registry.resolve("delta", "text")
    text = str(info.value)
    assert "'delta'" in info.value.message
    for name in ("alpha", "beta", "gamma"):
        assert name in text
    assert info.value.status == 404


@pytest.mark.parametrize("empty", ["", "   ", None])
def test_resolve_empty_name_asks_to_pick_one(fake, empty) -> None:
    with pytest.raises(UnknownModel) as info:
        fake.registry.resolve(empty, "text")
    assert "No chat model was chosen" in info.value.message
    assert "alpha, beta, gamma" in info.value.hint


def test_unknown_kind_has_no_models(fake) -> None:
    with pytest.raises(UnknownModel, match="none"):
        fake.registry.resolve("alpha", "image")


# -- loading ----------------------------------------------------------------------------------------------

def test_first_ensure_loaded_loads_and_the_second_reuses(fake) -> None:
    first = fake.load("alpha")
    second = fake.load("alpha")
    assert first is second
    assert fake.calls == [("load", "alpha")]
    assert first.loaded and first.plan.dtype == "fp32" and first.plan.estimated_bytes == 6 * GB
    assert any("Loading alpha" in s for s in fake.statuses)
    assert fake.registry.get_loaded(SPECS[0]) is first


def test_unload_frees_the_model(fake) -> None:
    backend = fake.load("alpha")
    assert fake.hw.info.available_ram == 24 * GB
    assert fake.registry.unload("alpha", "text") is True
    assert fake.calls == [("load", "alpha"), ("unload", "alpha")]
    assert not backend.loaded
    assert fake.registry.loaded() == []
    assert fake.registry.get_loaded(SPECS[0]) is None
    assert fake.hw.info.available_ram == 30 * GB
    assert fake.registry.unload("alpha", "text") is False  # nothing left to free
    fake.load("alpha")  # and it loads again afterwards
    assert fake.calls[-1] == ("load", "alpha")


def test_short_memory_evicts_the_other_model_and_the_plan_says_so(fake) -> None:
    fake.hw.info = fake.hw.info.with_free(available_ram=12 * GB)  # room for one 6 GB model, not two
    fake.load("alpha")
    beta = fake.load("beta")
    assert fake.calls == [("load", "alpha"), ("unload", "alpha"), ("load", "beta")]
    assert fake.loaded_names() == ["beta"]
    assert "unloaded alpha to make room" in render(beta.plan.reason, "en")
    assert beta.plan.dtype == "fp32"  # memory held by alpha counted as reclaimable: no needless downgrade
    assert any("Unloaded alpha" in s for s in fake.statuses)


def test_eviction_takes_the_least_recently_used_model_first(fake) -> None:
    fake.hw.info = fake.hw.info.with_free(available_ram=24 * GB)
    fake.load("alpha")
    fake.load("beta")
    fake.load("alpha")  # alpha used again: beta is now the least recently used
    assert fake.loaded_names() == ["alpha", "beta"]
    gamma = fake.load("gamma")  # 12 GB (+10%) needed, 12 GB free: one must go
    assert fake.loaded_names() == ["alpha", "gamma"]
    assert ("unload", "beta") in fake.calls and ("unload", "alpha") not in fake.calls
    assert "unloaded beta to make room" in render(gamma.plan.reason, "en")


def test_enough_memory_keeps_both_loaded(fake) -> None:
    alpha = fake.load("alpha")
    beta = fake.load("beta")
    assert fake.loaded_names() == ["alpha", "beta"]
    assert fake.calls == [("load", "alpha"), ("load", "beta")]
    assert "unloaded" not in render(alpha.plan.reason, "en") and "unloaded" not in render(beta.plan.reason, "en")
    fake.registry.unload_all()
    assert fake.registry.loaded() == []
    assert fake.hw.info.available_ram == 30 * GB


def test_same_prefs_reuse_the_loaded_model_and_new_ones_reload_it(fake) -> None:
    # The plan's reason quotes the free RAM, which drops once alpha is loaded: still the same way of loading.
    first = fake.load("alpha", prefs=LoadPrefs())
    assert fake.load("alpha", prefs=LoadPrefs()) is first
    assert fake.calls == [("load", "alpha")]
    second = fake.load("alpha", prefs=LoadPrefs(dtype="bf16"))
    assert fake.calls == [("load", "alpha"), ("unload", "alpha"), ("load", "alpha")]
    assert second is not first and second.plan.dtype == "bf16"


# -- backends by name --------------------------------------------------------------------------------------

def test_unknown_backend_name_lists_the_known_ones(fake) -> None:
    with pytest.raises(UnknownBackend) as info:
        fake.registry.backend("gguf")
    assert "'gguf'" in str(info.value) and "transformers" in str(info.value)


def test_a_new_backend_is_one_registration_and_its_models_are_listed(fake) -> None:
    gguf = ModelSpec(name="small.Q4_K_M", kind="text", source="local", backend="gguf", params=int(1e9))
    fake.registry.register("transformers", kind="text", planner=plan_text_load,
                           factory=lambda spec, plan: FakeChatBackend(spec, plan, fake.behaviour),
                           scanners=(lambda s: [*SPECS, gguf],))
    assert "small.Q4_K_M" not in fake.registry.names("text"), "nothing serves a gguf model yet"
    fake.registry.register("gguf", kind="text", planner=plan_text_load,
                           factory=lambda spec, plan: FakeChatBackend(spec, plan, fake.behaviour),
                           scanners=(lambda s: [gguf],))
    assert fake.registry.names("text") == ["alpha", "beta", "gamma", "small.Q4_K_M"]
    assert fake.load("small.Q4_K_M").spec.backend == "gguf"
    assert fake.registry.backend_names() == ["transformers", "gguf"]


def _pool_registry(tmp_path: Path, hw: FakeHardware, behaviour: FakeBehaviour) -> Registry:
    """Models of 20 GB each in RAM, on the GPU and on another machine (pool "none": not ours to free)."""
    pools = {"ram-a": "ram", "ram-b": "ram", "gpu-c": "gpu", "remote-d": "none"}

    def planner(spec: ModelSpec, hw_: HardwareInfo, prefs: LoadPrefs) -> LoadPlan:
        pool = pools[spec.name]
        device = {"ram": "cpu", "gpu": "cuda", "none": "remote"}[pool]
        return LoadPlan(device, "fp16", "Q4_K_M" if pool == "none" else "none", estimated_bytes=20 * GB,
                        reason=f"in {pool}", pool=pool)

    settings = parse_settings(["--models-dir", str(tmp_path / "models"), "--data-dir", str(tmp_path / "data")], env={})
    registry = Registry(settings, hw, catalog=())
    registry.register("fake", kind="text", planner=planner,
                      factory=lambda spec, plan: FakeChatBackend(spec, plan, behaviour),
                      scanners=(lambda s: [ModelSpec(n, "text", "local", backend="fake") for n in pools],))
    return registry


def test_eviction_stays_within_the_memory_pool_the_plan_names(tmp_path: Path) -> None:
    hw = FakeHardware(available_ram=30 * GB, free_vram=24 * GB)
    behaviour = _behaviour(hw)
    registry = _pool_registry(tmp_path, hw, behaviour)
    load = lambda name: registry.ensure_loaded(registry.resolve(name, "text"))  # noqa: E731
    load("ram-a")
    load("gpu-c")  # the GPU has its own memory: ram-a stays
    remote = load("remote-d")  # 20 GB held on another machine: takes nothing here, evicts nothing
    assert render(remote.plan.describe(), "en") == "remote · fp16 · Q4_K_M", "a backend's own quantization name is shown"
    assert sorted(b.spec.name for b in registry.loaded()) == ["gpu-c", "ram-a", "remote-d"]
    assert "ram-a will be unloaded first" in render(registry.plan(registry.resolve("ram-b", "text")).reason, "en")
    assert "will be unloaded" not in render(registry.plan(registry.resolve("gpu-c", "text")).reason, "en")
    load("ram-b")  # 10 GB of RAM left: only the other RAM model goes
    assert sorted(b.spec.name for b in registry.loaded()) == ["gpu-c", "ram-b", "remote-d"]
    assert behaviour.calls[-2:] == [("unload", "ram-a"), ("load", "ram-b")]
    assert hw.info.available_ram == 10 * GB and hw.info.free_vram == 4 * GB


def test_opt_ins_reach_the_backend_in_its_plan(fake) -> None:
    fake.registry.model_settings.update("text", "alpha", allow_pickle=True, trust_remote_code=True)
    alpha = fake.load("alpha")
    assert alpha.plan.allow_pickle and alpha.plan.trust_remote_code
    beta = fake.load("beta")
    assert not beta.plan.allow_pickle and not beta.plan.trust_remote_code, "an opt-in is for its model only"
    assert alpha.plan.describe() == beta.plan.describe(), "opt-ins are not a way of loading"


# -- the real transformers backend on broken folders -------------------------------------------------

@pytest.fixture(scope="module")
def broken_models_dir(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models folder with the good tiny Llama and four broken copies of it."""
    root = tmp_path_factory.mktemp("broken-models")
    good = root / "text" / "tiny-llama"
    shutil.copytree(models_dir / "text" / "tiny-llama", good)

    def clone(name: str) -> Path:
        folder = root / "text" / name
        shutil.copytree(good, folder)
        return folder

    folder = clone("no-weights")
    for f in folder.glob("*.safetensors"):
        f.unlink()
    clone("broken-config").joinpath("config.json").write_text('{"model_type": "llama", "hidden_size": ')
    clone("broken-tokenizer").joinpath("tokenizer.json").write_text("this is not a tokenizer")
    folder = clone("pickle-only")
    for f in folder.glob("*.safetensors"):
        f.unlink()
    (folder / "pytorch_model.bin").write_bytes(b"\x80\x04not a real pickle, never loaded")
    return root


@pytest.fixture()
def real_state(broken_models_dir: Path, tmp_path: Path) -> Iterator:
    from localai.state import build_state

    settings = parse_settings(["--models-dir", str(broken_models_dir), "--data-dir", str(tmp_path / "data"),
                               "--outputs-dir", str(tmp_path / "outputs"), "--no-browser"], env={})
    st = build_state(settings)
    yield st
    st.lanes.torch.call(st.registry.unload_all)
    st.lanes.shutdown()


def _chat_works(st) -> None:
    from localai.options import ChatOptions

    job = st.services.chat("tiny-llama", [{"role": "user", "content": "Hello!"}],
                           ChatOptions(temperature=0, max_new_tokens=8))
    events = list(job.events())
    result = events[-1].result
    assert isinstance(events[-1], Done) and result.completion_tokens == 8 and result.text
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == result.text
    assert [b.spec.name for b in st.registry.loaded()] == ["tiny-llama"]


BROKEN = {
    # folder -> (words the message must contain, error class or None for any UserError)
    "no-weights": (["safetensors"], ModelFolderInvalid),
    "broken-config": (["config.json", "broken"], ModelFolderInvalid),
    "broken-tokenizer": (["tokenizer files", "could not be read"], ModelFolderInvalid),
    "pickle-only": (["pickle", "safetensors"], UnsafeModel),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_folder_gives_a_clear_error_and_the_registry_keeps_working(real_state, name: str) -> None:
    words, cls = BROKEN[name]
    with pytest.raises(UserError) as info:
        real_state.services.load(name, "text").wait()
    err = info.value
    if cls is not None:
        assert isinstance(err, cls), repr(err)
    text = str(err)
    assert name in err.message, text  # names the folder
    for word in words:
        assert word in text, text
    assert "Traceback" not in text and "\n" not in text
    assert real_state.registry.loaded() == []
    # Still works afterwards: the good model loads and chats, on the torch lane.
    plan = real_state.services.load("tiny-llama", "text").wait()
    assert plan.device == "cpu" and plan.dtype == "fp32"
    _chat_works(real_state)
    # The same broken folder fails the same way again (nothing half-loaded was kept).
    with pytest.raises(type(err)):
        real_state.services.chat(name, [{"role": "user", "content": "Hi"}]).wait()
    assert [b.spec.name for b in real_state.registry.loaded()] == ["tiny-llama"]


def test_pickle_only_folder_is_refused_as_unsafe(real_state) -> None:
    with pytest.raises(UnsafeModel) as info:
        real_state.services.load("pickle-only", "text").wait()
    assert "pytorch_model.bin" in info.value.message and "pickle" in info.value.message
    assert "opt in" in info.value.hint


def test_model_work_runs_on_the_torch_lane_thread(real_state) -> None:
    import threading

    seen: list[int] = []
    entry = real_state.registry.backend("transformers")
    real_state.registry.register("transformers", kind="text", factory=_spy(entry.factory, seen),
                                 planner=entry.planner, scanners=entry.scanners)
    real_state.services.load("tiny-llama", "text").wait()
    assert seen and seen[0] == real_state.lanes.torch.call(threading.get_ident)
    assert seen[0] != threading.get_ident()


def _spy(factory, seen: list[int]):
    import threading

    def make(spec, plan):
        backend = factory(spec, plan)
        load = backend.load

        def spying_load(on_status):
            seen.append(threading.get_ident())
            return load(on_status)

        backend.load = spying_load
        return backend

    return make
