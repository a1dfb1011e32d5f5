"""Hardware -> load plan: pure functions, no torch import.

``plan_text_load(spec, hw, prefs)`` returns the first way of loading that fits (see
DESIGN.md), with a one-line human reason, or raises ``NotEnoughMemory`` naming a
smaller model that would fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .catalog import ModelSpec, builtin_catalog
from .errors import InvalidInput, ModelFolderInvalid, NotEnoughMemory
from .hardware import HardwareInfo
from .options import DEVICE, DTYPE, LOAD_CHOICES, OFFLOAD, QUANTIZATION
from .sizes import format_bytes as gb
from .sizes import format_params

GIB = 1024**3
# Bytes per parameter of each weight format, including what stays 16-bit (embeddings,
# norms, lm_head) and the quantization constants.
BYTES_PER_PARAM = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "int8": 1.15, "nf4": 0.6}
QUANT_NAMES = {"none": "no quantization", "int8": "8-bit (int8)", "nf4": "4-bit NF4"}


@dataclass(frozen=True)
class LoadPrefs:
    """The user's overrides; "auto" lets the planner choose."""

    device: str = DEVICE.default  # choices: options.DEVICE
    dtype: str = DTYPE.default
    quantization: str = QUANTIZATION.default
    offload: str = OFFLOAD.default


POOLS = ("gpu", "ram", "none")


@dataclass(frozen=True)
class LoadPlan:
    """How one model is loaded: a pure value made by its backend's planner, read by the backend."""

    device: str  # torch device: "cuda" (also ROCm), "mps", "xpu", "cpu"; a backend without torch may say "remote"
    dtype: str  # "fp32" | "bf16" | "fp16" (compute dtype when quantized)
    quantization: str = "none"  # "none" | "int8" | "nf4", or a backend's own name (e.g. a GGUF "Q4_K_M")
    offload: str = "none"  # "none" | "model" | "sequential" | "device_map"
    estimated_bytes: int = 0
    reason: str = ""
    vae_tiling: bool = False
    # Which memory ``estimated_bytes`` is taken from: "gpu" (VRAM or unified memory), "ram", or "none"
    # (another process or machine holds the model). Eviction and held-memory accounting go by it.
    # Empty: "ram" on the CPU, else "gpu" (planners set it).
    pool: str = ""
    # The user's per-model opt-ins (Models tab), filled in by the registry: pickle weights, model code.
    allow_pickle: bool = False
    trust_remote_code: bool = False
    # Backend-specific settings as (name, value) pairs, e.g. (("gguf_file", "x.Q4_K_M.gguf"),).
    extras: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if not self.pool:
            object.__setattr__(self, "pool", "ram" if self.device == "cpu" else "gpu")
        if self.pool not in POOLS:
            raise ValueError(f"unknown memory pool {self.pool!r}; one of {', '.join(POOLS)}")

    def extra(self, name: str, default: Any = None) -> Any:
        return dict(self.extras).get(name, default)

    def describe(self) -> str:
        parts = [self.device, self.dtype, QUANT_NAMES.get(self.quantization, self.quantization)]
        if self.offload != "none":
            parts.append(f"offload: {self.offload}")
        return " · ".join(parts)


def _pool(device: str) -> str:
    """The memory a torch model on ``device`` takes: RAM on the CPU, else the GPU's (unified on Apple)."""
    return "ram" if device == "cpu" else "gpu"


def _params_text(params: int) -> str:
    return f"{format_params(params)} params"


def text_headroom(weight_bytes: float, on_cpu: bool) -> int:
    """Memory kept free beside the weights: KV cache, activations, runtime (CUDA context / OS)."""
    base = 1.0 * GIB if on_cpu else 0.5 * GIB
    return int(base + min(2.0 * GIB, 0.1 * weight_bytes))


def _check_prefs(prefs: LoadPrefs) -> None:
    for name, option in LOAD_CHOICES.items():
        option.check(getattr(prefs, name))


def _gpu_dtype(hw: HardwareInfo) -> str:
    if hw.accelerator == "mps":
        return "fp16"
    return "bf16" if hw.bf16 else "fp16"


@dataclass(frozen=True)
class _Way:
    """One way of loading: the candidates are tried in DESIGN.md's order."""

    dtype: str
    quantization: str
    offload: str


