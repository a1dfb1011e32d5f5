"""The Models tab's rule for its buttons: what can apply to the picked model, for this user, now."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from localai.errors import UserError
from localai.ui.models_buttons import ButtonStates, button_states


def services(path: Path | None = None, loaded: bool = False, offline: bool = False, admin: str = "local",
             missing: bool = False) -> SimpleNamespace:
    def model_info(name: str, kind: str) -> SimpleNamespace:
        if missing:
            raise UserError("error.unknown_model", name=name)
        return SimpleNamespace(spec=SimpleNamespace(name=name, kind=kind, path=path), loaded=loaded)

    return SimpleNamespace(model_info=model_info, offline=offline, is_admin=lambda user: user == admin)


def test_a_model_not_on_disk_can_only_be_downloaded() -> None:
    assert button_states(services(), "text/qwen", "local", downloading=False) == ButtonStates(
        download=True, stop=False, load=False, unload=False)


def test_while_it_downloads_stop_shows_and_download_is_greyed() -> None:
    assert button_states(services(), "text/qwen", "local", downloading=True) == ButtonStates(
        download=False, stop=True, load=False, unload=False)


def test_a_model_on_disk_loads_and_a_loaded_one_unloads() -> None:
    on_disk = services(path=Path("/models/text/tiny"))
    assert button_states(on_disk, "text/tiny", "local", False) == ButtonStates(False, False, True, False)
    loaded = services(path=Path("/models/text/tiny"), loaded=True)
    assert button_states(loaded, "text/tiny", "local", False) == ButtonStates(False, False, False, True)


def test_offline_nothing_downloads_and_others_than_the_admin_neither_download_nor_unload() -> None:
    assert not button_states(services(offline=True), "text/qwen", "local", False).download
    assert not button_states(services(admin="alice"), "text/qwen", "bob", False).download
    loaded = services(path=Path("/m"), loaded=True, admin="alice")
    assert button_states(loaded, "text/tiny", "bob", False) == ButtonStates(False, False, False, False)


def test_no_model_or_a_vanished_one_offers_nothing_but_a_running_stop() -> None:
    assert button_states(services(), None, "local", True) == ButtonStates(False, True, False, False)
    assert button_states(services(missing=True), "text/gone", "local", False) == ButtonStates(False, False, False,
                                                                                             False)
