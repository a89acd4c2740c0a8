"""What the `screen` agent has already screened, per partition of `guard.screenings`.

The log of record, `guard.screened`, is also the agent's memory: every record it writes
carries a `guard-source` header naming the `guard.screenings` partition and offset it came
from, and goes to the same partition number. So when the agent takes a partition (at start,
after a rebalance, after a replay reset its offsets), the tail of that output partition says
how far screening got and which event ids were screened lately. Nothing else has to be kept
or recovered, and it holds across consumer groups: a replay of `guard.screenings` under a
fresh group skips everything already in `guard.screened`.

Two kinds of repeat are caught:
* replays and group rewinds: an input offset at or below the high-water mark;
* the same event id appended twice (a producer retried the same envelope): an event id in
  the recent window. The window is bounded; a duplicate arriving further apart than that
  would pass, which is why it is sized generously (retries come within seconds).

Pure: the tail records are read by streams/screened_tail.py.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

SOURCE_HEADER = "guard-source"
RECENT_IDS_PER_PARTITION = 50_000


def source_header(partition: int, offset: int) -> tuple[str, bytes]:
    return SOURCE_HEADER, f"{partition}:{offset}".encode()


def parse_source(headers: Sequence[tuple[str, bytes]] | None) -> tuple[int, int] | None:
    """(input partition, input offset) from a screened record's headers; None for records
    that were not screened by the agent (e.g. `/v2/guard`, appended already screened)."""
    for name, value in headers or ():
        if name == SOURCE_HEADER:
            partition, _, offset = value.decode("ascii", "replace").partition(":")
            if partition.isdigit() and offset.isdigit():
                return int(partition), int(offset)
    return None


@dataclass(frozen=True)
class TailRecord:
    """One record of a `guard.screened` partition, as far as the ledger cares."""

    key: bytes | None  # the event id
    headers: Sequence[tuple[str, bytes]]


@dataclass
class PartitionLedger:
    """Screening progress of one `guard.screenings` partition."""

    high_water: int = -1  # highest input offset whose screened event is in guard.screened
    recent: OrderedDict[str, None] = field(default_factory=OrderedDict)
    capacity: int = RECENT_IDS_PER_PARTITION

    def already_screened(self, offset: int, event_id: str) -> bool:
        return offset <= self.high_water or event_id in self.recent

    def record(self, offset: int, event_id: str) -> None:
        self.high_water = max(self.high_water, offset)
        self.recent[event_id] = None
        self.recent.move_to_end(event_id)
        while len(self.recent) > self.capacity:
            self.recent.popitem(last=False)


def ledger_from_tail(partition: int, tail: Iterable[TailRecord], capacity: int = RECENT_IDS_PER_PARTITION) -> PartitionLedger:
    """The ledger of input `partition` from the tail of its output partition, oldest first."""
    ledger = PartitionLedger(capacity=capacity)
    for record in tail:
        source = parse_source(record.headers)
        if source is None or source[0] != partition or record.key is None:
            continue
        ledger.record(source[1], record.key.decode("ascii", "replace"))
    return ledger
