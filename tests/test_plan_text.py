"""plan_text_load over a matrix of literal machines x model sizes.

Expected plans are worked out by hand from DESIGN.md ("Hardware -> load plan") and the byte
figures in plan.py: 16-bit = 2 B/param, int8 = 1.15, nf4 = 0.6, fp32 = 4, and headroom
``text_headroom = 0.5 GiB (GPU) / 1 GiB (CPU) + the KV cache budget``; these specs have no KV shape
(``kv_values_per_token`` 0), so the cache budget is ``min(2 GiB, 0.1 * w)`` (test_plan_cache.py has the
shaped ones). First that fits:
GPU 16-bit -> nf4 -> nf4 with device_map into 0.8 x free RAM -> NotEnoughMemory (bitsandbytes int8
fits more often but decodes several times slower: only when asked for, test_plan_speed.py).
CPU: fp32 -> bf16 -> nf4 (only when bitsandbytes works); these machines have no measured int8 speed-up
(``cpu_int8_speedup`` 0), test_plan_speed.py has the ones that do. No bitsandbytes on CUDA/ROCm:
16-bit with device_map. MPS: fp16 only. Each machine below notes its tightest boundary.
"""

from __future__ import annotations

import re

import pytest

from localai.catalog import ModelSpec, builtin_catalog
from localai.errors import InvalidInput, ModelFolderInvalid, NotEnoughMemory
from localai.hardware import HardwareInfo
from localai.plan import LoadPrefs, gb, plan_text_load
from localai.messages import render

G = 1024**3
NO_BNB = "bitsandbytes is not installed"

HW = {
    # 6 GiB RAM free. 1.5B fp32 needs 6.0 + 1.6 = 7.6 GB > 6.4 GB -> bf16 (4.4 GB); 3B bf16 7.7 GB, no bnb -> none.
    "cpu-8gb": HardwareInfo("cpu", "Intel i5", 0, 0, 8 * G, 6 * G, bnb_problem=NO_BNB),
    # 28 GiB = 30.1 GB free. 7B fp32 needs 28 + 3.2 = 31.2 -> bf16 16.5; 14B bf16 31.2 -> nf4 10.3; 70B nf4 45.2 -> none.
    "cpu-32gb": HardwareInfo("cpu", "Ryzen 7", 0, 0, 32 * G, 28 * G, bnb_ok=True),
    # 3.4 GiB = 3.65 GB free VRAM. 1.5B fp16 3.84 > 3.65 -> nf4 1.5; 3B nf4 2.52;
    # 7B nf4 5.16 -> device_map (budget 3.65 + 0.8 x 12.9 = 13.96); 32B nf4 21.7 -> none.
    "gtx1650-4gb": HardwareInfo("cuda", "GeForce GTX 1650", 4 * G, int(3.4 * G), 16 * G, 12 * G,
                                compute_capability=(7, 5), bf16=False, bnb_ok=True),
    # 11.3 GiB = 12.1 GB free. 7B bf16 15.9 -> nf4 5.2; 14B nf4 9.8; 32B nf4 21.7 <= 12.1 + 20.6 -> split.
    "rtx3060-12gb": HardwareInfo("cuda", "GeForce RTX 3060", 12 * G, int(11.3 * G), 32 * G, 24 * G,
                                 compute_capability=(8, 6), bf16=True, bnb_ok=True),
    # 23 GiB = 24.7 GB free. 14B bf16 30.7 -> nf4 9.8; 32B nf4 21.7; 70B nf4 44.7 <= 24.7 + 48.1 -> split.
    "rtx4090-24gb": HardwareInfo("cuda", "GeForce RTX 4090", 24 * G, 23 * G, 64 * G, 56 * G,
                                 compute_capability=(8, 9), bf16=True, bnb_ok=True),
    # 79 GiB = 84.8 GB free. 32B bf16 66.7 fits; 70B bf16 142.7 -> nf4 44.7 (int8 83.2 would fit too).
    "a100-80gb": HardwareInfo("cuda", "NVIDIA A100-SXM4-80GB", 80 * G, 79 * G, 256 * G, 240 * G,
                              compute_capability=(8, 0), bf16=True, bnb_ok=True),
    # 11 GiB = 11.8 GB free unified memory. 3B fp16 7.1 fits; 7B fp16 15.9, no bnb, no split on MPS -> none.
    "m2-16gb": HardwareInfo("mps", "Apple arm64 GPU", int(16 * G * 0.7), 11 * G, 16 * G, 11 * G,
                            bnb_problem="bitsandbytes does not support MPS"),
    # Like the 4090 but only 20 GiB RAM free: 70B nf4 44.7 > 24.7 + 17.2 = 41.9 -> none.
    "rx7900xtx-24gb": HardwareInfo("rocm", "Radeon RX 7900 XTX", 24 * G, 23 * G, 32 * G, 20 * G,
                                   bf16=True, bnb_ok=True, torch_build="rocm 6.4"),
    # 10.5 GiB = 11.3 GB free, bnb broken. 7B fp16 15.9 -> split (budget 11.3 + 20.6 = 31.9); 14B 30.7 split; 32B 66.7 none.
    "gtx1080ti-nobnb": HardwareInfo("cuda", "GeForce GTX 1080 Ti", 11 * G, int(10.5 * G), 32 * G, 24 * G,
                                    compute_capability=(6, 1), bf16=False, bnb_ok=False,
                                    bnb_problem="bitsandbytes does not work on this device: no kernel image"),
    # 6 GiB = 6.44 GB free of 24. 3B bf16 7.1 -> nf4 2.5; 7B nf4 5.2; 14B nf4 9.8 -> split
    # (budget 6.4 + 34.4 = 40.8); 70B nf4 44.7 -> none.
    "rtx3090-busy": HardwareInfo("cuda", "GeForce RTX 3090", 24 * G, 6 * G, 64 * G, 40 * G,
                                 compute_capability=(8, 6), bf16=True, bnb_ok=True),
}

