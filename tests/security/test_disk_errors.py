"""A read-only data folder or a full disk: a start-up check that names the folder and what to do, plain
messages while running (history, image saves, model settings; 507/503 from the API), and no partial files.

The disk is made full or read-only the way the system reports it: SQLite's own limits (``max_page_count``
gives "database or disk is full", ``query_only`` "attempt to write a readonly database") and ``OSError``
with ENOSPC / EROFS from the file calls (the tests run as root, where permissions do not stop writes).
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from localai.config import parse_settings
from localai.errors import UserError
from localai.gallery import GenerationInfo, save_png
from localai.history import History
from localai.messages import render
from localai.model_settings import ModelSettings, ModelSettingsStore
from localai.storage import StorageFull, StorageUnwritable
from tests.fake_backends import FAKE_IMAGE, fake_hardware, register_fake_backends

INFO = GenerationInfo(prompt="a lighthouse", steps=4, sampler="Euler", cfg_scale=7.0, seed=3, width=64, height=64,
                      model="tiny-sd")


def _failing(err: int):
    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(err, os.strerror(err))
    return fail


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


# -- the conversation history (SQLite) ---------------------------------------------------------------
def _full(history: History) -> None:
    pages = history._db.execute("PRAGMA page_count").fetchone()[0]
    history._db.execute(f"PRAGMA max_page_count={pages}")  # not one page more: SQLITE_FULL


def test_a_full_disk_while_chatting_is_a_plain_message_naming_the_folder(tmp_path: Path) -> None:
    history = History(tmp_path / "data" / "history.sqlite3")
    conv = history.create("alice")
    _full(history)
    with pytest.raises(UserError) as caught:
        history.add_message("alice", conv, "user", "a long message " * 2000)
    assert isinstance(caught.value, StorageFull) and caught.value.status == 507
    said = render(caught.value, "en")
    assert str(tmp_path / "data") in said and "full" in said and "OperationalError" not in said
    assert "Диск заполнен" in render(caught.value, "ru")
    assert history.get("alice", conv).messages == []  # nothing half written
    history.add_message("alice", conv, "user", "short")  # the lock and the connection still work


def test_a_read_only_database_is_a_plain_message(tmp_path: Path) -> None:
    history = History(tmp_path / "data" / "history.sqlite3")
    conv = history.create("alice")
    history._db.execute("PRAGMA query_only=ON")  # as a database on a read-only folder answers
    with pytest.raises(StorageUnwritable) as caught:
        history.rename("alice", conv, "new title")
    assert caught.value.status == 503 and str(tmp_path / "data") in render(caught.value, "en")


def test_a_data_folder_that_cannot_be_created_is_a_plain_message(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageUnwritable):
        History(blocker / "data" / "history.sqlite3")


# -- saved images --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("err", "kind"), [(errno.ENOSPC, StorageFull), (errno.EROFS, StorageUnwritable)])
def test_an_image_that_cannot_be_saved_leaves_no_partial_png(tmp_path: Path, monkeypatch, err, kind) -> None:
    monkeypatch.setattr(os, "fsync", _failing(err))  # the bytes did not reach the disk
    with pytest.raises(kind) as caught:
        save_png(Image.new("RGB", (64, 64)), INFO, tmp_path, user="alice")
    assert _files(tmp_path) == [], "no 0-byte or half-written PNG, no temporary file"
    assert str(tmp_path / "alice") in render(caught.value, "en")


# -- model settings ---------------------------------------------------------------------------------------
def test_saving_model_settings_on_a_full_disk_keeps_the_old_file(tmp_path: Path, monkeypatch) -> None:
    store = ModelSettingsStore(tmp_path)
    store.set("text", "m", ModelSettings(dtype="fp32"))
    before = store.path.read_bytes()
    monkeypatch.setattr(os, "fsync", _failing(errno.ENOSPC))
    with pytest.raises(StorageFull):
        ModelSettingsStore(tmp_path).set("text", "m", ModelSettings(dtype="bf16"))
    assert store.path.read_bytes() == before and _files(tmp_path) == [store.path]


# -- the image API -----------------------------------------------------------------------------------------
@pytest.fixture()
def api(tmp_path: Path) -> Iterator:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from localai.api import mount_api
    from localai.auth import ApiKey
    from localai.state import build_state

    settings = parse_settings(["--models-dir", str(tmp_path / "models"), "--data-dir", str(tmp_path / "data"),
                               "--outputs-dir", str(tmp_path / "outputs"), "--no-browser", "--offline"], env={})
    state = build_state(settings, hardware_info=fake_hardware())
    register_fake_backends(state.registry)
    app = FastAPI()
    mount_api(app, state.services, ApiKey(None, False))
    with TestClient(app) as client:
        yield client, tmp_path / "outputs"
    state.lanes.torch.call(state.registry.unload_all)
    state.lanes.shutdown()


@pytest.mark.parametrize(("err", "status"), [(errno.ENOSPC, 507), (errno.EROFS, 503)])
def test_the_image_api_answers_507_or_503_and_leaves_no_png(api, monkeypatch, err, status) -> None:
    client, outputs = api
    monkeypatch.setattr(os, "fsync", _failing(err))
    answer = client.post("/v1/images/generations", json={"model": FAKE_IMAGE, "prompt": "a lighthouse",
                                                          "size": "64x64", "n": 2})
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert str(outputs) in error["message"] and "Traceback" not in answer.text
    assert error["code"] in ("insufficient_storage", "storage_unwritable")
    assert not outputs.exists() or _files(outputs) == []
    monkeypatch.undo()
    again = client.post("/v1/images/generations", json={"model": FAKE_IMAGE, "prompt": "a lighthouse", "size": "64x64"})
    assert again.status_code == 200 and len(list(outputs.rglob("*.png"))) == 1


# -- at start ------------------------------------------------------------------------------------------------
def test_start_refuses_a_data_folder_it_cannot_write_and_says_what_to_do(tmp_path: Path, capsys) -> None:
    import app

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code = app.main(["--no-browser", "--models-dir", str(tmp_path / "models"), "--data-dir", str(blocker / "data"),
                     "--outputs-dir", str(tmp_path / "outputs"), "--lang", "en"])
    err = capsys.readouterr().err
    assert code == 2
    assert str(blocker / "data") in err and "--data-dir" in err and "Traceback" not in err


def test_start_warns_of_a_nearly_full_disk(tmp_path: Path) -> None:
    from localai.doctor import startup_problems

    settings = parse_settings(["--data-dir", str(tmp_path / "data"), "--outputs-dir", str(tmp_path / "out"),
                               "--models-dir", str(tmp_path / "models")], env={})
    problems = startup_problems(settings, free_disk=lambda folder: 5 * 1024**2)
    assert [p.severity for p in problems] == ["warning", "warning"]
    said = [render(p.title, "en") + " " + render(p.fix, "en") for p in problems]
    assert str(tmp_path / "data") in said[0] and "--data-dir" in said[0]
    assert str(tmp_path / "out") in said[1] and "--outputs-dir" in said[1]
    assert startup_problems(settings) == []  # this test machine has room


def test_sqlite_errors_that_are_not_about_the_disk_are_left_alone(tmp_path: Path) -> None:
    from localai.storage import storage_error

    assert storage_error(sqlite3.IntegrityError("UNIQUE constraint failed"), tmp_path) is None


def test_the_chat_page_shows_the_full_disk_in_plain_words(tmp_path: Path) -> None:
    from localai.conversations import Conversations
    from localai.options import ChatOptions
    from localai.ui.common import user_error

    history = History(tmp_path / "data" / "history.sqlite3")
    _full(history)
    with pytest.raises(UserError) as caught:  # what the Chat tab's send does first
        Conversations(history).start_turn("alice", None, "m", "be brief " * 3000, ChatOptions(), "hello")
    shown = str(user_error(caught.value, "ru"))
    assert "Диск заполнен" in shown and str(tmp_path / "data") in shown
    assert "OperationalError" not in shown and "Something went wrong" not in shown
