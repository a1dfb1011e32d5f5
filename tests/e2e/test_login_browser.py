"""The login page of a LAN-shared app (--listen), in a real headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from localai.auth import hash_password
from tests.app_process import RunningApp, running_app
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def shared_app(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """--listen on 127.0.0.1 (the LAN rules without opening a port), one plain and one hashed login."""
    work = tmp_path_factory.mktemp("login")
    auth_file = work / "logins.txt"
    auth_file.write_text(f"bob:{hash_password('builder', iterations=1000)}\n", encoding="utf-8")
    extra = ["--listen", "--host", "127.0.0.1", "--auth", "alice:wonderland", "--auth-file", str(auth_file)]
    with running_app(models_dir, work, extra=extra) as app:
        yield app


def _log_in(page, user: str, password: str) -> None:
    page.locator('input[data-testid="textbox"]').first.fill(user)
    page.locator('input[type="password"]').fill(password)
    page.get_by_role("button", name="Login").click()


@pytest.mark.slow
def test_login_page_rejects_a_wrong_password_then_lets_the_right_one_in(shared_app, page):
    page.goto(shared_app.url)
    page.get_by_role("heading", name="Login").wait_for(timeout=30_000)
    assert page.locator("#chat-input").count() == 0, "nothing of the app before logging in"

    _log_in(page, "alice", "not-the-password")
    page.get_by_text("Incorrect Credentials", exact=False).first.wait_for(timeout=15_000)
    assert page.locator("#chat-input").count() == 0
    screenshot(page, "login-rejected")

    _log_in(page, "alice", "wonderland")
    page.locator("#chat-input textarea").wait_for(timeout=30_000)
    assert page.get_by_role("heading", name="Login").count() == 0


@pytest.mark.slow
def test_hashed_password_from_the_auth_file_logs_in(shared_app, page):
    page.goto(shared_app.url)
    page.get_by_role("heading", name="Login").wait_for(timeout=30_000)
    _log_in(page, "bob", "builder")
    page.locator("#chat-input textarea").wait_for(timeout=30_000)
