"""Accessibility: axe-core finds no serious or critical WCAG 2.1 A/AA violation on any tab, on a desktop in
light mode and on a phone in dark mode (contrast included)."""

from __future__ import annotations

import pytest

from tests.e2e.accessibility import axe_violations, describe
from tests.e2e.conftest import open_tab, wait_until_settled

pytestmark = pytest.mark.e2e

TABS = ["Chat", "Image", "Gallery", "Models", "System check"]


def _check_every_tab(app, pg) -> dict[str, str]:
    pg.goto(app.url)
    pg.locator("#chat-input textarea").wait_for(timeout=30_000)
    pg.wait_for_timeout(500)  # the page's load events have filled the lists
    problems = {}
    for name in TABS:
        open_tab(pg, name)
        pg.wait_for_timeout(400)
        wait_until_settled(pg)  # an output still pending is dimmed: axe would report its contrast
        if found := axe_violations(pg):
            problems[name] = describe(found)
    return problems


def test_no_serious_violations_on_a_desktop_in_light_mode(app, page) -> None:
    problems = _check_every_tab(app, page)
    assert not problems, "\n".join(f"{tab}:\n{text}" for tab, text in problems.items())


def test_no_serious_violations_on_a_phone_in_dark_mode(app, phone_page) -> None:
    problems = _check_every_tab(app, phone_page)
    assert not problems, "\n".join(f"{tab}:\n{text}" for tab, text in problems.items())
