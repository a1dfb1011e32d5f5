"""Where to cut a long conversation so that it fits the context: a search with few renders.

The prompt of the conversation from message ``s`` on gets shorter as ``s`` grows, so the earliest
cut that fits is found by a search instead of dropping one message at a time (which re-rendered
and re-tokenized the whole conversation once per dropped message: 10,000 messages took minutes).

1. Each message is tokenized once; with the overhead the template adds per message, cumulative
   sums give an estimate of every cut's prompt length, and the estimate names a first cut to try.
2. From there a galloping search (steps 1, 2, 4, ... towards the answer), then a binary search,
   renders only cuts near the answer: each of those prompts is about one context long, and there
   are O(log n) of them.

Pure functions over integers and callables: no tokenizer, no template.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import accumulate


def estimated_lengths(tokens: Sequence[int], per_message: float, fixed: float) -> list[float]:
    """``out[s]``: the estimated prompt length of the messages ``s..`` (``fixed`` covers what every prompt has,
    the system prompt and the last message included)."""
    tail = list(accumulate(reversed([t + per_message for t in tokens])))[::-1]
    return [fixed + t for t in tail] + [fixed]


def first_guess(cuts: Sequence[int], estimate: Sequence[float], budget: int) -> int:
    """The index into ``cuts`` of the earliest cut whose estimated length fits ``budget`` (else the last)."""
    for k, cut in enumerate(cuts):
        if estimate[cut] <= budget:
            return k
    return len(cuts) - 1


def earliest_fitting(count: int, fits: Callable[[int], bool], guess: int) -> int | None:
    """The smallest ``k`` in ``0..count-1`` with ``fits(k)``, for ``fits`` false below some ``k`` and true from
    it on; None when not even ``count - 1`` fits. ``fits`` is called O(log distance) times, starting at ``guess``."""
    last = count - 1
    guess = min(max(guess, 0), last)
    if fits(guess):
        lo, hi, step = -1, guess, 1  # lo: known not to fit (-1: none known), hi: known to fit
        while hi > 0:
            probe = max(0, hi - step)
            if not fits(probe):
                lo = probe
                break
            hi, step = probe, step * 2
    else:
        lo, hi, step = guess, None, 1
        while hi is None:
            if lo == last:
                return None
            probe = min(last, lo + step)
            if fits(probe):
                hi = probe
            else:
                lo, step = probe, step * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fits(mid):
            hi = mid
        else:
            lo = mid
    return hi
