"""Torch dynamic int8 on the CPU: the Linear layers' weights in int8, except the output layer (lm_head).

Measured on SmolLM2-135M-Instruct (greedy): every Linear in int8 with torch's default per-tensor scale
answered "What is the capital of France?" (repetition penalty 1.1) with a ramble about the French
language; one scale per output channel gave a row of emoji for "Tell me a story about a cat." even with
lm_head kept; per-tensor int8 with lm_head kept in fp32 answers "The capital of France is Paris." like fp32
and tells a coherent story. The output layer is one layer of the model (on SmolLM2 it is tied to the
embeddings, a fifth of the weights): it costs some of int8's speed, not the answers.
"""

from __future__ import annotations

import warnings
from typing import Any


def quantize_dynamic_int8(model: Any, within: Any = None) -> Any:
    """``model`` (fp32, on the CPU) with its ``nn.Linear`` layers but the output one replaced by dynamic int8;
    with ``within`` (one of its modules, e.g. a vision model's language part), only the layers inside it."""
    import torch  # noqa: PLC0415
    from torch.ao.quantization import default_dynamic_qconfig, quantize_dynamic  # noqa: PLC0415

    output = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    inside = {id(m) for m in within.modules()} if within is not None else None
    layers = {name: default_dynamic_qconfig for name, module in model.named_modules()
              if isinstance(module, torch.nn.Linear) and module is not output
              and (inside is None or id(module) in inside)}
    with warnings.catch_warnings():  # torch calls its eager quantization deprecated; it is what runs fast here
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        return quantize_dynamic(model, layers, dtype=torch.qint8)
