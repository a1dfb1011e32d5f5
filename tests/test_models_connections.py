"""The Models tab's Connections section and the chat's model list, at the handlers' level: what the table says
for each state of a server (and that a key never reaches the page), who may add and remove servers, the
messages after Add, Test and Remove, plain errors, ``--no-remotes``, and remote models in the chat's picker."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import gradio as gr
import pytest

from localai.errors import InvalidInput, UserError
from localai.ui.chat_tab import chat_models, model_label
from localai.ui.common import ui_handler
from localai.ui.models_connections import ButtonStates, Connections, button_states, connection_rows, table_value
from localai.ui.models_view import model_choices
from localai.ui.translator import Translator

SECRET = "sk-very-secret-123"


@dataclass(frozen=True)
class Model:
    id: str
    kind: str = "text"


@dataclass(frozen=True)
class View:
    """What the pool shows of a server (the fields of remote_pool.ServerView)."""

    name: str
    url: str
    has_key: bool = False
    origin: str = "saved"
    reachable: bool | None = None
    models: tuple[Model, ...] = ()
    latency_ms: float | None = None
    problem: UserError | None = None
    checked_at: float = 0.0
    in_flight: int = 0


def request(host: str = "127.0.0.1", user: str | None = None, lang: str = "en") -> SimpleNamespace:
    """What Gradio passes as ``gr.Request``."""
    return SimpleNamespace(username=user, session_hash="s1", headers={"accept-language": lang},
                           client=SimpleNamespace(host=host))


@dataclass
class FakeServices:
    """The services' remote part: servers in a dict; adding from anywhere but this computer is refused."""

    views: dict[str, View] = field(default_factory=dict)
    calls: list[tuple] = field(default_factory=list)
    reachable_on_add: bool = True

    access = SimpleNamespace(admin="alice")

    def may_manage_remotes(self, user: str, client_host: str | None) -> bool:
        return user == "alice" or client_host in ("127.0.0.1", "::1")

    def remote_servers(self) -> list[View]:
        return list(self.views.values())

    def add_remote(self, name: str, url: str, key: str | None, user: str, client_host: str | None) -> View:
        self.calls.append(("add", name, url, key, user, client_host))
        if not self.may_manage_remotes(user, client_host):
            raise UserError("error.access.admin_only", "hint.access.ask_admin", action="add a server", admin="alice")
        problem = None if self.reachable_on_add else UserError("conn.need_url")
        view = View(name, url.rstrip("/") + "/v1", has_key=bool(key), reachable=self.reachable_on_add,
                    models=(Model("qwen2.5:7b"),) if self.reachable_on_add else (), latency_ms=12.4 if
                    self.reachable_on_add else None, problem=problem)
        self.views[name] = view
        return view

    def check_remote(self, name: str) -> View:
        self.calls.append(("check", name))
        return self.views[name]

    def remove_remote(self, name: str, user: str, client_host: str | None) -> None:
        self.calls.append(("remove", name, user, client_host))
        del self.views[name]


def outputs(shown: tuple[Any, ...]) -> dict[str, Any]:
    names = ("table", "summary", "pick", "add", "test", "remove", "name", "url", "key", "status", "note")
    assert len(shown) == len(names)
    return dict(zip(names, shown))


def interactive(update: Any) -> bool:
    return update["interactive"]


# -- the table -----------------------------------------------------------------------------------------
def test_the_table_says_each_servers_state_in_plain_words_and_never_shows_a_key() -> None:
    wrong_key = UserError("error.access.admin_only", action="x", admin="y")  # any plain message stands for one
    views = [View("pc2", "http://192.168.1.20:11434/v1", has_key=True, reachable=True, latency_ms=12.4,
                  models=(Model("qwen2.5:7b"), Model("sd-turbo", "image")), in_flight=2),
             View("pc3", "http://192.168.1.30:8000/v1"),
             View("gpu", "http://10.0.0.5:8000/v1", origin="flag", reachable=False, problem=wrong_key)]
    rows = connection_rows(views, "en")
    assert rows[0] == ["pc2", "http://192.168.1.20:11434/v1", "✅ reachable", "qwen2.5:7b, sd-turbo (image)", "12 ms",
                       "2", "🔑 set"]
    assert rows[1][2] == "not checked yet" and rows[1][4] == "" and rows[1][6] == "—"
    assert rows[2][0] == "gpu (--remote)"
    assert rows[2][2] == f"❌ down: {wrong_key.message}"  # its reason, not a traceback
    assert table_value(views, "en")["headers"] == ["Server", "URL", "State", "Models", "Latency", "Requests now",
                                                   "Key"]
    ru = table_value(views, "ru")
    assert ru["headers"][0] == "Сервер" and ru["data"][0][2] == "✅ доступен" and ru["data"][0][4] == "12 мс"


