"""The system check: ``diagnose`` over simulated systems, and ``run_check`` on this machine."""

from __future__ import annotations

import dataclasses
import re
import socket
from dataclasses import dataclass
from pathlib import Path

import pytest

from localai import doctor
from localai.catalog import ModelSpec
from localai.config import Settings
from localai.check_report import check_text, run_check
from localai.doctor import Problem, SystemFacts, diagnose, parse_nvidia_smi
from localai.hardware import HardwareInfo
from localai.messages import render

G = 1024**3
VERSIONS = (("torch", "2.13.0+cu128"), ("transformers", "5.24.0"), ("diffusers", "0.42.1"),
            ("gradio", "6.31.0"), ("bitsandbytes", "0.50.2"), ("huggingface_hub", "2.4.0"))
GPU_HW = HardwareInfo("cuda", "GeForce RTX 3060", 12 * G, 11 * G, 32 * G, 24 * G, compute_capability=(8, 6),
                      bf16=True, free_disk=200 * G, bnb_ok=True, torch_version="2.13.0", torch_build="cuda 12.8")
CPU_HW = HardwareInfo("cpu", "Ryzen 7", 0, 0, 32 * G, 28 * G, free_disk=200 * G, bnb_ok=True,
                      torch_version="2.13.0", torch_build="cpu")
HEALTHY_GPU = SystemFacts(
    python=(3, 11, 7), is_64bit=True, executable="/home/u/localai/.venv/bin/python", os_name="Linux",
    versions=VERSIONS, torch_build="cuda 12.8", nvidia_gpu=True, nvidia_driver="570.86.15",
    nvidia_max_cuda="12.8", amd_gpu=False, cuda_available=True, hardware=GPU_HW, bnb_ok=True, bnb_problem="",
    free_disk=200 * G, models_writable=True, data_writable=True, outputs_writable=True, port_free=True,
    venv_dir="/home/u/localai/.venv",
)
HEALTHY_CPU = dataclasses.replace(
    HEALTHY_GPU, versions=(("torch", "2.13.0+cpu"),) + VERSIONS[1:], torch_build="cpu", nvidia_gpu=False,
    nvidia_driver=None, nvidia_max_cuda=None, cuda_available=False, hardware=CPU_HW)
SETTINGS = Settings(models_dir=Path("/home/u/localai/models"), data_dir=Path("/home/u/localai/data"),
                    outputs_dir=Path("/home/u/localai/outputs"))
HUB_7B = ModelSpec("Qwen2.5-7B-Instruct", "text", "hub", repo_id="Qwen/Qwen2.5-7B-Instruct",
                   params=7_620_000_000, weight_bytes=15_230_000_000)


def facts(base: SystemFacts = HEALTHY_GPU, versions: dict[str, str | None] | None = None, **changes) -> SystemFacts:
    """A healthy machine with some facts changed."""
    if versions is not None:
        changes["versions"] = tuple((n, versions.get(n, v)) for n, v in base.versions)
    return dataclasses.replace(base, **changes)


@dataclass(frozen=True)
class Shown:
    """A problem as the English console shows it."""

    severity: str
    title: str
    fix: str


def only(problems: list[Problem]) -> Shown:
    assert len(problems) == 1, problems
    p = problems[0]
    return Shown(p.severity, render(p.title, "en"), render(p.fix, "en"))


def no_torch(**changes) -> SystemFacts:
    return facts(HEALTHY_CPU, versions={"torch": None}, torch_build=None, hardware=None, bnb_ok=False,
                 bnb_problem="PyTorch is missing", **changes)


@pytest.mark.parametrize("base", [HEALTHY_GPU, HEALTHY_CPU], ids=["gpu", "cpu"])
def test_healthy_machine_has_no_problems(base: SystemFacts) -> None:
    assert diagnose(base, SETTINGS) == []
    assert diagnose(base, SETTINGS, HUB_7B) == []
    assert check_text(base, SETTINGS.models_dir, "x: cpu", []).endswith("No problems found.")


@pytest.mark.parametrize("python", [(3, 9, 18), (3, 14, 0), (2, 7, 18)])
def test_unsupported_python_is_a_blocker(python: tuple[int, int, int]) -> None:
    p = only(diagnose(facts(python=python), SETTINGS))
    assert p.severity == "blocker"
    assert ".".join(map(str, python)) in p.title and "3.10 to 3.13" in p.title
    assert "python.org" in p.fix and "Python 3.11" in p.fix and "./launch.sh" in p.fix


