"""The planner picks the fast way where it is measured to be fast (DESIGN.md, "Hardware -> load plan").

CPU: torch dynamic int8 when the hardware's probe measured it faster than fp32 (``cpu_int8_speedup`` >=
1.3, a literal here) for models of 50M params and more; it loads fp32 first, so it needs fp32's memory
while loading; the reason line says how much faster it measured and what fp32 costs; fp32 is one override
away (quantization none, or a fixed dtype); bf16 when RAM is short. GPU: 16-bit, else 4-bit NF4;
bitsandbytes int8 only when asked for; the reason line says what the user trades.
"""

from __future__ import annotations

import pytest

from localai.catalog import ModelSpec
from localai.hardware import HardwareInfo, detect_hardware, probe_cpu_int8_speedup
from localai.messages import render
from localai.plan import CPU_INT8_MIN_PARAMS, LoadPlan, LoadPrefs, plan_text_load, runtime_headroom

G = 1024**3
SMOL = ModelSpec("SmolLM2-135M", "text", "local", params=134_515_008, kv_values_per_token=30 * 3 * 64 * 2)
FAST_INT8 = HardwareInfo("cpu", "Xeon", 0, 0, 24 * G, 20 * G, cpu_int8_speedup=2.94)
SLOW_INT8 = HardwareInfo("cpu", "Xeon", 0, 0, 24 * G, 20 * G, cpu_int8_speedup=1.1)
RTX3060 = HardwareInfo("cuda", "GeForce RTX 3060", 12 * G, int(11.3 * G), 32 * G, 24 * G,
                       compute_capability=(8, 6), bf16=True, bnb_ok=True)


def text_model(params: float) -> ModelSpec:
    return ModelSpec(f"local-{params / 1e9:g}B", "text", "local", params=int(params))


def way(plan: LoadPlan) -> tuple[str, str, str, str]:
    return plan.device, plan.dtype, plan.quantization, plan.offload


def test_cpu_picks_int8_when_measured_faster_and_says_so() -> None:
    plan = plan_text_load(SMOL, FAST_INT8)
    assert way(plan) == ("cpu", "fp32", "int8", "none")
    assert plan.estimated_bytes == int(SMOL.params * 1.15)
    assert plan.load_peak_bytes == SMOL.params * 4 and plan.room_bytes == max(plan.held_bytes, SMOL.params * 4)
    en, ru = render(plan.reason, "en"), render(plan.reason, "ru")
    assert en == ("CPU only: 135M params x 4 B = 0.5 GB fits in 21.5 GB free RAM -> 8-bit (int8), 0.2 GB: "
                  "measured 2.9x faster than fp32 on this CPU; fp32 keeps full precision at 2.9x the time "
                  "(quantization: none); KV cache 0.8 GB (16384 tokens)"), en
    assert "измерено в 2.9 раза быстрее fp32" in ru and "квантизация: none" in ru and "KV-кэш" in ru, ru


@pytest.mark.parametrize("prefs", [LoadPrefs(quantization="none"), LoadPrefs(dtype="fp32")],
                         ids=["quantization-none", "dtype-fp32"])
def test_fp32_is_one_override_away(prefs: LoadPrefs) -> None:
    plan = plan_text_load(SMOL, FAST_INT8, prefs)
    assert way(plan) == ("cpu", "fp32", "none", "none") and plan.load_peak_bytes == 0
    en = render(plan.reason, "en")
    assert "your choice" in en and "(int8 measured 2.9x faster on this CPU: quantization auto)" in en, en
    assert "быстрее" in render(plan.reason, "ru")


def test_cpu_stays_fp32_where_int8_is_not_faster_or_unmeasured() -> None:
    for hw in (SLOW_INT8, HardwareInfo("cpu", "Xeon", 0, 0, 24 * G, 20 * G)):
        plan = plan_text_load(SMOL, hw)
        assert way(plan) == ("cpu", "fp32", "none", "none")
        assert "(fastest on CPU)" in render(plan.reason, "en")


def test_small_models_stay_fp32_their_weights_sit_in_the_caches() -> None:
    plan = plan_text_load(text_model(CPU_INT8_MIN_PARAMS - 1), FAST_INT8)
    assert plan.quantization == "none" and "(fastest on CPU)" in render(plan.reason, "en")
    assert plan_text_load(text_model(CPU_INT8_MIN_PARAMS), FAST_INT8).quantization == "int8"


