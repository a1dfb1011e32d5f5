"""plan_image_load over literal machines x image model families.

Rules (DESIGN.md "Hardware -> load plan", plan.py): weights = components x 2 B on a GPU
(fp16 for SD / SDXL, bf16 for FLUX / SD3-class where supported), 4 B (fp32) on the CPU.
Working memory per image at the native size (denoise, decode) is _IMAGE_WORK_GIB, scaled by
pixels; the GPU keeps 0.5 GiB headroom, the CPU 1 GiB. First that fits:
GPU whole -> model CPU offload (largest component + its working memory; weights in 0.8 x RAM)
-> FLUX / SD3: NF4 transformer whole, then NF4 + model offload -> sequential offload -> none.
MPS: whole or nothing (unified memory). CPU: fp32, then bf16.

Worked examples: SDXL on the 8 GB card: 7.0 GB + 2.1 GB > 7.4 GiB - 0.5 -> model offload
(UNet 5.1 GB + 1.1 GB activations fits). FLUX on the 12 GB card: 33.8 GB; NF4 transformer
7.1 GB but T5 alone is 9.5 GB -> NF4 with model offload (peak 9.5 GB <= 11.6 GB).
SD-Turbo on the 4 GB card: 2.6 + 0.6 > 3.4 GiB - 0.5 = 3.1 GB -> model offload.
"""

from __future__ import annotations

import pytest

from localai.catalog import ModelSpec, builtin_catalog
from localai.errors import InvalidInput, NotEnoughMemory
from localai.hardware import HardwareInfo
from localai.plan import LoadPrefs, image_components, plan_image_load, vae_tiling_needed
from localai.messages import render

G = 1024**3
NO_BNB = "bitsandbytes is not installed"
HW = {
    "cpu-16gb": HardwareInfo("cpu", "Intel i7", 0, 0, 16 * G, 12 * G, bnb_problem=NO_BNB),
    "cpu-8gb": HardwareInfo("cpu", "Intel i5", 0, 0, 8 * G, 5 * G, bnb_problem=NO_BNB),
    "gtx1650-4gb": HardwareInfo("cuda", "GeForce GTX 1650", 4 * G, int(3.4 * G), 16 * G, 12 * G,
                                compute_capability=(7, 5), bnb_ok=True),
    "rtx2060-6gb": HardwareInfo("cuda", "GeForce RTX 2060", 6 * G, int(5.4 * G), 16 * G, 12 * G,
                                compute_capability=(7, 5), bnb_ok=True),
    "rtx3070-8gb": HardwareInfo("cuda", "GeForce RTX 3070", 8 * G, int(7.4 * G), 32 * G, 24 * G,
                                compute_capability=(8, 6), bf16=True, bnb_ok=True),
    "rtx3060-12gb": HardwareInfo("cuda", "GeForce RTX 3060", 12 * G, int(11.3 * G), 32 * G, 24 * G,
                                 compute_capability=(8, 6), bf16=True, bnb_ok=True),
    "rtx4090-24gb": HardwareInfo("cuda", "GeForce RTX 4090", 24 * G, 23 * G, 64 * G, 56 * G,
                                 compute_capability=(8, 9), bf16=True, bnb_ok=True),
    "m2-16gb": HardwareInfo("mps", "Apple arm64 GPU", int(16 * G * 0.7), 11 * G, 16 * G, 11 * G,
                            bnb_problem="bitsandbytes does not support MPS"),
    "m3max-64gb": HardwareInfo("mps", "Apple arm64 GPU", int(64 * G * 0.7), 40 * G, 64 * G, 48 * G,
                               bnb_problem="bitsandbytes does not support MPS"),
    "gtx1080ti-nobnb": HardwareInfo("cuda", "GeForce GTX 1080 Ti", 11 * G, int(10.5 * G), 32 * G, 24 * G,
                                    compute_capability=(6, 1), bnb_problem="no kernel image"),
    "a100-80gb": HardwareInfo("cuda", "NVIDIA A100", 80 * G, 79 * G, 256 * G, 240 * G, compute_capability=(8, 0),
                              bf16=True, bnb_ok=True),
}
MODELS = ("SD-Turbo", "Stable Diffusion 1.5", "SDXL-Turbo", "SDXL 1.0", "FLUX.1-schnell", "SD 3.5 Medium")
NEM = "NotEnoughMemory"
EXPECTED = {  # SD-Turbo       SD 1.5        SDXL-Turbo                   SDXL 1.0                     FLUX.1-schnell          SD 3.5 Medium
    "cpu-16gb": ("cpu fp32", "cpu fp32", "cpu bf16", "cpu bf16", NEM, "cpu bf16"),
    "cpu-8gb": ("cpu bf16", "cpu bf16", NEM, NEM, NEM, NEM),
    "gtx1650-4gb": ("cuda fp16 none model", "cuda fp16", "cuda fp16 none sequential", "cuda fp16 none sequential",
                    NEM, "cuda fp16 none sequential"),
    "rtx2060-6gb": ("cuda fp16", "cuda fp16", "cuda fp16 none sequential", "cuda fp16 none sequential", NEM,
                    "cuda fp16 none sequential"),
    "rtx3070-8gb": ("cuda fp16", "cuda fp16", "cuda fp16 none model", "cuda fp16 none model", NEM,
                    "cuda bf16 none model"),
    "rtx3060-12gb": ("cuda fp16", "cuda fp16", "cuda fp16", "cuda fp16", "cuda bf16 nf4 model", "cuda bf16 none model"),
    "rtx4090-24gb": ("cuda fp16", "cuda fp16", "cuda fp16", "cuda fp16", "cuda bf16 nf4", "cuda bf16"),
    "m2-16gb": ("mps fp16", "mps fp16", "mps fp16", "mps fp16", NEM, NEM),
    "m3max-64gb": ("mps fp16",) * 6,
    "gtx1080ti-nobnb": ("cuda fp16", "cuda fp16", "cuda fp16", "cuda fp16", NEM, "cuda fp16 none model"),
    "a100-80gb": ("cuda fp16", "cuda fp16", "cuda fp16", "cuda fp16", "cuda bf16", "cuda bf16"),
}
CATALOG = {s.name: s for s in builtin_catalog() if s.kind == "image"}
CASES = [pytest.param(h, m, EXPECTED[h][i], id=f"{h}-{m}") for h in HW for i, m in enumerate(MODELS)]


