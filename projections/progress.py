"""The replay's progress bar: events/s and ETA, redrawn in place on a terminal, one line
every few seconds otherwise (logs, CI)."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TextIO

WIDTH = 30


def progress_line(label: str, done: int, total: int, rate: float) -> str:
    """`label [#####-----]  50%  1,000 / 2,000 events  12,345 ev/s  ETA 0:00:01`."""
    fraction = 1.0 if total <= 0 else min(1.0, done / total)
    filled = int(fraction * WIDTH)
    eta = "--:--:--" if rate <= 0 else str(timedelta(seconds=int(max(0, total - done) / rate)))
    return (
        f"{label} [{'#' * filled}{'-' * (WIDTH - filled)}] {fraction:4.0%}  "
        f"{done:,} / {total:,} events  {rate:,.0f} ev/s  ETA {eta}"
    )


@dataclass
class ProgressBar:
    label: str
    total: int
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    interval_s: float = 0.5
    done: int = 0
    _started: float = field(default_factory=time.monotonic)
    _drawn_at: float = 0.0
    _window: list[tuple[float, int]] = field(default_factory=list)

    def advance(self, count: int) -> None:
        self.done += count
        self.draw()

    def rate(self) -> float:
        """Events/s over the last ~5 s, so the ETA follows the current speed."""
        now = time.monotonic()
        self._window.append((now, self.done))
        self._window = [(t, d) for t, d in self._window if now - t <= 5.0] or [(now, self.done)]
        first_t, first_done = self._window[0]
        if now - first_t < 0.2:
            elapsed = now - self._started
            return self.done / elapsed if elapsed > 0 else 0.0
        return (self.done - first_done) / (now - first_t)

    def draw(self, force: bool = False) -> None:
        now = time.monotonic()
        tty = self.stream.isatty()
        if not force and now - self._drawn_at < (self.interval_s if tty else 5.0):
            return
        self._drawn_at = now
        line = progress_line(self.label, self.done, self.total, self.rate())
        self.stream.write(("\r" + line) if tty else line + "\n")
        self.stream.flush()

    def finish(self) -> float:
        """Final line; returns the average events/s."""
        elapsed = time.monotonic() - self._started
        average = self.done / elapsed if elapsed > 0 else 0.0
        line = progress_line(self.label, self.done, self.total, average)
        self.stream.write(("\r" + line + "\n") if self.stream.isatty() else line + "\n")
        self.stream.flush()
        return average
