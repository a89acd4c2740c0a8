"""The pure core of the projection writer: which records form a batch, what is inserted, and
under which deduplication token — everything that makes a retried flush identical to the
first attempt. No I/O here; writer.py is the thin adapter around Kafka and ClickHouse.

Exactly once, per flush (one INSERT per UTC day of the ready records of all the writer's
partitions):

1. *Intent.* Before inserting, the writer commits for each partition of the flush offset
   `first` with the whole flush as metadata (projections/intents.py). Whoever owns the
   flush's leader partition next re-forms exactly that flush before anything else, so a
   flush is never re-cut differently.
2. *Known events are dropped.* Records whose event_id is already in `screenings` (a flush
   that landed before the crash, or an upstream duplicate: the pipeline is at-least-once and
   keys records by event_id, so duplicates share a partition) and repeats within the flush
   are left out (`insert_groups`). Only records no later than the newest row stored from their
   own partition can be among them, so only those are looked up (`known_events_lookup`).
   This relies on `guard.screened` keeping its partition count (topic contract).
3. *One day per INSERT, content-derived token.* What remains is inserted one UTC day at a time
   (each INSERT becomes exactly one part in every table) with a token naming the flush, the
   day and a digest of the records inserted. An INSERT still in flight from a dead owner and
   its retry therefore carry the same rows and the same token, and each table —
   `screenings` and every aggregate, which ClickHouse deduplicates per view — keeps one copy.
4. *Then commit* `last + 1` for every partition. A crash before it only repeats steps 1-3
   for the same flush.
"""

from __future__ import annotations

import hashlib
import struct
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from projections.intents import MAX_FLUSH_PARTITIONS, FlushIntent

_OCCURRED_AT = b'"occurred_at":"'
_EVENT_ID = b'"event_id":"'
_ROW_HEAD = struct.Struct("<HQ")


@dataclass(frozen=True)
class LandingRecord:
    """What the writer keeps of one Kafka record: the bytes, and two fields read without a
    JSON parse (the mapping itself runs in ClickHouse, projections/mapping.py)."""

    partition: int
    offset: int
    event_id: uuid.UUID | None  # from the record key (the pipeline keys by event_id), else the value
    received_at: datetime | None  # the envelope's occurred_at, for day grouping and the lookup bounds
    raw: bytes

    @property
    def day(self) -> date | None:
        return self.received_at.date() if self.received_at else None


def _quoted_after(raw: bytes, marker: bytes, limit: int) -> str | None:
    start = raw.find(marker)
    if start < 0:
        return None
    start += len(marker)
    end = raw.find(b'"', start, start + limit)
    return raw[start:end].decode("ascii", "replace") if end > 0 else None


def read_event_id(key: bytes | None, raw: bytes) -> uuid.UUID | None:
    for text in ((key or b"").decode("ascii", "replace"), _quoted_after(raw, _EVENT_ID, 40)):
        try:
            return uuid.UUID(text) if text else None
        except ValueError:
            continue
    return None


def read_occurred_at(raw: bytes) -> datetime | None:
    text = _quoted_after(raw, _OCCURRED_AT, 40)
    try:
        moment = datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment and moment.tzinfo else None


def landing_record(partition: int, offset: int, key: bytes | None, value: bytes | None) -> LandingRecord:
    raw = value or b""
    return LandingRecord(partition, offset, read_event_id(key, raw), read_occurred_at(raw), raw)


# --- batching -------------------------------------------------------------------------------


@dataclass
class PartitionBuffer:
    """Records of one partition waiting to be written; `intent_last` pins the next batch."""

    intent_last: int | None = None
    records: list[LandingRecord] = field(default_factory=list)
    first_added_at: float | None = None

    def add(self, records: Iterable[LandingRecord], now: float) -> None:
        before = len(self.records)
        self.records.extend(records)
        if before == 0 and self.records:
            self.first_added_at = now

    def ready(self, now: float, linger_s: float, max_events: int, target: int | None = None) -> bool:
        """A pinned batch is ready once all of it arrived; others when full, when they reach
        the `target` offset (nothing more to wait for), or when they lingered long enough."""
        if not self.records:
            return False
        if self.intent_last is not None:
            return self.records[-1].offset >= self.intent_last
        assert self.first_added_at is not None
        reached = target is not None and self.records[-1].offset >= target
        return reached or len(self.records) >= max_events or now - self.first_added_at >= linger_s

    def take(self, max_events: int, now: float) -> list[LandingRecord]:
        if self.intent_last is not None:
            cut = next((i for i, r in enumerate(self.records) if r.offset > self.intent_last), len(self.records))
            self.intent_last = None
        else:
            cut = min(max_events, len(self.records))
        batch, self.records = self.records[:cut], self.records[cut:]
        self.first_added_at = now if self.records else None
        return batch


