"""Hardware -> load plan: pure functions, no torch import.

``plan_text_load(spec, hw, prefs)`` returns the first way of loading that fits (see
DESIGN.md), with a one-line human reason, or raises ``NotEnoughMemory`` naming a
smaller model that would fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .catalog import ModelSpec, builtin_catalog
from .errors import InvalidInput, NotEnoughMemory
from .hardware import HardwareInfo

GIB = 1024**3
# Bytes per parameter of each weight format, including what stays 16-bit (embeddings,
# norms, lm_head) and the quantization constants.
BYTES_PER_PARAM = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "int8": 1.15, "nf4": 0.6}
QUANT_NAMES = {"none": "no quantization", "int8": "8-bit (int8)", "nf4": "4-bit NF4"}


@dataclass(frozen=True)
class LoadPrefs:
    """The user's overrides; "auto" lets the planner choose."""

    device: str = "auto"  # auto | cuda | mps | cpu
    dtype: str = "auto"  # auto | bf16 | fp16 | fp32
    quantization: str = "auto"  # auto | none | int8 | nf4
    offload: str = "auto"  # auto | none | model | sequential | device_map


@dataclass(frozen=True)
class LoadPlan:
    device: str  # torch device: "cuda" (also ROCm), "mps", "xpu", "cpu"
    dtype: str  # "fp32" | "bf16" | "fp16" (compute dtype when quantized)
    quantization: str = "none"  # "none" | "int8" | "nf4"
    offload: str = "none"  # "none" | "model" | "sequential" | "device_map"
    estimated_bytes: int = 0
    reason: str = ""
    vae_tiling: bool = False

    def describe(self) -> str:
        parts = [self.device, self.dtype, QUANT_NAMES[self.quantization]]
        if self.offload != "none":
            parts.append(f"offload: {self.offload}")
        return " · ".join(parts)


def gb(n: float) -> str:
    return f"{n / 1e9:.1f} GB"


def _params_text(params: int) -> str:
    return f"{params / 1e9:.1f}B params" if params >= 1e9 else f"{params / 1e6:.0f}M params"


def text_headroom(weight_bytes: float, on_cpu: bool) -> int:
    """Memory kept free beside the weights: KV cache, activations, runtime (CUDA context / OS)."""
    base = 1.0 * GIB if on_cpu else 0.5 * GIB
    return int(base + min(2.0 * GIB, 0.1 * weight_bytes))


def _check_prefs(prefs: LoadPrefs) -> None:
    allowed = {
        "device": ("auto", "cuda", "mps", "cpu", "xpu"),
        "dtype": ("auto", "bf16", "fp16", "fp32"),
        "quantization": ("auto", "none", "int8", "nf4"),
        "offload": ("auto", "none", "model", "sequential", "device_map"),
    }
    for name, choices in allowed.items():
        value = getattr(prefs, name)
        if value not in choices:
            raise InvalidInput(f"Unknown {name} '{value}'.", f"Choose one of: {', '.join(choices)}.")


def _gpu_dtype(hw: HardwareInfo) -> str:
    if hw.accelerator == "mps":
        return "fp16"
    return "bf16" if hw.bf16 else "fp16"


def _forced(spec: ModelSpec, hw: HardwareInfo, prefs: LoadPrefs, device: str) -> LoadPlan | None:
    """When the user fixed dtype/quantization/offload, honour it and say whether it fits."""
    if prefs.dtype == "auto" and prefs.quantization == "auto" and prefs.offload == "auto":
        return None
    on_cpu = device == "cpu"
    dtype = prefs.dtype if prefs.dtype != "auto" else ("fp32" if on_cpu else _gpu_dtype(hw))
    quant = prefs.quantization if prefs.quantization != "auto" else "none"
    offload = prefs.offload if prefs.offload != "auto" else "none"
    if on_cpu and offload != "none":
        offload = "none"
    need = int(spec.params * BYTES_PER_PARAM[quant if quant != "none" else dtype])
    free = hw.available_ram if on_cpu else hw.free_vram
    if quant != "none" and not hw.bnb_ok and not (on_cpu and quant == "int8"):
        raise InvalidInput(
            f"{QUANT_NAMES[quant]} needs bitsandbytes, which does not work here ({hw.bnb_problem or 'not installed'}).",
            "Set quantization to auto or none.",
        )
    fits = need + text_headroom(need, on_cpu) <= free or offload == "device_map"
    verdict = "fits" if fits else f"may not fit ({gb(free)} free): expect an out-of-memory error"
    return LoadPlan(device, dtype, quant, offload, need,
                    f"your choice: {_params_text(spec.params)} in {QUANT_NAMES[quant] if quant != 'none' else dtype} "
                    f"= {gb(need)}, {verdict}")