@pytest.mark.parametrize("python", [(3, 10, 0), (3, 13, 5)])
def test_supported_python_edges(python: tuple[int, int, int]) -> None:
    assert diagnose(facts(python=python), SETTINGS) == []


def test_32bit_python_is_a_blocker() -> None:
    p = only(diagnose(facts(is_64bit=False), SETTINGS))
    assert p.severity == "blocker" and "32-bit" in p.title
    assert "64-bit" in p.fix


def test_missing_torch_is_a_blocker_fixed_by_launch_script() -> None:
    p = only(diagnose(no_torch(), SETTINGS))
    assert p.severity == "blocker" and "PyTorch is not installed" in p.title
    assert "./launch.sh" in p.fix


def test_missing_torch_on_nvidia_machine_gives_no_gpu_noise() -> None:
    f = no_torch(nvidia_gpu=True, nvidia_driver="570.86", nvidia_max_cuda="12.8")
    assert [p.severity for p in diagnose(f, SETTINGS)] == ["blocker"]


def test_broken_torch_says_to_rebuild_the_environment() -> None:
    p = only(diagnose(no_torch(torch_error="libcudart.so.12: cannot open shared object file"), SETTINGS))
    assert p.severity == "blocker" and "libcudart" in p.title
    assert "Delete the .venv folder" in p.fix and "./launch.sh" in p.fix


def test_windows_fixes_name_launch_bat() -> None:
    p = only(diagnose(no_torch(os_name="Windows"), SETTINGS))
    assert "launch.bat" in p.fix and "launch.sh" not in p.fix
    f = facts(HEALTHY_CPU, os_name="Windows", nvidia_gpu=True, nvidia_driver="572.1", nvidia_max_cuda="12.8",
              venv_dir="C:\\localai\\.venv")
    p = only(diagnose(f, SETTINGS))
    assert 'set "LOCALAI_TORCH=cuda" && launch.bat' in p.fix and "C:\\localai\\.venv\\.localai-install" in p.fix


@pytest.mark.parametrize("name", ["transformers", "gradio"])
def test_missing_required_library_is_a_blocker(name: str) -> None:
    p = only(diagnose(facts(versions={name: None}), SETTINGS))
    assert p.severity == "blocker" and name in p.title
    assert "./launch.sh" in p.fix and "requirements.txt" in p.fix


def test_cpu_torch_on_nvidia_machine() -> None:
    f = facts(HEALTHY_CPU, nvidia_gpu=True, nvidia_driver="570.86.15", nvidia_max_cuda="12.8")
    p = only(diagnose(f, SETTINGS))
    assert p.severity == "warning" and "NVIDIA" in p.title and "CPU-only" in p.title
    assert "LOCALAI_TORCH=cuda ./launch.sh" in p.fix
    assert "/home/u/localai/.venv/.localai-install" in p.fix and p.fix.index("delete") < p.fix.index("LOCALAI")


def test_cpu_torch_on_amd_linux_machine() -> None:
    p = only(diagnose(facts(HEALTHY_CPU, amd_gpu=True), SETTINGS))
    assert p.severity == "warning" and "AMD" in p.title
    assert "LOCALAI_TORCH=rocm ./launch.sh" in p.fix and ".localai-install" in p.fix


def test_amd_gpu_off_linux_is_not_a_problem() -> None:
    assert diagnose(facts(HEALTHY_CPU, amd_gpu=True, os_name="Windows"), SETTINGS) == []


def test_rocm_build_that_cannot_see_the_amd_gpu() -> None:
    f = facts(HEALTHY_CPU, amd_gpu=True, torch_build="rocm 6.4", versions={"torch": "2.13.0+rocm6.4"})
    p = only(diagnose(f, SETTINGS))
    assert p.severity == "warning" and "AMD" in p.title
    assert "render,video" in p.fix and "rocminfo" in p.fix


def test_driver_too_old_for_cuda_build() -> None:
    f = facts(nvidia_driver="560.35", nvidia_max_cuda="12.6", cuda_available=False, hardware=CPU_HW)
    p = only(diagnose(f, SETTINGS))  # the specific driver problem, not also the generic one
    assert p.severity == "warning" and "560.35" in p.title and "12.6" in p.title and "12.8" in p.title
    assert "Update the NVIDIA driver" in p.fix
    assert "LOCALAI_TORCH_PIP='torch --index-url https://download.pytorch.org/whl/cu126' ./launch.sh" in p.fix


