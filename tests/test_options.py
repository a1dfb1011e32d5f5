"""Options are declared once (options.py): the command line, the API, the checks and the page's
sliders and dropdowns all take the same bounds and choices from there."""

from __future__ import annotations

import dataclasses

import pytest

from localai import options
from localai.api import BadField, parse_chat_request
from localai.config import _parser, parse_settings
from localai.errors import InvalidInput
from localai.model_settings import ModelSettings
from localai.options import DEVICE, DTYPE, LANGUAGE, OFFLOAD, QUANTIZATION, TEMPERATURE, ChatOptions
from localai.plan import LoadPrefs, plan_text_load


def _chat_body(**fields: object) -> dict:
    return {"model": "m", "messages": [{"role": "user", "content": "hi"}], **fields}


def _accepted_by_api(**fields: object) -> bool:
    try:
        parse_chat_request(_chat_body(**fields))
        return True
    except BadField:
        return False


def _accepted_by_services(**fields: object) -> bool:
    try:
        ChatOptions(**fields).validate()
        return True
    except InvalidInput:
        return False


@pytest.fixture(scope="module")
def page(models_dir, tmp_path_factory):
    """The page's inputs by elem_id, built in-process (no browser)."""
    from localai.ui import build_ui

    tmp = tmp_path_factory.mktemp("page")
    state = _build_state(models_dir, tmp)
    yield lambda: {b.elem_id: b for b in build_ui(state).blocks.values() if getattr(b, "elem_id", None)}
    state.lanes.shutdown()


def _build_state(models_dir, tmp):
    from localai.state import build_state

    return build_state(parse_settings(["--models-dir", str(models_dir), "--data-dir", str(tmp / "data"),
                                       "--outputs-dir", str(tmp / "outputs"), "--no-browser"], env={}))


def test_temperature_is_zero_to_two_for_the_api_the_checks_and_the_slider(page) -> None:
    assert _accepted_by_api(temperature=2) and _accepted_by_services(temperature=2.0)
    assert not _accepted_by_api(temperature=2.5) and not _accepted_by_services(temperature=2.5)
    slider = page()["chat-temperature"]
    assert (slider.minimum, slider.maximum, slider.value) == (0, 2, 0.7)


def test_a_bound_changed_in_options_shows_in_the_api_the_checks_and_the_slider(page, monkeypatch) -> None:
    monkeypatch.setitem(options.CHAT_NUMBERS, "temperature", dataclasses.replace(TEMPERATURE, hi=1.5))
    assert not _accepted_by_api(temperature=1.8) and not _accepted_by_services(temperature=1.8)
    with pytest.raises(InvalidInput, match="between 0 and 1.5"):
        ChatOptions(temperature=1.8).validate()
    assert page()["chat-temperature"].maximum == 1.5


def test_every_chat_slider_matches_its_declaration(page) -> None:
    inputs = page()
    ids = {"temperature": "chat-temperature", "top_p": "chat-top-p", "top_k": "chat-top-k",
           "max_new_tokens": "chat-max-new", "repetition_penalty": "chat-repetition"}
    for name, elem_id in ids.items():
        option, slider = options.CHAT_NUMBERS[name], inputs[elem_id]
        assert (slider.minimum, slider.maximum, slider.step) == (*option.slider_range, option.step), name
        assert option.allows(slider.minimum) and option.allows(slider.maximum), f"the page offers what {name} takes"


@pytest.mark.parametrize(("flag", "option"), [("--device", DEVICE), ("--dtype", DTYPE),
                                              ("--quantization", QUANTIZATION), ("--lang", LANGUAGE)])
def test_the_command_line_offers_the_declared_choices(flag, option) -> None:
    action = next(a for a in _parser()._actions if flag in a.option_strings)
    assert tuple(action.choices) == option.choices and action.default == option.default


def test_xpu_is_a_device_everywhere(page) -> None:
    assert parse_settings(["--device", "xpu"], env={}).device == "xpu"
    ModelSettings(device="xpu").validate()
    assert "xpu" in [c[1] if isinstance(c, tuple) else c for c in page()["models-device"].choices]


def test_the_models_tab_dropdowns_and_the_checks_take_the_same_choices(page) -> None:
    inputs = page()
    for elem_id, option in (("models-device", DEVICE), ("models-dtype", DTYPE), ("models-quant", QUANTIZATION),
                            ("models-offload", OFFLOAD)):
        offered = [c[1] if isinstance(c, tuple) else c for c in inputs[elem_id].choices]
        assert tuple(offered) == option.choices, elem_id
        for choice in offered:
            ModelSettings(**{option.title: choice}).validate()
        with pytest.raises(InvalidInput, match=f"Unknown {option.title}"):
            ModelSettings(**{option.title: "warp-drive"}).validate()


def test_the_planner_refuses_what_the_declarations_refuse() -> None:
    from tests.test_plan_text import HW, text_model

    with pytest.raises(InvalidInput, match="Unknown dtype 'fp8'"):
        plan_text_load(text_model(1e9), HW["cpu-32gb"], LoadPrefs(dtype="fp8"))


def test_the_language_choices_are_the_languages_the_page_speaks() -> None:
    from localai.messages import LANGS

    assert set(LANGUAGE.choices) == set(LANGS)
