"""Chunk planning and the commit offset (streams/archiver/chunks.py), and lines (lines.py)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from schemas.config import Project
from schemas.envelope import format_rfc3339_ms, new_event_id
from streams.archiver.chunks import PartitionChunks, Regress
from streams.archiver.layout import Grid, LayoutError
from schemas.export import SiemLogLine
from streams.archiver.lines import NotAScreenedEvent, ScreenedRecord, archive_line, decode_record

T0 = datetime(2026, 3, 1, 10, 57, 10, tzinfo=UTC)


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def envelope(org_id: str, occurred: datetime, project_id: str | None = "p1") -> bytes:
    return json.dumps({
        "event_id": new_event_id(ms(occurred)), "type": "screening.screened", "version": 1,
        "occurred_at": format_rfc3339_ms(occurred), "org_id": org_id, "project_id": project_id,
        "data": {"request_id": "r", "kind": "prompt", "messages": [{"role": "user", "content": "hi <EMAIL>"}],
                 "flagged": False, "metadata": {"user": "u1"}},
    }).encode()


def feed(chunks: PartitionChunks, records: list[tuple[int, int, bytes]]) -> list:
    closed = []
    for offset, ts, value in records:
        result = chunks.add(offset, ts, decode_record(offset, ts, value))
        assert not isinstance(result, Regress)
        closed += result
    return closed


def traffic(n: int, seconds: float, orgs=("org-a", "org-b"), seed: int = 3) -> list[tuple[int, int, bytes]]:
    """n records over `seconds` from T0, screened 0-2 s after they occurred."""
    rng = random.Random(seed)
    out = []
    for offset in range(n):
        occurred = T0 + timedelta(seconds=seconds * offset / n)
        screened = occurred + timedelta(milliseconds=rng.randrange(2000))
        out.append((offset, ms(screened), envelope(rng.choice(orgs), occurred)))
    out.sort(key=lambda r: r[1])  # LogAppendTime: monotone per partition
    return [(i, ts, v) for i, (_, ts, v) in enumerate(out)]


def test_every_event_lands_in_exactly_one_object_under_its_hour() -> None:
    chunks = PartitionChunks(4, Grid(60))
    records = traffic(3000, 6 * 60)  # 10:57:10 … 11:03:10, across the hour
    closed = feed(chunks, records)
    final = chunks.close_idle(ms(T0) + 3600_000, grace_ms=0, caught_up=True)
    assert final is not None
    closed.append(final)
    seen: dict[str, str] = {}
    for window in closed:
        for ref, obj in window.objects.items():
            assert ref == f"{obj.org_id}/{obj.key}"
            assert obj.key.endswith(":04+00:00.jsonl")  # the seconds field is the partition
            for record in obj.records:
                assert record.event_id not in seen
                seen[record.event_id] = obj.key
                assert record.org_id == obj.org_id
                folder_hour = int(obj.key.split("/")[3])
                assert folder_hour == datetime.fromtimestamp(record.event_hour_ms / 1000, UTC).hour
    assert len(seen) == len(records)
    keys = {obj.key for w in closed for obj in w.objects.values()}
    assert "2026/03/01/10/2026-03-01T10:59:04+00:00.jsonl" in keys
    assert "2026/03/01/11/2026-03-01T11:00:04+00:00.jsonl" in keys


def test_rebuilding_from_any_committed_offset_gives_the_same_objects() -> None:
    """The heart of exactly once: restart at the commit offset after any prefix, and every
    object from there on is identical to the uninterrupted run's."""
    grid = Grid(15)
    records = traffic(1500, 150, orgs=("org-a", "org-b", "org-c"))

    def objects_from(start: int) -> dict[str, tuple[str, ...]]:
        chunks = PartitionChunks(2, grid)
        closed = feed(chunks, [r for r in records if r[0] >= start])
        closed.append(chunks.close_idle(10**15, 0, True))
        return {ref: tuple(r.event_id for r in obj.records) for w in closed for ref, obj in w.objects.items()}

    full = objects_from(0)
    for cut in (1, 97, 450, 1001, 1499):
        chunks = PartitionChunks(2, grid)
        feed(chunks, records[:cut])
        commit = chunks.commit_offset()
        assert commit is not None and commit <= cut
        resumed = objects_from(commit)
        for ref, ids in resumed.items():
            assert full[ref] == ids, "a rewrite would change an object"


