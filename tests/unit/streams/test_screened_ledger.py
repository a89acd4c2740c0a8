"""The agent's memory of what it screened, rebuilt from the tail of guard.screened."""

from __future__ import annotations

from streams.screened_ledger import (
    PartitionLedger,
    TailRecord,
    ledger_from_tail,
    parse_source,
    source_header,
)
from streams.screened_tail import output_partition


def screened(partition: int, offset: int, event_id: str) -> TailRecord:
    return TailRecord(event_id.encode(), [source_header(partition, offset)])


def test_source_header_round_trips() -> None:
    assert parse_source([source_header(7, 1234)]) == (7, 1234)
    assert parse_source([("other", b"x")]) is None
    assert parse_source(None) is None
    assert parse_source([("guard-source", b"garbage")]) is None


def test_tail_gives_the_high_water_mark_of_its_own_input_partition_only() -> None:
    tail = [
        screened(3, 10, "a"),
        TailRecord(b"v2-guard", []),  # appended already screened by /v2/guard: no source
        screened(15, 99, "other-partition"),  # folded onto the same output partition
        screened(3, 11, "b"),
    ]
    ledger = ledger_from_tail(3, tail)
    assert ledger.high_water == 11
    assert ledger.already_screened(11, "new") and ledger.already_screened(5, "new")
    assert not ledger.already_screened(12, "new")
    assert ledger.already_screened(500, "a")  # the same event appended again, later
    assert not ledger.already_screened(500, "other-partition")


def test_empty_tail_screens_everything() -> None:
    ledger = ledger_from_tail(0, [TailRecord(b"v2", [])])
    assert ledger.high_water == -1
    assert not ledger.already_screened(0, "x")


def test_recent_ids_are_bounded_oldest_first() -> None:
    ledger = PartitionLedger(capacity=2)
    for offset, event_id in enumerate(["a", "b", "c"]):
        ledger.record(offset, event_id)
    assert list(ledger.recent) == ["b", "c"]
    assert ledger.high_water == 2


def test_output_partition_matches_when_topics_are_sized_alike() -> None:
    assert [output_partition(p, 12) for p in (0, 5, 11)] == [0, 5, 11]
    assert output_partition(13, 12) == 1
