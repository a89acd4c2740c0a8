"""A small config world for the pure control-plane tests: two enterprise orgs (A and B), each
with a policy, a project, an API key and an admin, a user and a no_access member."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from schemas.config import Membership, Organization, PolicyRules, Role, User, user_id_for
from schemas.config_api import ApiKeyCreate, ProjectCreate
from schemas.config_events import (
    MEMBERSHIP_UPSERTED,
    ORGANIZATION_UPSERTED,
    USER_UPSERTED,
    ConfigEvent,
    MembershipUpserted,
    OrganizationUpserted,
    UserUpserted,
    config_event,
)
from streams.config import ConfigState
from streams.config.commands import api_keys, policies, projects

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass
class World:
    state: ConfigState
    events: list[ConfigEvent]

    def run(self, new_events: list[ConfigEvent]) -> ConfigState:
        self.events.extend(new_events)
        for event in new_events:
            self.state = self.state.apply(event)
        return self.state

    @staticmethod
    def user_id(org: str, role: Role) -> str:
        return user_id_for(f"{role}@{org}.example.com")


def build_world() -> World:
    world = World(ConfigState(), [])
    for org in ("a", "b"):
        org_id = f"org-{org}"
        organization = Organization(id=org_id, name=f"Org {org.upper()}", plan="enterprise", created_at=NOW)
        world.run([config_event(ORGANIZATION_UPSERTED, org_id, OrganizationUpserted(actor="system", organization=organization))])
        world.run(policies.create_policy(world.state, "system", org_id, PolicyRules(name="base"), f"policy-{org}", NOW))
        world.run(projects.create_project(world.state, "system", org_id, ProjectCreate(name="app", policy_id=f"policy-{org}"), f"project-{org}", NOW))
        world.run(api_keys.create_api_key(world.state, "system", org_id, ApiKeyCreate(name="k"), f"gs_secret_{org}", f"key-{org}", NOW))
        for role in ("admin", "user", "no_access"):
            email = f"{role}@{org}.example.com"
            user = User(id=user_id_for(email), email=email, password_hash="hash", created_at=NOW)
            membership = Membership(org_id=org_id, user_id=user.id, role=role)
            world.run([
                config_event(USER_UPSERTED, org_id, UserUpserted(actor="system", user=user)),
                config_event(MEMBERSHIP_UPSERTED, org_id, MembershipUpserted(actor="system", membership=membership)),
            ])
    return world


@pytest.fixture
def world() -> World:
    return build_world()