def _short(plan) -> str:
    parts = [plan.device, plan.dtype]
    if plan.quantization != "none" or plan.offload != "none":
        parts.append(plan.quantization)
    if plan.offload != "none":
        parts.append(plan.offload)
    return " ".join(parts)


@pytest.mark.parametrize(("hw", "model", "expected"), CASES)
def test_plan_matrix(hw: str, model: str, expected: str) -> None:
    spec, machine = CATALOG[model], HW[hw]
    if expected == NEM:
        with pytest.raises(NotEnoughMemory) as err:
            plan_image_load(spec, machine)
        assert "does not fit" in err.value.message and err.value.hint
        return
    plan = plan_image_load(spec, machine)
    assert _short(plan) == expected, render(plan.reason, "en")
    assert render(plan.reason, "en") and plan.estimated_bytes > 0
    # The reason names the size it planned for and, when it offloads or quantizes, says so.
    assert "x" in render(plan.reason, "en") and ("offload" in render(plan.reason, "en")) == (plan.offload != "none")
    if plan.quantization == "nf4":
        assert "4-bit NF4" in render(plan.reason, "en")
    # What the plan keeps on the device fits there.
    free = machine.available_ram if plan.device == "cpu" else machine.free_vram
    assert plan.estimated_bytes <= free


def test_the_matrix_covers_every_family_and_kind_of_machine() -> None:
    families = {CATALOG[m].family for m in MODELS}
    assert families >= {"sd15", "sd-turbo", "sdxl", "sdxl-turbo", "sd3", "flux"}
    assert {h.accelerator for h in HW.values()} == {"cpu", "cuda", "mps"}
    assert len(HW) >= 8


def test_components_come_from_the_spec_when_known() -> None:
    spec = ModelSpec("mine", "image", "local", params=3_000, family="sd15",
                     components=(("unet", 2_000), ("vae", 600), ("text_encoder", 400)))
    assert image_components(spec) == {"unet": 2_000, "vae": 600, "text_encoder": 400}
    # Unknown split: the family's reference proportions, summing to the total.
    split = image_components(CATALOG["SDXL 1.0"])
    assert set(split) == {"unet", "text_encoder", "text_encoder_2", "vae"}
    assert abs(sum(split.values()) - CATALOG["SDXL 1.0"].params) < 10


def test_model_offload_peak_is_the_largest_component_not_the_sum() -> None:
    plan = plan_image_load(CATALOG["SDXL 1.0"], HW["rtx3070-8gb"])
    assert plan.offload == "model" and "largest: unet" in render(plan.reason, "en")
    unet = image_components(CATALOG["SDXL 1.0"])["unet"] * 2
    assert unet < plan.estimated_bytes < CATALOG["SDXL 1.0"].params * 2


