"""The control-plane commands: validation against the current state, org scoping, no-ops."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from schemas.config import PolicyRules, api_key_sha256
from schemas.config_api import ApiKeyCreate, ApiKeyUpdate, ProjectCreate, ProjectUpdate, SettingsUpdate
from schemas.config_events import MEMBERSHIP_UPSERTED, USER_UPSERTED
from schemas.errors import ApiError
from streams.config.commands import api_keys, members, organization, policies, projects


@contextmanager
def refused(status: int, code: str | None = None) -> Iterator[None]:
    with pytest.raises(ApiError) as raised:
        yield
    assert raised.value.status == status, raised.value.body
    if code:
        assert raised.value.body.error.code == code, raised.value.body


# --- projects ---------------------------------------------------------------------------------


def test_project_created_with_the_org_default_policy(world) -> None:
    world.run(organization.update_settings(world.state, "u", "org-a", SettingsUpdate(default_policy_id="policy-a")))
    state = world.run(projects.create_project(world.state, "u", "org-a", ProjectCreate(name="new"), "project-new"))
    assert state.project("project-new").policy_id == "policy-a"
    assert state.project("project-new").org_id == "org-a"


def test_another_orgs_ids_are_not_found(world) -> None:
    s = world.state
    with refused(404, "not_found"):
        projects.create_project(s, "u", "org-a", ProjectCreate(name="x", policy_id="policy-b"))
    with refused(404):
        projects.update_project(s, "u", "org-a", "project-b", ProjectUpdate(name="mine"))
    with refused(404):
        projects.delete_project(s, "u", "org-a", "project-b")
    with refused(404):
        policies.update_policy(s, "u", "org-a", "policy-b", PolicyRules(name="mine"))
    with refused(404):
        policies.delete_policy(s, "u", "org-a", "policy-b")
    with refused(404):
        api_keys.create_api_key(s, "u", "org-a", ApiKeyCreate(name="k", project_ids=["project-b"]), "gs_x")
    with refused(404):
        api_keys.revoke_api_key(s, "u", "org-a", "key-b")
    with refused(404):
        members.change_role(s, world.user_id("a", "admin"), "org-a", world.user_id("b", "user"), "admin")
    with refused(404):
        members.remove_member(s, world.user_id("a", "admin"), "org-a", world.user_id("b", "user"))
    with refused(404):
        organization.update_settings(s, "u", "org-a", SettingsUpdate(default_policy_id="policy-b"))


def test_project_update_keeps_what_is_left_out_and_noop_writes_nothing(world) -> None:
    state = world.run(projects.update_project(world.state, "u", "org-a", "project-a", ProjectUpdate(metadata={"env": "prod"})))
    assert state.project("project-a").name == "app" and state.project("project-a").metadata == {"env": "prod"}
    assert projects.update_project(state, "u", "org-a", "project-a", ProjectUpdate(name="app")) == []


# --- policies ---------------------------------------------------------------------------------


def test_each_policy_edit_is_a_new_version(world) -> None:
    state = world.run(policies.update_policy(world.state, "u", "org-a", "policy-a", PolicyRules(name="v2"), expected_version=1))
    assert state.policy("policy-a").version == 2 and state.policy("policy-a").updated_by == "u"
    assert policies.update_policy(state, "u", "org-a", "policy-a", PolicyRules(name="v2")) == []  # unchanged
    with refused(409, "version_conflict"):
        policies.update_policy(state, "u", "org-a", "policy-a", PolicyRules(name="v3"), expected_version=1)


def test_policies_in_use_are_not_deleted(world) -> None:
    with refused(409, "policy_in_use"):
        policies.delete_policy(world.state, "u", "org-a", "policy-a")
    world.run(projects.delete_project(world.state, "u", "org-a", "project-a"))
    world.run(organization.update_settings(world.state, "u", "org-a", SettingsUpdate(default_policy_id="policy-a")))
    with refused(409, "policy_in_use"):
        policies.delete_policy(world.state, "u", "org-a", "policy-a")
    world.run(organization.update_settings(world.state, "u", "org-a", SettingsUpdate(default_policy_id=None)))
    state = world.run(policies.delete_policy(world.state, "u", "org-a", "policy-a"))
    assert state.policy("policy-a") is None


# --- API keys ---------------------------------------------------------------------------------


def test_api_keys_store_the_hash_and_revoke_idempotently(world) -> None:
    state = world.run(api_keys.create_api_key(world.state, "u", "org-a", ApiKeyCreate(name="k2", project_ids=["project-a"]), "gs_topsecret_value", "key-2"))
    key = state.api_key("key-2")
    assert key.sha256 == api_key_sha256("gs_topsecret_value") and key.prefix == "gs_topse"
    assert "gs_topsecret_value" not in "".join(e.to_bytes().decode() for e in world.events)
    state = world.run(api_keys.revoke_api_key(state, "u", "org-a", "key-2"))
    assert state.api_key("key-2").revoked and state.api_key("key-2").revoked_at is not None
    assert api_keys.revoke_api_key(state, "u", "org-a", "key-2") == []
    with refused(409):
        api_keys.update_api_key(state, "u", "org-a", "key-2", ApiKeyUpdate(name="renamed"))


def test_api_key_scope_can_widen_to_all_projects(world) -> None:
    state = world.run(api_keys.update_api_key(world.state, "u", "org-a", "key-a", ApiKeyUpdate(project_ids=["project-a"])))
    assert state.api_key("key-a").project_ids == ["project-a"]
    state = world.run(api_keys.update_api_key(state, "u", "org-a", "key-a", ApiKeyUpdate(project_ids=None)))
    assert state.api_key("key-a").project_ids is None


# --- members ----------------------------------------------------------------------------------


def test_invite_new_user_with_a_one_time_password(world) -> None:
    events = members.invite_member(world.state, "u", "org-a", "New@Example.com", "user", "hash1", True)
    assert [e.type for e in events] == [USER_UPSERTED, MEMBERSHIP_UPSERTED]
    state = world.run(events)
    user = state.user_by_email("new@example.com")
    assert user.status == "invited" and state.membership("org-a", user.id).role == "user"
    with refused(409):
        members.invite_member(state, "u", "org-a", "new@example.com", "admin", "hash2", True)


def test_inviting_an_existing_user_keeps_their_password(world) -> None:
    b_user = world.user_id("b", "user")
    with refused(409):
        members.invite_member(world.state, "u", "org-a", "user@b.example.com", "user", "chosen-by-a", False)
    state = world.run(members.invite_member(world.state, "u", "org-a", "user@b.example.com", "user", "ignored", True))
    assert state.user(b_user).password_hash == "hash"
    assert [m.org_id for m in state.memberships_of(b_user)] == ["org-a", "org-b"]


def test_invalid_email_is_a_422(world) -> None:
    with refused(422):
        members.invite_member(world.state, "u", "org-a", "not-an-email", "user", "h", True)


def test_nobody_changes_their_own_role_or_removes_themselves(world) -> None:
    admin = world.user_id("a", "admin")
    with refused(403, "own_role"):
        members.change_role(world.state, admin, "org-a", admin, "user")
    with refused(403, "own_membership"):
        members.remove_member(world.state, admin, "org-a", admin)
    target = world.user_id("a", "user")
    state = world.run(members.change_role(world.state, admin, "org-a", target, "admin"))
    assert state.membership("org-a", target).role == "admin"
    assert members.change_role(state, admin, "org-a", target, "admin") == []
    state = world.run(members.remove_member(state, admin, "org-a", target))
    assert state.membership("org-a", target) is None and state.user(target) is not None


def test_set_password_activates_an_invited_user(world) -> None:
    state = world.run(members.invite_member(world.state, "u", "org-a", "inv@example.com", "user", "one-time", True))
    user_id = state.user_by_email("inv@example.com").id
    state = world.run(members.set_password(state, user_id, "org-a", user_id, "own"))
    assert state.user(user_id).status == "active" and state.user(user_id).password_hash == "own"


def test_logout_revokes_once(world) -> None:
    admin = world.user_id("a", "admin")
    expires = world.state.organization("org-a").created_at
    state = world.run(members.revoke_session(world.state, admin, "org-a", "token-abcdefgh", admin, expires))
    assert state.session_revoked("token-abcdefgh")
    assert members.revoke_session(state, admin, "org-a", "token-abcdefgh", admin, expires) == []


# --- settings ---------------------------------------------------------------------------------


def test_settings_are_enterprise_features(world) -> None:
    state = world.run(organization.set_plan(world.state, "system", "org-b", "community", None))
    assert state.organization("org-b").monthly_quota == 10_000
    with refused(403, "enterprise_plan_required"):
        organization.update_settings(state, "u", "org-b", SettingsUpdate(prompt_logging=False))
    state = world.run(organization.update_settings(state, "u", "org-a", SettingsUpdate(prompt_logging=False, retention_days=30)))
    org = state.organization("org-a")
    assert (org.prompt_logging, org.retention_days) == (False, 30)
    with refused(422):
        organization.update_settings(state, "u", "org-a", SettingsUpdate(prompt_logging=None))
    assert organization.update_settings(state, "u", "org-a", SettingsUpdate(retention_days=30)) == []


def test_enterprise_quota_is_configurable_community_is_not(world) -> None:
    state = world.run(organization.set_plan(world.state, "system", "org-a", "enterprise", 250_000))
    assert state.organization("org-a").monthly_quota == 250_000
    with refused(422):
        organization.set_plan(state, "system", "org-a", "community", 250_000)