def _text_ways(hw: HardwareInfo, device: str, prefs: LoadPrefs) -> list[_Way]:
    if device == "cpu":
        ways = [_Way("fp32", "none", "none"), _Way("bf16", "none", "none")]
        if prefs.quantization == "int8":  # torch dynamic int8: needs the fp32 model first
            ways.append(_Way("fp32", "int8", "none"))
        if hw.bnb_ok:
            ways.append(_Way("bf16", "nf4", "none"))
    else:
        d16 = _gpu_dtype(hw)
        ways = [_Way(d16, "none", "none")]
        if hw.bnb_ok and hw.accelerator in ("cuda", "rocm"):
            ways += [_Way(d16, "int8", "none"), _Way(d16, "nf4", "none"), _Way(d16, "nf4", "device_map")]
        if hw.accelerator in ("cuda", "rocm", "xpu"):
            ways.append(_Way(d16, "none", "device_map"))
    # The user's fixed choices narrow the candidates; what they left on "auto" stays automatic.
    if prefs.dtype != "auto":
        ways = [_Way(prefs.dtype, w.quantization, w.offload) for w in ways]
    if prefs.quantization != "auto":
        ways = [w for w in ways if w.quantization == prefs.quantization]
        if not ways:
            why = f"({hw.bnb_problem})" if hw.bnb_problem else "(not available on this device)"
            raise InvalidInput(f"{QUANT_NAMES[prefs.quantization]} needs bitsandbytes, which does not work here {why}.",
                               "Set quantization to auto or none.")
    if prefs.offload != "auto":
        if prefs.offload in ("model", "sequential"):
            raise InvalidInput(f"Offload '{prefs.offload}' is for image models.",
                               "For chat models use auto, none or device_map.")
        ways = [w for w in ways if w.offload == prefs.offload]
        if not ways:
            raise InvalidInput("Offloading with device_map needs a CUDA, ROCm or XPU GPU.", "Set offload to auto or none.")
    return list(dict.fromkeys(ways))


def _need(spec: ModelSpec, way: _Way) -> float:
    return spec.params * BYTES_PER_PARAM[way.quantization if way.quantization != "none" else way.dtype]


def _capacity(hw: HardwareInfo, device: str, way: _Way) -> float:
    if device == "cpu":
        return hw.available_ram
    return hw.free_vram + (hw.available_ram * 0.8 if way.offload == "device_map" else 0)


def _reason(spec: ModelSpec, hw: HardwareInfo, device: str, ways: list[_Way], chosen: _Way, fits: bool,
            chosen_by_user: bool) -> str:
    p, on_cpu = spec.params, device == "cpu"
    need = _need(spec, chosen)
    what = QUANT_NAMES[chosen.quantization] if chosen.quantization != "none" else chosen.dtype
    where = ("free RAM" if on_cpu else "free unified memory" if hw.accelerator == "mps" else "free VRAM")
    free = hw.available_ram if on_cpu else hw.free_vram
    prefix = ("CPU only: " if not hw.has_gpu else "CPU (your choice): ") if on_cpu else ""
    if chosen_by_user:
        prefix += "your choice: "
    if not fits:
        return (f"{prefix}{_params_text(p)} in {what} = {gb(need)}, may not fit ({gb(free)} {where}): "
                "expect an out-of-memory error")
    first = ways[0]
    size = f"{_params_text(p)} x {BYTES_PER_PARAM[first.dtype]:g} B = {gb(_need(spec, first))}"
    if chosen == first:
        tail = " (fastest on CPU)" if on_cpu and chosen.dtype == "fp32" else ""
        target = "" if on_cpu else f" on {hw.accelerator.upper()}"
        return f"{prefix}{size} fits in {gb(free)} {where} -> {what}{target}{tail}"
    too_big = f"{prefix}{size} > {gb(free)} {where}"
    if chosen.offload == "device_map":
        if chosen.quantization == "none":
            why = hw.bnb_problem or "bitsandbytes unavailable"
            return f"{too_big} and no quantization ({why}) -> {what} split between GPU and RAM, {gb(need)} (slow)"
        return (f"{too_big}; even {what} ({gb(need)}) does not fit -> {what} split between GPU and "
                f"{gb(hw.available_ram)} free RAM (slow)")
    slow = " (slower than fp32)" if on_cpu and chosen.quantization == "none" else " (slow)" if on_cpu else ""
    return f"{too_big} -> {what}, {gb(need)}{slow}"


