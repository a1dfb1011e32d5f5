"""The GGUF chat backend: llama.cpp's ``.gguf`` files, through transformers' own GGUF loading.

transformers reads the file's tokenizer and config and dequantizes its tensors (with the ``gguf``
package) into an ordinary model, so from there on it is the transformers backend's model: the same
prompt building, streaming, cancel, int8 on the CPU. Only where the weights come from differs
(``_weights_source``), and the plan: the planner sizes the DEQUANTIZED model (the spec's ``params``
are the tensors' element count), since that is what sits in memory, not the smaller file.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..catalog import ModelSpec
from ..errors import InvalidInput, ModelFolderInvalid
from ..gguf_files import GGUF_BACKEND, GGUFHeaderError, read_gguf_header
from ..hardware import HardwareInfo
from ..messages import Message
from ..plan import LoadPlan, LoadPrefs, plan_text_load, quant_name
from .transformers_chat import TransformersChatBackend, WeightsSource

if TYPE_CHECKING:
    from ..registry import Registry


class UnsupportedGGUF(ModelFolderInvalid):
    """A GGUF file whose architecture this transformers cannot read."""

    code = "model_unsupported"


def plan_gguf_load(spec: ModelSpec, hw: HardwareInfo, prefs: LoadPrefs = LoadPrefs()) -> LoadPlan:
    """The text planner's plan for the dequantized model, with the file and its quantization type in the
    plan's extras and reason.

    transformers refuses bitsandbytes on a model read from a GGUF file ("You cannot combine Quantization and
    loading a model from a GGUF file"), so the planner is shown this machine without it: 16-bit on a GPU
    (split with RAM when short), fp32 / bf16 / torch's own dynamic int8 on the CPU."""
    device = hw.torch_device if prefs.device == "auto" else prefs.device
    if prefs.quantization == "nf4" or (prefs.quantization == "int8" and device != "cpu"):
        raise InvalidInput("error.gguf.no_bnb", "hint.gguf.no_bnb", quant=quant_name(prefs.quantization))
    # A Message where the planner quotes why bitsandbytes is out (it renders in the reader's language).
    without_bnb = replace(hw, bnb_ok=False, bnb_problem=Message("plan.gguf.no_bnb"))
    plan = plan_text_load(spec, without_bnb, prefs)
    file = spec.path.name if spec.path is not None else spec.name
    return replace(plan, extras=(*plan.extras, ("gguf_file", file), ("gguf_type", spec.quantization)),
                   reason=Message("plan.gguf", type=spec.quantization or "?", reason=plan.reason))


def transformers_reads(architecture: str) -> bool:
    """Whether the installed transformers can load a GGUF file of this ``general.architecture``."""
    from transformers.modeling_gguf_pytorch_utils import GGUF_SUPPORTED_ARCHITECTURES  # noqa: PLC0415

    # llama.cpp's names vs transformers' ("qwen2moe" / "qwen2_moe", "gpt-oss" / "gpt_oss").
    candidates = {architecture, architecture.replace("-", "_"), re.sub(r"moe$", "_moe", architecture)}
    return any(name in GGUF_SUPPORTED_ARCHITECTURES for name in candidates)


def supported_architectures() -> str:
    from transformers.modeling_gguf_pytorch_utils import GGUF_SUPPORTED_ARCHITECTURES  # noqa: PLC0415

    return ", ".join(sorted(GGUF_SUPPORTED_ARCHITECTURES))


class GGUFChatBackend(TransformersChatBackend):
    """A chat model from one ``.gguf`` file (a ``ChatBackend``), dequantized at load."""

    def _weights_source(self) -> WeightsSource:
        file = self.spec.path
        if file is None or not file.is_file():
            raise ModelFolderInvalid("error.gguf.gone", "hint.folder.refresh_or_restore", path=file or self.spec.name)
        try:
            header = read_gguf_header(file)
        except (OSError, GGUFHeaderError) as exc:
            raise ModelFolderInvalid("error.gguf.unreadable", "hint.gguf.broken", path=file, error=exc) from None
        if not transformers_reads(header.architecture):
            raise UnsupportedGGUF("error.gguf.architecture", "hint.gguf.architecture",
                                  architecture=header.architecture or "?", name=file.name,
                                  supported=supported_architectures())
        self.use_safetensors = True  # ignored by transformers next to gguf_file
        # An absolute path: transformers would otherwise try a bare file name in the working directory first.
        return WeightsSource(Path(file).parent, {"gguf_file": str(Path(file).absolute())}, shown_as=file,
                             tokenizer_error_key="error.gguf.tokenizer", tokenizer_hint_key="hint.gguf.broken",
                             broken_hint_key="hint.gguf.broken")


def register(registry: Registry) -> None:
    """Chat models in GGUF files: ``models/text/*.gguf``, then GGUF files in the Hugging Face cache."""
    from ..gguf_files import scan_gguf_models, scan_hub_cache_gguf  # noqa: PLC0415

    registry.register(GGUF_BACKEND, kind="text", factory=GGUFChatBackend, planner=plan_gguf_load,
                      scanners=(lambda s: scan_gguf_models(s.models_dir), lambda s: scan_hub_cache_gguf()))
