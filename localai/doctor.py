"""The system check behind ``python app.py --check`` (and the page's "System check" panel).

``gather_facts`` is the only function here that touches the real system; ``diagnose`` is
pure: it turns plain facts into problems, each saying in plain words what is wrong and
exactly what to do. Never touches the network.
"""

from __future__ import annotations

import errno
import importlib.metadata
import importlib.util
import logging
import platform
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .catalog import ModelSpec
from .config import Settings
from .hardware import HardwareInfo

log = logging.getLogger(__name__)

GB = 1e9
PYTHON_OK = ((3, 10), (3, 13))
LIBRARIES = ("torch", "transformers", "diffusers", "gradio", "bitsandbytes", "huggingface_hub")
# PyTorch CUDA wheel indexes still built for current PyTorch, oldest first.
CUDA_INDEXES = ((12, 6), (12, 8), (12, 9), (13, 0))
DRIVERS_URL = "https://www.nvidia.com/drivers"
PYTHON_FIX = ("Install 64-bit Python 3.11 or 3.12 from https://www.python.org/downloads/ "
              "(Ubuntu/Debian: sudo apt install python3.11 python3.11-venv; macOS: brew install python@3.11), "
              "delete the .venv folder, then run ./launch.sh again "
              "(or LOCALAI_PYTHON=/path/to/python3.11 ./launch.sh).")


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
    title: str
    fix: str


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


def _port_free(host: str, port: int) -> bool:
    try:
        family, kind, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as s:
            if sys.platform != "win32":  # as servers do, so a port in TIME_WAIT counts as free
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(addr)
    except OSError as exc:
        return exc.errno not in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1))
    return True


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
        port_free=_port_free(settings.host, settings.port),
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


def _reinstall(facts: SystemFacts, kind: str) -> str:
    sep = "\\" if facts.os_name == "Windows" else "/"
    stamp = f"{facts.venv_dir or '.venv'}{sep}.localai-install"
    return f"delete the file {stamp}, then run: {_launch(facts, 'LOCALAI_TORCH', kind)}"


def _gpu_problems(facts: SystemFacts) -> list[Problem]:
    build = facts.torch_build or ""
    if facts.nvidia_gpu and not build.startswith("cuda"):
        kind = "a CPU-only build" if build in ("", "cpu") else f"built for {build.upper()}, not CUDA"
        return [Problem("warning", f"Your NVIDIA GPU is not used: the installed PyTorch ({facts.version('torch')}) "
                        f"is {kind}, so everything runs slowly on the processor.",
                        f"Install the CUDA build of PyTorch: {_reinstall(facts, 'cuda')}.")]
    if facts.amd_gpu and not facts.nvidia_gpu and facts.os_name == "Linux" and not build.startswith("rocm"):
        return [Problem("warning", f"Your AMD GPU is not used: the installed PyTorch ({facts.version('torch')}) "
                        "is not the ROCm build, so everything runs slowly on the processor.",
                        f"Install the ROCm build of PyTorch: {_reinstall(facts, 'rocm')}.")]
    problems: list[Problem] = []
    if facts.nvidia_gpu and build.startswith("cuda"):
        want, have = _version_tuple(build), _version_tuple(facts.nvidia_max_cuda)
        if want and have and want > have:
            older = [v for v in CUDA_INDEXES if v <= have]
            index = f"https://download.pytorch.org/whl/cu{older[-1][0]}{older[-1][1]}" if older else ""
            alt = (" Or install an older CUDA build of PyTorch: delete the .venv folder, then run: "
                   + _launch(facts, "LOCALAI_TORCH_PIP", f"torch --index-url {index}") + "." if older else "")
            still = " PyTorch still sees the GPU, but some operations may fail." if facts.cuda_available else (
                " PyTorch cannot use the GPU, so LocalAI runs slowly on the processor.")
            problems.append(Problem(
                "warning", f"Your NVIDIA driver ({facts.nvidia_driver}) is too old for the installed PyTorch: it "
                f"supports CUDA up to {facts.nvidia_max_cuda}, PyTorch was built for CUDA {build.split()[-1]}.{still}",
                f"Update the NVIDIA driver ({DRIVERS_URL}) and restart the computer.{alt}"))
        elif not facts.cuda_available:
            problems.append(Problem(
                "warning", "PyTorch cannot use your NVIDIA GPU (torch.cuda.is_available() is False), so LocalAI "
                "runs slowly on the processor.",
                f"Update the NVIDIA driver ({DRIVERS_URL}) and restart the computer; check that `nvidia-smi` lists "
                f"the GPU. If it still fails, {_reinstall(facts, 'cuda')}."))
    elif facts.amd_gpu and build.startswith("rocm") and not facts.cuda_available:
        problems.append(Problem(
            "warning", "PyTorch cannot use your AMD GPU, so LocalAI runs slowly on the processor.",
            "Check that `rocminfo` lists your GPU (ROCm driver installed), and add yourself to the render and video "
            "groups: sudo usermod -aG render,video $USER, then log out and in again. Some Radeon cards also need "
            "HSA_OVERRIDE_GFX_VERSION."))
    return problems


