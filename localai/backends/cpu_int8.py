"""Torch dynamic int8 on the CPU: the Linear layers' weights in int8, one scale per output channel.

Per-channel, not torch's default per-tensor scale: on SmolLM2-135M the per-tensor model answered "What is
the capital of France?" (repetition penalty 1.1) with a ramble about the French language, the per-channel
one with "The capital of France is Paris." like fp32, at the same speed (46-48 tokens/s against 46-47).
"""

from __future__ import annotations

import warnings
from typing import Any


def quantize_dynamic_int8(model: Any) -> Any:
    """``model`` (fp32, on the CPU) with its ``nn.Linear`` layers replaced by dynamic int8 ones."""
    import torch  # noqa: PLC0415
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic  # noqa: PLC0415

    with warnings.catch_warnings():  # torch calls its eager quantization deprecated; it is what runs fast here
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        return quantize_dynamic(model, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8)
