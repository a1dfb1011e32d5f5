"""Hardware tiers, the models recommended for each, and the default model picked at start."""

from __future__ import annotations

from pathlib import Path

import pytest

from localai.catalog import ModelSpec, builtin_catalog, scan_image_models, scan_text_models
from localai.config import parse_settings
from localai.hardware import HardwareInfo
from localai.plan import plan_image_load, plan_text_load
from localai.registry import Registry
from localai.tiers import TIERS, default_model, is_open_license, recommended, tier_of

GIB = 1024**3


def machine(accelerator: str = "cuda", vram_gib: float = 0.0, ram_gib: float = 32.0) -> HardwareInfo:
    vram = int(vram_gib * GIB)
    return HardwareInfo(accelerator, "Test GPU" if accelerator != "cpu" else "Test CPU", vram, vram,
                        total_ram=int(ram_gib * GIB), available_ram=int(ram_gib * GIB * 0.8), bf16=True, bnb_ok=True)


@pytest.mark.parametrize("accelerator, vram, tier", [
    ("cpu", 0, "cpu"),
    ("cuda", 4, "6gb"), ("cuda", 6, "6gb"),
    ("cuda", 8, "12gb"), ("cuda", 11.6, "12gb"), ("rocm", 12, "12gb"),
    ("cuda", 16, "24gb"), ("cuda", 23.6, "24gb"), ("mps", 22.4, "24gb"),  # a 32 GB Mac
    ("cuda", 40, "48gb"), ("cuda", 80, "48gb"),
])
def test_tier_comes_from_total_accelerator_memory(accelerator: str, vram: float, tier: str) -> None:
    assert tier_of(machine(accelerator, vram)) == tier


def test_every_catalog_model_has_a_known_tier_and_license() -> None:
    for spec in builtin_catalog():
        assert spec.tier in TIERS, spec.name
        assert spec.license, spec.name
        assert spec.params > 0 and spec.weight_bytes > 0, spec.name


@pytest.mark.parametrize("tier", TIERS)
def test_recommendations_fit_the_tier_and_put_ungated_open_models_first(tier: str) -> None:
    for kind in ("text", "image"):
        best = recommended(builtin_catalog(), kind, tier)
        assert best, f"nothing recommended for {kind} on {tier}"
        assert all(TIERS.index(m.tier) <= TIERS.index(tier) for m in best)
        # within each tier group, ungated+open ones never come after gated or restrictive ones
        for group in {m.tier for m in best}:
            flags = [(m.gated, not is_open_license(m.license)) for m in best if m.tier == group]
            assert flags == sorted(flags), (tier, kind, group, [m.name for m in best])
        assert not best[0].gated, "the default is never a gated model"


def test_defaults_per_tier() -> None:
    cat = builtin_catalog()
    assert default_model(cat, "text", "cpu").name == "Qwen2.5-0.5B-Instruct"
    assert default_model(cat, "image", "cpu").name == "SD-Turbo"
    assert default_model(cat, "text", "12gb").name == "Qwen2.5-7B-Instruct"
    assert default_model(cat, "image", "12gb").name == "SDXL 1.0", "open license before non-commercial SDXL-Turbo"
    assert default_model(cat, "text", "24gb").name == "Qwen2.5-14B-Instruct"
    assert default_model(cat, "image", "48gb").name == "FLUX.1-schnell"
    assert default_model((), "text", "cpu") is None


def test_open_licenses() -> None:
    assert is_open_license("apache-2.0") and is_open_license("MIT") and is_open_license("openrail++")
    assert not is_open_license("sai-nc-community") and not is_open_license("llama3.1") and not is_open_license("")


class _Hardware:
    def __init__(self, info: HardwareInfo) -> None:
        self.info, self.calls = info, 0

    def __call__(self) -> HardwareInfo:
        self.calls += 1
        return self.info


def _registry(tmp_path: Path, hw: HardwareInfo, models_dir: Path | None = None) -> tuple[Registry, _Hardware]:
    settings = parse_settings(["--models-dir", str(models_dir or tmp_path / "models"),
                               "--data-dir", str(tmp_path / "data")], env={})
    fake = _Hardware(hw)
    registry = Registry(settings, fake)
    # The built-in backends' names and planners, over the models folder only (not this computer's HF cache).
    registry.register("transformers", kind="text", factory=object, planner=plan_text_load,  # type: ignore[arg-type]
                      scanners=(lambda s: scan_text_models(s.models_dir),))
    registry.register("diffusers", kind="image", factory=object, planner=plan_image_load,  # type: ignore[arg-type]
                      scanners=(lambda s: scan_image_models(s.models_dir),))
    return registry, fake


def test_registry_default_is_the_tier_recommendation_when_nothing_is_on_disk(tmp_path: Path) -> None:
    registry, _ = _registry(tmp_path, machine("cuda", 24))
    assert registry.default_name("text") == "Qwen2.5-14B-Instruct"
    assert registry.default_name("image") == "FLUX.1-schnell"
    registry, _ = _registry(tmp_path, machine("cpu"))
    assert registry.default_name("text") == "Qwen2.5-0.5B-Instruct"


def test_registry_default_prefers_a_model_on_disk_without_probing_hardware(tmp_path: Path, models_dir: Path) -> None:
    registry, fake = _registry(tmp_path, machine("cuda", 24), models_dir)
    assert registry.default_name("text") in ("tiny-llama", "tiny-qwen2")
    assert fake.calls == 0, "no hardware probe is needed when a model is on disk"


def test_a_catalog_model_on_disk_keeps_its_catalog_details(tmp_path: Path) -> None:
    from tests.tiny_models import save_tiny_llama

    save_tiny_llama(tmp_path / "models" / "text" / "Qwen2.5-0.5B-Instruct")
    registry, _ = _registry(tmp_path, machine("cpu"))
    spec: ModelSpec = registry.resolve("Qwen2.5-0.5B-Instruct", "text")
    assert spec.source == "local" and spec.path is not None
    assert spec.license == "apache-2.0" and spec.repo_id == "Qwen/Qwen2.5-0.5B-Instruct"
    assert spec.params < 10_000_000, "the size is the folder's own, not the catalog's"
    assert [s.name for s in registry.specs("text")].count("Qwen2.5-0.5B-Instruct") == 1
