"""Chat presets: the built-in ones, each user's own saved ones (per user, across restarts), what is refused
with a plain message and changes nothing, a damaged presets file (kept aside and reported, never lost
silently), a read-only data folder or a full disk, and the page's handlers (pick, save, replace,
delete, reset to the model's defaults)."""

from __future__ import annotations

import errno
import json
import math
import os
import tempfile
from pathlib import Path

import pytest

from localai.errors import InvalidInput, UserError
from localai.messages import LANGS, render, text
from localai.options import CHAT_NUMBERS, CHAT_SEED, PAGE_SAMPLING, ChatOptions
from localai.preset_store import FILE_NAME, PresetStore, PresetsUnreadable
from localai.presets import (
    BUILTINS, MAX_PRESETS, NAME_CHARS, PRESET_OPTIONS, SYSTEM_CHARS, PresetExists, PresetNotFound, Presets,
)
from localai.storage import StorageFull, StorageUnwritable

MINE = {"temperature": 0.35, "top_p": 0.75, "top_k": 12, "max_new_tokens": 256, "repetition_penalty": 1.2,
        "seed": 1234}


def _presets(folder: Path) -> Presets:
    return Presets(PresetStore(folder / FILE_NAME))


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _failing(err: int):
    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(err, os.strerror(err))
    return fail


def _own(presets: Presets, user: str) -> list[str]:
    return [p.name for p in presets.list(user) if p.builtin is None]


# -- the built-in presets -----------------------------------------------------------------------------
@pytest.mark.parametrize("builtin", BUILTINS, ids=lambda b: b.id)
def test_each_builtin_preset_fits_the_sliders_and_has_a_system_prompt_in_each_language(builtin) -> None:
    for name in PAGE_SAMPLING:
        option, value = CHAT_NUMBERS[name], getattr(builtin.options, name)
        lo, hi = option.slider_range
        assert lo <= value <= hi, f"{builtin.id}: {name} {value} is outside the slider's {lo}..{hi}"
        steps = (value - lo) / option.step
        assert math.isclose(steps, round(steps), abs_tol=1e-6), f"{builtin.id}: {name} {value} is off the slider's step"
    assert builtin.options.seed == CHAT_SEED.default, "a random seed: a preset is a style, not one fixed answer"
    builtin.options.validate()
    for lang in LANGS:
        preset = builtin.preset(lang)
        assert preset.name.strip() and len(preset.system) > 20, (lang, preset)
    assert builtin.preset("ru").name != builtin.preset("en").name, "the Russian page shows Russian names"
    assert "по-русски" in builtin.preset("ru").system, "a Russian page's prompt asks for Russian answers"


def test_the_builtin_presets_go_from_precise_to_creative() -> None:
    precise, balanced, creative = (b.options for b in BUILTINS)
    assert [b.preset("en").name for b in BUILTINS] == ["Precise", "Balanced", "Creative"]
    assert precise.temperature < balanced.temperature < creative.temperature
    assert precise.top_p < balanced.top_p < creative.top_p and precise.top_k < balanced.top_k < creative.top_k
    assert balanced == ChatOptions(), "Balanced is the page's own defaults"
    assert BUILTINS[1].preset("ru").system == text("ru", "chat.system_default"), "with the page's default prompt"


def test_a_new_user_sees_the_builtin_presets_only(tmp_path: Path) -> None:
    presets = _presets(tmp_path)
    assert [p.id for p in presets.list("alice")] == ["builtin:precise", "builtin:balanced", "builtin:creative"]
    assert presets.get("alice", "builtin:creative", "ru").name == "Творческий"
    assert presets.notice is None and _files(tmp_path) == [], "nothing is written until a preset is saved"


# -- saving, listing, deleting --------------------------------------------------------------------------
def test_a_saved_preset_is_listed_after_the_builtin_ones_and_gives_back_its_values(tmp_path: Path) -> None:
    presets = _presets(tmp_path)
    saved = presets.save("alice", "  My   coder ", "You write Python.", MINE)
    presets.save("alice", "another", "", {**MINE, "seed": None})
    assert saved.name == "My coder", "spaces are tidied"
    listed = presets.list("alice")
    assert [p.name for p in listed[3:]] == ["another", "My coder"], "the user's own, by name"
    got = presets.get("alice", saved.id)
    assert got.values == ("You write Python.", 0.35, 0.75, 12, 256, 1.2, 1234)
    assert presets.get("alice", "mine:another").options.seed == -1, "an emptied seed box: random"
    on_disk = json.loads((tmp_path / FILE_NAME).read_text(encoding="utf-8"))
    assert on_disk["users"]["alice"][1] == {"name": "My coder", "system": "You write Python.", **MINE}


