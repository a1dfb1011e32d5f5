"""Hardware -> load plan: pure functions, no torch import.

``plan_text_load(spec, hw, prefs)`` returns the first way of loading that fits (see
DESIGN.md), with a one-line human reason (a ``Message``: the edge puts it in the user's
language), or raises ``NotEnoughMemory`` naming a smaller model that would fit.
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
from .messages import Message

GIB = 1024**3
# Bytes per parameter of each weight format, including what stays 16-bit (embeddings,
# norms, lm_head) and the quantization constants.
BYTES_PER_PARAM = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "int8": 1.15, "nf4": 0.6}
QUANT_KEYS = {"none": "quant.none", "int8": "quant.int8", "nf4": "quant.nf4"}


def quant_name(quantization: str) -> Message | str:
    """A quantization's name for people ("4-bit NF4"); a name this module does not know stays as it is."""
    return Message(QUANT_KEYS[quantization]) if quantization in QUANT_KEYS else quantization


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
    reason: Message | None = None
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
    # Memory for the KV cache of batched requests and kept conversations, in the same pool, budgeted in
    # the fit check beside ``estimated_bytes`` (the engine sizes its paged cache from it); 0: no budget
    # (the engine then picks its own default).
    cache_bytes: int = 0
    # Peak memory while loading when it is above ``held_bytes``' weights (torch dynamic int8 on the CPU
    # quantizes a loaded fp32 model); 0: the weights' size.
    load_peak_bytes: int = 0

    def __post_init__(self) -> None:
        if not self.pool:
            object.__setattr__(self, "pool", "ram" if self.device == "cpu" else "gpu")
        if self.pool not in POOLS:
            raise ValueError(f"unknown memory pool {self.pool!r}; one of {', '.join(POOLS)}")

    @property
    def held_bytes(self) -> int:
        """What the loaded model holds in its pool: the weights and its KV cache budget."""
        return self.estimated_bytes + self.cache_bytes

    @property
    def room_bytes(self) -> int:
        """Free memory to have before loading: what it will hold, or its load peak when that is higher."""
        return max(self.held_bytes, self.load_peak_bytes)

    def extra(self, name: str, default: Any = None) -> Any:
        return dict(self.extras).get(name, default)

    def describe(self) -> Message:
        """One line: "cpu · fp32 · no quantization", with " · offload: model" when it offloads; "on pc2" for a
        model on a remote server."""
        if self.device == "remote" and "servers" in dict(self.extras):
            return Message("plan.describe_remote", servers=dict(self.extras)["servers"])
        if self.offload != "none":
            return Message("plan.describe_offload", device=self.device, dtype=self.dtype,
                           quant=quant_name(self.quantization), offload=self.offload)
        return Message("plan.describe", device=self.device, dtype=self.dtype, quant=quant_name(self.quantization))


def _pool(device: str) -> str:
    """The memory a torch model on ``device`` takes: RAM on the CPU, else the GPU's (unified on Apple)."""
    return "ram" if device == "cpu" else "gpu"


def _params_text(params: int) -> Message:
    return Message("plan.params", count=format_params(params))


def _what(way_quantization: str, dtype: str) -> Message | str:
    """The weight format of a way of loading: its quantization, else its dtype."""
    return quant_name(way_quantization) if way_quantization != "none" else dtype


# The KV cache of a chat model: batched requests and the conversations kept for fast follow-ups. The
# engine sizes its paged cache from ``LoadPlan.cache_bytes``. Wanted: several chats at once plus kept
# conversations; when that does not fit beside the weights, the least: one long conversation.
CACHE_TOKENS = 16384
CACHE_MIN_TOKENS = 4096
# Torch dynamic int8 on the CPU is the default when the hardware's probe measured it this much faster than
# fp32 (noise stays below it), for models from this size: smaller ones sit in the CPU's caches.
CPU_INT8_MIN_SPEEDUP = 1.3
CPU_INT8_MIN_PARAMS = 50_000_000
KV_BYTES = {"fp32": 4, "bf16": 2, "fp16": 2}  # per cached value, by compute dtype (quantized models too)


