"""What this computer has: the only module that probes torch, psutil and the GPU.

``HardwareInfo`` is plain numbers and flags so that the planner and its tests can
describe any machine as a literal.
"""

from __future__ import annotations

import functools
import logging
import platform
import shutil
import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

log = logging.getLogger(__name__)

GIB = 1024**3


@dataclass(frozen=True)
class HardwareInfo:
    accelerator: str  # "cuda" | "rocm" | "mps" | "xpu" | "cpu"
    device_name: str
    total_vram: int  # bytes; 0 on CPU; unified memory on Apple
    free_vram: int
    total_ram: int
    available_ram: int
    compute_capability: tuple[int, int] | None = None
    bf16: bool = False  # native bf16 on the accelerator (or the CPU when accelerator is "cpu")
    free_disk: int = 0  # in the models folder
    bnb_ok: bool = False  # bitsandbytes imports and works on this device
    bnb_problem: str = ""
    torch_version: str = ""
    torch_build: str = ""  # "cuda 12.8" | "rocm 6.4" | "cpu"
    cpu_name: str = ""
    cpu_threads: int = 1
    # How many times faster torch dynamic int8 decodes than fp32 on this CPU, as measured by
    # ``probe_cpu_int8_speedup`` (the planner picks int8 on the CPU when it pays); 0.0: not measured.
    cpu_int8_speedup: float = 0.0

    @property
    def has_gpu(self) -> bool:
        return self.accelerator != "cpu"

    @property
    def torch_device(self) -> str:
        """The torch device string: ROCm uses torch's "cuda" API."""
        return {"rocm": "cuda"}.get(self.accelerator, self.accelerator)

    def with_free(self, free_vram: int | None = None, available_ram: int | None = None) -> HardwareInfo:
        return replace(
            self,
            free_vram=self.free_vram if free_vram is None else free_vram,
            available_ram=self.available_ram if available_ram is None else available_ram,
        )

    def summary(self) -> str:
        gb = lambda b: f"{b / 1e9:.1f} GB"  # noqa: E731
        if self.accelerator == "cpu":
            dev = f"CPU only ({self.cpu_name or platform.machine()}, {self.cpu_threads} threads)"
        else:
            dev = f"{self.accelerator.upper()}: {self.device_name}, {gb(self.free_vram)} free of {gb(self.total_vram)}"
        bnb = "bitsandbytes OK" if self.bnb_ok else f"bitsandbytes unavailable ({self.bnb_problem or 'not installed'})"
        int8 = f"; CPU int8 {self.cpu_int8_speedup:.1f}x fp32" if self.cpu_int8_speedup else ""
        return (
            f"{dev}; RAM {gb(self.available_ram)} free of {gb(self.total_ram)}; "
            f"bf16 {'yes' if self.bf16 else 'no'}; {bnb}{int8}; disk {gb(self.free_disk)} free"
        )


def _existing_parent(path: Path) -> Path:
    path = path.resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _cpu_name_and_bf16() -> tuple[str, bool]:
    name, flags = platform.processor() or platform.machine(), set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and name in ("", platform.machine()):
                name = value.strip()
            elif key.strip() == "flags" and not flags:
                flags = set(value.split())
    except OSError:
        pass
    return name, bool(flags & {"avx512_bf16", "amx_bf16"})


def probe_bitsandbytes(torch_device: str) -> tuple[bool, str]:
    """Import bitsandbytes and run one 4-bit quantize on the device. Returns (ok, problem)."""
    logging.getLogger("bitsandbytes").setLevel(logging.ERROR)
    try:
        import bitsandbytes.functional as bnbf  # noqa: PLC0415
        import torch  # noqa: PLC0415

        x = torch.randn(64, 64, device=torch_device, dtype=torch.float16 if torch_device != "cpu" else torch.float32)
        bnbf.quantize_4bit(x, quant_type="nf4")
        return True, ""
    except ImportError:
        return False, "bitsandbytes is not installed"
    except Exception as exc:  # any failure means "does not work here"
        log.info("bitsandbytes probe failed: %r", exc)
        return False, f"bitsandbytes does not work on this device: {str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__}"


# The probe's matrix: 4096 x 8192 (128 MB in fp32, 32 MB in int8) is past the CPU caches, like a real
# model's weights; a smaller one stays in the cache, where int8 gains little (0.3-1.5x, measured) and
# the probe would not tell what a model's decode gets. Measured on a 2-core Xeon: 1.8-3.3x, and the real
# SmolLM2-135M decodes 3x faster in int8 than in fp32 there.
INT8_PROBE_SHAPE = (4096, 8192)


