"""A person's use of the chat presets, in a real headless Chromium: pick a built-in one, save their own, find
it again after a reload, replace and delete it, reset to the model's defaults; on a desktop and on a phone;
and with logins, one user's presets never on another's page (a Russian one, with the built-in names in Russian)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.app_process import RunningApp, running_app
from tests.e2e.conftest import _watched_page, screenshot

SYSTEM = "#chat-system textarea"
PIRATE = "You are a pirate. Answer like one, briefly."
# The preset picker is within the window (a closed sidebar keeps it, visible, beside the screen).
ON_SCREEN = """() => { const e = document.querySelector('#chat-preset');
  if (!e) return false; const r = e.getBoundingClientRect();
  return r.width > 0 && r.left > -1 && r.right < window.innerWidth + 1; }"""


def _open(page, url: str) -> None:
    page.goto(url)
    _loaded(page)


def _loaded(page) -> None:
    """Wait for the page's load (it fills the default system prompt and the user's own presets), then show
    the settings the way the page offers them (a panel opened from the chat's header, where there is one)."""
    page.locator(SYSTEM).wait_for(state="attached", timeout=30_000)
    # The chat tab's load sets the system prompt and the sliders (a preset picked before would be overwritten),
    # and the status line with them; a page without the settings panel shows no sign of it but time.
    opener = page.locator("#chat-settings-open")
    if opener.count():
        page.wait_for_function("(document.querySelector('#chat-status')?.innerText || '').trim().length > 0",
                               timeout=60_000)
    else:
        page.wait_for_timeout(2_000)
    if opener.count() and not page.evaluate(ON_SCREEN):
        opener.click()
    page.wait_for_function(ON_SCREEN, timeout=30_000)  # a sidebar slides in


def _pick(page, name: str) -> None:
    box = page.locator("#chat-preset input")
    box.click()
    box.fill(name)  # typing filters the list and opens it
    page.get_by_role("option", name=name, exact=True).first.click()


def _pick_until(page, name: str, shown_js: str, tries: int = 3) -> None:
    """Pick a preset until the page shows it: on a busy machine the page's own load (which sets the default
    system prompt) can still be running after ``_loaded`` and overwrite a pick made meanwhile."""
    for attempt in range(tries):
        _pick(page, name)
        try:
            page.wait_for_function(shown_js, timeout=15_000)
            return
        except Exception:  # noqa: BLE001 - pick again; the last try's timeout fails the test
            if attempt == tries - 1:
                raise


def _options(page) -> list[str]:
    page.locator("#chat-preset input").click()
    page.get_by_role("option").first.wait_for(timeout=10_000)
    names = [o.inner_text().strip() for o in page.get_by_role("option").all()]
    page.locator("#chat-preset input").blur()
    return names


def _number(page, elem_id: str) -> str:
    return page.locator(f"#{elem_id} input[type=number]").first.input_value()


def _wait_number(page, elem_id: str, value: str) -> None:
    try:
        page.wait_for_function(
            f"document.querySelector('#{elem_id} input[type=number]').value === '{value}'", timeout=15_000)
    except Exception:  # noqa: BLE001 - say what it shows instead
        raise AssertionError(f"#{elem_id} shows {_number(page, elem_id)!r}, not {value!r}") from None


def _set_number(page, elem_id: str, value: float) -> None:
    box = page.locator(f"#{elem_id} input[type=number]").first
    box.fill(str(value))
    box.press("Enter")


def _sliders(page) -> tuple[str, ...]:
    return tuple(_number(page, i) for i in ("chat-temperature", "chat-top-p", "chat-top-k", "chat-max-new",
                                            "chat-repetition"))


def _wait_sliders(page, expected: tuple[str, ...], timeout_s: float = 15.0) -> bool:
    """Whether the five sliders come to show ``expected`` (each number box updates on its own)."""
    import time

    deadline = time.monotonic() + timeout_s
    while (shown := _sliders(page)) != expected and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert shown == expected, f"the sliders show {shown}, not {expected}"
    return True


@pytest.fixture()
def own_app(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """An app of its own: the test saves presets, and a rerun of it must start as a new user again."""
    with running_app(models_dir, tmp_path_factory.mktemp("presets-app")) as running:
        yield running


def test_pick_save_reload_replace_delete_and_reset(own_app, page) -> None:
    app = own_app
    _open(page, app.url)
    defaults = _sliders(page)
    default_system = page.locator(SYSTEM).input_value()
    assert _options(page) == ["Precise", "Balanced", "Creative"], "a new user has the built-in presets"

    # A built-in preset fills the system prompt and the sliders.
    _pick_until(page, "Precise", "document.querySelector('#chat-temperature input[type=number]').value === '0.2'")
    _wait_sliders(page, ("0.2", "0.8", "20", "1024", "1.05"))
    assert page.locator(SYSTEM).input_value().startswith("You are a careful, accurate assistant.")

    # Saving without a name: a plain message, nothing saved.
    page.locator("#chat-preset-save").click()
    page.get_by_text("The preset has no name.").first.wait_for(timeout=15_000)

    # The user's own: the system prompt, the sliders as they are now and a seed.
    page.locator(SYSTEM).fill(PIRATE)
    _set_number(page, "chat-temperature", 0.45)
    _set_number(page, "chat-seed", 42)
    page.locator("#chat-preset-name input").fill("Pirate")
    page.locator("#chat-preset-save").click()
    page.get_by_text("Saved the preset “Pirate”.").first.wait_for(timeout=15_000)
    expect(page.locator("#chat-preset input")).to_have_value("Pirate", timeout=15_000)  # picked, and listed
    expect(page.locator("#chat-preset-delete")).to_be_enabled()

    # After a reload the page starts from the defaults, and the preset is still there.
    _open(page, app.url)
    assert _wait_sliders(page, defaults) and page.locator(SYSTEM).input_value() == default_system
    _pick(page, "Pirate")
    _wait_number(page, "chat-temperature", "0.45")
    assert page.locator(SYSTEM).input_value() == PIRATE
    assert _wait_sliders(page, ("0.45", "0.8", "20", "1024", "1.05")) and _number(page, "chat-seed") == "42"
    assert page.locator("#chat-preset-name input").input_value() == "Pirate", "ready to be saved over"
    screenshot(page, "presets")

    # Saving under a taken name asks first; "Keep the old one" keeps it.
    _set_number(page, "chat-temperature", 1.5)
    page.locator("#chat-preset-save").click()
    ask = page.locator("#chat-preset-replace-ask")
    ask.get_by_text("You have a preset named “Pirate” already.").wait_for(timeout=15_000)
    page.locator("#chat-preset-keep-old").click()
    ask.wait_for(state="hidden", timeout=15_000)
    expect(page.locator("#chat-preset input")).to_have_value("Pirate")
    _pick(page, "Precise")
    _pick(page, "Pirate")
    _wait_number(page, "chat-temperature", "0.45")

    # Delete asks first, then the preset is gone from the list.
    page.locator("#chat-preset-delete").click()
    page.locator("#chat-preset-delete-ask").get_by_text("Delete your preset “Pirate”?").wait_for(timeout=15_000)
    page.locator("#chat-preset-confirm-delete").click()
    page.get_by_text("Deleted the preset “Pirate”.").first.wait_for(timeout=15_000)
    expect(page.locator("#chat-preset-delete")).to_be_disabled(timeout=15_000)  # the list is updated with it
    expect(page.locator("#chat-preset-delete-ask")).to_be_hidden()
    assert _options(page) == ["Precise", "Balanced", "Creative"]

    # Reset: the model's own defaults and the default system prompt.
    _pick(page, "Creative")
    _wait_number(page, "chat-temperature", "1.1")
    page.locator("#chat-reset").click()
    _wait_number(page, "chat-temperature", defaults[0])
    assert _wait_sliders(page, defaults) and page.locator(SYSTEM).input_value() == default_system
    assert _number(page, "chat-seed") == "-1"


def test_presets_on_a_phone(app, phone_page) -> None:
    page = phone_page
    _open(page, app.url)
    defaults = _sliders(page)
    page.locator("#chat-preset").scroll_into_view_if_needed()
    _pick(page, "Creative")
    _wait_number(page, "chat-temperature", "1.1")
    assert page.locator(SYSTEM).input_value().startswith("You are a creative, imaginative assistant.")
    for elem_id in ("chat-preset", "chat-reset", "chat-preset-save", "chat-preset-name"):
        box = page.locator(f"#{elem_id}").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, f"#{elem_id} fits the width"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "nothing scrolls sideways"
    screenshot(page, "presets-phone")
    page.locator("#chat-reset").click()
    _wait_number(page, "chat-temperature", defaults[0])
    _wait_sliders(page, defaults)


@pytest.fixture(scope="module")
def shared_app(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """--listen on 127.0.0.1 with two logins."""
    extra = ["--listen", "--host", "127.0.0.1", "--auth", "alice:wonderland", "--auth", "bob:builder"]
    with running_app(models_dir, tmp_path_factory.mktemp("preset-logins"), extra=extra) as app:
        yield app


def _log_in(page, url: str, user: str, password: str) -> None:
    page.goto(url)
    page.locator('input[type="password"]').wait_for(timeout=30_000)
    page.locator('input[data-testid="textbox"]').first.fill(user)
    page.locator('input[type="password"]').fill(password)
    page.locator('input[type="password"]').press("Enter")
    _loaded(page)


@pytest.mark.slow
def test_one_users_presets_are_never_on_another_users_page(shared_app, page, browser) -> None:
    _log_in(page, shared_app.url, "alice", "wonderland")
    page.locator(SYSTEM).fill("Alice's private prompt.")
    page.locator("#chat-preset-name input").fill("Alice only")
    page.locator("#chat-preset-save").click()
    expect(page.locator("#chat-preset input")).to_have_value("Alice only", timeout=15_000)

    pages = _watched_page(browser, viewport={"width": 1280, "height": 900}, locale="ru-RU")
    bob = next(pages)  # another person, another browser, a Russian one
    try:
        _log_in(bob, shared_app.url, "bob", "builder")
        assert _options(bob) == ["Точный", "Сбалансированный", "Творческий"], "bob sees the built-in ones only"
        _pick(bob, "Точный")
        bob.wait_for_function(f"document.querySelector('{SYSTEM}').value.startsWith('Ты — внимательный')",
                              timeout=15_000)
    finally:
        next(pages, None)  # closes bob's browser; fails if his page contacted another host

    page.reload()
    _loaded(page)
    _pick_until(page, "Alice only", f"document.querySelector('{SYSTEM}').value === \"Alice's private prompt.\"")