def test_presets_survive_a_restart(tmp_path: Path) -> None:
    _presets(tmp_path).save("alice", "Пират", "Говори как пират.", MINE)
    again = _presets(tmp_path)  # a new process reads the file
    preset = again.get("alice", "mine:Пират")
    assert preset.system == "Говори как пират." and preset.options == ChatOptions().with_values(MINE)
    assert _files(tmp_path) == [FILE_NAME], "no temporary file is left behind"


def test_saving_a_taken_name_asks_first_then_replaces(tmp_path: Path) -> None:
    presets = _presets(tmp_path)
    presets.save("alice", "Coder", "old prompt", MINE)
    before = (tmp_path / FILE_NAME).read_bytes()
    with pytest.raises(PresetExists) as caught:
        presets.save("alice", "coder", "new prompt", {**MINE, "temperature": 1.0})
    assert "You have a preset named “Coder” already." in render(caught.value, "en")
    assert "Замените" in render(caught.value, "ru")
    assert (tmp_path / FILE_NAME).read_bytes() == before, "nothing replaced without asking"
    presets.save("alice", "coder", "new prompt", {**MINE, "temperature": 1.0}, replace=True)
    assert _own(presets, "alice") == ["coder"], "one preset of that name, as typed the last time"
    assert presets.get("alice", "mine:coder").values[:2] == ("new prompt", 1.0)


def test_deleting_a_preset_removes_it_for_good(tmp_path: Path) -> None:
    presets = _presets(tmp_path)
    presets.save("alice", "Coder", "", MINE)
    presets.save("alice", "Poet", "", MINE)
    assert presets.delete("alice", "mine:coder").name == "Coder", "case aside"
    assert _own(presets, "alice") == ["Poet"] and _own(_presets(tmp_path), "alice") == ["Poet"]
    with pytest.raises(PresetNotFound) as caught:
        presets.delete("alice", "mine:Coder")
    assert render(caught.value, "en") == "There is no preset named “Coder”. Pick one from the list of presets."
    with pytest.raises(InvalidInput, match="Built-in presets cannot be deleted"):
        presets.delete("alice", "builtin:precise")
    presets.delete("alice", "mine:Poet")
    assert json.loads((tmp_path / FILE_NAME).read_text())["users"] == {}, "no empty entry is kept for alice"


# -- one user's presets are theirs alone ------------------------------------------------------------------
def test_a_user_never_sees_or_changes_another_users_presets(tmp_path: Path) -> None:
    presets = _presets(tmp_path)
    presets.save("alice", "Secret", "alice's prompt", MINE)
    assert _own(presets, "bob") == [] and _own(presets, "local") == []
    with pytest.raises(PresetNotFound):
        presets.get("bob", "mine:Secret")
    with pytest.raises(PresetNotFound):
        presets.delete("bob", "mine:Secret")
    presets.save("bob", "Secret", "bob's prompt", {**MINE, "top_k": 3})  # no "exists": his own name space
    assert presets.get("alice", "mine:Secret").system == "alice's prompt"
    assert presets.get("bob", "mine:Secret").system == "bob's prompt"
    presets.delete("bob", "mine:Secret")
    assert _own(_presets(tmp_path), "alice") == ["Secret"]


# -- what is refused: a plain message, and nothing changes ---------------------------------------------------
BAD = [
    ("", "", {}, "The preset has no name."),
    ("   \n ", "", {}, "The preset has no name."),
    ("x" * (NAME_CHARS + 1), "", {}, f"name is {NAME_CHARS + 1} characters long; at most {NAME_CHARS} fit."),
    ("Precise", "", {}, "“Precise” is the name of a built-in preset."),
    ("creative", "", {}, "“creative” is the name of a built-in preset."),
    ("Точный", "", {}, "“Точный” is the name of a built-in preset."),
    ("long", "x" * (SYSTEM_CHARS + 1), {}, "a preset holds at most 20000"),
    ("hot", "", {"temperature": 2.5}, "Temperature must be between 0 and 2."),
    ("p", "", {"top_p": 0}, "Top-p must be above 0.05 and at most 1."),
    ("k", "", {"top_k": 500}, "Top-k must be between 0 (off) and 200."),
    ("k", "", {"top_k": 4.5}, "Top-k must be between 0 (off) and 200."),
    ("n", "", {"max_new_tokens": 8}, "Max new tokens must be between 16 and 4096."),
    ("r", "", {"repetition_penalty": 0.9}, "Repetition penalty must be between 1 and 2."),
    ("s", "", {"seed": -2}, "Seed must be -1 (random)"),
    ("s", "", {"seed": 1.5}, "Seed must be -1 (random)"),
    ("nan", "", {"temperature": float("nan")}, "Temperature must be between"),
    ("text", "", {"temperature": "hot"}, "Temperature must be between"),
    ("missing", "", {"temperature": None}, "Temperature must be between"),
]


