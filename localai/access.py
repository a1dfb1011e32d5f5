"""Who may change what every user shares: the admin.

The admin is ``--admin NAME`` (one of the logins), else the first login (``--auth`` / ``--auth-file``,
or the generated one of ``--listen``); without logins (this computer only) it is the local user.
Only the admin changes model settings and the safety opt-ins (pickle weights, remote code), starts
downloads, switches offline mode and unloads models; ``Services`` checks it (the only door), the page
only greys those controls out.
"""

from __future__ import annotations

from dataclasses import dataclass

from .auth import Logins
from .config import Settings
from .errors import UserError
from .messages import Message

LOCAL_USER = "local"  # the user name without logins (ui.common.user_of)


class AdminOnly(UserError):
    """Something only the admin may do."""

    status = 403
    code = "admin_only"


@dataclass(frozen=True)
class Access:
    admin: str  # the user name of the admin

    def is_admin(self, user: str) -> bool:
        return user == self.admin

    def require_admin(self, user: str, action_key: str) -> None:
        """Refuse ``user`` unless they are the admin; ``action_key`` names what was refused."""
        if not self.is_admin(user):
            raise AdminOnly("error.access.admin_only", "hint.access.ask_admin", action=Message(action_key),
                            admin=self.admin)


def access_for(settings: Settings, logins: Logins | None = None) -> Access:
    """The admin for these settings: ``--admin``, else the first login, else the local user. With the
    ``logins`` loaded (app.py), an ``--admin`` that names none of them is refused."""
    names = [user for user, _ in logins.pairs] if logins is not None else [
        entry.partition(":")[0].strip() for entry in settings.auth]
    if settings.admin:
        if logins is not None and settings.admin not in names:
            raise UserError("error.access.unknown_admin", "hint.access.unknown_admin", name=settings.admin)
        return Access(settings.admin)
    return Access(names[0] if names else LOCAL_USER)
