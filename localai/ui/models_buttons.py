"""Which of the Models tab's buttons can apply to the picked model, for this user, now: Download only for a
model not on disk (while online, and no download of this page runs), Load for one on disk and not loaded,
Unload for a loaded one; Stop download is shown only while a download of this page runs. Download and
Unload stay greyed out for a user who is not the admin (the services refuse them anyway)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import UserError


@dataclass(frozen=True)
class ButtonStates:
    download: bool
    stop: bool
    load: bool
    unload: bool

    def updates(self) -> tuple[Any, Any, Any, Any]:
        """Gradio updates for [Download, Stop download, Load, Unload]."""
        import gradio as gr  # noqa: PLC0415

        return (gr.update(interactive=self.download), gr.update(visible=self.stop),
                gr.update(interactive=self.load), gr.update(interactive=self.unload))


def button_states(services: Any, key: str | None, user: str, downloading: bool) -> ButtonStates:
    """The buttons for the model ``key`` ("kind/name"; None: none picked)."""
    nothing = ButtonStates(download=False, stop=downloading, load=False, unload=False)
    if not key:
        return nothing
    kind, _, name = key.partition("/")
    try:
        info = services.model_info(name, kind)
    except UserError:  # a model that vanished: the details line says so
        return nothing
    admin = services.is_admin(user)
    on_disk = info.spec.path is not None
    return ButtonStates(download=admin and not on_disk and not services.offline and not downloading,
                        stop=downloading, load=on_disk and not info.loaded, unload=admin and info.loaded)