@pytest.mark.parametrize(("name", "system", "change", "said"), BAD, ids=[f"{b[0][:8]}-{list(b[2])}" for b in BAD])
def test_a_bad_preset_is_refused_with_a_plain_message_and_nothing_changes(tmp_path: Path, name, system, change,
                                                                           said) -> None:
    presets = _presets(tmp_path)
    presets.save("alice", "Kept", "", MINE)
    before = (tmp_path / FILE_NAME).read_bytes()
    with pytest.raises(InvalidInput) as caught:
        presets.save("alice", name, system, {**MINE, **change})
    assert said in render(caught.value, "en")
    assert re_cyrillic(render(caught.value, "ru")), "in Russian on a Russian page"
    assert (tmp_path / FILE_NAME).read_bytes() == before and _own(presets, "alice") == ["Kept"]


def re_cyrillic(said: str) -> bool:
    return any("а" <= c.lower() <= "я" for c in said)


def test_at_most_so_many_presets_per_user(tmp_path: Path) -> None:
    presets = _presets(tmp_path)
    for n in range(MAX_PRESETS):
        presets.save("alice", f"p{n:02}", "", MINE)
    with pytest.raises(InvalidInput) as caught:
        presets.save("alice", "one more", "", MINE)
    assert f"You have {MAX_PRESETS} presets saved" in render(caught.value, "en")
    presets.save("alice", "p07", "replaced", MINE, replace=True)  # replacing one still works
    presets.save("bob", "his first", "", MINE)  # the limit is per user
    assert len(_own(presets, "alice")) == MAX_PRESETS


# -- a damaged file: kept aside and reported, never lost silently ---------------------------------------------
@pytest.mark.parametrize("damage", [b"{not json", b"\xff\xfe\x00", b"[1, 2]", b'{"users": 3}', b""])
def test_a_damaged_presets_file_is_kept_aside_and_the_user_is_told(tmp_path: Path, damage: bytes) -> None:
    (tmp_path / FILE_NAME).write_bytes(damage)
    presets = _presets(tmp_path)
    assert _own(presets, "alice") == [], "the built-in presets still work"
    backups = [p for p in tmp_path.iterdir() if p.name.startswith(f"{FILE_NAME}.bad-")]
    assert len(backups) == 1 and backups[0].read_bytes() == damage, "the damaged file is kept, byte for byte"
    said = render(presets.notice, "en")
    assert "could not be read" in said and str(backups[0]) in said
    assert str(backups[0]) in render(presets.notice, "ru") and "повреждён" in render(presets.notice, "ru")
    presets.save("alice", "Fresh", "", MINE)  # saving starts a new file; the kept one stays
    assert _own(_presets(tmp_path), "alice") == ["Fresh"] and backups[0].read_bytes() == damage


def test_unreadable_presets_are_left_out_and_the_whole_file_is_copied_aside(tmp_path: Path) -> None:
    good = {"name": "Good", "system": "ok", **MINE}
    raw = {"version": 1, "users": {"alice": [good, {"name": "Hot", **MINE, "temperature": 9},
                                             {"system": "no name"}], "bob": "not a list",
                                   "carol": [{**good, "name": "Carol's"}]}}
    (tmp_path / FILE_NAME).write_text(json.dumps(raw), encoding="utf-8")
    presets = _presets(tmp_path)
    assert _own(presets, "alice") == ["Good"] and _own(presets, "carol") == ["Carol's"]
    backups = [p for p in tmp_path.iterdir() if p.name.startswith(f"{FILE_NAME}.bad-")]
    assert len(backups) == 1 and json.loads(backups[0].read_text()) == raw, "every preset is still in the copy"
    said = render(presets.notice, "en")
    assert said.startswith("3 saved presets in") and str(backups[0]) in said