def test_commit_waits_for_the_earliest_unwritten_window() -> None:
    chunks = PartitionChunks(0, Grid(60))
    records = traffic(600, 4 * 60)
    closed = feed(chunks, records)
    assert len(closed) >= 2
    assert chunks.commit_offset() == closed[0].first_offset
    # write every object of the later windows and all but org-b's of the first
    for window in closed[1:]:
        for ref, _ in window.pending():
            chunks.mark_done(window, ref)
    first = closed[0]
    for ref, obj in first.pending():
        if obj.org_id != "org-b":
            chunks.mark_done(first, ref)
    assert chunks.commit_offset() == first.first_offset  # org-b holds everything back
    assert chunks.held_by_org() == {"org-b": sum(len(o.records) for o in first.objects.values() if o.org_id == "org-b")}
    for ref, _ in first.pending():
        chunks.mark_done(first, ref)
    assert chunks.commit_offset() == chunks.open.first_offset  # only the open window remains
    assert not chunks.closed


def test_clock_closes_an_idle_window_only_when_caught_up_and_past_the_grace() -> None:
    grid = Grid(60)
    chunks = PartitionChunks(1, grid)
    feed(chunks, [(0, ms(T0), envelope("org-a", T0))])
    end = ms(T0.replace(second=0)) + 60_000
    assert chunks.close_idle(end + 4_999, grace_ms=5_000, caught_up=True) is None
    assert chunks.close_idle(end + 5_000, grace_ms=5_000, caught_up=False) is None
    window = chunks.close_idle(end + 5_000, grace_ms=5_000, caught_up=True)
    assert window is not None and list(window.objects) == ["org-a/2026/03/01/10/2026-03-01T10:57:01+00:00.jsonl"]
    assert chunks.commit_offset() == 0
    chunks.mark_done(window, next(iter(window.objects)))
    assert chunks.commit_offset() == 1
    # a record of the closed window arriving late (a broker clock behind ours): rebuild it whole
    result = chunks.add(1, ms(T0) + 100, decode_record(1, ms(T0) + 100, envelope("org-a", T0)))
    assert result == Regress(seek_to=0)
    assert chunks.commit_offset() == 0


def test_non_monotone_timestamps_keep_windows_contiguous() -> None:
    chunks = PartitionChunks(0, Grid(60))
    base = ms(T0.replace(second=0))
    times = [base + 10_000, base + 70_000, base + 50_000, base + 130_000]  # third goes back
    closed = feed(chunks, [(i, t, envelope("org-a", T0)) for i, t in enumerate(times)])
    assert [(w.first_offset, w.next_offset) for w in closed] == [(0, 1), (1, 3)]


def test_a_partition_the_format_cannot_name_is_refused() -> None:
    with pytest.raises(LayoutError):
        PartitionChunks(60, Grid(60))


def test_lines_carry_the_event_and_the_project() -> None:
    occurred = datetime(2026, 3, 1, 10, 59, 59, 950000, tzinfo=UTC)
    record = decode_record(7, ms(occurred) + 100, envelope("org-a", occurred))
    assert record.event_hour_ms == ms(occurred.replace(minute=0, second=0, microsecond=0))
    project = Project(id="p1", org_id="org-a", name="Support bot", metadata={"team": "support"}, created_at=occurred)
    line = archive_line(record, project)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    decoded = json.loads(line)
    assert decoded["event_id"] == record.event_id and decoded["org_id"] == "org-a"
    assert decoded["project_name"] == "Support bot" and decoded["project_metadata"] == {"team": "support"}
    assert decoded["messages"] == [{"role": "user", "content": "hi <EMAIL>"}]
    assert decoded["metadata"] == {"user": "u1"}  # the request's own metadata stays
    assert archive_line(record, project) == line  # deterministic bytes
    assert json.loads(archive_line(record, None))["project_name"] is None


@pytest.mark.parametrize("value", [b"", b"{nope", b'{"type": "screening.received"}', b'{"type": "screening.screened", "org_id": "o"}'])
def test_records_that_are_not_screened_events_are_refused(value: bytes) -> None:
    with pytest.raises(NotAScreenedEvent):
        decode_record(0, 0, value)


def test_a_real_envelope_decodes() -> None:
    from tests.integration.screened_traffic import screened_events

    event = screened_events(1, "org-x", ["p"], T0, T0 + timedelta(seconds=1))[0]
    record = decode_record(0, ms(T0), event.to_bytes())
    assert isinstance(record, ScreenedRecord) and record.event_id == event.event_id
    raw = archive_line(record, None)
    line = json.loads(raw)
    assert line["api_response"] == json.loads(event.data.api_response.model_dump_json())
    parsed = SiemLogLine.model_validate_json(raw)  # the contract of a line, field for field
    assert parsed.event_id == event.event_id and parsed.project_metadata == {}
