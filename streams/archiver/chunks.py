"""Chunk planning for one partition: windows → objects → the offset that is safe to commit. Pure.

Exactly once rests on three facts (docs/siem-export.md has the whole argument):

1. **Deterministic objects.** A window is a contiguous offset range fixed by the records'
   timestamps (layout.py); its objects — one per (org, slot) — hold exactly its records of that
   org and slot, in offset order. Whoever rebuilds a window from its first offset, in whichever
   process, after whatever crash or replay, writes the same keys with the same lines.
2. **Write, then commit.** The committed offset is the first offset of the earliest window
   with an object not yet written (or of the open window). Every window before it is entirely
   written; every window from it on is rebuilt whole after a restart and overwritten in place.
3. **Distinct names.** Objects of different (partition, slot) pairs never share a key
   (layout.py), so an overwrite only ever replaces an object with the same events.

An event lands in exactly one line: its window's object for its org and slot.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from streams.archiver.layout import Grid
from streams.archiver.lines import ScreenedRecord


@dataclass(frozen=True)
class PlannedObject:
    """One object to write: an org's events of one slot of one window of one partition."""

    org_id: str
    key: str  # relative to the org's export root, in the seed's format
    records: tuple[ScreenedRecord, ...]


@dataclass
class Window:
    """A window of one partition: every record with offset in [first_offset, next_offset)."""

    start: int  # grid point (ms)
    first_offset: int
    next_offset: int
    records: list[ScreenedRecord] = field(default_factory=list)


@dataclass
class ClosedWindow:
    """A closed window and which of its objects are written (or need no writing)."""

    start: int
    first_offset: int
    next_offset: int
    objects: dict[str, PlannedObject]  # by "<org_id>/<key>"
    done: set[str] = field(default_factory=set)

    @property
    def complete(self) -> bool:
        return len(self.done) == len(self.objects)

    def pending(self) -> list[tuple[str, PlannedObject]]:
        return [(ref, obj) for ref, obj in self.objects.items() if ref not in self.done]


@dataclass(frozen=True)
class Regress:
    """A record arrived for a window already closed by the clock (a broker clock behind ours by
    more than the grace): re-read the partition from `seek_to` and rebuild that window whole."""

    seek_to: int


def plan_objects(window: Window, grid: Grid, partition: int) -> dict[str, PlannedObject]:
    """The objects of a closed window, keyed "<org_id>/<key>", records in offset order."""
    groups: dict[tuple[str, int], list[ScreenedRecord]] = {}
    for record in window.records:
        slot = grid.slot_of(window.start, record.timestamp_ms, record.event_hour_ms)
        groups.setdefault((record.org_id, slot), []).append(record)
    planned = {}
    for (org_id, slot), records in groups.items():
        key = grid.object_key(slot, partition)
        planned[f"{org_id}/{key}"] = PlannedObject(org_id, key, tuple(records))
    return planned


class PartitionChunks:
    """The archiver's state for one partition it owns: the open window and the closed windows
    not yet entirely written. Fed records in offset order from an anchored position (a window's
    first offset, see `service.py`); never does I/O."""

    def __init__(self, partition: int, grid: Grid) -> None:
        grid.object_key(0, partition)  # raises LayoutError for a partition the format cannot name
        self.partition = partition
        self.grid = grid
        self.open: Window | None = None
        self.closed: deque[ClosedWindow] = deque()
        self._max_ts: int | None = None
        self._last_closed: tuple[int, int] | None = None  # (window start, first offset)
        self._position: int | None = None  # next offset after everything added

    # --- feeding ------------------------------------------------------------------------

    def add(self, offset: int, timestamp_ms: int, record: ScreenedRecord | None) -> list[ClosedWindow] | Regress:
        """Take the record at `offset` (None: not an archivable event, it only moves time).
        Returns the windows it closed, or a Regress to act on (nothing was changed then)."""
        max_ts = timestamp_ms if self._max_ts is None else max(self._max_ts, timestamp_ms)
        window = self.grid.window_of(max_ts)
        if self.open is None and self._last_closed is not None and window <= self._last_closed[0]:
            return self._regress()
        closed: list[ClosedWindow] = []
        if self.open is not None and window != self.open.start:
            closed.append(self._close())
        if self.open is None:
            self.open = Window(window, offset, offset + 1)
        self._max_ts = max_ts
        self.open.next_offset = offset + 1
        self._position = offset + 1
        if record is not None:
            self.open.records.append(record)
        return closed

    def close_idle(self, now_ms: int, grace_ms: int, caught_up: bool) -> ClosedWindow | None:
        """Close the open window once the clock is `grace_ms` past its end and the partition
        has no more records to read: an hour's last object need not wait for more traffic."""
        if self.open is None or not caught_up:
            return None
        if now_ms < self.grid.window_end(self.open.start) + grace_ms:
            return None
        return self._close()

    def _close(self) -> ClosedWindow:
        assert self.open is not None
        window, self.open = self.open, None
        self._last_closed = (window.start, window.first_offset)
        closed = ClosedWindow(
            window.start, window.first_offset, window.next_offset, plan_objects(window, self.grid, self.partition)
        )
        self.closed.append(closed)
        self._trim()
        return closed

    def _trim(self) -> None:
        while self.closed and self.closed[0].complete:
            self.closed.popleft()

    def _regress(self) -> Regress:
        assert self._last_closed is not None
        start, first_offset = self._last_closed
        # The window is rebuilt from its first offset; its earlier plan is dropped (an
        # object already written from it is overwritten by a superset of the same events).
        self.closed = deque(w for w in self.closed if w.first_offset < first_offset)
        self._last_closed = None
        self._max_ts = None
        self._position = first_offset
        return Regress(first_offset)

    # --- writing and committing -----------------------------------------------------------

    def mark_done(self, window: ClosedWindow, ref: str) -> None:
        window.done.add(ref)
        self._trim()

    def commit_offset(self) -> int | None:
        """The offset to commit: the first one of the earliest window not entirely written."""
        if self.closed:
            return self.closed[0].first_offset
        if self.open is not None:
            return self.open.first_offset
        return self._position

    def held_events(self) -> int:
        """Events read but not yet archived (open window + unwritten objects)."""
        held = len(self.open.records) if self.open is not None else 0
        for window in self.closed:
            held += sum(len(obj.records) for ref, obj in window.objects.items() if ref not in window.done)
        return held

    def held_by_org(self) -> dict[str, int]:
        held: dict[str, int] = {}
        for window in self.closed:
            for ref, obj in window.objects.items():
                if ref not in window.done:
                    held[obj.org_id] = held.get(obj.org_id, 0) + len(obj.records)
        return held
