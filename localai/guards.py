"""The request guards app.py puts in front of Gradio: file inputs take uploads only
(no_url_inputs.py) and login attempts go through one ``LoginThrottle`` owned by this app
(login_throttle.py, login_guard.py)."""

from __future__ import annotations

import os
from typing import Any

from .login_throttle import LoginThrottle, ThrottlePolicy
from .messages import language_from_environment, normalize, text


def guard_middleware(policy: ThrottlePolicy | None = None) -> list[Any]:
    """Starlette ``Middleware`` entries for ``launch(app_kwargs={"middleware": ...})``; each call makes
    its own throttle, so two apps in one process never share login records."""
    from starlette.middleware import Middleware  # noqa: PLC0415

    from .login_guard import LoginThrottleMiddleware  # noqa: PLC0415
    from .no_url_inputs import NoUrlFileInputs  # noqa: PLC0415

    throttle = LoginThrottle(policy or ThrottlePolicy())
    return [Middleware(NoUrlFileInputs), Middleware(LoginThrottleMiddleware, throttle=throttle)]


def login_note(lang: str | None, policy: ThrottlePolicy | None = None) -> str:
    """The line under the login form that says how wrong passwords are slowed down (Gradio's form shows
    nothing for a refused attempt, so the rule is told up front). ``lang``: ``--lang``, else the console's."""
    policy = policy or ThrottlePolicy()
    lang = normalize(lang) if lang else language_from_environment(os.environ)
    return text(lang, "login.note", count=policy.lockout_after, minutes=round(policy.lockout_s / 60))
