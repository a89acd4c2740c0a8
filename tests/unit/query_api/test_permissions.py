"""The RBAC table is the seed's table; the caller is resolved from the replica, not the token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from query_api.access import resolve_caller
from query_api.audit_routes import audit_page
from query_api.permissions import ROLE_PERMISSIONS, ROUTE_PERMISSIONS, Permission, UnlistedRoute, may, route_permission
from query_api.tokens import TokenClaims
from schemas.config import Membership, Organization, User, user_id_for
from schemas.config_api import ProjectCreate
from schemas.config_events import (
    MEMBERSHIP_DELETED,
    MEMBERSHIP_UPSERTED,
    ORGANIZATION_UPSERTED,
    USER_UPSERTED,
    MembershipDeleted,
    MembershipUpserted,
    OrganizationUpserted,
    UserUpserted,
    config_event,
)
from streams.config import ConfigState
from streams.config.commands import members, projects

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_user_role_is_the_seed_list_of_views() -> None:
    assert ROLE_PERMISSIONS["user"] == {
        Permission.SELF,
        Permission.VIEW_DASHBOARD,
        Permission.VIEW_REQUESTS,
        Permission.VIEW_API_KEYS,
        Permission.VIEW_PROJECTS,
        Permission.VIEW_POLICIES,
        Permission.VIEW_MEMBERS,
    }


def test_admin_may_everything_and_no_access_only_its_own_session() -> None:
    assert ROLE_PERMISSIONS["admin"] == set(Permission)
    assert ROLE_PERMISSIONS["no_access"] == {Permission.SELF}


@pytest.mark.parametrize(
    ("method", "path", "admin", "user", "no_access"),
    [
        ("POST", "/v1/projects", True, False, False),
        ("GET", "/v1/projects", True, True, False),
        ("GET", "/v1/requests", True, True, False),
        ("GET", "/v1/dashboard", True, True, False),
        ("GET", "/v1/api-keys", True, True, False),
        ("POST", "/v1/api-keys", True, False, False),
        ("PATCH", "/v1/members/{user_id}", True, False, False),
        ("PUT", "/v1/settings", True, False, False),
        ("GET", "/v1/settings", True, False, False),
        ("PUT", "/v1/settings/export", True, False, False),
        ("GET", "/v1/audit", True, False, False),
        ("GET", "/v1/me", True, True, True),
        ("POST", "/v1/auth/logout", True, True, True),
        ("POST", "/v1/auth/login", True, True, True),
    ],
)
def test_route_decisions(method: str, path: str, admin: bool, user: bool, no_access: bool) -> None:
    permission = route_permission(method, path)
    assert (may("admin", permission), may("user", permission), may("no_access", permission)) == (admin, user, no_access)


def test_every_write_route_needs_a_manage_permission() -> None:
    for (method, path), permission in ROUTE_PERMISSIONS.items():
        if method != "GET" and permission is not None and permission is not Permission.SELF:
            assert permission.value.startswith("manage_"), (method, path)


def test_unlisted_routes_are_refused() -> None:
    with pytest.raises(UnlistedRoute):
        route_permission("GET", "/v1/something-new")


def _state_with(role: str) -> tuple[ConfigState, str]:
    user = User(id=user_id_for("a@b.co"), email="a@b.co", password_hash="h", created_at=NOW)
    org = Organization(id="org-1", name="One", plan="enterprise", created_at=NOW)
    state = ConfigState()
    for event in (
        config_event(ORGANIZATION_UPSERTED, "org-1", OrganizationUpserted(actor="system", organization=org)),
        config_event(USER_UPSERTED, "org-1", UserUpserted(actor="system", user=user)),
        config_event(MEMBERSHIP_UPSERTED, "org-1", MembershipUpserted(actor="system", membership=Membership(org_id="org-1", user_id=user.id, role=role))),
    ):
        state = state.apply(event)
    return state, user.id


def test_the_role_comes_from_the_replica_at_each_request() -> None:
    state, user_id = _state_with("admin")
    claims = TokenClaims(sub=user_id, org_id="org-1", exp=2_000_000_000)
    assert resolve_caller(state, claims).role == "admin"
    demoted = state.apply(config_event(MEMBERSHIP_UPSERTED, "org-1", MembershipUpserted(actor="x", membership=Membership(org_id="org-1", user_id=user_id, role="no_access"))))
    assert resolve_caller(demoted, claims).role == "no_access"
    removed = state.apply(config_event(MEMBERSHIP_DELETED, "org-1", MembershipDeleted(actor="x", org_id="org-1", user_id=user_id)))
    assert resolve_caller(removed, claims) is None
    assert resolve_caller(state, claims.model_copy(update={"org_id": "org-2"})) is None


def test_a_revoked_token_resolves_to_nobody() -> None:
    state, user_id = _state_with("user")
    claims = TokenClaims(sub=user_id, org_id="org-1", exp=2_000_000_000)
    for event in members.revoke_session(state, user_id, "org-1", claims.jti, user_id, NOW):
        state = state.apply(event)
    assert resolve_caller(state, claims) is None
    assert resolve_caller(state, TokenClaims(sub=user_id, org_id="org-1", exp=2_000_000_000)) is not None


def test_audit_pages_newest_first_with_filters_and_cursor() -> None:
    state, user_id = _state_with("admin")
    for i in range(5):
        at = NOW + timedelta(minutes=i + 1)
        state = state.apply(projects.create_project(state, user_id, "org-1", ProjectCreate(name=f"p{i}"), f"project-{i}", at)[0])
    trail = state.audit_of("org-1")
    assert trail == list(reversed(state.history))  # newest = last appended
    page = audit_page(trail, entity_type="project", limit=2)
    assert [e.entity_id for e in page.items] == ["project-4", "project-3"] and page.next_cursor
    rest = audit_page(trail, entity_type="project", limit=10, cursor=page.next_cursor)
    assert [e.entity_id for e in rest.items] == ["project-2", "project-1", "project-0"] and rest.next_cursor is None
    assert [e.actor for e in audit_page(trail, actor="system").items] == ["system"] * 3
    window = audit_page(trail, from_=NOW + timedelta(minutes=2), to=(NOW + timedelta(minutes=4)).replace(tzinfo=None))
    assert [e.entity_id for e in window.items] == ["project-2", "project-1"]