def test_driver_too_old_for_any_current_build_only_says_update() -> None:
    f = facts(nvidia_driver="535.1", nvidia_max_cuda="12.2", cuda_available=False, hardware=CPU_HW)
    p = only(diagnose(f, SETTINGS))
    assert "Update the NVIDIA driver" in p.fix and "whl/cu" not in p.fix


def test_newer_driver_than_build_is_fine() -> None:
    assert diagnose(facts(nvidia_max_cuda="13.0"), SETTINGS) == []


def test_cuda_build_that_cannot_see_the_nvidia_gpu() -> None:
    p = only(diagnose(facts(cuda_available=False, hardware=CPU_HW), SETTINGS))
    assert p.severity == "warning" and "cannot use your NVIDIA GPU" in p.title
    assert "driver" in p.fix and "nvidia-smi" in p.fix


@pytest.mark.parametrize("accel", ["cuda", "rocm"])
def test_bitsandbytes_broken_on_gpu(accel: str) -> None:
    problem = "bitsandbytes does not work on this device: CUDA Setup failed"
    hw = dataclasses.replace(GPU_HW, accelerator=accel, bnb_ok=False, bnb_problem=problem)
    base = HEALTHY_GPU if accel == "cuda" else facts(HEALTHY_CPU, amd_gpu=True, torch_build="rocm 6.4",
                                                     cuda_available=True)
    p = only(diagnose(facts(base, hardware=hw, bnb_ok=False, bnb_problem=problem), SETTINGS))
    assert p.severity == "warning" and "8-bit or 4-bit" in p.title and "CUDA Setup failed" in p.title
    assert "pip install" in p.fix and "bitsandbytes" in p.fix


def test_bitsandbytes_missing_on_cpu_is_not_a_problem() -> None:
    hw = dataclasses.replace(CPU_HW, bnb_ok=False, bnb_problem="bitsandbytes is not installed")
    assert diagnose(facts(HEALTHY_CPU, hardware=hw, bnb_ok=False, versions={"bitsandbytes": None}), SETTINGS) == []


def test_disk_too_small_for_default_model_is_a_warning() -> None:
    p = only(diagnose(facts(free_disk=5 * G), SETTINGS, HUB_7B))
    assert p.severity == "warning" and HUB_7B.name in p.title and "15.2 GB" in p.title
    assert "--models-dir" in p.fix and "Free some disk space" in p.fix


def test_disk_check_skips_models_already_on_disk() -> None:
    local = dataclasses.replace(HUB_7B, source="local", path=Path("/m/text/q"))
    assert diagnose(facts(free_disk=5 * G), SETTINGS, local) == []


def test_almost_full_disk_is_a_blocker() -> None:
    p = only(diagnose(facts(free_disk=int(0.5e9)), SETTINGS, HUB_7B))
    assert p.severity == "blocker" and "0.50 GB" in p.title
    assert "--models-dir" in p.fix
    assert only(diagnose(facts(free_disk=int(0.5e9)), SETTINGS)).severity == "blocker"


@pytest.mark.parametrize("name", ["models", "data", "outputs"])
def test_unwritable_folder_is_a_blocker(name: str) -> None:
    p = only(diagnose(facts(**{f"{name}_writable": False}), SETTINGS))
    folder = str(getattr(SETTINGS, f"{name}_dir"))
    assert p.severity == "blocker" and folder in p.title
    assert folder in p.fix and f"--{name}-dir" in p.fix and "permission" in p.fix


def test_port_in_use_is_a_warning() -> None:
    p = only(diagnose(facts(port_free=False), SETTINGS))
    assert p.severity == "warning" and "7860" in p.title
    assert "next free port" in p.fix and "--port 7861" in p.fix


def test_blockers_come_first_and_report_lists_fixes() -> None:
    f = facts(port_free=False, data_writable=False)
    problems = diagnose(f, SETTINGS)
    assert [p.severity for p in problems] == ["blocker", "warning"]
    text = check_text(f, SETTINGS.models_dir, "Qwen2.5-7B-Instruct: cuda · bf16 · 8-bit (int8) (reason)", problems)
    assert "BLOCKER: LocalAI cannot write" in text and "WARNING: Port 7860" in text
    assert text.index("BLOCKER:") < text.index("WARNING:")
    assert text.count("  How to fix: ") == 2 and "No problems found." not in text
    assert "GeForce RTX 3060" in text and "transformers 5.24.0" in text and "Qwen2.5-7B-Instruct: cuda" in text


