"""Login throttling: how many password guesses a user name or a client address gets, and how fast.

Each name and each address has its own record. One attempt at a time is checked per name and per
address (parallel guesses are refused at once, not queued); the first few wrong passwords cost
nothing more than the 1 s pause after each one (typos happen), then every further attempt must
wait twice as long as the one before, and after ``lockout_after`` wrong passwords the name or
address is locked out for ``lockout_s``: even the right password is refused until the window
ends. A correct login clears the name's record (not the address's). Records no one has touched
for ``forget_after_s`` are dropped, so the table stays small.

``LoginThrottle`` is plain state with an injected clock (tests drive it with a fake one); the
app owns one and ``LoginThrottleMiddleware`` (login_guard.py) applies it to ``POST /login``.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int = 3  # wrong passwords with no wait beyond the usual 1 s
    first_wait_s: float = 2.0  # then 2, 4, 8, ... seconds before the next attempt
    lockout_after: int = 10  # wrong passwords in a row that lock the name or the address out
    lockout_s: float = 15 * 60.0
    forget_after_s: float = 60 * 60.0  # a record untouched this long is forgotten
    max_records: int = 20_000

    def wait_after(self, failures: int) -> float:
        """Seconds before the next attempt, after ``failures`` wrong passwords in a row."""
        if failures >= self.lockout_after:
            return self.lockout_s
        if failures <= self.free_failures:
            return 0.0
        return min(self.first_wait_s * 2 ** (failures - self.free_failures - 1), self.lockout_s)


@dataclass
class _Record:
    failures: int = 0
    not_before: float = 0.0  # no attempt is checked before this time
    busy: bool = False  # an attempt is being checked now
    touched: float = 0.0


@dataclass(frozen=True)
class Refusal:
    """Why an attempt was not checked, and when the next one can be."""

    retry_after_s: int  # whole seconds, at least 1
    locked_out: bool  # the lock-out window (rather than a short wait or a parallel attempt)
    retry_at: float  # the clock's time when attempts are checked again


@dataclass(frozen=True)
class Attempt:
    """An attempt being checked: hand it back to ``LoginThrottle.finish``."""

    keys: tuple[tuple[str, str], ...]


@dataclass
class LoginThrottle:
    policy: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    clock: Callable[[], float] = time.time
    _records: dict[tuple[str, str], _Record] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _last_sweep: float = field(default=0.0, init=False, repr=False)

    def __len__(self) -> int:
        """How many names and addresses have a record now."""
        return len(self._records)

    @staticmethod
    def keys_for(user: str, address: str) -> tuple[tuple[str, str], ...]:
        return (("user", (user or "").strip().casefold()), ("address", address or "?"))

    def begin(self, user: str, address: str) -> Attempt | Refusal:
        """May this attempt be checked now? If so it is marked busy until ``finish``."""
        now = self.clock()
        keys = self.keys_for(user, address)
        with self._lock:
            self._forget_old(now)
            records = [self._records.setdefault(key, _Record(touched=now)) for key in keys]
            waits = [(record.not_before, record.failures >= self.policy.lockout_after)
                     for record in records if record.busy or record.not_before > now]
            if waits:
                retry_at = max(max(at for at, _ in waits), now + 1.0)
                return Refusal(max(1, math.ceil(retry_at - now)), any(locked for _, locked in waits), retry_at)
            for record in records:
                record.busy, record.touched = True, now
            return Attempt(keys)

    def finish(self, attempt: Attempt, succeeded: bool) -> None:
        """Record the outcome: a success clears the name's record, a failure counts on both."""
        now = self.clock()
        with self._lock:
            for kind, value in attempt.keys:
                record = self._records.setdefault((kind, value), _Record())
                record.busy, record.touched = False, now
                if succeeded and kind == "user":
                    record.failures, record.not_before = 0, 0.0
                elif not succeeded:
                    record.failures += 1
                    record.not_before = now + self.policy.wait_after(record.failures)

    def _forget_old(self, now: float) -> None:
        """Drop idle records untouched for ``forget_after_s`` (looked for once a minute, or when full)."""
        if now - self._last_sweep < 60.0 and len(self._records) < self.policy.max_records:
            return
        self._last_sweep = now
        idle = sorted((record.touched, key) for key, record in self._records.items()
                      if not record.busy and record.not_before <= now)
        stale = [key for touched, key in idle if now - touched >= self.policy.forget_after_s]
        if len(self._records) - len(stale) >= self.policy.max_records:  # a flood of made-up names
            stale = [key for _, key in idle[: max(len(stale), len(idle) // 2)]]
        for key in stale:
            del self._records[key]