def diagnose(facts: SystemFacts, settings: Settings, model: ModelSpec | None = None) -> list[Problem]:
    """Every problem found, blockers first. ``model`` is the default chat model (for the disk check)."""
    problems: list[Problem] = []
    py = ".".join(map(str, facts.python))
    if not PYTHON_OK[0] <= facts.python[:2] <= PYTHON_OK[1]:
        problems.append(Problem("blocker", f"Python {py} is not supported: LocalAI needs Python 3.10 to 3.13.",
                                PYTHON_FIX))
    if not facts.is_64bit:
        problems.append(Problem("blocker", f"This Python ({facts.executable}) is 32-bit; PyTorch needs 64-bit "
                                "Python.", PYTHON_FIX))
    if facts.version("torch") is None:
        title = ("PyTorch is installed but does not start: " + facts.torch_error) if facts.torch_error \
            else "PyTorch is not installed."
        fix = (f"Delete the .venv folder and run {_launch(facts)} again; it installs the right PyTorch for your "
               "computer." if facts.torch_error else f"Run {_launch(facts)}: it installs the right PyTorch for "
               "your computer.")
        problems.append(Problem("blocker", title, fix))
    missing = [name for name in ("transformers", "gradio") if facts.version(name) is None]
    if missing:
        problems.append(Problem("blocker", f"Required libraries are missing: {', '.join(missing)}.",
                                f"Run {_launch(facts)}: it installs everything in requirements.txt "
                                f"(or: {facts.executable} -m pip install -r requirements.txt)."))
    if facts.hardware is None and facts.hardware_error:
        problems.append(Problem("warning", f"The hardware could not be detected ({facts.hardware_error}).",
                                f"Run {_launch(facts)} to repair the installation."))
    if facts.version("torch") is not None:
        problems.extend(_gpu_problems(facts))
    hw = facts.hardware
    if hw is not None and hw.accelerator in ("cuda", "rocm") and not facts.bnb_ok:
        problems.append(Problem(
            "warning", f"bitsandbytes does not work on your GPU ({facts.bnb_problem or 'not installed'}): large "
            "models cannot be loaded in 8-bit or 4-bit, so fewer models fit in GPU memory.",
            f"Reinstall it: {facts.executable} -m pip install --upgrade --force-reinstall bitsandbytes; "
            "then run the check again."))
    need = model.weight_bytes if model is not None and model.source == "hub" else 0
    where = f"the models folder ({settings.models_dir})"
    if facts.free_disk < 1 * GB:
        problems.append(Problem("blocker", f"The disk is almost full: {facts.free_disk / GB:.2f} GB free in {where}.",
                                "Free some disk space (empty the trash, delete large unused files), or put models "
                                "on another disk with --models-dir D."))
    elif facts.free_disk < need:
        problems.append(Problem(
            "warning", f"Not enough disk space to download {model.name if model else 'the chat model'}: it needs "
            f"{need / GB:.1f} GB, and {where} has {facts.free_disk / GB:.1f} GB free.",
            "Free some disk space, put models on another disk with --models-dir D, or choose a smaller chat model "
            "with --text-model NAME."))
    for name, ok, flag in (("models", facts.models_writable, "--models-dir"), ("data", facts.data_writable,
                           "--data-dir"), ("outputs", facts.outputs_writable, "--outputs-dir")):
        if not ok:
            folder = getattr(settings, f"{name}_dir")
            problems.append(Problem(
                "blocker", f"LocalAI cannot write to its {name} folder: {folder}.",
                f"Give your user write permission to {folder} (Linux/macOS: sudo chown -R $USER \"{folder}\"), "
                f"or use another folder with {flag} D."))
    if not facts.port_free:
        problems.append(Problem("warning", f"Port {settings.port} on {settings.host} is already in use (another "
                                "program, or LocalAI already running).",
                                f"Nothing to do: LocalAI will use the next free port. To choose one, pass "
                                f"--port {settings.port + 1} (or close the other program)."))
    return sorted(problems, key=lambda p: p.severity != "blocker")


def plan_default_model(settings: Settings, facts: SystemFacts) -> tuple[str, ModelSpec | None, list[Problem]]:
    """(plan line, default chat model, problems from planning it), for ``--check``: the same answer as the
    page's check (``Services.default_chat_plan``), on a state built for the hardware already found."""
    from .state import build_state  # noqa: PLC0415

    state = None
    try:
        state = build_state(settings, hardware_info=facts.hardware)
        if facts.hardware is None:
            name = state.services.default_model("text", wait=False)
            return (f"{name}: not planned, PyTorch is not working", None, []) if name else ("", None, [])
        return state.services.default_chat_plan()
    except Exception as exc:  # never a traceback on the console
        log.debug("planning the default chat model failed", exc_info=True)
        return f"could not be planned ({type(exc).__name__}: {exc})", None, []
    finally:
        if state is not None:
            state.lanes.shutdown()
