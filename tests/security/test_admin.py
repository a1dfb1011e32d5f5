"""The admin: only the first login (or ``--admin NAME``), or the local user without logins, may switch on
the safety opt-ins for everyone, change model settings, download, switch offline mode or unload a model
others use. Enforced in services (the only door); the Models tab greys those controls out for others.
The attack replayed: bob, an ordinary login, turns on pickle weights for a model and unloads alice's model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from localai.access import Access, AdminOnly, access_for
from localai.auth import load_logins
from localai.config import parse_settings
from localai.errors import UserError
from localai.messages import render
from localai.model_settings import ModelSettings
from tests.fake_backends import FAKE_CHAT, fake_hardware, register_fake_backends


def _settings(tmp_path: Path, *argv: str):
    return parse_settings(["--models-dir", str(tmp_path / "models"), "--data-dir", str(tmp_path / "data"),
                           "--outputs-dir", str(tmp_path / "outputs"), "--no-browser", "--offline", *argv], env={})


def test_the_admin_is_the_first_login_or_the_one_named_or_the_local_user(tmp_path: Path) -> None:
    two = ("--listen", "--auth", "alice:a", "--auth", "bob:b")

    def admin(*argv: str) -> str:
        settings = _settings(tmp_path, *argv)
        return access_for(settings, load_logins(settings)).admin

    assert admin(*two) == "alice"
    assert admin(*two, "--admin", "bob") == "bob"
    assert admin() == access_for(_settings(tmp_path)).admin == "local"  # this computer only, no logins
    assert admin("--listen") == "localai"  # the generated login
    with pytest.raises(UserError) as caught:
        admin(*two, "--admin", "mallory")
    assert "mallory" in render(caught.value, "en") and "--auth" in render(caught.value, "en")


@pytest.fixture()
def shared(tmp_path: Path) -> Iterator:
    """An app state where alice is the admin and bob is not, over the fake backends."""
    from localai.state import build_state

    settings = _settings(tmp_path, "--listen", "--auth", "alice:a", "--auth", "bob:b")
    state = build_state(settings, hardware_info=fake_hardware(), access=access_for(settings, load_logins(settings)))
    state.fakes = register_fake_backends(state.registry)
    yield state
    state.lanes.torch.call(state.registry.unload_all)
    state.lanes.shutdown()


def test_an_ordinary_user_cannot_switch_on_pickle_weights_for_everyone(shared) -> None:
    services = shared.services
    with pytest.raises(AdminOnly) as caught:
        services.save_model_settings(FAKE_CHAT, "text", ModelSettings(allow_pickle=True), user="bob")
    assert caught.value.status == 403
    said = render(caught.value, "en")
    assert "admin (alice)" in said and "model settings" in said
    assert "администратор (alice)" in render(caught.value, "ru")
    assert not services.model_settings(FAKE_CHAT, "text").allow_pickle
    with pytest.raises(AdminOnly):
        services.save_model_settings(FAKE_CHAT, "text", ModelSettings(trust_remote_code=True), user="bob")
    services.save_model_settings(FAKE_CHAT, "text", ModelSettings(allow_pickle=True), user="alice")
    assert services.model_settings(FAKE_CHAT, "text").allow_pickle


def test_an_ordinary_user_cannot_unload_download_or_switch_offline(shared) -> None:
    services = shared.services
    services.load(FAKE_CHAT, "text", owner="alice:s1").wait()
    with pytest.raises(AdminOnly):
        services.unload(FAKE_CHAT, "text", owner="bob:s2", user="bob")
    assert [m.spec.name for m in services.loaded_models()] == [FAKE_CHAT], "alice's model stays loaded"
    with pytest.raises(AdminOnly):
        services.download(FAKE_CHAT, "text", owner="bob:s2", user="bob")
    with pytest.raises(AdminOnly):
        services.set_offline(False, user="bob")
    assert services.offline
    with pytest.raises(AdminOnly):  # a caller that names no user is not the admin when there are logins
        services.unload(FAKE_CHAT, "text")
    assert services.unload(FAKE_CHAT, "text", owner="alice:s1", user="alice") is True


def test_without_logins_the_local_user_may_do_everything(tmp_path: Path) -> None:
    from localai.state import build_state

    state = build_state(_settings(tmp_path), hardware_info=fake_hardware())
    register_fake_backends(state.registry)
    try:
        assert state.services.is_admin("local")
        state.services.save_model_settings(FAKE_CHAT, "text", ModelSettings(dtype="fp32"))
        state.services.load(FAKE_CHAT, "text").wait()
        assert state.services.unload(FAKE_CHAT, "text") is True
    finally:
        state.lanes.shutdown()


def test_the_models_tab_greys_out_admin_controls_for_others() -> None:
    from localai.ui.admin_view import lock_for_non_admins
    from localai.ui.translator import Translator

    services = SimpleNamespace(access=Access("alice"), is_admin=lambda user: user == "alice")
    controls = ["offline", "download", "save"]
    apply = lock_for_non_admins(services, Translator(None), controls, "note")  # type: ignore[arg-type]
    bob = apply(SimpleNamespace(username="bob", headers={"accept-language": "en"}, session_hash="x"))
    assert [u["interactive"] for u in bob[:3]] == [False, False, False]
    assert bob[3]["visible"] and "admin (alice)" in bob[3]["value"]
    alice = apply(SimpleNamespace(username="alice", headers={}, session_hash="y"))
    assert all(not isinstance(u, dict) or u.get("__type__") != "update" or len(u) == 1 for u in alice)
    assert all("interactive" not in u for u in alice if isinstance(u, dict))


def test_start_refuses_an_admin_who_is_not_a_login(tmp_path: Path, capsys) -> None:
    import app

    code = app.main(["--no-browser", "--models-dir", str(tmp_path / "m"), "--data-dir", str(tmp_path / "d"),
                     "--outputs-dir", str(tmp_path / "o"), "--auth", "alice:a", "--admin", "mallory"])
    err = capsys.readouterr().err
    assert code == 2 and "mallory" in err and "Traceback" not in err
