"""One way of writing sizes: the plan's reason, a download's progress, the Models tab and the system
check show the same number the same way."""

from __future__ import annotations

from localai.downloads import DownloadProgress
from localai.messages import render
from localai.sizes import format_bytes, format_params


def test_sizes_read_the_same_everywhere() -> None:
    assert [format_bytes(n) for n in (15.24e9, 1.55e9, 1e8, 99e6, 0.7e6)] == \
        ["15.2 GB", "1.6 GB", "0.1 GB", "99.0 MB", "0.7 MB"]
    assert [format_params(n) for n in (7.6e9, 135e6, 181e3, 0)] == ["7.6B", "135M", "181K", "?"]


def test_a_download_and_the_models_tab_write_a_size_alike(state) -> None:
    from localai.ui.models_tab import memory_markdown

    progress = DownloadProgress("m", "model.safetensors", 0, 2, int(0.55e9), int(1.55e9), 2e6, None)
    assert render(progress.describe(), "en").startswith("0.6 GB of 1.6 GB (35%)"), "the same rounding as plans (was 0.55 / 1.55)"
    plan = state.services.load("tiny-llama", "text").wait()
    assert f"~{format_bytes(plan.estimated_bytes)}" in memory_markdown(state)
