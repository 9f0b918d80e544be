"""A fake clock for :class:`natsam_analysis.sources.http.ApiClient`'s injectable ``sleep``/``clock``.

Time only moves when something sleeps, and every sleep is recorded (rounded to microseconds), so
tests of rate limits, backoff and ``Retry-After`` check the exact waits without waiting.

Examples
--------
>>> clock = FakeClock()
>>> clock.sleep(0.2); clock.sleep(1.5)
>>> clock.sleeps, clock() - 1000.0
([0.2, 1.5], 1.7)
"""

from __future__ import annotations

import threading


class FakeClock:
    """A monotonic clock that only moves when something sleeps; records every sleep."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(round(seconds, 6))
            self.now += seconds

    def __call__(self) -> float:
        return self.now
