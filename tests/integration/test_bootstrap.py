"""deploy/bootstrap.py: the first identity as config events, only what is missing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from deploy.bootstrap import BOOTSTRAP_POLICY_ID, bootstrap_config, plan_bootstrap
from deploy.demo_traffic import PROJECTS as DEMO_PROJECTS
from schemas.bootstrap import BootstrapCredentials
from schemas.config import BUILTIN_DETECTOR_TYPES, api_key_sha256
from schemas.config_events import spec_of
from streams.config import ConfigState
from streams.config.commands import api_keys, members


def fake_hash(password: str) -> str:
    return "hashed:" + password  # argon2 is the real one; the plan only passes hashes through


def matches(hashed: str, password: str) -> bool:
    return hashed == fake_hash(password)


def plan(state: ConfigState, kept: BootstrapCredentials | None, **kwargs):
    return plan_bootstrap(state, kept, "http://i", "http://q", password_matches=matches, hash_password=fake_hash, **kwargs)


def applied(state: ConfigState, events) -> ConfigState:
    for event in events:
        state = state.apply(event)
    return state


def test_first_run_creates_the_whole_identity_second_run_nothing() -> None:
    first = plan(ConfigState(), None)
    state = applied(ConfigState(), first.events)
    creds = first.credentials
    org = state.organization(creds.org_id)
    assert org.plan == "enterprise" and org.monthly_quota is None and org.default_policy_id == BOOTSTRAP_POLICY_ID
    assert sorted(d.type for d in state.policy(BOOTSTRAP_POLICY_ID).detectors) == sorted(BUILTIN_DETECTOR_TYPES)
    admin = state.user_by_email(creds.admin_email)
    assert admin.password_hash == fake_hash(creds.admin_password)
    assert state.membership(creds.org_id, admin.id).role == "admin"
    assert {p.id for p in state.projects_of(creds.org_id)} == set(DEMO_PROJECTS) | {creds.project_id}
    key = state.api_key_by_hash(api_key_sha256(creds.api_key))
    assert key.org_id == creds.org_id and key.project_ids is None
    assert {e.data.actor for e in first.events} == {"system"}

    second = plan(state, creds)
    assert second.events == [] and second.credentials == creds


def test_community_plan_gets_the_10k_quota() -> None:
    state = applied(ConfigState(), plan(ConfigState(), None, plan="community").events)
    assert state.organization("org-default").monthly_quota == 10_000


def test_a_revoked_or_unknown_key_is_replaced_and_written() -> None:
    first = plan(ConfigState(), None)
    state = applied(ConfigState(), first.events)
    key = state.api_key_by_hash(api_key_sha256(first.credentials.api_key))
    state = applied(state, api_keys.revoke_api_key(state, "someone", key.org_id, key.id))
    again = plan(state, first.credentials)
    assert [e.type for e in again.events] == ["config.api_key.created"]
    assert again.credentials.api_key != first.credentials.api_key
    assert again.credentials.admin_password == first.credentials.admin_password


def test_admin_password_rules() -> None:
    first = plan(ConfigState(), None)
    state = applied(ConfigState(), first.events)
    # changed through the API: a kept credentials.json does not undo it
    admin_id = state.user_by_email(first.credentials.admin_email).id
    changed = applied(state, members.set_password(state, admin_id, "org-default", admin_id, fake_hash("changed-by-admin")))
    assert changed.user_by_email(first.credentials.admin_email).password_hash == fake_hash("changed-by-admin")
    assert plan(changed, first.credentials).events == []
    # credentials.json lost (a new data dir on the same cluster): the password is reset and written
    lost = plan(changed, None)
    kinds = [spec_of(e).entity for e in lost.events]
    assert kinds == ["user", "api_key"]
    rotated = applied(changed, lost.events)
    assert rotated.user_by_email(first.credentials.admin_email).password_hash == fake_hash(lost.credentials.admin_password)


@pytest.mark.integration
def test_bootstrap_twice_on_the_real_broker_appends_nothing(running_stack, guard_ready, config_writer, tmp_path: Path) -> None:
    """`running_stack` bootstrapped this broker; running it again (twice) with its credentials
    appends no record to guard.config and keeps the same credentials."""
    path = tmp_path / "credentials.json"
    running_stack.creds.save(path)
    before = config_writer.sync()
    end_before = config_writer.replica.position
    kept = [
        asyncio.run(bootstrap_config(guard_ready[0], path, "http://i", "http://q"))
        for _ in range(2)
    ]
    config_writer.sync()
    assert config_writer.replica.position == end_before
    assert config_writer.replica.state == before
    expected = running_stack.creds.model_copy(update={"ingest_url": "http://i", "query_url": "http://q"})
    assert kept == [expected, expected]
    assert BootstrapCredentials.load(path) == expected
    assert oct(path.stat().st_mode & 0o777) == "0o600"