def test_large_images_get_vae_tiling_and_say_so() -> None:
    assert not vae_tiling_needed("sd15", 512, 768)
    assert vae_tiling_needed("sd15", 1024, 1024)
    assert vae_tiling_needed("sdxl", 2048, 2048) and not vae_tiling_needed("sdxl", 1024, 1024)
    plan = plan_image_load(CATALOG["Stable Diffusion 1.5"], HW["rtx4090-24gb"], width=1024, height=1024)
    assert plan.vae_tiling and "VAE tiling" in render(plan.reason, "en") and "1024x1024" in render(plan.reason, "en")
    small = plan_image_load(CATALOG["Stable Diffusion 1.5"], HW["rtx4090-24gb"])
    assert not small.vae_tiling and "512x512" in render(small.reason, "en")
    # Bigger images need more working memory.
    assert plan.estimated_bytes > small.estimated_bytes


def test_a_bigger_image_can_need_a_lower_tier() -> None:
    native = plan_image_load(CATALOG["Stable Diffusion 1.5"], HW["gtx1650-4gb"])
    huge = plan_image_load(CATALOG["Stable Diffusion 1.5"], HW["gtx1650-4gb"], width=768, height=768)
    assert native.offload == "none" and huge.offload in ("model", "sequential")


def test_cpu_plans_are_fp32_when_they_fit_even_with_native_bf16() -> None:
    amx = HardwareInfo("cpu", "Xeon with AMX", 0, 0, 64 * G, 48 * G, bf16=True)
    plan = plan_image_load(CATALOG["Stable Diffusion 1.5"], amx)
    assert plan.dtype == "fp32" and "fastest on CPU" in render(plan.reason, "en")


def test_user_choices_are_honoured_with_a_verdict() -> None:
    plan = plan_image_load(CATALOG["SDXL 1.0"], HW["rtx4090-24gb"], LoadPrefs(offload="sequential"))
    assert plan.offload == "sequential" and plan.vae_tiling and "your choice" in render(plan.reason, "en") and "fits" in render(plan.reason, "en")
    tight = plan_image_load(CATALOG["SDXL 1.0"], HW["gtx1650-4gb"], LoadPrefs(dtype="fp16", offload="none"))
    assert "may not fit" in render(tight.reason, "en")
    # 4-bit is only for FLUX / SD3-class transformers: ignored for SD, with a note (the CLI flag is global).
    sd = plan_image_load(CATALOG["Stable Diffusion 1.5"], HW["rtx3060-12gb"], LoadPrefs(quantization="nf4"))
    assert sd.quantization == "none" and "only to FLUX" in render(sd.reason, "en")
    flux = plan_image_load(CATALOG["FLUX.1-schnell"], HW["rtx4090-24gb"], LoadPrefs(quantization="nf4",
                                                                                     offload="model"))
    assert (flux.quantization, flux.offload) == ("nf4", "model")


def test_impossible_choices_are_clear_errors() -> None:
    with pytest.raises(InvalidInput, match="device_map"):
        plan_image_load(CATALOG["SDXL 1.0"], HW["rtx4090-24gb"], LoadPrefs(offload="device_map"))
    with pytest.raises(InvalidInput, match="bitsandbytes"):
        plan_image_load(CATALOG["FLUX.1-schnell"], HW["gtx1080ti-nobnb"], LoadPrefs(quantization="nf4"))
    with pytest.raises(InvalidInput, match="no such GPU"):
        plan_image_load(CATALOG["SDXL 1.0"], HW["cpu-16gb"], LoadPrefs(device="cuda"))
    with pytest.raises(InvalidInput, match="Unknown dtype"):
        plan_image_load(CATALOG["SDXL 1.0"], HW["cpu-16gb"], LoadPrefs(dtype="int3"))
    with pytest.raises(InvalidInput, match="size of"):
        plan_image_load(ModelSpec("empty", "image", "local", family="sd15"), HW["cpu-16gb"])


def test_not_enough_memory_suggests_a_smaller_model_that_fits() -> None:
    with pytest.raises(NotEnoughMemory) as err:
        plan_image_load(CATALOG["SDXL 1.0"], HW["cpu-8gb"])
    assert "SD-Turbo" in err.value.hint or "Stable Diffusion 1.5" in err.value.hint
    assert "smaller image size" in err.value.hint


def test_cpu_device_choice_on_a_gpu_machine() -> None:
    plan = plan_image_load(CATALOG["Stable Diffusion 1.5"], HW["rtx3060-12gb"], LoadPrefs(device="cpu"))
    assert plan.device == "cpu" and plan.dtype == "fp32" and "CPU (your choice)" in render(plan.reason, "en")


def test_four_bit_image_transformers_only_on_cuda() -> None:
    cpu_bnb = HardwareInfo("cpu", "Ryzen", 0, 0, 128 * G, 120 * G, bnb_ok=True)
    plan = plan_image_load(CATALOG["FLUX.1-schnell"], cpu_bnb, LoadPrefs(quantization="nf4"))
    assert plan.quantization == "none" and "need an NVIDIA or AMD GPU" in render(plan.reason, "en")
