"""Hardware tiers and the models the catalog recommends for each.

A tier is decided by the accelerator's total memory (unified memory on Apple), never by
the GPU's name. Within what fits, models made for this tier come first, then smaller
ones; ungated, openly licensed models come before gated or restrictively licensed
ones. The default chat and image models are the first recommendation of their kind.
Pure functions: no torch import.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .catalog import ModelSpec
from .hardware import HardwareInfo
from .messages import Message

GIB = 1024**3

TIERS = ("cpu", "6gb", "12gb", "24gb", "48gb")  # the catalog's ``tier`` values, smallest first
TIER_LABELS = {
    "cpu": "tier.cpu",
    "6gb": "tier.6gb",
    "12gb": "tier.12gb",
    "24gb": "tier.24gb",
    "48gb": "tier.48gb",
}
# Upper bounds of total accelerator memory per tier. Cards report a little less than their
# label (a "24 GB" card shows ~23.6 GiB), and in-between sizes (7 GB, 14 GB) go to the lower tier.
_TIER_LIMITS = (("6gb", 7.5 * GIB), ("12gb", 15.0 * GIB), ("24gb", 25.0 * GIB))

# Licenses that allow use, commercial included, without a separate agreement. Custom licenses
# (llama3.1, gemma, ...) and non-commercial ones (sai-nc-community, ...) are not in it.
OPEN_LICENSES = frozenset({
    "apache-2.0", "mit", "bsd-2-clause", "bsd-3-clause", "cc-by-4.0", "cc-by-sa-4.0", "openrail",
    "openrail++", "creativeml-openrail-m", "bigscience-openrail-m",
})


def tier_of(hw: HardwareInfo) -> str:
    """The hardware tier: "cpu", "6gb", "12gb", "24gb" or "48gb"."""
    if not hw.has_gpu or hw.total_vram <= 0:
        return "cpu"
    for tier, limit in _TIER_LIMITS:
        if hw.total_vram <= limit:
            return tier
    return "48gb"


def tier_label(tier: str) -> Message | str:
    """The tier's name for people ("GPU with 8-12 GB"), to render in the page's language."""
    return Message(TIER_LABELS[tier]) if tier in TIER_LABELS else tier


def is_open_license(license_id: str) -> bool:
    """True for licenses that need no agreement beyond the license text (not non-commercial, not custom)."""
    return (license_id or "").lower() in OPEN_LICENSES


def _rank(tier: str) -> int:
    return TIERS.index(tier) if tier in TIERS else len(TIERS)


def recommended(catalog: Iterable[ModelSpec], kind: str, tier: str) -> list[ModelSpec]:
    """Catalog models of ``kind`` that fit ``tier``, best first.

    Order: made for this tier, then for the tiers just below; within a tier ungated before
    gated and open licenses before restrictive ones; then the catalog's own order.
    """
    here = _rank(tier)
    pool = [(i, m) for i, m in enumerate(catalog) if m.kind == kind and m.tier in TIERS and _rank(m.tier) <= here]
    pool.sort(key=lambda im: (here - _rank(im[1].tier), im[1].gated, not is_open_license(im[1].license), im[0]))
    return [m for _, m in pool]


def default_model(catalog: Sequence[ModelSpec], kind: str, tier: str) -> ModelSpec | None:
    """The model selected at start on a machine of this tier when nothing is on disk yet."""
    best = recommended(catalog, kind, tier)
    return best[0] if best else None


def fits_tier(spec: ModelSpec, tier: str) -> bool:
    """Whether the catalog meant ``spec`` for this tier or a smaller one (unknown tiers: yes)."""
    return spec.tier not in TIERS or _rank(spec.tier) <= _rank(tier)