def _plan_text_unchecked(spec: ModelSpec, hw: HardwareInfo, prefs: LoadPrefs) -> LoadPlan | None:
    device = hw.torch_device if prefs.device == "auto" else prefs.device
    if device not in ("cpu", hw.torch_device):
        raise InvalidInput(f"Device '{prefs.device}' was asked for, but this computer has no such GPU.",
                           "Set device to auto or cpu.")
    ways = _text_ways(hw, device, prefs)
    user_fixed = any(v != "auto" for v in (prefs.dtype, prefs.quantization, prefs.offload))
    for way in ways:
        need = _need(spec, way)
        if need + text_headroom(need, device == "cpu") <= _capacity(hw, device, way):
            return LoadPlan(device, way.dtype, way.quantization, way.offload, int(need),
                            _reason(spec, hw, device, ways, way, True, user_fixed), pool=_pool(device))
    if user_fixed:  # honour the user's choice, and say it may not fit
        way = ways[0]
        return LoadPlan(device, way.dtype, way.quantization, way.offload, int(_need(spec, way)),
                        _reason(spec, hw, device, ways, way, False, True), pool=_pool(device))
    return None


def plan_text_load(spec: ModelSpec, hw: HardwareInfo, prefs: LoadPrefs = LoadPrefs(),
                   alternatives: Sequence[ModelSpec] | None = None) -> LoadPlan:
    """The first way of loading a chat model that fits, or ``NotEnoughMemory``."""
    _check_prefs(prefs)
    if spec.params <= 0:
        where = f"The model folder '{spec.path}'" if spec.path else f"'{spec.name}'"
        raise ModelFolderInvalid(f"{where} has no readable weights (*.safetensors), so its size is unknown.",
                                 "Copy the model's .safetensors files into the folder, then press Refresh.")
    plan = _plan_text_unchecked(spec, hw, prefs)
    if plan is not None:
        return plan
    pool = builtin_catalog() if alternatives is None else alternatives
    smaller = [m for m in pool if m.kind == "text" and 0 < m.params < spec.params and not m.gated]
    plans = [(m, _plan_text_unchecked(m, hw, prefs)) for m in sorted(smaller, key=lambda m: -m.params)]
    fitting = [m for m, p in plans if p and p.offload == "none"] or [m for m, p in plans if p]
    where = f"{gb(hw.free_vram)} free GPU memory and " if hw.has_gpu else ""
    device = hw.torch_device if prefs.device == "auto" else prefs.device
    smallest = min(_text_ways(hw, device, prefs), key=lambda w: _need(spec, w))
    what = QUANT_NAMES[smallest.quantization] if smallest.quantization != "none" else smallest.dtype
    hint = (f"Try a smaller model such as {fitting[0].name} ({_params_text(fitting[0].params)}), "
            "or close other programs to free memory." if fitting
            else "Close other programs to free memory, or use a computer with more memory.")
    raise NotEnoughMemory(
        f"{spec.name} ({_params_text(spec.params)}) does not fit: even {what} needs about "
        f"{gb(_need(spec, smallest))}, and this computer has {where}{gb(hw.available_ram)} free RAM.", hint)


# --- image models ------------------------------------------------------------------------------------
# Per-component parameters of each family's reference model (read from their safetensors headers):
# used to split a catalog model's total when its own files are not on disk yet.
_SD_VAE, _SD3_VAE, _CLIP_L, _CLIP_G, _T5_XXL = 83_653_863, 83_819_683, 123_060_480, 694_659_840, 4_762_310_656
_REFERENCE_COMPONENTS: dict[str, tuple[tuple[str, int], ...]] = {
    "sd15": (("unet", 859_520_964), ("text_encoder", _CLIP_L), ("vae", _SD_VAE)),
    "sd2": (("unet", 865_910_724), ("text_encoder", 340_387_840), ("vae", _SD_VAE)),
    "sdxl": (("unet", 2_567_463_684), ("text_encoder", _CLIP_L), ("text_encoder_2", _CLIP_G), ("vae", _SD_VAE)),
    "sd3": (("transformer", 2_471_927_232), ("text_encoder", 123_650_560), ("text_encoder_2", _CLIP_G),
            ("text_encoder_3", _T5_XXL), ("vae", _SD3_VAE)),
    "flux": (("transformer", 11_901_408_320), ("text_encoder", _CLIP_L), ("text_encoder_2", _T5_XXL),
             ("vae", _SD3_VAE)),
}
_REFERENCE_COMPONENTS["sd-turbo"] = _REFERENCE_COMPONENTS["sd2"]
_REFERENCE_COMPONENTS["sdxl-turbo"] = _REFERENCE_COMPONENTS["sdxl"]
# Working memory for one image at the family's native size in 16-bit, GiB: (denoising activations
# with guidance, VAE decode). Rough figures measured with PyTorch SDPA attention; they scale with
# the pixel count, and VAE tiling caps the decode at one native-size tile.
_IMAGE_WORK_GIB: dict[str, tuple[float, float]] = {
    "sd15": (0.6, 0.6), "sd2": (1.0, 1.2), "sd-turbo": (0.4, 0.6), "sdxl": (1.0, 2.0),
    "sdxl-turbo": (0.4, 0.6), "sd3": (1.5, 1.5), "flux": (2.0, 1.5), "": (0.8, 0.8),
}
IMAGE_GPU_HEADROOM = int(0.5 * GIB)  # CUDA context, allocator slack
IMAGE_CPU_HEADROOM = 1 * GIB  # the OS and the app
SEQUENTIAL_GPU_BYTES = int(0.6 * GIB)  # the biggest single layer in flight under sequential offload


