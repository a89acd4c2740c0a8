import struct
import uuid
from datetime import UTC, date, datetime

from projections.intents import FlushIntent

from projections.batches import (
    LandingRecord,
    PartitionBuffer,
    flush_partitions,
    insert_groups,
    known_events_lookup,
    landing_record,
    read_event_id,
    read_occurred_at,
    rowbinary,
)

EVENT_ID = uuid.UUID("0192d5f4-1c2a-7b3c-8d4e-1234567890ab")


def raw(event_id: uuid.UUID = EVENT_ID, at: str = "2026-01-02T03:04:05.678Z") -> bytes:
    return f'{{"event_id":"{event_id}","type":"screening.screened","version":1,"occurred_at":"{at}","org_id":"o"}}'.encode()


def record(offset: int, event_id: uuid.UUID | None = None, at: str = "2026-01-02T03:04:05.678Z") -> LandingRecord:
    event_id = event_id or uuid.uuid4()
    return landing_record(3, offset, str(event_id).encode(), raw(event_id, at))


def test_fields_are_read_without_parsing_json() -> None:
    assert read_event_id(str(EVENT_ID).encode(), b"") == EVENT_ID
    assert read_event_id(b"not-a-uuid", raw()) == EVENT_ID  # falls back to the value
    assert read_event_id(None, b"{not json") is None
    assert read_occurred_at(raw()) == datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    assert read_occurred_at(raw(at="yesterday")) is None
    assert read_occurred_at(b"") is None


def test_a_pinned_batch_waits_for_all_its_records_and_is_cut_exactly() -> None:
    buffer = PartitionBuffer(intent_last=12)
    buffer.add([record(o) for o in range(10, 12)], now=0.0)
    assert not buffer.ready(now=99.0, linger_s=0.1, max_events=1)
    buffer.add([record(o) for o in range(12, 20)], now=1.0)
    assert buffer.ready(now=1.0, linger_s=99.0, max_events=1000)
    assert [r.offset for r in buffer.take(max_events=1, now=1.0)] == [10, 11, 12]  # the intent, not max_events
    assert [r.offset for r in buffer.take(max_events=3, now=1.0)] == [13, 14, 15]


def test_unpinned_batches_flush_when_full_or_lingered() -> None:
    buffer = PartitionBuffer()
    assert not buffer.ready(now=0.0, linger_s=0.2, max_events=3)
    buffer.add([record(0)], now=0.0)
    assert not buffer.ready(now=0.1, linger_s=0.2, max_events=3)
    assert buffer.ready(now=0.25, linger_s=0.2, max_events=3)
    buffer.add([record(1), record(2)], now=0.1)
    assert buffer.ready(now=0.1, linger_s=0.2, max_events=3)


def test_insert_groups_drop_known_and_repeated_events_and_split_by_day() -> None:
    known, repeated = uuid.uuid4(), uuid.uuid4()
    batch = [
        record(0, at="2026-01-01T23:59:59.999Z"),
        record(1, known, at="2026-01-01T23:59:59.999Z"),
        record(2, repeated, at="2026-01-02T00:00:00.000Z"),
        record(3, repeated, at="2026-01-02T00:00:00.000Z"),
        landing_record(3, 4, None, b"{not json"),
        record(5, at="2026-01-02T00:00:01.000Z"),
    ]
    flush = FlushIntent(((3, 0, 5),))
    groups = insert_groups(flush, {3: batch}, {known})
    assert [(g.day, [r.offset for r in g.records]) for g in groups] == [
        (date(2026, 1, 1), [0]),
        (date(2026, 1, 2), [2, 5]),
        (None, [4]),  # undecodable: still written, the mapping rejects it
    ]
    assert all(g.flush == flush for g in groups)


