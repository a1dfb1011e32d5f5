"""Other users' images: each user's PNGs lie in their own folder under names nobody can guess, and the
outputs folder is not served as files, so a logged-in user cannot fetch another user's image (the
attack: walk ``<day>/NNNNN-<seed>.png`` through ``/gradio_api/file=`` until one answers)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from localai.gallery import GenerationInfo, list_saved, save_png, user_folder
from tests.app_process import running_app


def _save(outputs: Path, user: str, seed: int = 7) -> Path:
    info = GenerationInfo(prompt=f"{user}'s secret picture", steps=4, sampler="Euler", cfg_scale=7.0, seed=seed,
                          width=64, height=64, model="tiny-sd")
    return save_png(Image.new("RGB", (64, 64), (seed % 255, 9, 9)), info, outputs, {"model": "tiny-sd"}, user=user)


def _old_layout_png(outputs: Path, name: str = "00000-5.png", user: str | None = None) -> Path:
    """An image as LocalAI saved it before per-user folders: ``<outputs>/<day>/NNNNN-<seed>.png``."""
    chunks = PngInfo()
    chunks.add_text("parameters", "an old picture\nSteps: 4, Sampler: Euler, CFG scale: 7, Seed: 5, Size: 8x8")
    if user:
        chunks.add_text("localai", f'{{"user": "{user}"}}')
    path = outputs / "2026-11-30" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8)).save(path, pnginfo=chunks)
    return path


def test_each_users_images_are_in_their_own_folder_under_unguessable_names(tmp_path: Path) -> None:
    alice = [_save(tmp_path, "alice", seed) for seed in (1, 1, 2)]
    bob = _save(tmp_path, "bob", 1)
    assert all(p.parent.parent == user_folder(tmp_path, "alice") for p in alice)
    assert bob.parent.parent == user_folder(tmp_path, "bob") != user_folder(tmp_path, "alice")
    tokens = [p.name.rsplit("-", 1)[0] for p in (*alice, bob)]
    assert len(set(tokens)) == 4 and all(len(t) >= 16 and not t.isdigit() for t in tokens)  # no shared counter
    assert not (alice[0].parent / "00000-1.png").exists()
    assert [s.path for s in list_saved(tmp_path, "bob")] == [bob]
    assert sorted(s.path for s in list_saved(tmp_path, "alice")) == sorted(alice)


@pytest.mark.parametrize("user", ["../escape", "a/b", "..", "con", "2026-11-30", "Алиса", "x" * 200, "local"])
def test_any_login_name_gets_a_folder_inside_the_outputs_folder(tmp_path: Path, user: str) -> None:
    folder = user_folder(tmp_path, user)
    assert folder.parent == tmp_path and folder.resolve().parent == tmp_path.resolve()
    saved = _save(tmp_path, user)
    assert saved.is_relative_to(folder) and [s.path for s in list_saved(tmp_path, user)] == [saved]


def test_images_of_the_old_layout_are_still_listed_for_their_owner(tmp_path: Path) -> None:
    before_logins = _old_layout_png(tmp_path)
    alices = _old_layout_png(tmp_path, "00001-5.png", user="alice")
    assert [s.path for s in list_saved(tmp_path, "local")] == [before_logins]
    assert [s.path for s in list_saved(tmp_path, "alice")] == [alices]
    assert list_saved(tmp_path, "bob") == []


def test_a_logged_in_user_cannot_fetch_another_users_image(tmp_path: Path) -> None:
    outputs = tmp_path / "outputs"
    bobs = _save(outputs, "bob")
    old = _old_layout_png(outputs, user="bob")
    (tmp_path / "models").mkdir()
    with running_app(tmp_path / "models", tmp_path,
                     extra=["--offline", "--auth", "alice:wonderland", "--auth", "bob:builder"]) as app:
        with httpx.Client(base_url=app.url, timeout=30) as alice:
            assert alice.post("/login", data={"username": "alice", "password": "wonderland"}).status_code == 200
            for path in (bobs, old, bobs.parent / "00000-7.png"):
                for url in (f"/gradio_api/file={path}", f"/gradio_api/file={path.relative_to(outputs)}",
                            f"/file={path}"):
                    answer = alice.get(url)
                    assert answer.status_code in (403, 404), (url, answer.status_code)
                    assert b"secret" not in answer.content and b"old picture" not in answer.content
    assert not re.search(r"Traceback", app.log())