def test_a_server_with_many_models_lists_the_first_and_counts_the_rest() -> None:
    many = View("big", "http://h/v1", reachable=True, models=tuple(Model(f"m{i}") for i in range(9)))
    assert connection_rows([many], "en")[0][3] == "m0, m1, m2, m3, m4, m5 and 3 more"
    empty = View("none", "http://h/v1", reachable=True)
    assert connection_rows([empty], "en")[0][3] == "no models"


def test_no_row_and_no_handler_output_holds_the_key() -> None:
    services = FakeServices()
    section = Connections(services, Translator())
    shown = section.add("pc2", "http://127.0.0.1:9/", SECRET, request())
    assert SECRET not in repr(shown)
    assert services.calls[0][3] == SECRET, "the key goes to the services, once"
    assert outputs(shown)["key"]["value"] == "", "the key box is emptied"


# -- who may add and remove --------------------------------------------------------------------------
def test_the_buttons_follow_the_rule_and_the_picked_server() -> None:
    saved, flag = View("pc2", "u"), View("gpu", "u", origin="flag")
    assert button_states([saved, flag], "pc2", True) == ButtonStates(add=True, test=True, remove=True)
    assert button_states([saved, flag], "gpu", True) == ButtonStates(True, True, False), "a --remote one stays"
    assert button_states([saved, flag], "pc2", False) == ButtonStates(False, True, False), "others may only test"
    assert button_states([saved], None, True) == ButtonStates(True, False, False)
    assert button_states([saved], "gone", True) == ButtonStates(True, False, False)


def test_from_another_computer_add_and_remove_are_greyed_out_with_a_note_and_refused() -> None:
    services = FakeServices(views={"pc2": View("pc2", "u", reachable=True)})
    section = Connections(services, Translator())
    far = request(host="192.168.1.50", user="bob")
    shown = outputs(section.refresh("pc2", far))
    assert not interactive(shown["add"]) and not interactive(shown["remove"]) and interactive(shown["test"])
    assert not interactive(shown["name"]) and not interactive(shown["url"]) and not interactive(shown["key"])
    assert shown["note"]["visible"] and "admin (alice)" in shown["note"]["value"]
    with pytest.raises(gr.Error, match=r"Only the admin \(alice\) can add a server") as refused:  # refused anyway
        ui_handler(section.add)("pc9", "http://h", "", far)
    assert "Traceback" not in str(refused.value.message)
    # the admin from anywhere, anybody on this computer itself
    for who in (request(host="192.168.1.50", user="alice"), request(host="127.0.0.1", user="bob"),
                request(host="::1")):
        shown = outputs(section.refresh("pc2", who))
        assert interactive(shown["add"]) and interactive(shown["remove"]) and not shown["note"]["visible"]


# -- add, test, remove ---------------------------------------------------------------------------------
def test_add_checks_the_server_at_once_and_says_what_it_found() -> None:
    services = FakeServices()
    section = Connections(services, Translator())
    shown = outputs(section.add("  pc2 ", " http://192.168.1.20:11434 ", "  ", request()))
    assert services.calls == [("add", "pc2", "http://192.168.1.20:11434", None, "local", "127.0.0.1")]
    assert shown["status"] == "pc2 was added: reachable, 1 model(s), 12 ms."
    assert shown["pick"]["value"] == "pc2" and shown["pick"]["choices"] == ["pc2"]
    assert shown["table"]["data"][0][2] == "✅ reachable"
    assert shown["name"]["value"] == "" and shown["url"]["value"] == ""


def test_a_server_that_cannot_be_reached_is_added_with_a_warning_saying_why() -> None:
    services = FakeServices(reachable_on_add=False)
    section = Connections(services, Translator())
    with pytest.warns(UserWarning, match="pc2 cannot be used now"):  # gr.Warning outside a page is a warning
        shown = outputs(section.add("pc2", "http://127.0.0.1:9", "", request()))
    assert shown["status"].startswith("⚠️ pc2 cannot be used now: ")
    assert shown["table"]["data"][0][2].startswith("❌ down: ")


def test_an_empty_form_or_no_server_picked_is_a_plain_message() -> None:
    section = Connections(FakeServices(), Translator())
    with pytest.raises(InvalidInput, match="name"):
        section.add("", "http://h", "", request())
    with pytest.raises(InvalidInput, match="URL"):
        section.add("pc2", " ", "", request())
    for handler in (section.test, section.remove):
        with pytest.raises(gr.Error, match="Pick a server"):
            ui_handler(handler)(None, request())


def test_test_and_remove() -> None:
    services = FakeServices()
    section = Connections(services, Translator())
    section.add("pc2", "http://192.168.1.20:11434", "", request())
    shown = outputs(section.test("pc2", request()))
    assert shown["status"] == "pc2 is reachable: 1 model(s), 12 ms."
    shown = outputs(section.remove("pc2", request(lang="ru")))
    assert shown["status"] == "Сервер pc2 удалён, его модели больше не в списке."
    assert shown["table"]["data"] == [] and shown["pick"]["choices"] == [] and shown["pick"]["value"] is None
    assert shown["summary"].startswith("Серверов пока нет")


