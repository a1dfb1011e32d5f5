"""The page around the tabs, in a real headless Chromium: light or dark follows the system until the user
picks one (kept after a reload), and no tab scrolls sideways on a phone."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import _watched_page, open_tab, screenshot

pytestmark = pytest.mark.e2e

TABS = ["Chat", "Image", "Gallery", "Models", "System check"]
IS_DARK = "() => document.body.classList.contains('dark')"


def _open(pg, url: str) -> None:
    pg.goto(url)
    pg.locator("#theme-toggle").wait_for(timeout=30_000)
    pg.wait_for_timeout(300)  # the page's load events have run


@pytest.mark.parametrize("system", ["dark", "light"])
def test_theme_follows_the_system_until_the_toggle_picks_one(app, browser, system: str) -> None:
    for pg in _watched_page(browser, viewport={"width": 1280, "height": 900}, color_scheme=system):
        _open(pg, app.url)
        assert pg.evaluate(IS_DARK) == (system == "dark"), "the page starts in the system's mode"
        pg.locator("#theme-toggle").click()
        pg.wait_for_function(f"() => document.body.classList.contains('dark') === {str(system != 'dark').lower()}",
                             timeout=5_000)
        assert pg.locator("#theme-toggle").get_attribute("aria-pressed") == str(system != "dark").lower()
        if system == "dark":
            screenshot(pg, "chat-light-by-toggle")
        pg.reload()
        _open(pg, app.url)
        assert pg.evaluate(IS_DARK) == (system != "dark"), "the choice is kept after a reload"
        pg.locator("#theme-toggle").click()  # back to the system's mode: it follows the system again
        pg.wait_for_function(f"() => document.body.classList.contains('dark') === {str(system == 'dark').lower()}",
                             timeout=5_000)
        assert pg.evaluate("() => localStorage.getItem('localai-theme')") == "system"


def test_no_tab_scrolls_sideways_on_a_phone(app, phone_page) -> None:
    _open(phone_page, app.url)
    assert phone_page.evaluate(IS_DARK), "the phone is in dark mode, and so is the page"
    wide = {}
    for name in TABS:
        open_tab(phone_page, name)
        phone_page.wait_for_timeout(400)
        width = phone_page.evaluate("() => document.documentElement.scrollWidth")
        if width > 390:
            wide[name] = width
    assert not wide, f"these tabs are wider than the phone's 390 px screen: {wide}"
