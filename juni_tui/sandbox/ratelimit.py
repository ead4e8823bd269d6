"""Fortnox's rate limit: 25 requests in any 5 seconds, a sliding window per client id and tenant [§2]."""

from __future__ import annotations

import math
from collections import defaultdict, deque
from collections.abc import Callable


class RateLimiter:
    def __init__(self, requests: int, window: float, clock: Callable[[], float]) -> None:
        self.requests = requests
        self.window = window
        self.clock = clock
        self._windows: dict[str, deque[float]] = defaultdict(deque)
        self.stats: dict[str, dict[str, int]] = defaultdict(lambda: {"requests": 0, "rate_limited": 0})

    def admit(self, key: str) -> int | None:
        """None if the request may go ahead, else the whole seconds until the window has room again.

        Only admitted requests enter the window, so a client that backs off gets through as soon as the
        oldest of its last 25 requests is 5 seconds old.
        """
        now = self.clock()
        window = self._windows[key]
        while window and window[0] <= now - self.window:
            window.popleft()
        self.stats[key]["requests"] += 1
        if len(window) >= self.requests:
            self.stats[key]["rate_limited"] += 1
            return max(1, math.ceil(window[0] + self.window - now))
        window.append(now)
        return None

    def reset(self) -> None:
        self._windows.clear()
        self.stats.clear()
