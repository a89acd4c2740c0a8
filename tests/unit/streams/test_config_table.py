"""The worker's config table: raw guard.config entries (what Faust hands the GlobalTable)
fold into the same ConfigState a replica holds, and screening reads the same config."""

from __future__ import annotations

from schemas.config_events import config_records
from streams.config import ConfigState
from streams.config.table import config_record, fold_entries
from streams.screening import screening_config
from tests.unit.streams.test_config_state import random_history


def topic_entries(world) -> list[tuple[bytes, bytes | None]]:
    """The world's events as the (key, value) records on guard.config, in log order."""
    return [(key.encode(), value) for event in world.events for key, value in config_records(event)]


def test_table_entries_fold_to_the_replicas_state_in_any_batching(world) -> None:
    random_history(world, seed=11)
    entries = topic_entries(world)
    replica = ConfigState().apply_records(
        [r for event in world.events for r in (config_record(k.encode(), v) for k, v in config_records(event)) if r],
        keep_history=False,
    )
    one_by_one = ConfigState()
    for entry in entries:  # the worker's buffer sizes of 1: one batch per record
        one_by_one = fold_entries(one_by_one, [entry])
    in_chunks = ConfigState()
    for start in range(0, len(entries), 41):
        in_chunks = fold_entries(in_chunks, entries[start : start + 41])
    assert one_by_one == in_chunks == replica
    assert one_by_one.projects == world.state.projects and one_by_one.organizations == world.state.organizations
    deleted = {e.data.entity_id for e in world.events if e.type == "config.project.deleted"}
    assert deleted and not deleted & set(one_by_one.projects), "the history deletes projects; their tombstones apply"
    for org_id in ("org-a", "org-b", "org-unknown"):
        for project_id in (None, "project-a", "project-b", *sorted(deleted)[:3]):
            assert screening_config(one_by_one, org_id, project_id) == screening_config(world.state, org_id, project_id)


def test_audit_records_keyless_records_and_undecodable_values_are_skipped(world) -> None:
    entries = topic_entries(world)
    assert any(key.startswith(b"audit/") for key, _ in entries)
    assert config_record(b"audit/evt-1", entries[0][1]) is None
    assert config_record(None, entries[0][1]) is None
    assert config_record(b"organization/org-x", b"{not json") is None
    state = fold_entries(ConfigState(), entries)
    noisy = fold_entries(ConfigState(), [(b"organization/org-a", b"{not json"), (None, b"x"), *entries])
    assert noisy == state and state.history == ()


def test_a_tombstone_deletes_the_entity(world) -> None:
    state = fold_entries(ConfigState(), topic_entries(world))
    assert state.project("project-a") is not None
    after = fold_entries(state, [(b"project/project-a", None)])
    assert after.project("project-a") is None and after.project("project-b") is not None
    assert state.project("project-a") is not None  # folding never mutates the earlier state
