"""ConfigState: folding records, compaction equivalence, lookups."""

from __future__ import annotations

import random
from datetime import timedelta

from schemas.config import PolicyRules, api_key_sha256
from schemas.config_api import ProjectCreate, ProjectUpdate
from schemas.config_events import ConfigRecord, records_of
from streams.config import ConfigState
from streams.config.commands import api_keys, members, policies, projects


def compact(records: list[ConfigRecord]) -> list[ConfigRecord]:
    """What Kafka's log compaction leaves (after delete.retention.ms): the last record per key,
    in offset order, without tombstones. Audit keys are unique, so every audit record stays."""
    last = {record.key: offset for offset, record in enumerate(records)}
    return [r for offset, r in enumerate(records) if last[r.key] == offset and r.event is not None]


def random_history(world, seed: int) -> list[ConfigRecord]:
    """The world's records, then a few hundred random admin commands on both orgs."""
    rng = random.Random(seed)
    for step in range(300):
        org = rng.choice("ab")
        org_id, actor = f"org-{org}", world.user_id(org, "admin")
        state = world.state
        choice = rng.randrange(6)
        if choice == 0:
            events = projects.create_project(state, actor, org_id, ProjectCreate(name=f"p{step}"), f"project-{org}-{step}")
        elif choice == 1 and (mine := state.projects_of(org_id)):
            target = rng.choice(mine).id
            events = (projects.delete_project(state, actor, org_id, target) if rng.random() < 0.5
                      else projects.update_project(state, actor, org_id, target, ProjectUpdate(metadata={"step": str(step)})))
        elif choice == 2:
            events = policies.update_policy(state, actor, org_id, f"policy-{org}", PolicyRules(name=f"v{step}"))
        elif choice == 3:
            role = rng.choice(["user", "no_access", "admin"])
            events = members.change_role(state, actor, org_id, world.user_id(org, "user"), role)
        elif choice == 4:
            events = api_keys.api_key_used(state, f"key-{org}", state.api_keys[f"key-{org}"].created_at + timedelta(minutes=step * 10))
        else:
            events = members.revoke_session(state, actor, org_id, f"token-{step:05d}", actor, state.api_keys[f"key-{org}"].created_at)
        world.run(list(events))
    return [record for event in world.events for record in records_of(event)]


def test_the_compacted_topic_folds_to_the_same_state(world) -> None:
    records = random_history(world, seed=3)
    full = ConfigState().apply_records(records)
    compacted = compact(records)
    assert len(compacted) < len(records)
    assert ConfigState().apply_records(compacted) == full
    assert full == world.state  # apply(event) one by one == the replica's record folding


def test_batching_does_not_change_the_result(world) -> None:
    records = random_history(world, seed=5)
    one_by_one = ConfigState()
    for record in records:
        one_by_one = one_by_one.apply_records([record])
    in_chunks = ConfigState()
    for start in range(0, len(records), 37):
        in_chunks = in_chunks.apply_records(records[start : start + 37])
    assert one_by_one == in_chunks == ConfigState().apply_records(records)


def test_without_history_the_entities_are_the_same(world) -> None:
    records = random_history(world, seed=7)
    lean = ConfigState().apply_records(records, keep_history=False)
    full = ConfigState().apply_records(records)
    assert lean.history == () and full.history
    assert lean.projects == full.projects and lean.api_keys == full.api_keys and lean.memberships == full.memberships


def test_apply_never_mutates_the_previous_state(world) -> None:
    before = world.state
    projects_before = dict(before.projects)
    world.run(projects.delete_project(before, "x", "org-a", "project-a"))
    assert dict(before.projects) == projects_before and "project-a" not in world.state.projects


def test_lookups(world) -> None:
    state = world.state
    assert state.user_by_email("ADMIN@a.example.com").id == world.user_id("a", "admin")
    assert [p.id for p in state.projects_of("org-a")] == ["project-a"]
    assert state.policy_of_project("project-b").id == "policy-b"
    assert state.api_key_by_hash(api_key_sha256("gs_secret_a")).id == "key-a"
    assert state.api_key_by_hash(api_key_sha256("gs_secret_x")) is None
    assert [m.role for m, _ in state.members("org-b")] == ["admin", "no_access", "user"]
    assert [m.org_id for m in state.memberships_of(world.user_id("a", "user"))] == ["org-a"]
    assert {e.org_id for e in state.audit_of("org-b")} == {"org-b"}


def test_policy_versions_come_from_the_history(world) -> None:
    for name in ("second", "third"):
        world.run(policies.update_policy(world.state, "u", "org-a", "policy-a", PolicyRules(name=name)))
    versions = world.state.policy_versions("policy-a")
    assert [(p.version, p.name) for p in versions] == [(1, "base"), (2, "second"), (3, "third")]
    assert world.state.policy("policy-a").version == 3


def test_usage_reports_merge_into_last_used(world) -> None:
    key = world.state.api_key("key-a")
    assert key.last_used_at is None
    later = key.created_at + timedelta(hours=1)
    world.run(api_keys.api_key_used(world.state, "key-a", later))
    assert world.state.api_key("key-a").last_used_at == later
    assert world.state.api_key_by_hash(api_key_sha256("gs_secret_a")).last_used_at == later
    # a report within 5 minutes of the last one writes nothing
    assert api_keys.api_key_used(world.state, "key-a", later + timedelta(minutes=1)) == []
    # revoking keeps the usage
    world.run(api_keys.revoke_api_key(world.state, "u", "org-a", "key-a"))
    assert world.state.api_key("key-a").revoked and world.state.api_key("key-a").last_used_at == later