def test_report_marks_missing_libraries() -> None:
    text = check_text(no_torch(), SETTINGS.models_dir, "x", diagnose(no_torch(), SETTINGS))
    assert "torch MISSING" in text and "PyTorch is missing" in text


def test_console_report_in_russian_translates_labels_problems_and_fixes() -> None:
    f = facts(port_free=False, data_writable=False)
    text = check_text(f, SETTINGS.models_dir, "x: cpu", diagnose(f, SETTINGS), "ru")
    assert text.startswith("Проверка системы LocalAI")
    assert re.search(r"^  Оборудование: +", text, re.M) and re.search(r"^  Диск: +свободно ", text, re.M)
    assert "МЕШАЕТ РАБОТЕ: " in text and "ПРЕДУПРЕЖДЕНИЕ: Порт 7860" in text
    assert text.count("  Как исправить: ") == 2 and "--port 7861" in text
    assert "BLOCKER" not in text and "How to fix" not in text


def test_console_language_is_lang_flag_then_the_locale() -> None:
    from localai.messages import language_from_environment

    assert language_from_environment({"LANG": "ru_RU.UTF-8"}) == "ru"
    assert language_from_environment({"LC_ALL": "en_US.UTF-8", "LANG": "ru_RU.UTF-8"}) == "en"
    assert language_from_environment({"LC_ALL": "", "LC_MESSAGES": "ru_UA", "LANG": "C"}) == "ru"
    assert language_from_environment({}) == "en"


def test_parse_nvidia_smi() -> None:
    head = ("| NVIDIA-SMI 570.86.15              Driver Version: 570.86.15      CUDA Version: 12.8     |\n"
            "|-----------------------------------------+------------------------+----------------------+\n")
    assert parse_nvidia_smi(head) == ("570.86.15", "12.8")
    assert parse_nvidia_smi("NVIDIA-SMI has failed because it couldn't communicate with the driver.") == (None, None)


# --- on this machine (CPU only, torch installed) -----------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _real_settings(tmp_path: Path, **kw) -> Settings:
    return Settings(models_dir=tmp_path / "models", data_dir=tmp_path / "data", outputs_dir=tmp_path / "outputs",
                    port=_free_port(), **kw)


def test_run_check_on_this_machine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_check(_real_settings(tmp_path))
    out = capsys.readouterr().out
    assert code == (1 if "BLOCKER:" in out else 0)
    assert re.search(r"^  Hardware: +CPU only", out, re.M)
    assert re.search(r"^  Chat model: +Qwen2.5-0.5B-Instruct: cpu · ", out, re.M)
    assert "Traceback" not in out
    assert all((tmp_path / d).is_dir() for d in ("models", "data", "outputs"))
    leftovers = [p for p in (tmp_path / "data").iterdir() if not p.name.startswith("history.sqlite3")]
    assert not leftovers  # the write test cleans up