# -- the chat's model list ------------------------------------------------------------------------------
def spec(name: str, servers: tuple[str, ...] = ()) -> SimpleNamespace:
    return SimpleNamespace(name=name, kind="text", servers=servers)


def test_remote_models_are_marked_with_their_servers() -> None:
    services = SimpleNamespace(list_models=lambda kind: [spec("tiny-llama"), spec("qwen2.5:7b", ("pc2", "pc3")),
                                                         spec("tiny-llama (remote)", ("pc2",))])
    assert chat_models(services) == [("tiny-llama", "tiny-llama"), ("qwen2.5:7b · pc2, pc3", "qwen2.5:7b"),
                                     ("tiny-llama (remote) · pc2", "tiny-llama (remote)")]
    assert model_label(SimpleNamespace(name="local-one")) == "local-one"


# -- with the real services and a fake OpenAI server on 127.0.0.1 ----------------------------------------
@pytest.fixture()
def upstream() -> Any:
    from tests.fake_upstream import FakeUpstream

    with FakeUpstream(models=["up-model"], key="k-right") as up:
        yield up


def test_a_server_added_here_is_checked_listed_in_the_chat_and_removed(state: Any, upstream: Any) -> None:
    services = state.services
    section = Connections(services, Translator())
    try:
        shown = outputs(section.add("pc2", upstream.url, "k-right", request()))
        assert shown["status"].startswith("pc2 was added: reachable, 1 model(s), ")
        assert shown["table"]["data"][0][:4] == ["pc2", f"{upstream.url}/v1", "✅ reachable", "up-model"]
        assert shown["table"]["data"][0][6] == "🔑 set" and "k-right" not in repr(shown)
        assert ("up-model · pc2", "up-model") in chat_models(services), "its model joins the chat's picker"
        assert "text/up-model" not in [key for _, key in model_choices(state)], "the Models tab's list leaves it out"
        with pytest.warns(UserWarning, match="refused the key"):
            wrong = outputs(section.add("pc3", upstream.url, "k-wrong", request()))
        assert wrong["table"]["data"][1][2].startswith("❌ down: The server pc3 (") and "HTTP 401" in wrong[
            "table"]["data"][1][2]
        assert "k-wrong" not in repr(wrong)
        with pytest.raises(gr.Error, match="Only the admin"):  # from another computer, not the admin
            ui_handler(section.remove)("pc2", request(host="192.168.1.50", user="bob"))
        with pytest.raises(gr.Error, match="already a server named pc2"):
            ui_handler(section.add)("pc2", upstream.url, "", request())
        shown = outputs(section.remove("pc2", request()))
        assert [row[0] for row in shown["table"]["data"]] == ["pc3"]
        assert "up-model" not in [v for _, v in chat_models(services)]
    finally:
        services.remotes.stop()


def test_a_chat_turn_with_a_remote_model_streams_its_answer_and_saves_it(state: Any, upstream: Any) -> None:
    from localai.ui.chat_turns import ChatTurns

    services = state.services
    upstream.key = None
    upstream.reply = "Paris is the capital of France."
    try:
        services.add_remote("pc2", upstream.url, None)
        turns = ChatTurns(services, Translator())
        updates = list(turns.send("What is the capital of France?", [], None, "", "up-model", "Be brief.", 0.7, 0.9,
                                  40, 32, 1.0, 1, request=request()))
        history, status = updates[-1][0], updates[-1][2]
        assert history[-1] == {"role": "assistant", "content": "Paris is the capital of France."}
        assert "up-model" in status and "on pc2" in status
        conv = services.conversations.get("local", updates[0][3])  # the first update names the new conversation
        assert conv.messages[-1]["content"] == "Paris is the capital of France." and conv.model == "up-model"
        assert upstream.requests[-1]["model"] == "up-model"
    finally:
        services.remotes.stop()


def test_with_no_remotes_the_section_only_says_how_to_turn_them_on(models_dir: Any, tmp_path: Any) -> None:
    from localai.config import parse_settings
    from localai.state import build_state
    from localai.ui import build_ui

    settings = parse_settings(["--models-dir", str(models_dir), "--data-dir", str(tmp_path / "data"),
                               "--outputs-dir", str(tmp_path / "outputs"), "--no-browser", "--no-remotes"], env={})
    st = build_state(settings)
    try:
        ids = {getattr(b, "elem_id", None) for b in build_ui(st).blocks.values()}
        assert {"conn-heading", "conn-off"} <= ids and not ids & {"conn-add", "conn-table", "conn-remove"}
        with_remotes = build_state(parse_settings(["--models-dir", str(models_dir), "--data-dir",
                                                   str(tmp_path / "data2"), "--no-browser"], env={}))
        ids = {getattr(b, "elem_id", None) for b in build_ui(with_remotes).blocks.values()}
        assert {"conn-add", "conn-table", "conn-test", "conn-remove", "conn-key"} <= ids and "conn-off" not in ids
        with_remotes.lanes.shutdown()
    finally:
        st.lanes.shutdown()
