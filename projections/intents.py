"""Flush intents: which offset ranges one INSERT covers, recorded in Kafka before it is sent,
and what a writer that takes partitions over must do about intents it finds. Pure; the writer
(projections/writer.py) does the I/O.

One flush is one INSERT (per UTC day) of the records of every partition the writer had ready:
ClickHouse pays a fixed cost per INSERT in every table behind the landing table (a part in
`screenings` and in each aggregate, then their merges), so one INSERT per partition cost the
embedded engine ~70 ms of CPU each — most of a core at 1,000 events/s over 12 partitions.

Before inserting, the writer commits, for each partition of the flush, offset `first` with
the whole flush as metadata (`flush 0:100-180,3:40-52`). Kafka writes one OffsetCommit
request as one batch to the group's offsets partition, so all of a flush's intents land
together. The flush's lowest partition is its *leader*; the flush is pending while the
leader's commit still names it (the writer moves every partition past the flush only after
the INSERT succeeded). Whoever owns the leader next re-forms the same flush — reading the
ranges of partitions it does not own straight from the log — and sends it with the same
deduplication token, so an INSERT still in flight from the dead owner and its retry keep one
copy in every table. Owners of the other partitions skip their part of the flush: it is the
leader owner's to write, or already written; while it is pending they write nothing more of
those partitions, so two writers never write records of one partition at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

_FLUSH = re.compile(r"^flush (\d+:\d+-\d+(?:,\d+:\d+-\d+)*)$")
_BATCH = re.compile(r"^batch (\d+)-(\d+)$")  # a one-partition intent, as writers before flushes wrote it
# Kafka's offset.metadata.max.bytes defaults to 4,096; a flush naming this many partitions
# stays well under it.
MAX_FLUSH_PARTITIONS = 100


@dataclass(frozen=True)
class FlushIntent:
    """The records one flush writes: (partition, first offset, last offset), by partition."""

    ranges: tuple[tuple[int, int, int], ...]

    def __post_init__(self) -> None:
        if not self.ranges:
            raise ValueError("a flush covers at least one partition")
        if list(self.ranges) != sorted(self.ranges) or len({p for p, _, _ in self.ranges}) != len(self.ranges):
            raise ValueError("a flush names each partition once, in order")

    @classmethod
    def covering(cls, batches: Mapping[int, Sequence[object]], offsets: Mapping[int, tuple[int, int]]) -> FlushIntent:
        """The intent for `offsets` (partition → (first, last)) of the partitions in `batches`."""
        return cls(tuple((p, *offsets[p]) for p in sorted(batches)))

    @property
    def leader(self) -> int:
        return self.ranges[0][0]

    @property
    def partitions(self) -> tuple[int, ...]:
        return tuple(p for p, _, _ in self.ranges)

    def range_of(self, partition: int) -> tuple[int, int] | None:
        return next(((first, last) for p, first, last in self.ranges if p == partition), None)

    def metadata(self) -> str:
        return "flush " + ",".join(f"{p}:{first}-{last}" for p, first, last in self.ranges)


def parse_intent(partition: int, committed_offset: int | None, metadata: str | None) -> FlushIntent | None:
    """The flush a partition's commit records as in progress: one that names the partition with
    `first` equal to the committed offset (after the INSERT the commit moves past it)."""
    if committed_offset is None or not metadata:
        return None
    if match := _BATCH.match(metadata):
        intent = FlushIntent(((partition, int(match.group(1)), int(match.group(2))),))
    elif match := _FLUSH.match(metadata):
        try:
            intent = FlushIntent(tuple(
                (int(p), int(first), int(last))
                for p, first, last in (re.split(r"[:-]", item) for item in match.group(1).split(","))
            ))
        except ValueError:
            return None
    else:
        return None
    found = intent.range_of(partition)
    return intent if found is not None and found[0] == committed_offset else None


Committed = Mapping[int, tuple[int | None, str | None]]  # partition → (committed offset, metadata)


@dataclass(frozen=True)
class PinnedFlush:
    """A pending flush this writer re-forms: from its own buffers for the partitions it owns
    that still record the flush, and from the log for the rest (not assigned here, or moved
    past the flush by an owner that skipped it)."""

    intent: FlushIntent
    from_buffers: tuple[int, ...]
    from_log: tuple[int, ...]


@dataclass
class Takeover:
    """What a writer does with newly assigned partitions before anything else."""

    pinned: list[PinnedFlush] = field(default_factory=list)  # flushes to re-form first, exactly
    skip_to: dict[int, int] = field(default_factory=dict)  # partition → offset to read from instead
    # partition → the pending flush another writer re-forms: the partition's later records wait
    # until it is written, so records of one partition are never written by two writers at once
    # (the known-events lookup that drops upstream duplicates relies on it).
    waiting_on: dict[int, FlushIntent] = field(default_factory=dict)


def still_pending(intent: FlushIntent, committed: Committed) -> bool:
    """Whether the flush is not written yet: its leader's commit still names it."""
    return parse_intent(intent.leader, *committed.get(intent.leader, (None, None))) == intent


def plan_takeover(assigned: Sequence[int], committed: Committed) -> Takeover:
    """`committed` holds the commit of every partition of the topic (at least of the assigned
    ones and of every partition of the flushes they name)."""
    plan = Takeover()
    owned = set(assigned)
    intents = {p: parse_intent(p, *committed.get(p, (None, None))) for p in committed}
    pinned: list[FlushIntent] = []
    for partition in sorted(owned):
        intent = intents.get(partition)
        if intent is None:
            continue
        pending = intents.get(intent.leader) == intent
        if pending and intent.leader in owned:
            if intent not in pinned:  # found again through another of its partitions
                pinned.append(intent)
            continue
        _, last = intent.range_of(partition)  # type: ignore[misc]
        plan.skip_to[partition] = last + 1  # the leader's owner re-forms it, or it is written
        if pending:
            plan.waiting_on[partition] = intent
    for intent in pinned:
        mine = tuple(p for p in intent.partitions if p in owned and intents.get(p) == intent)
        plan.pinned.append(PinnedFlush(intent, mine, tuple(p for p in intent.partitions if p not in mine)))
    return plan
