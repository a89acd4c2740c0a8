"""Windows, slots and object names of the SIEM export (streams/archiver/layout.py)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from streams.archiver.layout import HOUR_MS, KEY_PATTERN, Grid, LayoutError, hour_of


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def test_seed_example_is_partition_zero_of_its_minute() -> None:
    grid = Grid(60)
    window = grid.window_of(ms("2024-01-31T16:36:12.345"))
    assert window == ms("2024-01-31T16:36:00")
    assert grid.object_key(window, 0) == "2024/01/31/16/2024-01-31T16:36:00+00:00.jsonl"
    assert grid.object_key(window, 11) == "2024/01/31/16/2024-01-31T16:36:11+00:00.jsonl"
    assert KEY_PATTERN.fullmatch(grid.object_key(window, 59))


def test_key_pattern_is_the_seed_format_exactly() -> None:
    assert KEY_PATTERN.fullmatch("2024/01/31/16/2024-01-31T16:36:00+00:00.jsonl")
    for bad in (
        "2024/01/31/16/2024-01-31T17:36:00+00:00.jsonl",  # file hour differs from the folder
        "2024/01/31/16/2024-01-30T16:36:00+00:00.jsonl",  # date differs
        "2024/01/31/16/2024-01-31T16:36:00Z.jsonl",
        "2024/01/31/16/2024-01-31T16:36:00+00:00.json",
        "2024/1/31/16/2024-1-31T16:36:00+00:00.jsonl",
    ):
        assert not KEY_PATTERN.fullmatch(bad), bad


def test_hour_boundary_windows_merge() -> None:
    grid = Grid(60)
    last = ms("2026-03-01T10:59:00")
    assert grid.window_of(ms("2026-03-01T10:59:30")) == last
    assert grid.window_of(ms("2026-03-01T11:00:59.999")) == last  # the next hour's first minute
    assert grid.window_of(ms("2026-03-01T11:01:00")) == ms("2026-03-01T11:01:00")
    assert grid.is_boundary(last) and not grid.is_boundary(ms("2026-03-01T11:01:00"))
    assert grid.window_end(last) == ms("2026-03-01T11:01:00")
    assert grid.window_end(ms("2026-03-01T11:01:00")) == ms("2026-03-01T11:02:00")


def test_boundary_window_files_each_event_under_its_own_hour() -> None:
    grid = Grid(60)
    window = ms("2026-03-01T10:59:00")
    ten, eleven = ms("2026-03-01T10:00:00"), ms("2026-03-01T11:00:00")
    late = grid.slot_of(window, ms("2026-03-01T11:00:00.300"), ten)  # screened just after its hour
    assert grid.object_key(late, 3) == "2026/03/01/10/2026-03-01T10:59:03+00:00.jsonl"
    early = grid.slot_of(window, ms("2026-03-01T10:59:59.900"), eleven)  # ingest clock ahead
    assert grid.object_key(early, 3) == "2026/03/01/11/2026-03-01T11:00:03+00:00.jsonl"
    # a backlog event (neither hour) goes where it was screened
    backlog = ms("2026-03-01T07:00:00")
    assert grid.slot_of(window, ms("2026-03-01T10:59:10"), backlog) == window
    assert grid.slot_of(window, ms("2026-03-01T11:00:10"), backlog) == eleven
    # outside the boundary the slot is the window, whatever the event's hour
    assert grid.slot_of(ms("2026-03-01T10:30:00"), ms("2026-03-01T10:30:01"), backlog) == ms("2026-03-01T10:30:00")


@pytest.mark.parametrize("width", [60, 30, 20, 15, 12, 10, 5])
def test_names_are_distinct_for_every_partition_and_slot_of_a_day(width: int) -> None:
    grid = Grid(width)
    day = ms("2026-03-01T00:00:00")
    slots = range(day, day + 24 * HOUR_MS, grid.width_ms)
    keys = [grid.object_key(s, p) for s, p in itertools.product(slots, range(grid.max_partitions))]
    assert len(set(keys)) == len(keys)
    assert all(KEY_PATTERN.fullmatch(k) for k in keys)
    # every key's folder is the slot's hour
    for s in slots[:: max(1, len(slots) // 50)]:
        assert grid.object_key(s, 0).startswith(datetime.fromtimestamp(s / 1000, UTC).strftime("%Y/%m/%d/%H/"))


def test_widths_and_partitions_the_format_cannot_name_are_refused() -> None:
    with pytest.raises(LayoutError):
        Grid(7)
    assert Grid(60).max_partitions == 60 and Grid(15).max_partitions == 15
    with pytest.raises(LayoutError):
        Grid(60).object_key(0, 60)
    with pytest.raises(LayoutError):
        Grid(15).object_key(0, 15)


def test_hour_of() -> None:
    assert hour_of(datetime(2026, 3, 1, 10, 59, 59, 999000, tzinfo=UTC)) == ms("2026-03-01T10:00:00")
