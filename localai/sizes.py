"""How sizes read everywhere (plans, downloads, the Models tab, the system check): one rounding rule.

Decimal units as disks and downloads count them: "15.2 GB" from 0.1 GB up, else "0.7 MB";
parameter counts as "7.6B", "135M", "181K".
"""

from __future__ import annotations


def format_bytes(n: float) -> str:
    """A size in bytes: one decimal, in GB from 0.1 GB up, else in MB."""
    return f"{n / 1e9:.1f} GB" if n >= 1e8 else f"{n / 1e6:.1f} MB"


def format_params(n: float) -> str:
    """A parameter count: "7.6B", "135M", "181K" ("?" when unknown)."""
    if not n:
        return "?"
    if n >= 1e9:
        return f"{n / 1e9:.1f}B"
    return f"{n / 1e6:.0f}M" if n >= 1e6 else f"{n / 1e3:.0f}K"
