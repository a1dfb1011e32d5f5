"""What the remote backends share: a model held by other machines, so nothing loads here, no memory is
taken, and its plan names the servers (``remote_chat``, ``remote_image``)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ..catalog import ModelSpec
from ..messages import Message
from ..plan import LoadPlan, LoadPrefs
from .base import OnStatus

if TYPE_CHECKING:
    from ..hardware import HardwareInfo
    from ..remote_pool import Remotes


def plan_remote(spec: ModelSpec, hw: HardwareInfo | None = None, prefs: LoadPrefs | None = None) -> LoadPlan:
    """A remote model's plan: held by another machine (pool "none"), nothing to choose here."""
    servers = ", ".join(spec.servers)
    return LoadPlan(device="remote", dtype="", pool="none", reason=Message("plan.remote", servers=servers),
                    extras=(("servers", servers),))


class RemoteModel:
    """A model on the servers of ``remotes`` that have it (``spec.servers``), asked for by its id there."""

    def __init__(self, spec: ModelSpec, plan: LoadPlan, remotes: Remotes) -> None:
        self.spec = spec
        self.plan = plan
        self.remotes = remotes

    @property
    def model_id(self) -> str:
        return self.spec.remote_id or self.spec.name

    def load(self, on_status: OnStatus) -> None:
        """Nothing to load: the server has the model."""

    def unload(self) -> None:
        """Nothing to free."""

    def plan_on(self, server: str) -> LoadPlan:
        """The plan of a request that ``server`` served."""
        return plan_remote(replace(self.spec, servers=(server,)))