def image_components(spec: ModelSpec) -> dict[str, int]:
    """Parameters per component: the model's own figures, else its family's reference split."""
    if spec.components:
        return dict(spec.components)
    ref = _REFERENCE_COMPONENTS.get(spec.family)
    if not ref:
        return {"unet": spec.params}
    total = sum(p for _, p in ref)
    return {name: int(p * spec.params / total) for name, p in ref}


def vae_tiling_needed(family: str, width: int, height: int, name: str = "") -> bool:
    """VAE tiling for images over twice the model's native pixel count."""
    from .image_request import family_of

    native = family_of(family, name).size
    return width * height > 2 * native * native


def image_work_bytes(family: str, width: int, height: int, dtype: str, tiling: bool,
                     name: str = "") -> tuple[int, int]:
    """Working memory for one image of this size: (denoising activations, VAE decode) in bytes.
    They do not overlap: the denoiser's activations are freed before the decode."""
    from .image_request import family_of

    denoise, decode = _IMAGE_WORK_GIB.get(family, _IMAGE_WORK_GIB[""])
    ratio = width * height / family_of(family, name).size ** 2
    scale = 2.0 if dtype == "fp32" else 1.0
    return int(denoise * ratio * scale * GIB), int(decode * (min(ratio, 1.0) if tiling else ratio) * scale * GIB)


def _offload_peak(comps: dict[str, int], bytes_of: dict[str, int], work: tuple[int, int]) -> int:
    """GPU peak under model CPU offload: one component at a time, with its own working memory."""
    denoiser = "transformer" if "transformer" in comps else max(comps, key=lambda k: comps[k])
    peaks = [b + (work[0] if k == denoiser else work[1] if k == "vae" else 0) for k, b in bytes_of.items()]
    return max(peaks)


def _image_text(spec: ModelSpec, label: str) -> str:
    return f"{label} {_params_text(spec.params)}"