def runtime_headroom(on_cpu: bool) -> int:
    """Memory kept free beside the weights and the KV cache: activations, runtime (CUDA context / OS)."""
    return int(1.0 * GIB if on_cpu else 0.5 * GIB)


def kv_bytes_per_token(spec: ModelSpec, dtype: str) -> int:
    """Bytes of KV cache per token in ``dtype`` (the compute dtype); 0 when the model's shape is unknown."""
    return spec.kv_values_per_token * KV_BYTES.get(dtype, 4)


def kv_cache_choices(spec: ModelSpec, dtype: str, weight_bytes: float) -> list[tuple[int, int]]:
    """(cache bytes, tokens) to try, largest first. A model of unknown shape (a catalog model not on disk
    yet) gets 10% of its weights, at most 2 GiB, with its token count unknown (0)."""
    per_token = kv_bytes_per_token(spec, dtype)
    if per_token:
        return [(per_token * CACHE_TOKENS, CACHE_TOKENS), (per_token * CACHE_MIN_TOKENS, CACHE_MIN_TOKENS)]
    return [(int(min(2.0 * GIB, 0.1 * weight_bytes)), 0)]


def text_headroom(cache_bytes: float, on_cpu: bool) -> int:
    """Memory kept free beside the weights: the KV cache budget plus the runtime's."""
    return int(runtime_headroom(on_cpu) + cache_bytes)


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


def cpu_int8_pays(spec: ModelSpec, hw: HardwareInfo) -> bool:
    """Torch dynamic int8 decodes this model faster than fp32 on this CPU: measured so (the hardware's probe),
    and the model is big enough for its weights to be read from memory rather than the CPU's caches."""
    return hw.cpu_int8_speedup >= CPU_INT8_MIN_SPEEDUP and spec.params >= CPU_INT8_MIN_PARAMS


def _text_ways(spec: ModelSpec, hw: HardwareInfo, device: str, prefs: LoadPrefs) -> list[_Way]:
    if device == "cpu":
        ways = [_Way("fp32", "none", "none"), _Way("bf16", "none", "none")]
        # Torch dynamic int8 (it needs the fp32 model first): first when it is faster here, else only when asked.
        if cpu_int8_pays(spec, hw) and prefs.dtype == "auto":
            ways.insert(0, _Way("fp32", "int8", "none"))
        elif prefs.quantization == "int8":
            ways.append(_Way("fp32", "int8", "none"))
        if hw.bnb_ok:
            ways.append(_Way("bf16", "nf4", "none"))
    else:
        d16 = _gpu_dtype(hw)
        ways = [_Way(d16, "none", "none")]
        if hw.bnb_ok and hw.accelerator in ("cuda", "rocm"):
            # bitsandbytes int8 fits more often than nf4 but decodes several times slower (ENVIRONMENT.md):
            # only when the user asks for it.
            ways += [_Way(d16, "nf4", "none"), _Way(d16, "nf4", "device_map")]
            if prefs.quantization == "int8":
                ways.append(_Way(d16, "int8", "none"))
        if hw.accelerator in ("cuda", "rocm", "xpu"):
            ways.append(_Way(d16, "none", "device_map"))
    # The user's fixed choices narrow the candidates; what they left on "auto" stays automatic.
    if prefs.dtype != "auto":
        ways = [_Way(prefs.dtype, w.quantization, w.offload) for w in ways]
    if prefs.quantization != "auto":
        ways = [w for w in ways if w.quantization == prefs.quantization]
        if not ways:
            raise InvalidInput("error.prefs.needs_bnb", "hint.prefs.quant_auto", quant=quant_name(prefs.quantization),
                               why=hw.bnb_problem or Message("plan.bnb.not_on_device"))
    if prefs.offload != "auto":
        if prefs.offload in ("model", "sequential"):
            raise InvalidInput("error.prefs.offload_image_only", "hint.prefs.offload_text", offload=prefs.offload)
        ways = [w for w in ways if w.offload == prefs.offload]
        if not ways:
            raise InvalidInput("error.prefs.device_map_gpu", "hint.prefs.offload_auto")
    return list(dict.fromkeys(ways))