def test_run_check_speaks_the_consoles_language_unless_lang_is_given(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_check(_real_settings(tmp_path), environ={"LANG": "ru_RU.UTF-8"})
    out = capsys.readouterr().out
    assert out.startswith("Проверка системы LocalAI") and "Только процессор" in out and "Traceback" not in out
    run_check(dataclasses.replace(_real_settings(tmp_path), lang="en"), environ={"LANG": "ru_RU.UTF-8"})
    assert capsys.readouterr().out.startswith("LocalAI system check")


def test_gather_facts_sees_a_busy_port(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        settings = dataclasses.replace(_real_settings(tmp_path), port=s.getsockname()[1])
        f = doctor.gather_facts(settings)
    assert not f.port_free
    assert f.torch_build == "cpu" and f.hardware is not None and f.hardware.accelerator == "cpu"
    assert f.version("torch") and f.version("transformers") and f.models_writable


def test_unknown_model_becomes_a_warning_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_check(_real_settings(tmp_path, text_model="no-such-model"))
    out = capsys.readouterr().out
    assert re.search(r"Chat model: +Unknown chat model 'no-such-model'", out)
    assert "WARNING: Unknown chat model" in out and "Known chat models" in out
    assert code == (1 if "BLOCKER:" in out else 0)


def test_the_pages_check_plans_the_default_model_as_the_console_does(tmp_path: Path) -> None:
    """Both use Services.default_chat_plan: an unknown --text-model is a warning there too, not a failed check."""
    from localai.state import build_state

    state = build_state(_real_settings(tmp_path, text_model="no-such-model"))
    try:
        line, spec, problems = state.services.default_chat_plan()
    finally:
        state.lanes.shutdown()
    assert render(line, "en").startswith("Unknown chat model 'no-such-model'") and spec is None
    assert [p.severity for p in problems] == ["warning"] and "Known chat models" in render(problems[0].fix, "en")
    assert render(line, "ru").startswith("Неизвестная модель для чата: «no-such-model»")


def test_run_check_never_prints_a_traceback(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    def boom(settings: Settings) -> SystemFacts:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(doctor, "gather_facts", boom)
    assert run_check(SETTINGS) == 1
    captured = capsys.readouterr()
    assert "The system check itself failed: RuntimeError: disk on fire" in captured.out
    assert "Traceback" not in captured.out + captured.err


def test_rocm_torch_on_nvidia_machine_asks_for_cuda() -> None:
    f = facts(HEALTHY_CPU, nvidia_gpu=True, nvidia_driver="570.86", nvidia_max_cuda="12.8", torch_build="rocm 6.4")
    p = only(diagnose(f, SETTINGS))
    assert "ROCM 6.4" in p.title and "LOCALAI_TORCH=cuda ./launch.sh" in p.fix


def test_old_driver_that_still_runs_the_gpu_is_a_softer_warning() -> None:
    p = only(diagnose(facts(nvidia_driver="560.35", nvidia_max_cuda="12.6", cuda_available=True), SETTINGS))
    assert p.severity == "warning" and "still sees the GPU" in p.title and "Update the NVIDIA driver" in p.fix


def test_check_reports_each_remote_server_and_warns_of_one_that_is_down(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--check asks each server the user added for its models: one answers (its models listed), one refuses
    the key, one is not running; those two are warnings with their fix, and nothing blocks LocalAI."""
    from localai.remote_servers import RemoteServer
    from localai.remote_store import FILE_NAME, RemoteStore
    from tests.fake_upstream import FakeUpstream

    with FakeUpstream(models=["llama-70b"], image_models=["sdxl"]) as up, FakeUpstream(key="sk-right") as locked:
        (tmp_path / "data").mkdir()
        RemoteStore(tmp_path / "data" / FILE_NAME).save([RemoteServer("pc3", locked.url + "/v1", "sk-wrong",
                                                                      origin="saved")])
        down = f"http://127.0.0.1:{_free_port()}/v1"
        settings = _real_settings(tmp_path, remote_servers=(RemoteServer("pc2", up.url + "/v1", origin="flag"),
                                                            RemoteServer("gone", down, origin="flag")))
        code = run_check(settings)
    out = capsys.readouterr().out
    assert re.search(r"^  Remote servers: pc2: +http://127\.0\.0\.1:\d+/v1: reachable in \d+ ms, 2 model\(s\): "
                     r"llama-70b, sdxl \(image\)$", out, re.M), out
    assert re.search(r"^  Remote servers: gone: +http://127\.0\.0\.1:\d+/v1: not reachable now", out, re.M)
    assert "WARNING: The server gone (http://127.0.0.1:" in out and "cannot be reached" in out
    assert "WARNING: The server pc3 (" in out and "refused the key (HTTP 401)" in out
    assert "--remote-key pc3=KEY" in out and "sk-wrong" not in out
    assert "BLOCKER" not in out or code == 1
    assert "Traceback" not in out


def test_check_with_no_remotes_contacts_no_server(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from localai.remote_servers import RemoteServer
    from tests.fake_upstream import FakeUpstream

    from localai.remote_store import FILE_NAME, RemoteStore

    with FakeUpstream() as up:
        (tmp_path / "data").mkdir()
        RemoteStore(tmp_path / "data" / FILE_NAME).save([RemoteServer("pc3", up.url + "/v1", origin="saved")])
        run_check(_real_settings(tmp_path, no_remotes=True))
        assert re.search(r"^  Remote servers: +turned off \(--no-remotes\)$", capsys.readouterr().out, re.M)
        assert up.model_lists == 0, "nothing is contacted with --no-remotes"
        run_check(_real_settings(tmp_path / "b"))
        assert re.search(r"^  Remote servers: +none \(add one with --remote NAME=URL", capsys.readouterr().out, re.M)