def flush_partitions(buffers: Mapping[int, PartitionBuffer], max_events: int) -> dict[int, int]:
    """How many records of which partitions the next flush takes: every partition with
    records, the longest waiting first, up to `max_events` in all (one INSERT pays ClickHouse
    a fixed cost in every table, so a flush takes all it may)."""
    chosen: dict[int, int] = {}
    room = max_events
    waiting = sorted((b.first_added_at or 0.0, p) for p, b in buffers.items() if b.records)
    for _, partition in waiting:
        if room <= 0 or len(chosen) >= MAX_FLUSH_PARTITIONS:
            break
        chosen[partition] = min(room, len(buffers[partition].records))
        room -= chosen[partition]
    return chosen


# --- what one batch inserts -----------------------------------------------------------------


@dataclass(frozen=True)
class InsertGroup:
    """The records of one flush and one UTC day that are new: one INSERT, one token."""

    flush: FlushIntent
    day: date | None
    records: tuple[LandingRecord, ...]

    def token(self, topic: str) -> str:
        content = hashlib.blake2b(digest_size=8)
        for record in self.records:
            content.update(record.partition.to_bytes(4, "little") + record.offset.to_bytes(8, "little"))
        ranges = hashlib.blake2b(self.flush.metadata().encode(), digest_size=8).hexdigest()
        leader, first, _ = self.flush.ranges[0]
        day = self.day.isoformat() if self.day else "unknown-day"
        return f"{topic}:{leader}:{first}:{ranges}:{day}:{content.hexdigest()}"


def insert_groups(flush: FlushIntent, batches: Mapping[int, Sequence[LandingRecord]], known: set[uuid.UUID]) -> list[InsertGroup]:
    """The flush's records (partitions in order) minus known events and repeats, split by day
    (days in order)."""
    seen = set(known)
    by_day: dict[date | None, list[LandingRecord]] = {}
    for partition in sorted(batches):
        for record in batches[partition]:
            if record.event_id is not None:
                if record.event_id in seen:
                    continue
                seen.add(record.event_id)
            by_day.setdefault(record.day, []).append(record)
    ordered = sorted(by_day.items(), key=lambda item: (item[0] is None, item[0] or date.min))
    return [InsertGroup(flush, day, tuple(records)) for day, records in ordered]


@dataclass(frozen=True)
class KnownEventsLookup:
    """Parameters of the query for which of a flush's event_ids `screenings` already holds."""

    event_ids: list[str]
    start: datetime | None  # None: some record has no readable time, so no time bound
    end: datetime | None


def known_events_lookup(
    batches: Iterable[Sequence[LandingRecord]], newest_stored: Mapping[int, datetime] | None = None
) -> KnownEventsLookup | None:
    """What to ask ClickHouse. `newest_stored`, when given, is per Kafka partition the latest
    received_at stored from that partition at or after the flush's earliest event (a partition
    absent: nothing stored there). A record can be stored already only as a row of its own
    partition (a crashed attempt of this batch, or an upstream duplicate: records are keyed by
    event_id, so copies share the partition) with its own received_at — so only records no
    later than their partition's newest stored row are asked about. The log is about in time
    order per partition, so that leaves the few out-of-order events where batches meet,
    in the live writer and in a replay alike."""
    records = [r for batch in batches for r in batch if r.event_id is not None]
    if newest_stored is not None:
        records = [
            r for r in records
            if r.received_at is None or (r.partition in newest_stored and r.received_at <= newest_stored[r.partition])
        ]
    if not records:
        return None
    times = [r.received_at for r in records]
    bounded = all(t is not None for t in times)
    return KnownEventsLookup(
        event_ids=sorted({str(r.event_id) for r in records}),
        start=min(t for t in times if t is not None) if bounded else None,
        end=max(t for t in times if t is not None) if bounded else None,
    )


def earliest_time(batches: Iterable[Sequence[LandingRecord]]) -> datetime | None:
    """The flush's earliest event time, or None if some event has none (then no bound)."""
    times = [r.received_at for batch in batches for r in batch if r.event_id is not None]
    return min(times) if times and all(t is not None for t in times) else None  # type: ignore[type-var]


def rowbinary(records: Iterable[LandingRecord]) -> bytes:
    """`screened_landing` rows (kafka_partition UInt16, kafka_offset UInt64, raw String) in RowBinary."""
    out = bytearray()
    for record in records:
        out += _ROW_HEAD.pack(record.partition, record.offset)
        size = len(record.raw)
        while size >= 0x80:  # String: LEB128 length, then the bytes
            out.append((size & 0x7F) | 0x80)
            size >>= 7
        out.append(size)
        out += record.raw
    return bytes(out)
