"""The remote servers added in the Models tab, in ``<data-dir>/remotes.json``.

The file holds keys, so it is written with permissions 0600 (only this user's account reads it),
atomically (``storage.write_atomically``): a crash never leaves half a file. A file that cannot be
read is moved aside (``remotes.json.damaged-<time>``) and the log says so; the servers on the command
line are never written here.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

from .errors import InvalidInput
from .remote_servers import RemoteServer, check_name, normalize_url
from .storage import write_atomically

log = logging.getLogger(__name__)

FILE_NAME = "remotes.json"
VERSION = 1


class RemoteStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def load(self) -> list[RemoteServer]:
        """The saved servers; none when there is no file (or it was damaged, and moved aside)."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        try:
            data = json.loads(raw)
            servers = [RemoteServer(check_name(s["name"]), normalize_url(s["url"]), s.get("key") or None)
                       for s in data["servers"]]
        except (ValueError, KeyError, TypeError, InvalidInput):
            aside = self.path.with_name(f"{self.path.name}.damaged-{int(time.time())}")
            os.replace(self.path, aside)
            log.warning("%s could not be read; moved aside to %s (add the servers again)", self.path, aside)
            return []
        return servers

    def save(self, servers: list[RemoteServer]) -> None:
        """Write the servers added from the page (mode 0600: the keys are in it)."""
        body = {"version": VERSION, "servers": [
            {"name": s.name, "url": s.url, **({"key": s.key} if s.key else {})} for s in servers if s.origin == "saved"]}
        data = json.dumps(body, indent=2).encode("utf-8")

        def write(f) -> None:  # noqa: ANN001 - a binary file
            os.fchmod(f.fileno(), 0o600)
            f.write(data)

        write_atomically(self.path, write)