def _plan_cpu(spec: ModelSpec, hw: HardwareInfo, why_cpu: str) -> LoadPlan | None:
    p, ram = spec.params, hw.available_ram
    fp32 = p * BYTES_PER_PARAM["fp32"]
    if fp32 + text_headroom(fp32, True) <= ram:
        return LoadPlan("cpu", "fp32", "none", "none", int(fp32),
                        f"{why_cpu}: {_params_text(p)} x 4 B = {gb(fp32)} fits in {gb(ram)} free RAM -> fp32 "
                        "(fastest on CPU)")
    half = "bf16"
    b16 = p * 2
    if b16 + text_headroom(b16, True) <= ram:
        return LoadPlan("cpu", half, "none", "none", int(b16),
                        f"{why_cpu}: fp32 needs {gb(fp32)} > {gb(ram)} free RAM -> bf16, {gb(b16)} (slower than fp32)")
    q4 = p * BYTES_PER_PARAM["nf4"]
    if hw.bnb_ok and q4 + text_headroom(q4, True) <= ram:
        return LoadPlan("cpu", "bf16", "nf4", "none", int(q4),
                        f"{why_cpu}: bf16 needs {gb(b16)} > {gb(ram)} free RAM -> 4-bit NF4, {gb(q4)} (slow)")
    return None


def _plan_gpu(spec: ModelSpec, hw: HardwareInfo) -> LoadPlan | None:
    p, free, dev = spec.params, hw.free_vram, hw.torch_device
    dtype = _gpu_dtype(hw)
    where = "free unified memory" if hw.accelerator == "mps" else "free VRAM"
    b16 = p * 2
    if b16 + text_headroom(b16, False) <= free:
        return LoadPlan(dev, dtype, "none", "none", int(b16),
                        f"{_params_text(p)} x 2 B = {gb(b16)} fits in {gb(free)} {where} -> {dtype} on {hw.accelerator.upper()}")
    too_big = f"{_params_text(p)} x 2 B = {gb(b16)} > {gb(free)} {where}"
    if hw.bnb_ok and hw.accelerator in ("cuda", "rocm"):
        for quant in ("int8", "nf4"):
            need = p * BYTES_PER_PARAM[quant]
            if need + text_headroom(need, False) <= free:
                return LoadPlan(dev, dtype, quant, "none", int(need), f"{too_big} -> {QUANT_NAMES[quant]}, {gb(need)}")
        q4 = p * BYTES_PER_PARAM["nf4"]
        if q4 + text_headroom(q4, False) <= free + hw.available_ram * 0.8:
            return LoadPlan(dev, dtype, "nf4", "device_map", int(q4),
                            f"{too_big}; even 4-bit ({gb(q4)}) does not fit -> 4-bit NF4 split between GPU and "
                            f"{gb(hw.available_ram)} free RAM (slow)")
        return None
    if hw.accelerator in ("cuda", "rocm", "xpu") and b16 + text_headroom(b16, False) <= free + hw.available_ram * 0.8:
        why = hw.bnb_problem or "bitsandbytes unavailable"
        return LoadPlan(dev, dtype, "none", "device_map", int(b16),
                        f"{too_big} and no quantization ({why}) -> {dtype} split between GPU and RAM (slow)")
    return None


def _plan_text_unchecked(spec: ModelSpec, hw: HardwareInfo, prefs: LoadPrefs) -> LoadPlan | None:
    device = hw.torch_device if prefs.device == "auto" else prefs.device
    if device not in ("cpu", hw.torch_device):  # e.g. "cuda" on a Mac, or any GPU on a CPU-only machine
        raise InvalidInput(f"Device '{prefs.device}' was asked for, but this computer has no such GPU.",
                           "Set device to auto or cpu.")
    forced = _forced(spec, hw, prefs, device)
    if forced is not None:
        return forced
    if device == "cpu":
        return _plan_cpu(spec, hw, "CPU only" if not hw.has_gpu else "CPU (your choice)")
    return _plan_gpu(spec, hw)


def plan_text_load(spec: ModelSpec, hw: HardwareInfo, prefs: LoadPrefs = LoadPrefs(),
                   alternatives: Sequence[ModelSpec] | None = None) -> LoadPlan:
    """The first way of loading a chat model that fits, or ``NotEnoughMemory``."""
    _check_prefs(prefs)
    if spec.params <= 0:
        raise InvalidInput(f"The size of '{spec.name}' is unknown: no readable .safetensors weights were found.",
                           "Check that the model folder holds its *.safetensors files.")
    plan = _plan_text_unchecked(spec, hw, prefs)
    if plan is not None:
        return plan
    pool = builtin_catalog() if alternatives is None else alternatives
    smaller = [m for m in pool if m.kind == "text" and 0 < m.params < spec.params and not m.gated]
    fitting = [m for m in sorted(smaller, key=lambda m: -m.params) if _plan_text_unchecked(m, hw, prefs)]
    where = f"{gb(hw.free_vram)} free GPU memory and " if hw.has_gpu else ""
    q4 = spec.params * BYTES_PER_PARAM["nf4"]
    hint = (f"Try a smaller model such as {fitting[0].name} ({_params_text(fitting[0].params)}), "
            "or close other programs to free memory." if fitting
            else "Close other programs to free memory, or use a computer with more memory.")
    raise NotEnoughMemory(
        f"{spec.name} ({_params_text(spec.params)}) does not fit: even 4-bit needs about {gb(q4)}, "
        f"and this computer has {where}{gb(hw.available_ram)} free RAM.", hint)