SIZES = {"0.5B": 0.5e9, "1.5B": 1.5e9, "3B": 3e9, "7B": 7e9, "14B": 14e9, "32B": 32e9, "70B": 70e9}
NEM = "NotEnoughMemory"
# "device dtype [quantization [offload]]"; dtype is the compute dtype when quantized.
EXPECTED = {  # 0.5B          1.5B               3B                7B                         14B                        32B                        70B
    "cpu-8gb":         ("cpu fp32",  "cpu bf16",         NEM,              NEM,                       NEM,                       NEM,                       NEM),
    "cpu-32gb":        ("cpu fp32",  "cpu fp32",         "cpu fp32",       "cpu bf16",                "cpu bf16 nf4",            "cpu bf16 nf4",            NEM),
    "gtx1650-4gb":     ("cuda fp16", "cuda fp16 nf4",     "cuda fp16 nf4",  "cuda fp16 nf4 device_map", "cuda fp16 nf4 device_map", NEM,                      NEM),
    "rtx3060-12gb":    ("cuda bf16", "cuda bf16",        "cuda bf16",      "cuda bf16 nf4",            "cuda bf16 nf4",           "cuda bf16 nf4 device_map", NEM),
    "rtx4090-24gb":    ("cuda bf16", "cuda bf16",        "cuda bf16",      "cuda bf16",               "cuda bf16 nf4",            "cuda bf16 nf4",           "cuda bf16 nf4 device_map"),
    "a100-80gb":       ("cuda bf16", "cuda bf16",        "cuda bf16",      "cuda bf16",               "cuda bf16",               "cuda bf16",               "cuda bf16 nf4"),
    "m2-16gb":         ("mps fp16",  "mps fp16",         "mps fp16",       NEM,                       NEM,                       NEM,                       NEM),
    "rx7900xtx-24gb":  ("cuda bf16", "cuda bf16",        "cuda bf16",      "cuda bf16",               "cuda bf16 nf4",            "cuda bf16 nf4",           NEM),
    "gtx1080ti-nobnb": ("cuda fp16", "cuda fp16",        "cuda fp16",      "cuda fp16 none device_map", "cuda fp16 none device_map", NEM,                     NEM),
    "rtx3090-busy":    ("cuda bf16", "cuda bf16",        "cuda bf16 nf4",   "cuda bf16 nf4",           "cuda bf16 nf4 device_map", "cuda bf16 nf4 device_map", NEM),
}
BYTES_PER_PARAM = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "int8": 1.15, "nf4": 0.6}

