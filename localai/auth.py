"""Who may use this server: page logins (plain or hashed passwords) and the API key.

A login is ``user:password`` from ``--auth`` (repeatable) or ``--auth-file`` (one a line,
``#`` comments). The password may be stored hashed, as made by

    python -m localai.auth hash alice      ->  alice:pbkdf2_sha256$600000$<salt>$<hash>

With ``--listen`` and no login given, a strong random password is generated (and printed by
app.py). ``--share`` without a login is refused. The API needs ``Authorization: Bearer KEY``
when the server is reachable from other computers (``--listen`` / ``--share``): ``--api-key``
or a generated key; on 127.0.0.1 only when ``--api-key`` is set. Every comparison is
constant-time. Standard library only.
"""

from __future__ import annotations

import argparse
import base64
import getpass
import hashlib
import hmac
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .config import Settings
from .errors import UserError

SCHEME = "pbkdf2_sha256"
ITERATIONS = 600_000  # OWASP 2023 figure for PBKDF2-HMAC-SHA256; ~0.3 s per check on a slow core
GENERATED_USER = "localai"
FAILED_LOGIN_DELAY_S = 1.0  # slows password guessing through the login page
_DUMMY_HASH = f"{SCHEME}${ITERATIONS}$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"


# -- passwords ---------------------------------------------------------------------------------------
def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    """``pbkdf2_sha256$<iterations>$<salt>$<hash>`` (salt and hash in URL-safe base64, no padding)."""
    if not password:
        raise ValueError("empty password")
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{SCHEME}${iterations}${_b64(salt)}${_b64(digest)}"


def is_hashed(stored: str) -> bool:
    return stored.startswith(SCHEME + "$")


def _check_hash_format(stored: str) -> None:
    parts = stored.split("$")
    try:
        ok = len(parts) == 4 and int(parts[1]) >= 1 and _unb64(parts[2]) and len(_unb64(parts[3])) == 32
    except ValueError:
        ok = False
    if not ok:
        raise UserError("error.auth.hash_damaged", "hint.auth.hash_again")


def verify_password(password: str, stored: str) -> bool:
    """Does ``password`` match ``stored`` (plain text or a pbkdf2_sha256 hash)? Constant-time."""
    if is_hashed(stored):
        _, iterations, salt, expected = stored.split("$")
        digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), _unb64(salt), int(iterations))
        return hmac.compare_digest(digest, _unb64(expected))
    # Compare digests so that neither the length nor the content leaks through timing.
    return hmac.compare_digest(hashlib.sha256(password.encode("utf-8")).digest(),
                               hashlib.sha256(stored.encode("utf-8")).digest())


# -- logins ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Logins:
    pairs: tuple[tuple[str, str], ...]  # (user, password as given: plain text or a hash)
    generated: bool  # True when we made up a password for --listen (pairs[0][1] is it, plain)

    def check(self, user: str, password: str) -> bool:
        """True for a known user with the right password. Every entry is checked, so the time taken
        does not tell whether the user exists."""
        user = (user or "").strip().encode("utf-8")
        found = None
        for name, stored in self.pairs:
            if hmac.compare_digest(name.encode("utf-8"), user) and found is None:
                found = stored
        # An unknown user costs as much as a known one (a hash check), so timing does not tell them apart.
        dummy = _DUMMY_HASH if any(is_hashed(stored) for _, stored in self.pairs) else "-"
        ok = verify_password(password or "", found if found is not None else dummy)
        return ok and found is not None

    def gradio_auth(self, delay_s: float = FAILED_LOGIN_DELAY_S) -> Callable:
        """The ``auth=`` for ``Blocks.launch``: a coroutine, so that hashing (~0.3 s) and the delay after
        a wrong password run off the server's event loop."""
        import anyio  # noqa: PLC0415  (a gradio dependency; only needed when serving)

        async def check(user: str, password: str) -> bool:
            ok = await anyio.to_thread.run_sync(self.check, user, password)
            if not ok:
                await anyio.sleep(delay_s)
            return ok

        return check


def parse_login(entry: str) -> tuple[str, str]:
    user, sep, password = entry.partition(":")
    user = user.strip()
    if not sep or not user or not password:
        raise UserError("error.auth.bad_login", "hint.auth.fix_login", user=entry.split(":")[0])
    if is_hashed(password):
        _check_hash_format(password)
    return user, password


def load_logins(settings: Settings) -> Logins:
    """Logins from --auth and --auth-file; with --listen and none given, a random one."""
    entries = list(settings.auth)
    if settings.auth_file is not None:
        path = Path(settings.auth_file)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise UserError("error.auth.unreadable_file", "hint.auth.check_file", path=path,
                            error=exc.strerror) from None
        entries += [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
    pairs = tuple(parse_login(entry) for entry in entries if entry and not entry.startswith("#"))
    if settings.share and not pairs:
        raise UserError("error.auth.share_needs_login", "hint.auth.add_login")
    if pairs or not settings.listen:
        return Logins(pairs, False)
    return Logins(((GENERATED_USER, secrets.token_urlsafe(16)),), True)


# -- the API key -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ApiKey:
    key: str | None  # None: the API is open (127.0.0.1 only, no --api-key)
    generated: bool

    def allows(self, authorization: str | None) -> bool:
        """Check an ``Authorization`` header value ("Bearer KEY")."""
        if self.key is None:
            return True
        scheme, _, given = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer":
            given = ""
        return hmac.compare_digest(hashlib.sha256(given.strip().encode("utf-8")).digest(),
                                   hashlib.sha256(self.key.encode("utf-8")).digest())


def load_api_key(settings: Settings) -> ApiKey:
    """--api-key (or LOCALAI_API_KEY); generated when other computers can reach the server."""
    if settings.api_key:
        return ApiKey(settings.api_key, False)
    if settings.listen or settings.share:
        return ApiKey("sk-localai-" + secrets.token_urlsafe(24), True)
    return ApiKey(None, False)


# -- python -m localai.auth hash [USER] --------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m localai.auth",
                                 description="Make a hashed login line for --auth or --auth-file.")
    sub = ap.add_subparsers(dest="command", required=True)
    h = sub.add_parser("hash", help="hash a password (asked twice, or read from standard input)")
    h.add_argument("user", nargs="?", default=None, help="print a whole 'user:hash' line")
    h.add_argument("--iterations", type=int, default=ITERATIONS)
    args = ap.parse_args(argv)

    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("The two passwords differ.", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        print("The password is empty.", file=sys.stderr)
        return 1
    hashed = hash_password(password, iterations=max(1, args.iterations))
    print(f"{args.user}:{hashed}" if args.user else hashed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