def _need(spec: ModelSpec, way: _Way) -> float:
    return spec.params * BYTES_PER_PARAM[way.quantization if way.quantization != "none" else way.dtype]


def _load_peak(spec: ModelSpec, way: _Way, device: str) -> float:
    """Memory while loading: torch dynamic int8 on the CPU quantizes a loaded fp32 model."""
    if device == "cpu" and way.quantization == "int8":
        return spec.params * BYTES_PER_PARAM["fp32"]
    return _need(spec, way)


def _capacity(hw: HardwareInfo, device: str, way: _Way) -> float:
    if device == "cpu":
        return hw.available_ram
    return hw.free_vram + (hw.available_ram * 0.8 if way.offload == "device_map" else 0)


def _free_where(hw: HardwareInfo, on_cpu: bool) -> Message:
    key = "plan.free.ram" if on_cpu else "plan.free.unified" if hw.accelerator == "mps" else "plan.free.vram"
    return Message(key)


def _text_prefix(hw: HardwareInfo, on_cpu: bool, chosen_by_user: bool) -> Message:
    """"CPU only: ", "CPU (your choice): ", then "your choice: " when the user fixed the way of loading."""
    if on_cpu and not hw.has_gpu:
        key = "plan.prefix.cpu_only_user" if chosen_by_user else "plan.prefix.cpu_only"
    elif on_cpu:
        key = "plan.prefix.cpu_chosen_user" if chosen_by_user else "plan.prefix.cpu_chosen"
    else:
        key = "plan.prefix.user" if chosen_by_user else "plan.prefix.none"
    return Message(key)


def _reason(spec: ModelSpec, hw: HardwareInfo, device: str, ways: list[_Way], chosen: _Way, fits: bool,
            chosen_by_user: bool) -> Message:
    p, on_cpu = spec.params, device == "cpu"
    need = _need(spec, chosen)
    what = _what(chosen.quantization, chosen.dtype)
    where = _free_where(hw, on_cpu)
    free = gb(hw.available_ram if on_cpu else hw.free_vram)
    prefix = _text_prefix(hw, on_cpu, chosen_by_user)
    if not fits:
        return Message("plan.text.may_not_fit", prefix=prefix, params=_params_text(p), what=what, need=gb(need),
                       free=free, where=where)
    first = ways[0]
    size = Message("plan.text.size", params=_params_text(p), bytes=f"{BYTES_PER_PARAM[first.dtype]:g}",
                   need=gb(_load_peak(spec, first, device)))
    if on_cpu and chosen.quantization == "int8":  # torch dynamic int8: loaded in fp32, then quantized
        return Message("plan.text.cpu_int8", prefix=prefix, size=size, free=free, where=where, what=what,
                       need=gb(need), why=_cpu_int8_why(spec, hw))
    if chosen == first:
        extra: Message | str = _cpu_extra(spec, hw, chosen) if on_cpu \
            else _both(Message("plan.extra.on_device", device=hw.accelerator.upper()), _gpu_trade(chosen))
        return Message("plan.text.fits", prefix=prefix, size=size, free=free, where=where, what=what, extra=extra)
    too_big = Message("plan.text.too_big", prefix=prefix, size=size, free=free, where=where)
    if chosen.offload == "device_map":
        if chosen.quantization == "none":
            return Message("plan.text.split_unquantized", too_big=too_big, what=what, need=gb(need),
                           why=hw.bnb_problem or Message("plan.bnb.unavailable"))
        return Message("plan.text.split_quantized", too_big=too_big, what=what, need=gb(need),
                       ram=gb(hw.available_ram))
    slow = (Message("plan.extra.slower_than_fp32") if chosen.quantization == "none"
            else Message("plan.extra.slow")) if on_cpu else _gpu_trade(chosen)
    return Message("plan.text.smaller", too_big=too_big, what=what, need=gb(need), slow=slow)


def _speedup(hw: HardwareInfo) -> str:
    return f"{hw.cpu_int8_speedup:.1f}"


