"""The planner's KV cache budget (``LoadPlan.cache_bytes``): sized from the model's own config, counted in
the fit check beside the weights, shrunk to one long conversation before a lesser weight format is chosen.

Worked by hand: SmolLM2-135M keeps 30 layers x 3 KV heads x 64 x 2 = 11,520 values per token, 46,080 B
in fp32; 16,384 tokens = 755.0 MB (0.8 GB), 4,096 tokens = 188.7 MB.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from localai.catalog import ModelSpec, kv_values_per_token, scan_text_models
from localai.hardware import HardwareInfo
from localai.hub_cache import spec_from_snapshot
from localai.messages import render
from localai.plan import (CACHE_MIN_TOKENS, CACHE_TOKENS, LoadPlan, LoadPrefs, kv_bytes_per_token,
                          plan_text_load, runtime_headroom)

G = 1024**3
SMOL_CONFIG = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 576,
               "num_attention_heads": 9, "num_key_value_heads": 3, "head_dim": 64, "num_hidden_layers": 30,
               "max_position_embeddings": 8192}
SMOL_KV = 30 * 3 * 64 * 2


def smol(params: int = 134_515_008, kv: int = SMOL_KV) -> ModelSpec:
    return ModelSpec("SmolLM2-135M", "text", "local", params=params, kv_values_per_token=kv)


def cpu(available: int) -> HardwareInfo:
    return HardwareInfo("cpu", "Xeon", 0, 0, 24 * G, available)


@pytest.mark.parametrize(("config", "values"), [
    (SMOL_CONFIG, SMOL_KV),
    ({**SMOL_CONFIG, "head_dim": None}, 30 * 3 * 64 * 2),  # head size from hidden / heads
    ({k: v for k, v in SMOL_CONFIG.items() if k != "num_key_value_heads"}, 30 * 9 * 64 * 2),  # no GQA
    ({"text_config": SMOL_CONFIG, "model_type": "llava"}, SMOL_KV),  # multimodal: its text model
    ({"n_layer": 12, "n_head": 12, "n_embd": 768}, 12 * 12 * 64 * 2),  # GPT-2 names
    ({"num_hidden_layers": "many"}, 0),
    ({}, 0),
], ids=["gqa", "no-head-dim", "no-gqa", "text-config", "gpt2", "garbage", "empty"])
def test_kv_values_per_token_from_config(config: dict, values: int) -> None:
    assert kv_values_per_token(config) == values


def test_cache_budget_is_counted_beside_the_weights() -> None:
    plan = plan_text_load(smol(), cpu(16 * G))
    per_token = kv_bytes_per_token(smol(), "fp32")
    assert per_token == SMOL_KV * 4
    assert plan.cache_bytes == per_token * CACHE_TOKENS == 754_974_720
    assert plan.held_bytes == plan.estimated_bytes + plan.cache_bytes
    en, ru = render(plan.reason, "en"), render(plan.reason, "ru")
    assert en.endswith("; KV cache 0.8 GB (16384 tokens)"), en
    assert ru.endswith("; KV-кэш 0.8 GB (16384 токенов)"), ru


def test_tight_memory_keeps_one_long_conversation_before_a_lesser_format() -> None:
    spec = smol()
    weights = spec.params * 4
    full = kv_bytes_per_token(spec, "fp32") * CACHE_TOKENS
    least = kv_bytes_per_token(spec, "fp32") * CACHE_MIN_TOKENS
    # Just too little for the full cache: fp32 stays, with the least cache.
    plan = plan_text_load(spec, cpu(int(weights + runtime_headroom(True) + full - 1)))
    assert (plan.dtype, plan.cache_bytes) == ("fp32", least)
    assert f"({CACHE_MIN_TOKENS} tokens)" in render(plan.reason, "en")
    # Too little even for that: bf16 weights, and the cache in bf16 too (half the bytes per token).
    plan = plan_text_load(spec, cpu(int(weights + runtime_headroom(True) + least - 1)))
    assert plan.dtype == "bf16" and plan.cache_bytes == SMOL_KV * 2 * CACHE_TOKENS


def test_gpu_cache_uses_the_compute_dtype() -> None:
    spec = ModelSpec("Qwen-7B-like", "text", "local", params=int(7.6e9), kv_values_per_token=28 * 4 * 128 * 2)
    hw = HardwareInfo("cuda", "RTX 4090", 24 * G, 23 * G, 64 * G, 56 * G, compute_capability=(8, 9), bf16=True,
                      bnb_ok=True)
    plan = plan_text_load(spec, hw)
    assert (plan.dtype, plan.quantization) == ("bf16", "none")
    assert plan.cache_bytes == 28 * 4 * 128 * 2 * 2 * CACHE_TOKENS


def test_unknown_shape_keeps_the_old_allowance_and_reason() -> None:
    plan = plan_text_load(smol(kv=0), cpu(16 * G))
    assert plan.cache_bytes == int(0.1 * plan.estimated_bytes)
    assert "KV cache" not in render(plan.reason, "en")
    big = plan_text_load(ModelSpec("big", "text", "local", params=int(30e9)), cpu(200 * G))
    assert big.cache_bytes == 2 * G


def test_a_forced_plan_that_may_not_fit_carries_the_least_cache() -> None:
    plan = plan_text_load(smol(), cpu(G // 4), LoadPrefs(dtype="fp32"))
    assert "may not fit" in render(plan.reason, "en")
    assert plan.cache_bytes == kv_bytes_per_token(smol(), "fp32") * CACHE_MIN_TOKENS


def test_plans_without_a_budget_hold_only_their_weights() -> None:
    assert LoadPlan("cpu", "fp32", estimated_bytes=5).held_bytes == 5


def test_scanned_folders_carry_their_kv_shape(tmp_path: Path) -> None:
    folder = tmp_path / "text" / "smol"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(SMOL_CONFIG))
    _write_safetensors(folder / "model.safetensors")
    (spec,) = scan_text_models(tmp_path)
    assert spec.kv_values_per_token == SMOL_KV and spec.params == 4
    cached = spec_from_snapshot("someone/smol", folder)
    assert cached is not None and cached.kv_values_per_token == SMOL_KV


def _write_safetensors(file: Path) -> None:
    header = json.dumps({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}).encode()
    file.write_bytes(struct.pack("<Q", len(header)) + header + bytes(16))
