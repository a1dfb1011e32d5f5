"""Print the README's "what runs where" table: the planner's choice for each catalog model on
typical machines. Pure planning (no torch, no downloads): run it to refresh the table.

    .venv/bin/python bench/hardware_table.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from localai.catalog import builtin_catalog  # noqa: E402
from localai.errors import UserError  # noqa: E402
from localai.hardware import HardwareInfo  # noqa: E402
from localai.plan import plan_image_load, plan_text_load  # noqa: E402

G = 10**9
MACHINES = {
    "CPU, 16 GB RAM": HardwareInfo("cpu", "x86-64", 0, 0, 16 * G, 12 * G, bnb_ok=True),
    "GTX 1650 4 GB": HardwareInfo("cuda", "GTX 1650", 4 * G, int(3.7 * G), 16 * G, 12 * G, (7, 5), False, bnb_ok=True),
    "RTX 3060 12 GB": HardwareInfo("cuda", "RTX 3060", 12 * G, int(11.5 * G), 32 * G, 24 * G, (8, 6), True, bnb_ok=True),
    "RTX 4090 24 GB": HardwareInfo("cuda", "RTX 4090", 24 * G, int(23.5 * G), 64 * G, 48 * G, (8, 9), True, bnb_ok=True),
    "Apple M2 16 GB": HardwareInfo("mps", "Apple M2", int(11.2 * G), int(10 * G), 16 * G, 10 * G),
    "RX 7900 XTX 24 GB (ROCm)": HardwareInfo("rocm", "RX 7900 XTX", 24 * G, int(23.5 * G), 64 * G, 48 * G, None, True,
                                             bnb_ok=True),
}


def cell(spec, hw) -> str:
    try:
        plan = (plan_text_load if spec.kind == "text" else plan_image_load)(spec, hw)
    except UserError:
        return "does not fit"
    bits = [plan.dtype if plan.quantization == "none" else plan.quantization]
    if plan.offload != "none":
        bits.append(f"{plan.offload} offload")
    return " + ".join(bits)


def main() -> None:
    names = list(MACHINES)
    print("| Model | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for spec in builtin_catalog():
        print(f"| {spec.name} ({spec.params / 1e9:.1f}B) | " + " | ".join(cell(spec, MACHINES[n]) for n in names) + " |")


if __name__ == "__main__":
    main()