CASES = [pytest.param(h, s, EXPECTED[h][i], id=f"{h}-{s}") for h in HW for i, s in enumerate(SIZES)]
NEM_CASES = [c for c in CASES if c.values[2] == NEM]
PLAN_CASES = [c for c in CASES if c.values[2] != NEM]


def text_model(params: float, name: str = "") -> ModelSpec:
    return ModelSpec(name=name or f"local-{params / 1e9:g}B", kind="text", source="local", params=int(params))


def parse(expected: str) -> tuple[str, str, str, str]:
    device, dtype, quant, offload = (expected.split() + ["none", "none"])[:4]
    return device, dtype, quant, offload


@pytest.mark.parametrize(("hw_id", "size", "expected"), CASES)
def test_matrix(hw_id: str, size: str, expected: str) -> None:
    spec, hw = text_model(SIZES[size]), HW[hw_id]
    if expected == NEM:
        with pytest.raises(NotEnoughMemory):
            plan_text_load(spec, hw)
        return
    plan = plan_text_load(spec, hw)
    assert (plan.device, plan.dtype, plan.quantization, plan.offload) == parse(expected), render(plan.reason, "en")
    figure = BYTES_PER_PARAM[plan.quantization if plan.quantization != "none" else plan.dtype]
    assert plan.estimated_bytes == int(spec.params * figure)


@pytest.mark.parametrize(("hw_id", "size", "expected"), PLAN_CASES)
def test_plan_invariants(hw_id: str, size: str, expected: str) -> None:
    hw = HW[hw_id]
    plan = plan_text_load(text_model(SIZES[size]), hw)
    assert render(plan.reason, "en").strip() and gb(plan.estimated_bytes) in render(plan.reason, "en")
    if plan.dtype == "bf16" and plan.device != "cpu":  # CPU bf16 is the RAM-saving fallback (DESIGN.md)
        assert hw.bf16
    if hw.has_gpu and plan.device != "cpu" and hw.accelerator != "mps":
        assert plan.dtype == ("bf16" if hw.bf16 else "fp16")
    if hw.accelerator == "mps":
        assert (plan.dtype, plan.quantization) == ("fp16", "none")
    if plan.quantization != "none":
        assert hw.bnb_ok
    if plan.offload == "device_map":
        assert "slow" in render(plan.reason, "en")


@pytest.mark.parametrize(("hw_id", "size", "expected"), NEM_CASES)
def test_not_enough_memory_names_a_model_that_fits(hw_id: str, size: str, expected: str) -> None:
    spec, hw = text_model(SIZES[size], name=f"Big-{size}"), HW[hw_id]
    with pytest.raises(NotEnoughMemory) as info:
        plan_text_load(spec, hw)
    err = info.value
    assert "Big-" + size in err.message and "does not fit" in err.message
    match = re.search(r"such as (\S+) \(", err.hint)
    assert match, err.hint
    suggested = {m.name: m for m in builtin_catalog()}[match.group(1)]
    assert suggested.kind == "text" and not suggested.gated and suggested.params < spec.params
    plan_text_load(suggested, hw)  # really fits: does not raise


def test_not_enough_memory_without_alternatives() -> None:
    with pytest.raises(NotEnoughMemory) as info:
        plan_text_load(text_model(70e9), HW["cpu-8gb"], alternatives=[])
    assert "Close other programs" in info.value.hint


def test_cpu_fp32_by_default_and_bf16_when_ram_is_short() -> None:
    spec, hw = text_model(7e9), HW["cpu-32gb"]
    # 7B fp32 = 28 GB + 1.07 + 2.15 headroom = 31.2 GB
    assert plan_text_load(spec, hw.with_free(available_ram=32 * 10**9)).dtype == "fp32"
    short = plan_text_load(spec, hw.with_free(available_ram=30 * 10**9))
    assert (short.dtype, short.quantization) == ("bf16", "none")
    assert "x 4 B = 28.0 GB > 30.0 GB free RAM" in render(short.reason, "en") and "slower than fp32" in render(short.reason, "en")


