"""The Gallery view's data: each user's saved images by date, and deleting only one's own."""

from __future__ import annotations

import os

import pytest

from localai.errors import InvalidInput
from localai.gallery import GenerationInfo, delete_saved, list_saved, save_png


def make(outputs, user: str, seed: int):
    from PIL import Image

    info = GenerationInfo(prompt=f"a fox {seed}", negative_prompt="", steps=4, sampler="Euler", cfg_scale=7.0,
                          seed=seed, width=64, height=64, model="tiny-sd")
    return save_png(Image.new("RGB", (64, 64), (seed % 255, 0, 0)), info, outputs, {"model": "tiny-sd", "user": user})


def test_each_user_sees_their_own_images_newest_first(tmp_path):
    first = make(tmp_path, "ann", 1)
    make(tmp_path, "bob", 2)
    second = make(tmp_path, "ann", 3)
    os.utime(first, (1, 1))  # older
    mine = list_saved(tmp_path, "ann")
    assert [s.path for s in mine] == [second, first]
    assert mine[0].meta.info.prompt == "a fox 3" and mine[0].day == second.parent.name
    assert [s.meta.info.seed for s in list_saved(tmp_path, "bob")] == [2]
    assert list_saved(tmp_path, "ann", day="1999-01-01") == []
    assert list_saved(tmp_path / "missing", "ann") == []


def test_delete_only_own_images_inside_the_outputs_folder(tmp_path):
    mine, theirs = make(tmp_path, "ann", 1), make(tmp_path, "bob", 2)
    outside = tmp_path.parent / "elsewhere.png"
    outside.write_bytes(mine.read_bytes())
    for path in (theirs, outside, tmp_path / ".." / mine.parent.name / mine.name.replace("1", "9")):
        with pytest.raises(InvalidInput):
            delete_saved(tmp_path, "ann", path)
    assert theirs.exists() and outside.exists()
    delete_saved(tmp_path, "ann", mine)
    assert not mine.exists() and list_saved(tmp_path, "ann") == []
