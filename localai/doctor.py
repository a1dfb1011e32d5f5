"""The system check behind ``python app.py --check`` (and the page's "System check" panel).

``gather_facts`` is the only function here that touches the real system; ``diagnose`` is
pure: it turns plain facts into problems, each saying in plain words what is wrong and
exactly what to do. Never touches the network.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .catalog import ModelSpec
from .config import Settings
from .hardware import HardwareInfo
from .messages import Message
from .serving import port_is_free
from .sizes import format_bytes

log = logging.getLogger(__name__)

GB = 1e9
PYTHON_OK = ((3, 10), (3, 13))
LIBRARIES = ("torch", "transformers", "diffusers", "gradio", "bitsandbytes", "huggingface_hub")
# PyTorch CUDA wheel indexes still built for current PyTorch, oldest first.
CUDA_INDEXES = ((12, 6), (12, 8), (12, 9), (13, 0))
DRIVERS_URL = "https://www.nvidia.com/drivers"
PYTHON_FIX = Message("doctor.python_fix", apt="sudo apt install python3.11 python3.11-venv",
                     brew="brew install python@3.11", again="LOCALAI_PYTHON=/path/to/python3.11 ./launch.sh")


@dataclass(frozen=True)
class SystemFacts:
    python: tuple[int, int, int]
    is_64bit: bool
    executable: str
    os_name: str  # platform.system(): "Linux" | "Windows" | "Darwin"
    versions: tuple[tuple[str, str | None], ...]  # (library, version or None when not importable)
    torch_build: str | None  # "cuda 12.8" | "rocm 6.4" | "cpu"; None without torch
    nvidia_gpu: bool
    nvidia_driver: str | None
    nvidia_max_cuda: str | None  # the newest CUDA the driver supports, e.g. "12.8"
    amd_gpu: bool
    cuda_available: bool
    hardware: HardwareInfo | None
    bnb_ok: bool
    bnb_problem: str
    free_disk: int  # bytes free where the models folder is
    models_writable: bool
    data_writable: bool
    outputs_writable: bool
    port_free: bool
    venv_dir: str | None = None  # sys.prefix when running in a virtual environment
    torch_error: str = ""  # why torch did not import (empty when it did, or is simply absent)
    hardware_error: str = ""

    def version(self, name: str) -> str | None:
        return dict(self.versions).get(name)


@dataclass(frozen=True)
class Problem:
    severity: str  # "blocker" | "warning"
    title: Message
    fix: Message


# --- gathering (the only part that touches the system) ----------------------------------------

def parse_nvidia_smi(text: str) -> tuple[str | None, str | None]:
    """(driver version, max CUDA version) from the header of plain ``nvidia-smi`` output."""
    driver = re.search(r"Driver Version:\s*([\d.]+)", text)
    cuda = re.search(r"CUDA Version:\s*([\d.]+)", text)
    return (driver.group(1) if driver else None, cuda.group(1) if cuda else None)


def _run(cmd: list[str], timeout: float = 10.0) -> tuple[int, str]:
    if shutil.which(cmd[0]) is None:
        return 127, ""
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        return done.returncode, done.stdout
    except (OSError, subprocess.SubprocessError) as exc:
        log.info("%s failed: %r", cmd[0], exc)
        return 1, ""


def _library_version(name: str) -> str | None:
    try:
        if importlib.util.find_spec(name) is None:
            return None
        return importlib.metadata.version(name)
    except (ImportError, ValueError, importlib.metadata.PackageNotFoundError):
        return None


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".localai-check-") as f:
            f.write(b"ok")
        return True
    except OSError:
        return False


def _free_disk(folder: Path) -> int:
    path = folder.resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return 0


def gather_facts(settings: Settings) -> SystemFacts:
    """Look at this computer: Python, libraries, GPU drivers, folders, port. Takes a few seconds."""
    versions = {name: _library_version(name) for name in LIBRARIES}
    build, cuda_available, torch_error = None, False, ""
    try:
        import torch  # noqa: PLC0415

        versions["torch"] = torch.__version__
        build = (f"cuda {torch.version.cuda}" if torch.version.cuda
                 else f"rocm {torch.version.hip}" if getattr(torch.version, "hip", None) else "cpu")
        cuda_available = bool(torch.cuda.is_available())
    except Exception as exc:  # ImportError, or a broken install (missing DLL, wrong CPU)
        installed, versions["torch"] = versions.get("torch"), None
        if installed is not None or not (isinstance(exc, ModuleNotFoundError) and exc.name == "torch"):
            torch_error = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    rc, out = _run(["nvidia-smi"])
    driver, max_cuda = parse_nvidia_smi(out) if rc == 0 else (None, None)
    is_linux = platform.system() == "Linux"
    amd = is_linux and (Path("/dev/kfd").exists() or _run(["rocminfo"])[0] == 0)
    writable = {name: _writable(getattr(settings, f"{name}_dir")) for name in ("models", "data", "outputs")}
    hardware, hardware_error = None, ""
    if build is not None:
        try:
            from .hardware import detect_hardware  # noqa: PLC0415

            hardware = detect_hardware(settings.models_dir, settings.device)
        except Exception as exc:  # e.g. psutil missing
            hardware_error = f"{type(exc).__name__}: {exc}"[:200]
    return SystemFacts(
        python=tuple(sys.version_info[:3]), is_64bit=sys.maxsize > 2**32,  # type: ignore[arg-type]
        executable=sys.executable, os_name=platform.system(), versions=tuple(versions.items()),
        torch_build=build, nvidia_gpu=driver is not None, nvidia_driver=driver, nvidia_max_cuda=max_cuda,
        amd_gpu=amd, cuda_available=cuda_available, hardware=hardware,
        bnb_ok=hardware.bnb_ok if hardware else False,
        bnb_problem=hardware.bnb_problem if hardware else "PyTorch is missing",
        free_disk=_free_disk(settings.models_dir), models_writable=writable["models"],
        data_writable=writable["data"], outputs_writable=writable["outputs"],
        port_free=port_is_free(settings.host, settings.port),
        venv_dir=sys.prefix if sys.prefix != sys.base_prefix else None,
        torch_error=torch_error, hardware_error=hardware_error,
    )


# --- diagnosing (pure) ---------------------------------------------------------------------------

def _version_tuple(text: str | None) -> tuple[int, ...] | None:
    nums = re.findall(r"\d+", text or "")
    return tuple(int(n) for n in nums[:2]) if nums else None


def _launch(facts: SystemFacts, var: str = "", value: str = "") -> str:
    """The command that (re)runs the install, with one environment variable set (cmd.exe on Windows)."""
    if facts.os_name == "Windows":
        return f'set "{var}={value}" && launch.bat' if var else "launch.bat"
    return f"{var}={shlex.quote(value)} ./launch.sh" if var else "./launch.sh"


def _reinstall(facts: SystemFacts, kind: str) -> Message:
    sep = "\\" if facts.os_name == "Windows" else "/"
    stamp = f"{facts.venv_dir or '.venv'}{sep}.localai-install"
    return Message("doctor.reinstall", path=stamp, command=_launch(facts, "LOCALAI_TORCH", kind))


def _gpu_problems(facts: SystemFacts) -> list[Problem]:
    build = facts.torch_build or ""
    if facts.nvidia_gpu and not build.startswith("cuda"):
        kind = Message("doctor.cpu_only_build") if build in ("", "cpu") else Message("doctor.other_build",
                                                                                    build=build.upper())
        return [Problem("warning", Message("doctor.nvidia_unused", version=facts.version("torch"), kind=kind),
                        Message("doctor.install_cuda", how=_reinstall(facts, "cuda")))]
    if facts.amd_gpu and not facts.nvidia_gpu and facts.os_name == "Linux" and not build.startswith("rocm"):
        return [Problem("warning", Message("doctor.amd_unused", version=facts.version("torch")),
                        Message("doctor.install_rocm", how=_reinstall(facts, "rocm")))]
    problems: list[Problem] = []
    if facts.nvidia_gpu and build.startswith("cuda"):
        want, have = _version_tuple(build), _version_tuple(facts.nvidia_max_cuda)
        if want and have and want > have:
            older = [v for v in CUDA_INDEXES if v <= have]
            index = f"https://download.pytorch.org/whl/cu{older[-1][0]}{older[-1][1]}" if older else ""
            alt = Message("doctor.older_cuda", command=_launch(facts, "LOCALAI_TORCH_PIP",
                                                               f"torch --index-url {index}")) if older else ""
            key = "doctor.driver_old_works" if facts.cuda_available else "doctor.driver_old_broken"
            problems.append(Problem(
                "warning", Message(key, driver=facts.nvidia_driver, max=facts.nvidia_max_cuda, built=build.split()[-1]),
                Message("doctor.update_driver_alt", url=DRIVERS_URL, alternative=alt)))
        elif not facts.cuda_available:
            problems.append(Problem("warning", Message("doctor.cuda_unavailable"),
                                    Message("doctor.update_driver_check", url=DRIVERS_URL,
                                            how=_reinstall(facts, "cuda"))))
    elif facts.amd_gpu and build.startswith("rocm") and not facts.cuda_available:
        problems.append(Problem("warning", Message("doctor.rocm_unavailable"),
                                Message("doctor.rocm_fix", command="sudo usermod -aG render,video $USER")))
    return problems


def diagnose(facts: SystemFacts, settings: Settings, model: ModelSpec | None = None) -> list[Problem]:
    """Every problem found, blockers first. ``model`` is the default chat model (for the disk check)."""
    problems: list[Problem] = []
    py = ".".join(map(str, facts.python))
    if not PYTHON_OK[0] <= facts.python[:2] <= PYTHON_OK[1]:
        problems.append(Problem("blocker", Message("doctor.python_version", version=py), PYTHON_FIX))
    if not facts.is_64bit:
        problems.append(Problem("blocker", Message("doctor.python_32bit", path=facts.executable), PYTHON_FIX))
    if facts.version("torch") is None:
        if facts.torch_error:
            problems.append(Problem("blocker", Message("doctor.torch_broken", error=facts.torch_error),
                                    Message("doctor.torch_reinstall", command=_launch(facts))))
        else:
            problems.append(Problem("blocker", Message("doctor.torch_missing"),
                                    Message("doctor.torch_install", command=_launch(facts))))
    missing = [name for name in ("transformers", "gradio") if facts.version(name) is None]
    if missing:
        problems.append(Problem("blocker", Message("doctor.libraries_missing", names=", ".join(missing)),
                                Message("doctor.libraries_install", command=_launch(facts),
                                        pip=f"{facts.executable} -m pip install -r requirements.txt")))
    if facts.hardware is None and facts.hardware_error:
        problems.append(Problem("warning", Message("doctor.hardware_unknown", error=facts.hardware_error),
                                Message("doctor.repair", command=_launch(facts))))
    if facts.version("torch") is not None:
        problems.extend(_gpu_problems(facts))
    hw = facts.hardware
    if hw is not None and hw.accelerator in ("cuda", "rocm") and not facts.bnb_ok:
        problems.append(Problem(
            "warning", Message("doctor.bnb_broken", why=facts.bnb_problem or Message("plan.bnb.not_installed")),
            Message("doctor.bnb_reinstall",
                    command=f"{facts.executable} -m pip install --upgrade --force-reinstall bitsandbytes")))
    need = model.weight_bytes if model is not None and model.source == "hub" else 0
    if facts.free_disk < 1 * GB:
        problems.append(Problem("blocker", Message("doctor.disk_full", free=f"{facts.free_disk / GB:.2f}",
                                                   path=settings.models_dir), Message("doctor.disk_full_fix")))
    elif facts.free_disk < need:
        problems.append(Problem(
            "warning", Message("doctor.disk_for_model", name=model.name if model else Message("doctor.the_chat_model"),
                               need=f"{need / GB:.1f}", path=settings.models_dir, free=f"{facts.free_disk / GB:.1f}"),
            Message("doctor.disk_for_model_fix")))
    problems += _folder_problems(settings, {"models": facts.models_writable, "data": facts.data_writable,
                                            "outputs": facts.outputs_writable})
    if not facts.port_free:
        problems.append(Problem("warning", Message("doctor.port_in_use", port=settings.port, host=settings.host),
                                Message("doctor.port_fix", port=settings.port + 1)))
    return sorted(problems, key=lambda p: p.severity != "blocker")


FOLDER_FLAGS = {"models": "--models-dir", "data": "--data-dir", "outputs": "--outputs-dir"}
CANNOT_WRITE = {"models": "doctor.cannot_write_models", "data": "doctor.cannot_write_data",
                "outputs": "doctor.cannot_write_outputs"}
LOW_DISK_BYTES = 200 * 1024**2  # below this, conversations and images may soon fail to save


def _folder_problems(settings: Settings, writable: dict[str, bool]) -> list[Problem]:
    """A blocker for each folder LocalAI cannot write to, naming it and how to fix it."""
    problems = []
    for name, flag in FOLDER_FLAGS.items():
        folder = getattr(settings, f"{name}_dir")
        if not writable[name]:
            problems.append(Problem("blocker", Message(CANNOT_WRITE[name], path=folder),
                                    Message("doctor.cannot_write_fix", path=folder,
                                            command=f'sudo chown -R $USER "{folder}"', flag=flag)))
    return problems


def startup_problems(settings: Settings, writable: Callable[[Path], bool] = _writable,
                     free_disk: Callable[[Path], int] = _free_disk) -> list[Problem]:
    """The folder checks of ``--check`` that run at every start (they take milliseconds): a folder that
    cannot be written blocks the start; a nearly full disk under the data or outputs folder is a warning."""
    problems = _folder_problems(settings, {name: writable(getattr(settings, f"{name}_dir")) for name in FOLDER_FLAGS})
    for name in ("data", "outputs"):
        folder = getattr(settings, f"{name}_dir")
        free = free_disk(folder)
        if free < LOW_DISK_BYTES and not any(p.title.params.get("path") == folder for p in problems):
            problems.append(Problem("warning", Message("doctor.low_disk", path=folder, free=format_bytes(free)),
                                    Message("doctor.low_disk_fix", flag=FOLDER_FLAGS[name])))
    return problems


def plan_default_model(settings: Settings,
                       facts: SystemFacts) -> tuple[Message | None, ModelSpec | None, list[Problem]]:
    """(plan line, default chat model, problems from planning it), for ``--check``: the same answer as the
    page's check (``Services.default_chat_plan``), on a state built for the hardware already found."""
    from .state import build_state  # noqa: PLC0415

    state = None
    try:
        state = build_state(settings, hardware_info=facts.hardware)
        if facts.hardware is None:
            name = state.services.default_model("text", wait=False)
            return (Message("doctor.plan.not_planned", name=name), None, []) if name else (None, None, [])
        return state.services.default_chat_plan()
    except Exception as exc:  # never a traceback on the console
        log.debug("planning the default chat model failed", exc_info=True)
        return Message("doctor.plan.crashed", error=f"{type(exc).__name__}: {exc}"), None, []
    finally:
        if state is not None:
            state.lanes.shutdown()


def planning_failed(exc: Any, spec: ModelSpec | None, name: str) -> tuple[Message, list[Problem]]:
    """The plan line and the problem for a default chat model that cannot be planned (``exc``: its UserError);
    ``spec`` is None when the name itself did not resolve."""
    what, *hint = exc.parts
    title = what if spec is None else Message("doctor.chat_model_broken", problem=what)
    line = Message("doctor.plan.failed", name=name, error=exc) if name else Message("doctor.plan.error", error=exc)
    return line, [Problem("warning", title, hint[0] if hint else Message("doctor.choose_other_model"))]
