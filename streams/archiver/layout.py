"""Where each screened event is archived: time windows, slots and object names. Pure.

The seed's layout (DESIGN.md contract): ``<prefix>/YYYY/MM/DD/hh/YYYY-MM-DDThh:mm:ss+00:00.jsonl``,
UTC, the folder being the hour of the events the object holds.

**Windows.** Each partition of `guard.screened` is cut into windows of its records' Kafka
timestamps (LogAppendTime: the broker's clock, monotone per partition) on a grid of
``width_s`` seconds (60 by default; it divides 60). The hour's last window and the next hour's
first are one window of twice the width: events screened a little after their hour ended
(10:59:59.9 screened at 11:00:00.2) still land in their own hour's last object. A record's
window is that of the largest timestamp seen so far in the partition, so windows are contiguous
offset ranges even if timestamps are not monotone (CreateTime topics).

**Slots.** A window holds one slot (a grid point), the merged boundary window two: its
first for the events of the earlier hour, its second for the later hour's. An event whose hour
is neither (a screening backlog of more than a window) is filed under the hour it was screened.

**Names.** A slot of partition ``p`` is the object ``<hour folder>/<date>T<hh>:<mm>:<ss>``
with ``hh:mm`` the slot's minute and ``ss = p * n + i``, where ``n = 60 / width_s`` windows share
a minute and ``i`` is the slot's index in its minute (with the default width: ``ss`` = the
partition number). Distinct (partition, slot) pairs get distinct names — no two writers ever
write one object with different contents — as long as ``p * n + i < 60``, i.e. up to 60
partitions with 60-second windows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

HOUR_MS = 3_600_000
MINUTE_MS = 60_000

# The seed's format, exactly: what every key under an org's prefix matches.
KEY_PATTERN = re.compile(
    r"(?P<year>\d{4})/(?P<month>\d{2})/(?P<day>\d{2})/(?P<hour>\d{2})/"
    r"(?P=year)-(?P=month)-(?P=day)T(?P=hour):(?P<minute>[0-5]\d):(?P<second>[0-5]\d)\+00:00\.jsonl"
)


class LayoutError(ValueError):
    """A window width or partition that cannot be named in the seed's format."""


@dataclass(frozen=True)
class Grid:
    """The window grid of one archiver deployment: ``width_s`` seconds, dividing 60."""

    width_s: int = 60

    def __post_init__(self) -> None:
        if self.width_s <= 0 or 60 % self.width_s:
            raise LayoutError(f"window width {self.width_s}s does not divide a minute")

    @property
    def width_ms(self) -> int:
        return self.width_s * 1000

    @property
    def per_minute(self) -> int:
        return 60 // self.width_s

    @property
    def max_partitions(self) -> int:
        """Partitions 0 … max_partitions-1 can be named (the seconds field is 00-59)."""
        return 60 // self.per_minute

    def window_of(self, ts_ms: int) -> int:
        """The start (ms) of the window holding Kafka timestamp ``ts_ms``."""
        start = ts_ms - ts_ms % self.width_ms
        if start % HOUR_MS == 0:  # an hour's first window belongs to the previous hour's last
            start -= self.width_ms
        return start

    def is_boundary(self, window: int) -> bool:
        """Is ``window`` an hour's last window, merged with the next hour's first?"""
        return (window + self.width_ms) % HOUR_MS == 0

    def window_end(self, window: int) -> int:
        """The end (ms, exclusive) of a window: the next window's start."""
        return window + (2 if self.is_boundary(window) else 1) * self.width_ms

    def slot_of(self, window: int, ts_ms: int, event_hour_ms: int) -> int:
        """The slot (a grid point, ms) of an event of hour ``event_hour_ms`` with Kafka
        timestamp ``ts_ms`` whose partition is in ``window``."""
        if not self.is_boundary(window):
            return window
        later = window + self.width_ms  # the next hour's first grid point
        if event_hour_ms == window - window % HOUR_MS:
            return window
        if event_hour_ms == later:
            return later
        return window if ts_ms < later else later

    def object_key(self, slot: int, partition: int) -> str:
        """The key of partition ``partition``'s object of ``slot``, relative to the org's prefix."""
        if not 0 <= partition < self.max_partitions:
            raise LayoutError(
                f"partition {partition} cannot be named with {self.width_s}s windows "
                f"(at most {self.max_partitions} partitions)"
            )
        moment = datetime.fromtimestamp(slot / 1000, UTC)
        second = partition * self.per_minute + moment.second // self.width_s
        return moment.strftime("%Y/%m/%d/%H/%Y-%m-%dT%H:%M:") + f"{second:02d}+00:00.jsonl"


def hour_of(moment: datetime) -> int:
    """The start (ms since the epoch) of the UTC hour of ``moment``."""
    return int(moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0).timestamp()) * 1000

