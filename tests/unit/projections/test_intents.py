import pytest

from projections.intents import FlushIntent, PinnedFlush, parse_intent, plan_takeover, still_pending

FLUSH = FlushIntent(((0, 100, 180), (3, 40, 52), (7, 9, 9)))


def test_a_flush_intent_round_trips_through_the_commit_metadata_of_each_of_its_partitions() -> None:
    assert FLUSH.metadata() == "flush 0:100-180,3:40-52,7:9-9"
    assert parse_intent(0, 100, FLUSH.metadata()) == FLUSH
    assert parse_intent(3, 40, FLUSH.metadata()) == FLUSH
    assert (FLUSH.leader, FLUSH.partitions, FLUSH.range_of(3), FLUSH.range_of(5)) == (0, (0, 3, 7), (40, 52), None)


def test_only_a_commit_still_at_the_flush_start_records_it_as_in_progress() -> None:
    assert parse_intent(3, 53, FLUSH.metadata()) is None  # written: the commit moved past it
    assert parse_intent(5, 40, FLUSH.metadata()) is None  # not one of its partitions
    assert parse_intent(0, None, FLUSH.metadata()) is None
    assert parse_intent(0, 100, "") is None
    assert parse_intent(0, 100, "flush 0:100-x") is None
    assert parse_intent(4, 100, "batch 100-149") == FlushIntent(((4, 100, 149),))  # an older writer's intent


def test_a_flush_names_each_partition_once_in_order() -> None:
    with pytest.raises(ValueError):
        FlushIntent(((3, 0, 1), (0, 0, 1)))
    with pytest.raises(ValueError):
        FlushIntent(((3, 0, 1), (3, 2, 3)))
    with pytest.raises(ValueError):
        FlushIntent(())


def committed_with_flush_pending() -> dict[int, tuple[int | None, str | None]]:
    return {0: (100, FLUSH.metadata()), 1: (5, ""), 3: (40, FLUSH.metadata()), 7: (9, FLUSH.metadata())}


def test_the_owner_of_the_leader_re_forms_a_pending_flush_reading_what_it_does_not_own_from_the_log() -> None:
    plan = plan_takeover([0, 1, 3], committed_with_flush_pending())
    assert plan.pinned == [PinnedFlush(FLUSH, from_buffers=(0, 3), from_log=(7,))]
    assert plan.skip_to == {}


def test_owners_of_the_other_partitions_skip_their_part_of_a_pending_flush() -> None:
    plan = plan_takeover([1, 7], committed_with_flush_pending())
    assert plan.pinned == []
    assert plan.skip_to == {7: 10}
    assert plan.waiting_on == {7: FLUSH}  # and write no more of partition 7 until it is written
    assert still_pending(FLUSH, committed_with_flush_pending())
    assert not still_pending(FLUSH, committed_with_flush_pending() | {0: (181, "")})


def test_parts_of_a_written_flush_are_skipped_by_everyone() -> None:
    committed = committed_with_flush_pending() | {0: (181, "")}  # the leader moved on: it was written
    plan = plan_takeover([0, 1, 3, 7], committed)
    assert plan.pinned == []
    assert plan.skip_to == {3: 53, 7: 10}
    assert plan.waiting_on == {}


def test_a_partition_that_moved_past_a_pending_flush_is_read_from_the_log() -> None:
    later = FlushIntent(((3, 53, 60),))
    committed = committed_with_flush_pending() | {3: (53, later.metadata())}  # its owner skipped, then flushed on
    plan = plan_takeover([0, 3, 7], committed)
    assert plan.pinned == [PinnedFlush(FLUSH, from_buffers=(0, 7), from_log=(3,)), PinnedFlush(later, (3,), ())]
