"""Aspect-ratio presets of the Image tab: "16:9" -> width and height for a model family.

The sides keep about the family's native area (its ``size`` squared, what the model was trained on), are
multiples of the family's ``multiple``, and stay within ``MIN_SIDE`` .. ``max_side``. Pure functions, no
gradio, no torch.
"""

from __future__ import annotations

import math

from ..image_request import MIN_SIDE, Family

ASPECTS = ("1:1", "4:3", "3:4", "3:2", "2:3", "16:9", "9:16", "21:9")


def _ratio(aspect: str) -> tuple[int, int]:
    across, _, down = aspect.partition(":")
    return int(across), int(down)


def _side(value: float, family: Family) -> int:
    """``value`` rounded to the family's multiple, within its limits."""
    m = family.multiple
    lowest = math.ceil(MIN_SIDE / m) * m
    highest = family.max_side // m * m
    return max(lowest, min(highest, m * round(value / m)))


def aspect_size(family: Family, aspect: str) -> tuple[int, int]:
    """(width, height) for ``aspect`` (one of ``ASPECTS``) on a model of ``family``."""
    if aspect not in ASPECTS:
        raise ValueError(f"unknown aspect ratio {aspect!r}; known: {', '.join(ASPECTS)}")
    across, down = _ratio(aspect)
    scale = family.size / math.sqrt(across * down)  # keeps width x height near size x size
    width, height = across * scale, down * scale
    longest = max(width, height)
    if longest > family.max_side:  # a family whose native size is near its limit: shrink both sides
        width, height = width * family.max_side / longest, height * family.max_side / longest
    return _side(width, family), _side(height, family)


def aspect_of(family: Family, width: int, height: int) -> str | None:
    """The preset that gives exactly ``width`` x ``height`` on ``family``, else None (a size set by hand)."""
    return next((a for a in ASPECTS if aspect_size(family, a) == (int(width), int(height))), None)
