"""Misbehaviour on demand: latency, 5xx, bursts of 429, and failures after a write was committed.

Every share is drawn from one ``random.Random(seed)``, so the same seed and the same requests give the same
faults.
"""

from __future__ import annotations

import random
from collections import Counter

from .config import FaultConfig


class Faults:
    def __init__(self, config: FaultConfig, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fired: Counter[str] = Counter()
        self.configure(config)

    def configure(self, config: FaultConfig) -> None:
        self.config = config
        self.burst_left = config.rate_limit_burst

    def _roll(self, fault: str, rate: float, path: str) -> bool:
        if rate <= 0 or not self.config.applies(fault, path):
            return False
        hit = self.rng.random() < rate
        if hit:
            self.fired[fault] += 1
        return hit

    def latency(self, path: str) -> float:
        """Seconds to wait before handling the request."""
        c = self.config
        if not (c.latency_ms or c.latency_jitter_ms) or not c.applies("latency", path):
            return 0.0
        self.fired["latency"] += 1
        return (c.latency_ms + self.rng.uniform(0, c.latency_jitter_ms)) / 1000

    def rate_limit_burst(self, path: str) -> bool:
        if self.burst_left > 0 and self.config.applies("rate_limit_burst", path):
            self.burst_left -= 1
            self.fired["rate_limit_burst"] += 1
            return True
        return self._roll("rate_limit_burst", self.config.rate_limit_burst_rate, path)

    def error_before(self, path: str) -> int | None:
        """A 500 or 503 to give instead of handling the request, or None."""
        if self._roll("error", self.config.error_rate, path):
            return self.rng.choice(self.config.error_statuses)
        return None

    def after_commit(self, path: str) -> str | None:
        """What goes wrong after a write was committed: "drop", "hang", "error" or None."""
        c = self.config
        for fault, rate in (("drop_after_commit", c.drop_after_commit_rate),
                            ("hang_after_commit", c.hang_after_commit_rate),
                            ("error_after_commit", c.error_after_commit_rate)):
            if self._roll(fault, rate, path):
                return fault
        return None
