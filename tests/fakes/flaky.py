"""Seeded random faults for the fake platforms (`fake.flaky(rate=0.3, seed=7)`).

Each API request the fake answers draws once: with probability `rate` it gets one fault, its
kind picked evenly from the fake's kinds. The kinds every fake knows are an HTTP 500, a 429 and
a "timeout": the fake does the work (creates the coupon, adds the tag), then waits
`timeout_seconds` before answering, so a client with a shorter timeout gives up on a write that
happened. The same seed gives the same faults to the same sequence of requests; requests that
race each other can arrive in another order from run to run.

`max_faults_per_subject` caps the faults one subject (a coupon code, a customer: what the
request is about, as the fake names it) gets in all, however its requests are spread over
attempts. A store is flaky, not broken: with the cap at 3, a push job whose requests are about
one subject fails at most 3 attempts, so it never reaches the outbox's attempt limit (8) by
chance. Capping faults in a row per request would not do: an attempt after a late answer makes
two requests (the create, refused as taken, then the lookup), and either may fail while the
other passes and ends its streak.
"""
from __future__ import annotations

import random
from collections import Counter

TIMEOUT = "timeout"


class Flakiness:
    """The fault plan of one fake. Not locked itself: the fake draws under its own lock."""

    def __init__(self, known: tuple[str, ...], kinds: tuple[str, ...] | None = None,
                 rate: float = 0.0, seed: int = 0, timeout_seconds: float = 2.0,
                 max_faults_per_subject: int | None = None):
        kinds = tuple(kinds or known)
        unknown = [kind for kind in kinds if kind not in known]
        cap = max_faults_per_subject
        if unknown or not 0 <= rate <= 1 or timeout_seconds <= 0 or (cap is not None
                                                                     and cap < 0):
            raise ValueError(f"flaky: expected kinds among {', '.join(known)}, a rate from 0 "
                             f"to 1, positive timeout_seconds and no negative "
                             f"max_faults_per_subject; got kinds {kinds}, rate {rate}, "
                             f"timeout_seconds {timeout_seconds}, max_faults_per_subject {cap}")
        self.kinds, self.rate, self.timeout_seconds = kinds, rate, timeout_seconds
        self.max_faults_per_subject = cap
        self._rng = random.Random(seed)
        self.injected: Counter[str] = Counter()
        self.by_subject: Counter[str] = Counter()

    def draw(self, subject: str) -> str | None:
        """The fault for the request being answered (counted), or None. `subject` is what the
        request is about; once it has had `max_faults_per_subject` faults, its requests pass."""
        if self.rate <= 0 or self._rng.random() >= self.rate:
            return None
        if self.max_faults_per_subject is not None \
                and self.by_subject[subject] >= self.max_faults_per_subject:
            return None
        self.by_subject[subject] += 1
        kind = self._rng.choice(self.kinds)
        self.injected[kind] += 1
        return kind

    def wait_seconds(self, fault: str | None) -> float:
        """How long to hold the answer back after doing the work."""
        return self.timeout_seconds if fault == TIMEOUT else 0.0
