"""How an embedding model is loaded: a pure function, no torch import (``plan.py`` plans chat and image models).

An embedding model is small (about 0.1-0.6B parameters), so it is loaded whole and unquantized: 16-bit on a GPU
(fp16), fp32 on the CPU (16-bit is not faster there, see ENVIRONMENT.md). Its plan counts the weights and the
working memory of one batch of texts, in the same memory pools as the chat and image models: the registry
evicts by it, and evicts it, like any other model. When the GPU has too little room and the user left the
device on auto, it runs on the CPU instead.
"""

from __future__ import annotations

from .catalog import ModelSpec
from .errors import InvalidInput, ModelFolderInvalid, NotEnoughMemory
from .hardware import HardwareInfo
from .messages import Message
from .options import LOAD_CHOICES
from .plan import BYTES_PER_PARAM, LoadPlan, LoadPrefs, quant_name, runtime_headroom
from .sizes import format_bytes as gb
from .sizes import format_params

# Working memory of one batch (32 texts x 512 tokens: activations and attention), in values; x bytes per value.
WORK_VALUES = 128 * 1024**2
VALUE_BYTES = {"fp32": 4, "bf16": 2, "fp16": 2}


def embedding_need(spec: ModelSpec, dtype: str) -> tuple[int, int]:
    """(weights, working memory) in bytes for this model in ``dtype``."""
    return int(spec.params * BYTES_PER_PARAM[dtype]), WORK_VALUES * VALUE_BYTES[dtype]


def plan_embedding_load(spec: ModelSpec, hw: HardwareInfo, prefs: LoadPrefs = LoadPrefs()) -> LoadPlan:
    """The device and precision for an embedding model, or ``NotEnoughMemory``. Quantization and offload settings
    (the command line's, meant for chat and image models) are not applied; the reason says so."""
    for name, option in LOAD_CHOICES.items():
        option.check(getattr(prefs, name))
    if spec.params <= 0:
        if spec.path:
            raise ModelFolderInvalid("error.plan.folder_size_unknown", "hint.plan.copy_weights", path=spec.path)
        raise ModelFolderInvalid("error.plan.size_unknown", "hint.plan.copy_weights", name=spec.name)
    device = hw.torch_device if prefs.device == "auto" else prefs.device
    if device not in ("cpu", hw.torch_device):
        raise InvalidInput("error.prefs.no_such_device", "hint.prefs.device_auto", device=prefs.device)
    ignored = [quant_name(prefs.quantization)] if prefs.quantization in ("int8", "nf4") else []
    ignored += [prefs.offload] if prefs.offload not in ("auto", "none") else []
    note: Message | str = ""
    if ignored:  # what is not applied, as people name it
        note = Message("embed.plan.whole", ignored=ignored[0]) if len(ignored) == 1 else Message(
            "embed.plan.whole_two", first=ignored[0], second=ignored[1])
    tried: list[tuple[str, int, int]] = []  # (device, need, free)
    for dev in (device, "cpu") if device != "cpu" and prefs.device == "auto" else (device,):
        on_cpu = dev == "cpu"
        dtype = prefs.dtype if prefs.dtype != "auto" else ("fp32" if on_cpu else "fp16")
        weights, work = embedding_need(spec, dtype)
        free = hw.available_ram if on_cpu else hw.free_vram
        if weights + work + runtime_headroom(on_cpu) <= free:
            where = Message("plan.free.ram" if on_cpu else "plan.free.unified" if hw.accelerator == "mps"
                            else "plan.free.vram")
            reason = Message("embed.plan.fits", params=Message("plan.params", count=format_params(spec.params)),
                             bytes=f"{BYTES_PER_PARAM[dtype]:g}", work=gb(work), need=gb(weights + work),
                             free=gb(free), where=where, dtype=dtype, note=note)
            if tried:  # the GPU was too full
                reason = Message("embed.plan.cpu_instead", device=hw.accelerator.upper(), free=gb(tried[0][2]),
                                 reason=reason)
            return LoadPlan(dev, dtype, "none", "none", weights + work, reason, pool="ram" if on_cpu else "gpu")
        tried.append((dev, weights + work, free))
    dev, need, free = tried[-1]
    raise NotEnoughMemory("error.embed.too_big", "hint.memory.close_programs", name=spec.name,
                          params=Message("plan.params", count=format_params(spec.params)), need=gb(need),
                          free=gb(free), where=Message("plan.free.ram" if dev == "cpu" else "plan.free.vram"))