def test_int8_asked_where_it_is_slower_says_what_was_measured() -> None:
    plan = plan_text_load(SMOL, SLOW_INT8, LoadPrefs(quantization="int8"))
    assert way(plan) == ("cpu", "fp32", "int8", "none")
    assert "measured 1.1x the speed of fp32 on this CPU" in render(plan.reason, "en")


def test_int8_needs_fp32_memory_while_loading_else_bf16() -> None:
    spec = text_model(7e9)  # fp32 28 GB; the unknown-shape cache allowance is 2 GiB
    fits = FAST_INT8.with_free(available_ram=int(28e9 + runtime_headroom(True)))
    assert way(plan_text_load(spec, fits)) == ("cpu", "fp32", "int8", "none")
    short = plan_text_load(spec, FAST_INT8.with_free(available_ram=int(28e9 + runtime_headroom(True)) - 1))
    assert way(short) == ("cpu", "bf16", "none", "none")
    assert "x 4 B = 28.0 GB > " in render(short.reason, "en") and "slower than fp32" in render(short.reason, "en")


def test_gpu_prefers_nf4_over_int8_and_says_what_it_trades() -> None:
    plan = plan_text_load(text_model(7e9), RTX3060)  # bf16 15.9 GB > 12.1 GB; int8 would fit too
    assert way(plan) == ("cuda", "bf16", "nf4", "none")
    en, ru = render(plan.reason, "en"), render(plan.reason, "ru")
    assert "a little lower quality than 16-bit, about 2x faster than 8-bit int8" in en, en
    assert "качество чуть ниже" in ru and "быстрее 8-битного int8" in ru, ru


def test_gpu_int8_only_when_asked_and_the_reason_says_it_is_slow() -> None:
    plan = plan_text_load(text_model(7e9), RTX3060, LoadPrefs(quantization="int8"))
    assert way(plan) == ("cuda", "bf16", "int8", "none")
    en, ru = render(plan.reason, "en"), render(plan.reason, "ru")
    assert "your choice" in en and "decodes several times slower" in en, en
    assert "в несколько раз медленнее" in ru, ru
    fits = plan_text_load(text_model(3e9), RTX3060, LoadPrefs(quantization="int8"))  # 16-bit would fit
    assert fits.quantization == "int8" and "on CUDA (8-bit int8: closer to 16-bit" in render(fits.reason, "en")


def test_gpu_16bit_first() -> None:
    plan = plan_text_load(text_model(3e9), RTX3060)
    assert way(plan) == ("cuda", "bf16", "none", "none") and "int8" not in render(plan.reason, "en")


def test_cpu_int8_probe_on_this_machine() -> None:
    speedup = probe_cpu_int8_speedup()
    assert speedup == probe_cpu_int8_speedup()  # measured once per process
    assert speedup > 0, "x86 torch has int8 kernels"
    hw = detect_hardware(probe_bnb=False)
    assert hw.cpu_int8_speedup == speedup and f"CPU int8 {speedup:.1f}x fp32" in hw.summary()


def test_the_check_report_shows_the_measured_int8_speed() -> None:
    import dataclasses

    from localai.check_report import facts_rows
    from tests.test_doctor import HEALTHY_CPU

    measured = dataclasses.replace(HEALTHY_CPU, hardware=dataclasses.replace(HEALTHY_CPU.hardware,
                                                                             cpu_int8_speedup=2.94))
    plan = plan_text_load(SMOL, FAST_INT8)
    for lang, words in (("en", "torch int8 2.9x the speed of fp32 (measured)"),
                        ("ru", "torch int8: 2.9x от скорости fp32 (измерено)")):
        rows = dict(facts_rows(measured, "models", plan.reason, lang))
        assert any(words in value for value in rows.values()), rows
    rows = dict(facts_rows(HEALTHY_CPU, "models", None, "en"))
    assert not any("int8" in value for value in rows.values())


def test_the_cpu_int8_backend_keeps_the_output_layer(models_dir) -> None:
    import torch

    from localai.backends.transformers_chat import TransformersChatBackend
    from localai.catalog import scan_text_models

    spec = next(s for s in scan_text_models(models_dir) if s.name == "tiny-llama")
    backend = TransformersChatBackend(spec, LoadPlan("cpu", "fp32", "int8"))
    backend.load()
    try:
        layers = [m for m in backend.model.modules() if isinstance(m, torch.ao.nn.quantized.dynamic.Linear)]
        assert layers and all(m.weight().qscheme() == torch.per_tensor_affine for m in layers)
        plain = [m for m in backend.model.modules() if type(m) is torch.nn.Linear]
        assert plain == [backend.model.get_output_embeddings()], "only lm_head stays fp32"
    finally:
        backend.unload()
