"""Seeded random faults for the fake platforms (`fake.flaky(rate=0.3, seed=7)`).

Each API request the fake answers draws once: with probability `rate` it gets one fault, its
kind picked evenly from the fake's kinds. The kinds every fake knows are an HTTP 500, a 429 and
a "timeout": the fake does the work (creates the coupon, adds the tag), then waits
`timeout_seconds` before answering, so a client with a shorter timeout gives up on a write that
happened. The same seed gives the same faults to the same sequence of requests; requests that
race each other can arrive in another order from run to run.
"""
from __future__ import annotations

import random
from collections import Counter

TIMEOUT = "timeout"
# A request sent again after this many faults in a row gets through: 30% of calls fail, yet a
# retried write is not unlucky eight times running (the outbox's attempt limit), which would
# make a dead letter by chance and the test fail one run in a hundred.
MAX_IN_A_ROW = 3


class Flakiness:
    """The fault plan of one fake. Not locked itself: the fake draws under its own lock."""

    def __init__(self, known: tuple[str, ...], kinds: tuple[str, ...] | None = None,
                 rate: float = 0.0, seed: int = 0, timeout_seconds: float = 2.0):
        kinds = tuple(kinds or known)
        unknown = [kind for kind in kinds if kind not in known]
        if unknown or not 0 <= rate <= 1 or timeout_seconds <= 0:
            raise ValueError(f"flaky: expected kinds among {', '.join(known)}, a rate from 0 "
                             f"to 1 and positive timeout_seconds; got kinds {kinds}, rate "
                             f"{rate}, timeout_seconds {timeout_seconds}")
        self.kinds, self.rate, self.timeout_seconds = kinds, rate, timeout_seconds
        self._rng = random.Random(seed)
        self.injected: Counter[str] = Counter()
        self._streaks: Counter[str] = Counter()

    def draw(self, request: str = "") -> str | None:
        """The fault for the request being answered (counted), or None. `request` names it
        (method and path, or the body): one that failed MAX_IN_A_ROW times running passes."""
        if self.rate <= 0 or self._rng.random() >= self.rate \
                or self._streaks[request] >= MAX_IN_A_ROW:
            self._streaks.pop(request, None)
            return None
        self._streaks[request] += 1
        kind = self._rng.choice(self.kinds)
        self.injected[kind] += 1
        return kind

    def wait_seconds(self, fault: str | None) -> float:
        """How long to hold the answer back after doing the work."""
        return self.timeout_seconds if fault == TIMEOUT else 0.0
