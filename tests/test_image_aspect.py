"""The Image tab's aspect-ratio presets: for every model family, each preset's size is one the family takes
(a multiple of its step, within its limits), has the preset's shape, and keeps about the native area."""

from __future__ import annotations

import pytest

from localai.image_request import FAMILIES, MIN_SIDE, ImageRequest, family_of
from localai.ui.image_aspect import ASPECTS, aspect_of, aspect_size


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_every_preset_is_a_size_the_family_accepts(name: str) -> None:
    fam = FAMILIES[name]
    for aspect in ASPECTS:
        width, height = aspect_size(fam, aspect)
        across, down = (int(x) for x in aspect.split(":"))
        assert width % fam.multiple == 0 and height % fam.multiple == 0
        assert MIN_SIDE <= min(width, height) and max(width, height) <= fam.max_side
        assert abs(width / height - across / down) < 0.03, (aspect, width, height)
        assert 0.9 < width * height / fam.size ** 2 < 1.1, "about the area the model was trained at"
        ImageRequest(prompt="a fox", width=width, height=height).with_defaults(name)  # the checks let it through
        assert aspect_of(fam, width, height) == aspect


def test_known_sizes() -> None:
    assert aspect_size(family_of("sd15"), "1:1") == (512, 512)
    assert aspect_size(family_of("sdxl"), "16:9") == (1368, 768)
    assert aspect_size(family_of("sdxl"), "21:9") == (1568, 672)  # cinema wide: exactly 7:3
    assert aspect_size(family_of("flux"), "3:2") == (1248, 832)  # FLUX sides are multiples of 16


def test_a_size_set_by_hand_is_no_preset_and_an_unknown_preset_is_refused() -> None:
    assert aspect_of(family_of("sd15"), 520, 512) is None
    with pytest.raises(ValueError, match="unknown aspect ratio"):
        aspect_size(family_of("sd15"), "5:4")