def test_a_presets_file_that_cannot_be_read_at_all_is_a_plain_message(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).mkdir()  # as unreadable as a file can be: reading it fails every time
    presets = _presets(tmp_path)
    with pytest.raises(PresetsUnreadable) as caught:
        presets.list("alice")
    assert str(tmp_path / FILE_NAME) in render(caught.value, "en")
    assert "не может прочитать" in render(caught.value, "ru")
    assert presets.builtins("en")[0].name == "Precise", "the page still offers the built-in ones"


def test_a_damaged_file_that_cannot_be_kept_aside_is_never_overwritten(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / FILE_NAME).write_bytes(b"{damaged")
    monkeypatch.setattr(os, "replace", _failing(errno.EROFS))
    presets = _presets(tmp_path)
    assert "Saving presets is off" in render(presets.notice, "en")
    with pytest.raises(UserError) as caught:
        presets.save("alice", "New", "", MINE)
    assert "could not be kept aside" in render(caught.value, "en")
    assert (tmp_path / FILE_NAME).read_bytes() == b"{damaged"


# -- a read-only data folder, a full disk -------------------------------------------------------------------
@pytest.mark.parametrize(("err", "kind"), [(errno.EROFS, StorageUnwritable), (errno.EACCES, StorageUnwritable),
                                           (errno.ENOSPC, StorageFull)])
def test_saving_on_a_read_only_folder_or_a_full_disk_is_a_plain_message_and_changes_nothing(
        tmp_path: Path, monkeypatch, err: int, kind: type) -> None:
    presets = _presets(tmp_path)
    presets.save("alice", "Kept", "", MINE)
    before = (tmp_path / FILE_NAME).read_bytes()
    # The tests run as root, where permissions do not stop writes: the calls fail as the system reports it.
    monkeypatch.setattr(tempfile, "mkstemp", _failing(err))
    for change in (lambda: presets.save("alice", "New", "", MINE), lambda: presets.delete("alice", "mine:Kept")):
        with pytest.raises(kind) as caught:
            change()
        assert str(tmp_path) in render(caught.value, "en") and "Error" not in render(caught.value, "en")
    assert _own(presets, "alice") == ["Kept"], "memory unchanged too"
    assert (tmp_path / FILE_NAME).read_bytes() == before and _files(tmp_path) == [FILE_NAME]


def test_a_disk_that_fills_while_writing_leaves_the_old_file(tmp_path: Path, monkeypatch) -> None:
    presets = _presets(tmp_path)
    presets.save("alice", "Kept", "", MINE)
    before = (tmp_path / FILE_NAME).read_bytes()
    monkeypatch.setattr(os, "fsync", _failing(errno.ENOSPC))
    with pytest.raises(StorageFull):
        presets.save("alice", "New", "", MINE)
    assert (tmp_path / FILE_NAME).read_bytes() == before and _files(tmp_path) == [FILE_NAME]
    assert _own(presets, "alice") == ["Kept"]


# -- the page's handlers (the browser test drives the same ones in Chromium) ----------------------------------
TUNED = {"temperature": 0.3, "top_p": 0.8, "top_k": 7, "repetition_penalty": 1.05}