def _plan_image_gpu(spec: ModelSpec, hw: HardwareInfo, comps: dict[str, int], big_transformer: bool,
                    label: str, w: int, h: int, tiling: bool) -> LoadPlan | None:
    dev, name = hw.torch_device, spec.name
    # SD / SDXL: fp16, their native precision (the SDXL VAE is upcast where needed); FLUX / SD3: bf16.
    dtype = "bf16" if big_transformer and hw.bf16 and hw.accelerator != "mps" else "fp16"
    free = hw.free_vram - IMAGE_GPU_HEADROOM
    where = "free unified memory" if hw.accelerator == "mps" else "free VRAM"
    sized = {k: v * 2 for k, v in comps.items()}
    weights = sum(sized.values())
    big_name = max(comps, key=lambda k: comps[k])
    work = image_work_bytes(spec.family, w, h, dtype, tiling, name)
    tile = ", VAE tiling" if tiling else ""
    what = f"{_image_text(spec, label)} x 2 B = {gb(weights)} + {gb(max(work))} working memory at {w}x{h}"
    if weights + max(work) <= free:
        return LoadPlan(dev, dtype, "none", "none", weights + max(work),
                        f"{what} fits in {gb(hw.free_vram)} {where} -> {dtype} on {hw.accelerator.upper()}{tile}",
                        vae_tiling=tiling, pool=_pool(dev))
    too_big = f"{what} > {gb(hw.free_vram)} {where}"
    if hw.accelerator == "mps":  # unified memory: offloading to "CPU" frees nothing
        return None
    ram = hw.available_ram * 0.8  # offloaded weights wait in RAM
    peak = _offload_peak(comps, sized, work)
    if weights <= ram and peak <= free:
        return LoadPlan(dev, dtype, "none", "model", peak,
                        f"{too_big} -> {dtype} with model CPU offload: one component at a time on the GPU "
                        f"(largest: {big_name}, {gb(sized[big_name])}){tile}", vae_tiling=tiling, pool=_pool(dev))
    if big_transformer and hw.bnb_ok and hw.accelerator in ("cuda", "rocm") and "transformer" in comps:
        sized4 = {**sized, "transformer": int(comps["transformer"] * BYTES_PER_PARAM["nf4"])}
        t4 = gb(sized4["transformer"])
        if sum(sized4.values()) + max(work) <= free:
            return LoadPlan(dev, dtype, "nf4", "none", sum(sized4.values()) + max(work),
                            f"{too_big} -> transformer in 4-bit NF4 ({t4}), the rest {dtype} on the GPU{tile}",
                            vae_tiling=tiling, pool=_pool(dev))
        peak4 = _offload_peak(comps, sized4, work)
        if sum(sized4.values()) <= ram and peak4 <= free:
            return LoadPlan(dev, dtype, "nf4", "model", peak4,
                            f"{too_big} -> transformer in 4-bit NF4 ({t4}) with model CPU offload{tile}",
                            vae_tiling=tiling, pool=_pool(dev))
    work_tiled = image_work_bytes(spec.family, w, h, dtype, True, name)
    if weights <= ram and SEQUENTIAL_GPU_BYTES + max(work_tiled) <= free:
        return LoadPlan(dev, dtype, "none", "sequential", SEQUENTIAL_GPU_BYTES + max(work_tiled),
                        f"{too_big}; even one component at a time ({big_name}, {gb(sized[big_name])}) does not fit "
                        "-> sequential CPU offload, layer by layer, and VAE tiling (works, but very slow)",
                        vae_tiling=True, pool=_pool(dev))
    return None


def _plan_image_cpu(spec: ModelSpec, hw: HardwareInfo, comps: dict[str, int], label: str, w: int, h: int,
                    tiling: bool, why_cpu: str) -> LoadPlan | None:
    ram = hw.available_ram - IMAGE_CPU_HEADROOM
    for dtype in ("fp32", "bf16"):  # bf16 halves the memory but is slower on CPUs, even with native bf16
        weights = int(sum(comps.values()) * BYTES_PER_PARAM[dtype])
        work = max(image_work_bytes(spec.family, w, h, dtype, tiling, spec.name))
        if weights + work <= ram:
            why = "fastest on CPU" if dtype == "fp32" else f"fp32 would need {gb(sum(comps.values()) * 4)}; bf16 is slower"
            return LoadPlan("cpu", dtype, "none", "none", weights + work,
                            f"{why_cpu}: {_image_text(spec, label)} in {dtype} = {gb(weights)} + {gb(work)} working "
                            f"memory at {w}x{h} fits in {gb(hw.available_ram)} free RAM -> {dtype} ({why})"
                            + (", VAE tiling" if tiling else ""), vae_tiling=tiling, pool="ram")
    return None


def _forced_image(spec: ModelSpec, hw: HardwareInfo, prefs: LoadPrefs, device: str, comps: dict[str, int],
                  big_transformer: bool, w: int, h: int, tiling: bool) -> LoadPlan | None:
    if prefs.dtype == "auto" and prefs.quantization == "auto" and prefs.offload == "auto":
        return None
    on_cpu = device == "cpu"
    dtype = prefs.dtype if prefs.dtype != "auto" else ("fp32" if on_cpu else _gpu_dtype(hw))
    notes = []
    quant = prefs.quantization if prefs.quantization in ("int8", "nf4") else "none"
    if quant != "none" and not big_transformer:
        notes.append(f"{QUANT_NAMES[quant]} applies only to FLUX / SD3-class transformers, so it is not used")
        quant = "none"
    elif quant != "none" and device != "cuda":
        notes.append(f"{QUANT_NAMES[quant]} image transformers need an NVIDIA or AMD GPU, so it is not used")
        quant = "none"
    if quant != "none" and not hw.bnb_ok:
        raise InvalidInput(f"{QUANT_NAMES[quant]} needs bitsandbytes, which does not work here "
                           f"({hw.bnb_problem or 'not installed'}).", "Set quantization to auto or none.")
    offload = prefs.offload if prefs.offload != "auto" else "none"
    if offload == "device_map":
        raise InvalidInput("Image models cannot be split with device_map.",
                           "Choose offload 'model' (one component at a time on the GPU) or 'sequential'.")
    if on_cpu and offload != "none":
        notes.append("offload does nothing on the CPU")
        offload = "none"
    bpp = 4 if dtype == "fp32" else 2
    sized = {k: int(v * (BYTES_PER_PARAM[quant] if quant != "none" and k == "transformer" else bpp))
             for k, v in comps.items()}
    tiling = tiling or offload == "sequential"
    work = image_work_bytes(spec.family, w, h, dtype, tiling, spec.name)
    need = {"none": sum(sized.values()) + max(work), "model": _offload_peak(comps, sized, work),
            "sequential": SEQUENTIAL_GPU_BYTES + max(work)}[offload]
    free = hw.available_ram - IMAGE_CPU_HEADROOM if on_cpu else hw.free_vram - IMAGE_GPU_HEADROOM
    verdict = "fits" if need <= free else f"may not fit ({gb(free)} free): expect an out-of-memory error"
    what = dtype + (f", transformer {QUANT_NAMES[quant]}" if quant != "none" else "") + (
        f", offload {offload}" if offload != "none" else "")
    reason = f"your choice: {_params_text(spec.params)} as {what} needs {gb(need)} at {w}x{h}, {verdict}"
    if notes:
        reason += f" ({'; '.join(notes)})"
    return LoadPlan(device, dtype, quant, offload, need, reason, vae_tiling=tiling, pool=_pool(device))