def _cpu_int8_why(spec: ModelSpec, hw: HardwareInfo) -> Message | str:
    """Why torch int8 on this CPU: what it measured here, and what fp32 would cost."""
    if cpu_int8_pays(spec, hw):
        return Message("plan.extra.int8_faster", speedup=_speedup(hw))
    if hw.cpu_int8_speedup:
        return Message("plan.extra.int8_measured", speedup=_speedup(hw))
    return ""


def _cpu_extra(spec: ModelSpec, hw: HardwareInfo, chosen: _Way) -> Message | str:
    if chosen.dtype != "fp32":
        return ""
    if cpu_int8_pays(spec, hw):  # the user chose fp32 over the faster int8
        return Message("plan.extra.int8_would_be_faster", speedup=_speedup(hw))
    return Message("plan.extra.fastest_on_cpu")


def _gpu_trade(chosen: _Way) -> Message | str:
    """What a GPU quantization trades: nf4 a little quality; bitsandbytes int8 several times the decode time."""
    return {"nf4": Message("plan.extra.nf4_trade"), "int8": Message("plan.extra.int8_trade")}.get(
        chosen.quantization, "")


def _both(first: Message | str, second: Message | str) -> Message | str:
    return Message("plan.extra.both", first=first, second=second) if second else first


def _plan_text_unchecked(spec: ModelSpec, hw: HardwareInfo, prefs: LoadPrefs) -> LoadPlan | None:
    device = hw.torch_device if prefs.device == "auto" else prefs.device
    if device not in ("cpu", hw.torch_device):
        raise InvalidInput("error.prefs.no_such_device", "hint.prefs.device_auto", device=prefs.device)
    ways = _text_ways(spec, hw, device, prefs)
    user_fixed = any(v != "auto" for v in (prefs.dtype, prefs.quantization, prefs.offload))
    for way in ways:
        need, peak = _need(spec, way), _load_peak(spec, way, device)
        for cache, tokens in kv_cache_choices(spec, way.dtype, need):
            if max(need + cache, peak) + runtime_headroom(device == "cpu") <= _capacity(hw, device, way):
                reason = _with_cache(_reason(spec, hw, device, ways, way, True, user_fixed), cache, tokens)
                return LoadPlan(device, way.dtype, way.quantization, way.offload, int(need), reason,
                                pool=_pool(device), cache_bytes=cache,
                                load_peak_bytes=int(peak) if peak > need else 0)
    if user_fixed:  # honour the user's choice, and say it may not fit
        way = ways[0]
        cache, tokens = kv_cache_choices(spec, way.dtype, _need(spec, way))[-1]
        return LoadPlan(device, way.dtype, way.quantization, way.offload, int(_need(spec, way)),
                        _with_cache(_reason(spec, hw, device, ways, way, False, True), cache, tokens),
                        pool=_pool(device), cache_bytes=cache)
    return None


def _with_cache(reason: Message, cache_bytes: int, tokens: int) -> Message:
    """The reason with the KV cache budget after it, when the model's shape gave one."""
    return Message("plan.cache", reason=reason, cache=gb(cache_bytes), tokens=tokens) if tokens else reason


def plan_text_load(spec: ModelSpec, hw: HardwareInfo, prefs: LoadPrefs = LoadPrefs(),
                   alternatives: Sequence[ModelSpec] | None = None) -> LoadPlan:
    """The first way of loading a chat model that fits, or ``NotEnoughMemory``."""
    _check_prefs(prefs)
    if spec.params <= 0:
        if spec.path:
            raise ModelFolderInvalid("error.plan.folder_size_unknown", "hint.plan.copy_weights", path=spec.path)
        raise ModelFolderInvalid("error.plan.size_unknown", "hint.plan.copy_weights", name=spec.name)
    plan = _plan_text_unchecked(spec, hw, prefs)
    if plan is not None:
        return plan
    pool = builtin_catalog() if alternatives is None else alternatives
    smaller = [m for m in pool if m.kind == "text" and 0 < m.params < spec.params and not m.gated]
    plans = [(m, _plan_text_unchecked(m, hw, prefs)) for m in sorted(smaller, key=lambda m: -m.params)]
    fitting = [m for m, p in plans if p and p.offload == "none"] or [m for m, p in plans if p]
    device = hw.torch_device if prefs.device == "auto" else prefs.device
    smallest = min(_text_ways(spec, hw, device, prefs), key=lambda w: _need(spec, w))
    key = "error.memory.text_too_big_gpu" if hw.has_gpu else "error.memory.text_too_big"
    hint = "hint.memory.smaller_model" if fitting else "hint.memory.close_programs"
    raise NotEnoughMemory(key, hint, name=spec.name, params=_params_text(spec.params),
                          what=_what(smallest.quantization, smallest.dtype), need=gb(_need(spec, smallest)),
                          vram=gb(hw.free_vram), ram=gb(hw.available_ram),
                          smaller=fitting[0].name if fitting else "",
                          smaller_params=_params_text(fitting[0].params) if fitting else "")


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


