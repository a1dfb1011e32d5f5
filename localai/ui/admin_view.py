"""The page's side of the admin rule: controls only the admin may use are greyed out for everyone else,
with a line saying who the admin is. (Services refuse those actions anyway: this only says so up front.)"""

from collections.abc import Callable, Sequence
from typing import Any

import gradio as gr

from ..services import Services
from .common import user_of
from .translator import Translator


def lock_for_non_admins(services: Services, tr: Translator, controls: Sequence[Any],
                        note: Any) -> Callable[..., tuple[Any, ...]]:
    """A page-load handler with outputs ``[*controls, note]``: for a user who is not the admin, each control
    is made not interactive and ``note`` shows why; the admin's page is left as built."""

    def apply(request: gr.Request) -> tuple[Any, ...]:
        if services.is_admin(user_of(request)):
            return (gr.skip(),) * (len(controls) + 1)
        note_update = gr.update(visible=True, value=tr(request, "models.admin_only", admin=services.access.admin))
        return (*(gr.update(interactive=False) for _ in controls), note_update)

    return apply