def test_one_flush_inserts_every_partition_in_one_group_per_day() -> None:
    at = "2026-01-02T00:00:00.000Z"
    batches = {9: [landing_record(9, o, str(uuid.uuid4()).encode(), raw(uuid.uuid4(), at)) for o in (40, 41)],
               3: [record(o, at=at) for o in (7, 8)]}
    (group,) = insert_groups(FlushIntent(((3, 7, 8), (9, 40, 41))), batches, set())
    assert [(r.partition, r.offset) for r in group.records] == [(3, 7), (3, 8), (9, 40), (9, 41)]


def test_a_flush_takes_every_waiting_partition_up_to_the_limit_longest_waiting_first() -> None:
    buffers = {p: PartitionBuffer() for p in range(4)}
    buffers[2].add([record(o) for o in range(5)], now=1.0)
    buffers[0].add([record(o) for o in range(3)], now=2.0)
    buffers[3].add([record(o) for o in range(4)], now=3.0)
    assert flush_partitions(buffers, max_events=100) == {2: 5, 0: 3, 3: 4}  # partition 1 has nothing
    assert flush_partitions(buffers, max_events=7) == {2: 5, 0: 2}


def test_tokens_name_flush_day_and_content() -> None:
    batch = [record(o, at="2026-01-02T00:00:00.000Z") for o in range(4)]
    flush = FlushIntent(((3, 0, 3),))
    full, again = insert_groups(flush, {3: batch}, set())[0], insert_groups(flush, {3: list(batch)}, set())[0]
    partial = insert_groups(flush, {3: batch}, {batch[0].event_id})[0]
    assert full.token("t") == again.token("t")  # a retry carries the same token
    assert full.token("t").startswith("t:3:0:") and ":2026-01-02:" in full.token("t")
    assert partial.token("t") != full.token("t")  # other rows, another token
    wider = insert_groups(FlushIntent(((3, 0, 3), (5, 10, 10))), {3: batch}, set())[0]
    assert wider.token("t") != full.token("t")  # another flush, another token


def test_known_events_lookup_is_time_bounded_when_it_can_be() -> None:
    batch = [record(0, at="2026-01-02T00:00:00.000Z"), record(1, at="2026-01-02T00:05:00.000Z")]
    lookup = known_events_lookup([batch])
    assert lookup is not None and len(lookup.event_ids) == 2
    assert (lookup.start, lookup.end) == (batch[0].received_at, batch[1].received_at)
    unbounded = known_events_lookup([[*batch, landing_record(0, 2, str(uuid.uuid4()).encode(), b"{}")]])
    assert unbounded is not None and unbounded.start is None
    assert known_events_lookup([[landing_record(0, 0, None, b"")]]) is None


def test_only_records_up_to_their_partitions_newest_stored_row_are_looked_up() -> None:
    first = [record(0, at="2026-01-02T00:00:00.000Z"), record(1, at="2026-01-02T00:05:00.000Z")]
    other = [landing_record(4, 7, str(uuid.uuid4()).encode(), b'{"occurred_at":"2026-01-02T00:01:00.000Z"}')]
    newest = {3: first[0].received_at, 4: datetime(2026, 1, 2, 0, 0, tzinfo=UTC)}  # partition 4: only older rows
    lookup = known_events_lookup([first, other], newest)
    assert lookup is not None and lookup.event_ids == [str(first[0].event_id)]  # its own time counts
    assert (lookup.start, lookup.end) == (first[0].received_at, first[0].received_at)
    assert known_events_lookup([first, other], {}) is None  # nothing stored from these partitions
    assert known_events_lookup([first, other], {1: datetime(2027, 1, 1, tzinfo=UTC)}) is None  # another partition's rows


def test_rowbinary_encodes_partition_offset_and_raw_bytes() -> None:
    value = b"x" * 300  # a two-byte LEB128 length
    encoded = rowbinary([LandingRecord(7, 2**40, None, None, value)])
    partition, offset = struct.unpack_from("<HQ", encoded)
    assert (partition, offset) == (7, 2**40)
    assert encoded[10:12] == bytes([300 & 0x7F | 0x80, 300 >> 7])
    assert encoded[12:] == value