def upscale_fits_whole(plan: LoadPlan, hw: HardwareInfo, family: str, width: int, height: int,
                       name: str = "") -> bool:
    """Whether the upscaler can redraw an enlarged image of this size at once: the denoiser's working memory
    beyond what the model's plan already holds for its native size fits in the memory free now. Else it
    draws in tiles of the native size (as "hires fix" users know), which need no more than a normal image.
    Under sequential offload memory is short by definition: always tiles."""
    from .image_request import family_of

    if plan.offload == "sequential":
        return False
    side = family_of(family, name).size
    more = max(image_work_bytes(family, width, height, plan.dtype, True, name)) - \
        max(image_work_bytes(family, side, side, plan.dtype, plan.vae_tiling, name))
    free = hw.available_ram - IMAGE_CPU_HEADROOM if plan.pool == "ram" else hw.free_vram - IMAGE_GPU_HEADROOM
    return more <= free


def _offload_peak(comps: dict[str, int], bytes_of: dict[str, int], work: tuple[int, int]) -> int:
    """GPU peak under model CPU offload: one component at a time, with its own working memory."""
    denoiser = "transformer" if "transformer" in comps else max(comps, key=lambda k: comps[k])
    peaks = [b + (work[0] if k == denoiser else work[1] if k == "vae" else 0) for k, b in bytes_of.items()]
    return max(peaks)


def _image_text(spec: ModelSpec, label: str) -> Message:
    return Message("plan.image.model", label=label, params=_params_text(spec.params))


def _tiling(tiling: bool) -> Message | str:
    return Message("plan.extra.vae_tiling") if tiling else ""