def plan_image_load(spec: ModelSpec, hw: HardwareInfo, prefs: LoadPrefs = LoadPrefs(), width: int | None = None,
                    height: int | None = None, alternatives: Sequence[ModelSpec] | None = None) -> LoadPlan:
    """How to load a diffusers pipeline on this machine, for images of ``width`` x ``height`` (default:
    the family's native size): 16-bit on the GPU, else model CPU offload, else (FLUX / SD3-class) a
    4-bit transformer, else sequential offload; fp32 on the CPU. Or ``NotEnoughMemory``."""
    from .image_request import family_of

    _check_prefs(prefs)
    if spec.params <= 0 and not spec.components:
        raise InvalidInput(f"The size of '{spec.name}' is unknown: no readable .safetensors weights were found.",
                           "Check that the model folder holds its *.safetensors files.")
    fam = family_of(spec.family, spec.name)
    w, h = width or fam.size, height or fam.size
    comps = image_components(spec)
    tiling = vae_tiling_needed(spec.family, w, h, spec.name)
    plan = _plan_image_unchecked(spec, hw, prefs, comps, fam.big_transformer, fam.label, w, h, tiling)
    if plan is not None:
        return plan
    pool = builtin_catalog() if alternatives is None else alternatives
    smaller = sorted((m for m in pool if m.kind == "image" and 0 < m.params < spec.params and not m.gated),
                     key=lambda m: -m.params)
    fitting = [m for m in smaller if _plan_image_unchecked(
        m, hw, prefs, image_components(m), family_of(m.family, m.name).big_transformer, family_of(m.family, m.name).label,
        family_of(m.family, m.name).size, family_of(m.family, m.name).size, False)]
    where = f"{gb(hw.free_vram)} free GPU memory and " if hw.has_gpu else ""
    hint = "Try a smaller image size" + (f", or a smaller model such as {fitting[0].name}" if fitting else "") + \
        ", and close other programs to free memory."
    raise NotEnoughMemory(f"{spec.name} ({_params_text(spec.params)}) does not fit for {w}x{h} images: this computer "
                          f"has {where}{gb(hw.available_ram)} free RAM.", hint)


def _plan_image_unchecked(spec: ModelSpec, hw: HardwareInfo, prefs: LoadPrefs, comps: dict[str, int],
                          big_transformer: bool, label: str, w: int, h: int, tiling: bool) -> LoadPlan | None:
    device = hw.torch_device if prefs.device == "auto" else prefs.device
    if device not in ("cpu", hw.torch_device):
        raise InvalidInput(f"Device '{prefs.device}' was asked for, but this computer has no such GPU.",
                           "Set device to auto or cpu.")
    forced = _forced_image(spec, hw, prefs, device, comps, big_transformer, w, h, tiling)
    if forced is not None:
        return forced
    if device == "cpu":
        return _plan_image_cpu(spec, hw, comps, label, w, h, tiling,
                               "CPU only" if not hw.has_gpu else "CPU (your choice)")
    return _plan_image_gpu(spec, hw, comps, big_transformer, label, w, h, tiling)
