"""Hardware detection on this machine (CPU only) and the facts the planner relies on."""

from __future__ import annotations

from localai.hardware import current_free, detect_hardware


def test_detects_this_cpu_machine(tmp_path):
    hw = detect_hardware(tmp_path / "models-not-created-yet")
    assert hw.accelerator == "cpu" and not hw.has_gpu and hw.torch_device == "cpu"
    assert hw.total_vram == 0 and hw.free_vram == 0
    assert 0 < hw.available_ram <= hw.total_ram
    assert hw.free_disk > 0, "free disk is read from the nearest existing parent folder"
    assert hw.torch_version.startswith("2.") and hw.torch_build == "cpu"
    assert hw.bnb_ok or hw.bnb_problem, "bitsandbytes is either working or the reason is given"
    assert "CPU only" in hw.summary() and "RAM" in hw.summary()


def test_current_free_refreshes_memory_only(tmp_path):
    hw = detect_hardware(tmp_path, probe_bnb=False)
    now = current_free(hw.with_free(available_ram=1))
    assert now.available_ram > 1 and now.total_ram == hw.total_ram and now.accelerator == hw.accelerator