def _plan_image_gpu(spec: ModelSpec, hw: HardwareInfo, comps: dict[str, int], big_transformer: bool,
                    label: str, w: int, h: int, tiling: bool) -> LoadPlan | None:
    dev, name = hw.torch_device, spec.name
    # SD / SDXL: fp16, their native precision (the SDXL VAE is upcast where needed); FLUX / SD3: bf16.
    dtype = "bf16" if big_transformer and hw.bf16 and hw.accelerator != "mps" else "fp16"
    free = hw.free_vram - IMAGE_GPU_HEADROOM
    where = _free_where(hw, False)
    sized = {k: v * 2 for k, v in comps.items()}
    weights = sum(sized.values())
    big_name = max(comps, key=lambda k: comps[k])
    work = image_work_bytes(spec.family, w, h, dtype, tiling, name)
    tile = _tiling(tiling)
    what = Message("plan.image.size_gpu", model=_image_text(spec, label), weights=gb(weights), work=gb(max(work)),
                   width=w, height=h)
    if weights + max(work) <= free:
        return LoadPlan(dev, dtype, "none", "none", weights + max(work),
                        Message("plan.image.fits_gpu", what=what, free=gb(hw.free_vram), where=where, dtype=dtype,
                                device=hw.accelerator.upper(), tiling=tile), vae_tiling=tiling, pool=_pool(dev))
    too_big = Message("plan.image.too_big", what=what, free=gb(hw.free_vram), where=where)
    if hw.accelerator == "mps":  # unified memory: offloading to "CPU" frees nothing
        return None
    ram = hw.available_ram * 0.8  # offloaded weights wait in RAM
    peak = _offload_peak(comps, sized, work)
    if weights <= ram and peak <= free:
        return LoadPlan(dev, dtype, "none", "model", peak,
                        Message("plan.image.model_offload", too_big=too_big, dtype=dtype, largest=big_name,
                                size=gb(sized[big_name]), tiling=tile), vae_tiling=tiling, pool=_pool(dev))
    if big_transformer and hw.bnb_ok and hw.accelerator in ("cuda", "rocm") and "transformer" in comps:
        sized4 = {**sized, "transformer": int(comps["transformer"] * BYTES_PER_PARAM["nf4"])}
        t4 = gb(sized4["transformer"])
        if sum(sized4.values()) + max(work) <= free:
            return LoadPlan(dev, dtype, "nf4", "none", sum(sized4.values()) + max(work),
                            Message("plan.image.nf4", too_big=too_big, size=t4, dtype=dtype, tiling=tile),
                            vae_tiling=tiling, pool=_pool(dev))
        peak4 = _offload_peak(comps, sized4, work)
        if sum(sized4.values()) <= ram and peak4 <= free:
            return LoadPlan(dev, dtype, "nf4", "model", peak4,
                            Message("plan.image.nf4_offload", too_big=too_big, size=t4, tiling=tile),
                            vae_tiling=tiling, pool=_pool(dev))
    work_tiled = image_work_bytes(spec.family, w, h, dtype, True, name)
    if weights <= ram and SEQUENTIAL_GPU_BYTES + max(work_tiled) <= free:
        return LoadPlan(dev, dtype, "none", "sequential", SEQUENTIAL_GPU_BYTES + max(work_tiled),
                        Message("plan.image.sequential", too_big=too_big, largest=big_name,
                                size=gb(sized[big_name])), vae_tiling=True, pool=_pool(dev))
    return None


def _plan_image_cpu(spec: ModelSpec, hw: HardwareInfo, comps: dict[str, int], label: str, w: int, h: int,
                    tiling: bool, why_cpu: Message) -> LoadPlan | None:
    ram = hw.available_ram - IMAGE_CPU_HEADROOM
    for dtype in ("fp32", "bf16"):  # bf16 halves the memory but is slower on CPUs, even with native bf16
        weights = int(sum(comps.values()) * BYTES_PER_PARAM[dtype])
        work = max(image_work_bytes(spec.family, w, h, dtype, tiling, spec.name))
        if weights + work <= ram:
            why = Message("plan.image.fastest_on_cpu") if dtype == "fp32" else Message(
                "plan.image.bf16_is_slower", need=gb(sum(comps.values()) * 4))
            return LoadPlan("cpu", dtype, "none", "none", weights + work,
                            Message("plan.image.fits_cpu", why_cpu=why_cpu, model=_image_text(spec, label),
                                    dtype=dtype, weights=gb(weights), work=gb(work), width=w, height=h,
                                    free=gb(hw.available_ram), why=why, tiling=_tiling(tiling)),
                            vae_tiling=tiling, pool="ram")
    return None


