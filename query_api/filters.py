"""The data filters shared by the dashboard and the requests list (DESIGN.md):
`range` or `from`/`to`, and repeatable `project_id`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel

from schemas.envelope import utc_now
from schemas.errors import ApiError

RelativeRange = Literal["5m", "15m", "1h", "3h", "6h", "24h", "7d", "30d"]

RANGES: dict[str, timedelta] = {
    "5m": timedelta(minutes=5),
    "15m": timedelta(minutes=15),
    "1h": timedelta(hours=1),
    "3h": timedelta(hours=3),
    "6h": timedelta(hours=6),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
DEFAULT_RANGE = "24h"


class TimeWindow(BaseModel):
    start: datetime
    end: datetime


def time_window(
    range_: str | None, from_: datetime | None, to: datetime | None, now: datetime | None = None
) -> TimeWindow:
    """A relative window ending now, or an absolute one; never both."""
    now = now or utc_now()
    if range_ is not None and (from_ is not None or to is not None):
        raise ApiError(422, "give either `range` or `from`/`to`, not both", "invalid_request", "range")
    if from_ is not None or to is not None:
        start = from_ or (to - RANGES[DEFAULT_RANGE] if to else now - RANGES[DEFAULT_RANGE])
        end = to or now
        for name, value in (("from", start), ("to", end)):
            if value.tzinfo is None:
                raise ApiError(422, f"`{name}` needs a UTC offset (RFC 3339)", "invalid_request", name)
        if start >= end:
            raise ApiError(422, "`from` must be before `to`", "invalid_request", "from")
        return TimeWindow(start=start, end=end)
    span = RANGES.get(range_ or DEFAULT_RANGE)
    if span is None:
        raise ApiError(422, f"`range` must be one of {', '.join(RANGES)}", "invalid_request", "range")
    return TimeWindow(start=now - span, end=now)


def within_retention(window: TimeWindow, retention_days: int | None, now: datetime | None = None) -> TimeWindow:
    """The window cut so nothing older than the org's retention is read (an empty window,
    start == end, when it lies entirely before it). None: the org keeps everything."""
    if retention_days is None or retention_days <= 0:
        return window
    cutoff = (now or utc_now()) - timedelta(days=retention_days)
    start = max(window.start, cutoff)
    return TimeWindow(start=min(start, window.end), end=window.end)