def test_override_dtype_fp16_on_bf16_gpu() -> None:
    plan = plan_text_load(text_model(7e9), HW["rtx4090-24gb"], LoadPrefs(dtype="fp16"))
    assert (plan.device, plan.dtype, plan.quantization, plan.offload) == ("cuda", "fp16", "none", "none")
    assert "your choice" in render(plan.reason, "en") and "14.0 GB" in render(plan.reason, "en")


def test_override_nf4_where_16bit_fits() -> None:
    plan = plan_text_load(text_model(7e9), HW["rtx4090-24gb"], LoadPrefs(quantization="nf4"))
    assert (plan.device, plan.dtype, plan.quantization) == ("cuda", "bf16", "nf4")
    assert plan.estimated_bytes == int(7e9 * 0.6) and "4.2 GB" in render(plan.reason, "en")


def test_override_device_cpu_on_gpu_machine() -> None:
    plan = plan_text_load(text_model(7e9), HW["rtx4090-24gb"], LoadPrefs(device="cpu"))
    assert (plan.device, plan.dtype, plan.quantization, plan.offload) == ("cpu", "fp32", "none", "none")
    assert "your choice" in render(plan.reason, "en")


def test_fixed_dtype_leaves_quantization_automatic() -> None:
    plan = plan_text_load(text_model(14e9), HW["rtx3060-12gb"], LoadPrefs(dtype="fp16"))
    assert (plan.dtype, plan.quantization, plan.offload) == ("fp16", "nf4", "none")
    assert "your choice" in render(plan.reason, "en")


def test_override_that_does_not_fit_warns() -> None:
    plan = plan_text_load(text_model(14e9), HW["rtx3060-12gb"], LoadPrefs(quantization="none", offload="none"))
    assert (plan.dtype, plan.quantization, plan.offload) == ("bf16", "none", "none")
    assert "may not fit" in render(plan.reason, "en")


def test_override_nf4_without_bitsandbytes_is_invalid() -> None:
    with pytest.raises(InvalidInput, match="bitsandbytes"):
        plan_text_load(text_model(7e9), HW["gtx1080ti-nobnb"], LoadPrefs(quantization="nf4"))
    with pytest.raises(InvalidInput):  # MPS never uses bitsandbytes
        plan_text_load(text_model(3e9), HW["m2-16gb"], LoadPrefs(quantization="int8"))


def test_cpu_int8_override_needs_no_bitsandbytes() -> None:
    # DESIGN.md: int8 on CPU is torch dynamic quantization, not bitsandbytes.
    plan = plan_text_load(text_model(3e9), HW["cpu-8gb"], LoadPrefs(quantization="int8"))
    assert (plan.device, plan.dtype, plan.quantization) == ("cpu", "fp32", "int8")


@pytest.mark.parametrize("prefs", [LoadPrefs(dtype="fp8"), LoadPrefs(quantization="int4"),
                                   LoadPrefs(device="tpu"), LoadPrefs(offload="disk")],
                         ids=["dtype", "quantization", "device", "offload"])
def test_unknown_choice_is_invalid(prefs: LoadPrefs) -> None:
    with pytest.raises(InvalidInput, match="Unknown"):
        plan_text_load(text_model(0.5e9), HW["rtx3060-12gb"], prefs)


@pytest.mark.parametrize(("hw_id", "device"), [("cpu-8gb", "cuda"), ("cpu-32gb", "mps"),
                                               ("m2-16gb", "cuda"), ("rtx4090-24gb", "mps")])
def test_device_this_computer_lacks_is_invalid(hw_id: str, device: str) -> None:
    for prefs in (LoadPrefs(device=device), LoadPrefs(device=device, dtype="fp16")):
        with pytest.raises(InvalidInput, match="no such GPU"):
            plan_text_load(text_model(0.5e9), HW[hw_id], prefs)


def test_device_cuda_on_rocm_is_fine() -> None:
    assert plan_text_load(text_model(3e9), HW["rx7900xtx-24gb"], LoadPrefs(device="cuda")).device == "cuda"


def test_unknown_size_is_invalid() -> None:
    with pytest.raises(ModelFolderInvalid, match="size is unknown"):
        plan_text_load(ModelSpec(name="empty", kind="text", source="local", params=0), HW["rtx4090-24gb"])