def _forced_image(spec: ModelSpec, hw: HardwareInfo, prefs: LoadPrefs, device: str, comps: dict[str, int],
                  big_transformer: bool, w: int, h: int, tiling: bool) -> LoadPlan | None:
    if prefs.dtype == "auto" and prefs.quantization == "auto" and prefs.offload == "auto":
        return None
    on_cpu = device == "cpu"
    dtype = prefs.dtype if prefs.dtype != "auto" else ("fp32" if on_cpu else _gpu_dtype(hw))
    notes: list[Message] = []
    quant = prefs.quantization if prefs.quantization in ("int8", "nf4") else "none"
    if quant != "none" and not big_transformer:
        notes.append(Message("plan.note.quant_big_only", quant=quant_name(quant)))
        quant = "none"
    elif quant != "none" and device != "cuda":
        notes.append(Message("plan.note.quant_needs_gpu", quant=quant_name(quant)))
        quant = "none"
    if quant != "none" and not hw.bnb_ok:
        raise InvalidInput("error.prefs.needs_bnb", "hint.prefs.quant_auto", quant=quant_name(quant),
                           why=hw.bnb_problem or Message("plan.bnb.not_installed"))
    offload = prefs.offload if prefs.offload != "auto" else "none"
    if offload == "device_map":
        raise InvalidInput("error.prefs.image_device_map", "hint.prefs.image_offload")
    if on_cpu and offload != "none":
        notes.append(Message("plan.note.offload_on_cpu"))
        offload = "none"
    bpp = 4 if dtype == "fp32" else 2
    sized = {k: int(v * (BYTES_PER_PARAM[quant] if quant != "none" and k == "transformer" else bpp))
             for k, v in comps.items()}
    tiling = tiling or offload == "sequential"
    work = image_work_bytes(spec.family, w, h, dtype, tiling, spec.name)
    need = {"none": sum(sized.values()) + max(work), "model": _offload_peak(comps, sized, work),
            "sequential": SEQUENTIAL_GPU_BYTES + max(work)}[offload]
    free = hw.available_ram - IMAGE_CPU_HEADROOM if on_cpu else hw.free_vram - IMAGE_GPU_HEADROOM
    verdict = Message("plan.forced.fits") if need <= free else Message("plan.forced.may_not_fit", free=gb(free))
    reason = Message("plan.forced", params=_params_text(spec.params), dtype=dtype,
                     quant=Message("plan.forced.transformer", quant=quant_name(quant)) if quant != "none" else "",
                     offload=Message("plan.forced.offload", offload=offload) if offload != "none" else "",
                     need=gb(need), width=w, height=h, verdict=verdict,
                     notes=_notes(notes))
    return LoadPlan(device, dtype, quant, offload, need, reason, vae_tiling=tiling, pool=_pool(device))


def _notes(notes: Sequence[Message]) -> Message | str:
    """" (note)" or " (note; note)" after a reason: at most two notes come up."""
    if not notes:
        return ""
    if len(notes) == 1:
        return Message("plan.notes.one", note=notes[0])
    return Message("plan.notes.two", first=notes[0], second=notes[1])


def plan_image_load(spec: ModelSpec, hw: HardwareInfo, prefs: LoadPrefs = LoadPrefs(), width: int | None = None,
                    height: int | None = None, alternatives: Sequence[ModelSpec] | None = None) -> LoadPlan:
    """How to load a diffusers pipeline on this machine, for images of ``width`` x ``height`` (default:
    the family's native size): 16-bit on the GPU, else model CPU offload, else (FLUX / SD3-class) a
    4-bit transformer, else sequential offload; fp32 on the CPU. Or ``NotEnoughMemory``."""
    from .image_request import family_of

    _check_prefs(prefs)
    if spec.params <= 0 and not spec.components:
        raise InvalidInput("error.plan.image_size_unknown", "hint.plan.check_weights", name=spec.name)
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
    key = "error.memory.image_too_big_gpu" if hw.has_gpu else "error.memory.image_too_big"
    hint = "hint.memory.smaller_image_or_model" if fitting else "hint.memory.smaller_image"
    raise NotEnoughMemory(key, hint, name=spec.name, params=_params_text(spec.params), width=w, height=h,
                          vram=gb(hw.free_vram), ram=gb(hw.available_ram), smaller=fitting[0].name if fitting else "")


def _plan_image_unchecked(spec: ModelSpec, hw: HardwareInfo, prefs: LoadPrefs, comps: dict[str, int],
                          big_transformer: bool, label: str, w: int, h: int, tiling: bool) -> LoadPlan | None:
    device = hw.torch_device if prefs.device == "auto" else prefs.device
    if device not in ("cpu", hw.torch_device):
        raise InvalidInput("error.prefs.no_such_device", "hint.prefs.device_auto", device=prefs.device)
    forced = _forced_image(spec, hw, prefs, device, comps, big_transformer, w, h, tiling)
    if forced is not None:
        return forced
    if device == "cpu":
        return _plan_image_cpu(spec, hw, comps, label, w, h, tiling,
                               Message("plan.image.cpu_only" if not hw.has_gpu else "plan.image.cpu_chosen"))
    return _plan_image_gpu(spec, hw, comps, big_transformer, label, w, h, tiling)