@functools.cache
def probe_cpu_int8_speedup(rounds: int = 7) -> float:
    """fp32 time / int8 time of one decode-shaped matrix product (one token through a Linear layer) with
    torch's dynamic int8 kernels (per-tensor weights, as ``backends/cpu_int8.py`` makes them), the best of ``rounds`` each, interleaved. 0.0 when torch has no int8
    engine here. About 0.3-1 s, so it is measured once per process (the CPU does not change). Call it on
    the thread that does the torch work (it uses that thread's torch threads)."""
    try:
        import torch  # noqa: PLC0415

        rows, cols = INT8_PROBE_SHAPE
        with warnings.catch_warnings():  # torch says its quantized tensors are deprecated
            warnings.simplefilter("ignore")
            weight = torch.full((rows, cols), 0.01)
            qweight = torch._make_per_tensor_quantized_tensor(torch.ones(rows, cols, dtype=torch.int8), 0.01, 0)
            packed = torch.ops.quantized.linear_prepack(qweight, None)
            del qweight
            x = torch.randn(1, 1, cols)
            steps = {"fp32": lambda: torch.nn.functional.linear(x, weight),
                     "int8": lambda: torch.ops.quantized.linear_dynamic(x, packed)}
            best = {name: float("inf") for name in steps}
            with torch.inference_mode():
                for step in steps.values():
                    step()
                for _ in range(rounds):
                    for name, step in steps.items():
                        started = time.perf_counter()
                        step()
                        best[name] = min(best[name], time.perf_counter() - started)
        return round(best["fp32"] / best["int8"], 2) if best["int8"] > 0 else 0.0
    except Exception as exc:  # no quantized engine, an unusual build: the planner stays with fp32
        log.info("CPU int8 probe failed: %r", exc)
        return 0.0


def detect_hardware(models_dir: Path = Path("models"), device: str = "auto", probe_bnb: bool = True) -> HardwareInfo:
    """Probe the machine. Imports torch (about 2 s the first time)."""
    import psutil  # noqa: PLC0415
    import torch  # noqa: PLC0415

    vm = psutil.virtual_memory()
    cpu_name, cpu_bf16 = _cpu_name_and_bf16()
    disk = shutil.disk_usage(_existing_parent(models_dir)).free
    build = f"cuda {torch.version.cuda}" if torch.version.cuda else f"rocm {torch.version.hip}" if torch.version.hip else "cpu"
    common = dict(
        total_ram=vm.total,
        available_ram=vm.available,
        free_disk=disk,
        torch_version=torch.__version__.split("+")[0],
        torch_build=build,
        cpu_name=cpu_name,
        cpu_threads=torch.get_num_threads(),
    )
    info: HardwareInfo
    if device in ("auto", "cuda") and torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        free, total = torch.cuda.mem_get_info(0)
        info = HardwareInfo(
            accelerator="rocm" if torch.version.hip else "cuda",
            device_name=props.name,
            total_vram=total,
            free_vram=free,
            compute_capability=(props.major, props.minor),
            bf16=bool(torch.cuda.is_bf16_supported()),
            **common,
        )
    elif device in ("auto", "mps") and getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        # Unified memory: macOS lets the GPU use about 70% of it.
        info = HardwareInfo(
            accelerator="mps",
            device_name=f"Apple {platform.machine()} GPU",
            total_vram=int(vm.total * 0.7),
            free_vram=min(int(vm.total * 0.7), vm.available),
            **common,
        )
    elif device == "auto" and hasattr(torch, "xpu") and torch.xpu.is_available():
        props = torch.xpu.get_device_properties(0)
        info = HardwareInfo(
            accelerator="xpu",
            device_name=props.name,
            total_vram=props.total_memory,
            free_vram=props.total_memory,
            bf16=True,
            **common,
        )
    else:
        info = HardwareInfo(accelerator="cpu", device_name=cpu_name, total_vram=0, free_vram=0, bf16=cpu_bf16,
                            cpu_int8_speedup=probe_cpu_int8_speedup(), **common)
    if probe_bnb and info.accelerator in ("cuda", "rocm", "cpu"):
        ok, problem = probe_bitsandbytes(info.torch_device)
        info = replace(info, bnb_ok=ok, bnb_problem=problem)
    elif probe_bnb:
        info = replace(info, bnb_problem=f"bitsandbytes does not support {info.accelerator.upper()}")
    return info


def current_free(info: HardwareInfo) -> HardwareInfo:
    """The same machine with free memory measured now (cheap once torch is imported)."""
    import psutil  # noqa: PLC0415

    free_vram = info.free_vram
    if info.accelerator in ("cuda", "rocm"):
        import torch  # noqa: PLC0415

        free_vram = torch.cuda.mem_get_info(0)[0]
    ram = psutil.virtual_memory().available
    if info.accelerator == "mps":
        free_vram = min(info.total_vram, ram)
    return info.with_free(free_vram=free_vram, available_ram=ram)