@pytest.fixture(scope="module")
def page(models_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """The built page on the tiny models, plus "tiny-tuned", whose generation_config.json sets sampling values."""
    import shutil

    from localai.config import parse_settings
    from localai.state import build_state
    from localai.ui import build_ui

    root = tmp_path_factory.mktemp("preset-page")
    shutil.copytree(models_dir / "text", root / "models" / "text")
    tuned = root / "models" / "text" / "tiny-tuned"
    shutil.copytree(root / "models" / "text" / "tiny-llama", tuned)
    config_file = tuned / "generation_config.json"
    config = json.loads(config_file.read_text()) if config_file.is_file() else {}
    config_file.write_text(json.dumps({**config, "do_sample": True, **TUNED}))
    (root / "models" / "image").mkdir()
    state = build_state(parse_settings(["--models-dir", str(root / "models"), "--data-dir", str(root / "data"),
                                        "--outputs-dir", str(root / "outputs"), "--no-browser",
                                        "--text-model", "tiny-tuned"], env={}))
    yield build_ui(state), state
    state.lanes.shutdown()


def _handler(demo, elem_id: str, event: str):
    """The function an event of the component ``elem_id`` runs (the one that is not a plain visibility toggle)."""
    return next(f.fn for f in demo.fns.values()
                if any(t in demo.blocks and demo.blocks[t].elem_id == elem_id and e == event for t, e in f.targets))


def _on_load(demo):
    return next(f.fn for f in demo.fns.values() if [getattr(o, "elem_id", None) for o in f.outputs] == ["chat-preset"])


def _request(user: str, lang: str = "en"):
    import gradio as gr

    return gr.Request(username=user, session_hash=f"{user}-tab", headers={"accept-language": lang})


def test_the_pages_inputs_are_the_presets_order(page) -> None:
    demo, _ = page
    pick = next(f for f in demo.fns.values() if any(demo.blocks[t].elem_id == "chat-preset" and e == "input"
                                                    for t, e in f.targets if t in demo.blocks))
    assert [o.elem_id for o in pick.outputs][:7] == ["chat-system", "chat-temperature", "chat-top-p", "chat-top-k",
                                                     "chat-max-new", "chat-repetition", "chat-seed"]
    assert list(PRESET_OPTIONS) == [*PAGE_SAMPLING, "seed"]


def test_picking_a_builtin_preset_fills_the_settings_in_the_pages_language(page) -> None:
    demo, _ = page
    out = _handler(demo, "chat-preset", "input")("builtin:precise", _request("alice", "ru"))
    assert out[:7] == (text("ru", "preset.precise_system"), 0.2, 0.8, 20, 1024, 1.05, -1)
    assert out[7] == "" and out[8].interactive is False, "a built-in preset: no name to save over, no delete"
    listed = _on_load(demo)(_request("alice", "ru")).choices
    assert [label for label, _ in listed] == ["Точный", "Сбалансированный", "Творческий"]


def test_save_replace_and_delete_from_the_page_for_one_user_only(page) -> None:
    import gradio as gr

    demo, _ = page
    save, replace = _handler(demo, "chat-preset-save", "click"), _handler(demo, "chat-preset-replace", "click")
    alice, bob = _request("alice"), _request("bob")
    picker, ask, _, delete_btn = save("Coder", "You write Python.", 0.35, 0.75, 12, 256, 1.2, 1234, alice)
    assert ("Coder", "mine:Coder") in picker.choices and picker.value == "mine:Coder" and delete_btn.interactive
    assert ("Coder", "mine:Coder") not in _on_load(demo)(bob).choices, "bob's page does not list alice's preset"
    # The same name again: a question, nothing saved yet; "Replace it" replaces.
    picker, ask, asked, _ = save("coder", "changed", 1.0, 0.75, 12, 256, 1.2, 1234, alice)
    assert ask.visible is True and "“Coder”" in asked and "Replace it" in asked
    assert _handler(demo, "chat-preset", "input")("mine:Coder", alice)[:2] == ("You write Python.", 0.35)
    replace("coder", "changed", 1.0, 0.75, 12, 256, 1.2, 1234, alice)
    filled = _handler(demo, "chat-preset", "input")("mine:coder", alice)
    assert filled[:2] == ("changed", 1.0) and filled[7] == "coder" and filled[8].interactive is True
    with pytest.raises(gr.Error, match="There is no preset"):
        _handler(demo, "chat-preset", "input")("mine:coder", bob)
    # A bad value: the message, nothing saved.
    with pytest.raises(gr.Error, match="Temperature must be between 0 and 2"):
        save("Hot", "", 3.0, 0.75, 12, 256, 1.2, -1, alice)
    assert "mine:Hot" not in [v for _, v in _on_load(demo)(alice).choices]
    # Delete: asks first, then the preset is gone.
    ask, asked = _handler(demo, "chat-preset-delete", "click")("mine:coder", alice)
    assert ask.visible is True and "“coder”" in asked
    picker, ask, delete_btn, name = _handler(demo, "chat-preset-confirm-delete", "click")("mine:coder", alice)
    assert "mine:coder" not in [v for _, v in picker.choices] and picker.value is None and name == ""
    assert ask.visible is False and delete_btn.interactive is False


def test_reset_goes_back_to_the_models_own_defaults(page) -> None:
    demo, _ = page
    out = _handler(demo, "chat-reset", "click")("tiny-tuned", _request("alice"))
    assert out[:7] == (text("en", "chat.system_default"), 0.3, 0.8, 7, ChatOptions().max_new_tokens, 1.05, -1)
    plain = _handler(demo, "chat-reset", "click")("tiny-llama", _request("alice", "ru"))
    page_defaults = tuple(getattr(ChatOptions(), name) for name in PAGE_SAMPLING)
    assert plain[:7] == (text("ru", "chat.system_default"), *page_defaults, -1), "no generation_config: the page's"
    assert out[7].value is None, "no preset is picked any more"
