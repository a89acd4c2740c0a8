"""Control-plane fixtures on the session's real Kafka broker and ClickHouse endpoint.

* `config_writer`: a ConfigReplica + ConfigLog on a private event loop, to seed orgs the way
  an operator would (there is no public API that creates organizations);
* `control_plane`: the query API app in this test process (FastAPI's TestClient runs its
  lifespan, so it holds its own replica): a second query_api next to `running_stack`'s, signed
  with the same secret key;
* `seed_org`: an enterprise org with an admin, a user and a no_access member, a policy, a
  project and an API key, under fresh ids so tests never collide on the shared topic.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fastapi.testclient import TestClient

from query_api.app import create_app
from query_api.passwords import hash_password
from query_api.settings import QuerySettings
from schemas.config import Organization, Plan, PolicyRules, Role, user_id_for
from schemas.config_api import ApiKeyCreate, ProjectCreate
from schemas.envelope import utc_now
from streams.config import ConfigLog, ConfigReplica, ConfigState
from streams.config.commands import api_keys, members, organization, policies, projects
from streams.config.log import Decision

SECRET_KEY = "test-secret"  # the same as running_stack's, so tokens work in both processes
PASSWORD = "correct horse battery staple"
ROLES: tuple[Role, ...] = ("admin", "user", "no_access")
T = TypeVar("T")


class ConfigWriter:
    """ConfigReplica + ConfigLog on an event loop thread of their own, for synchronous tests."""

    def __init__(self, bootstrap: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="config-writer", daemon=True)
        self._thread.start()
        self.replica = ConfigReplica(bootstrap, client_id="test-config-writer")
        self.log = ConfigLog(bootstrap, self.replica)
        self.run(self.replica.start())
        self.run(self.log.start())

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def execute(self, decide: Decision) -> ConfigState:
        return self.run(self.log.execute(decide))

    def sync(self) -> ConfigState:
        return self.run(self.replica.sync())

    def close(self) -> None:
        self.run(self.log.stop())
        self.run(self.replica.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@pytest.fixture(scope="session")
def config_writer(guard_ready: tuple[str, str]) -> Iterator[ConfigWriter]:
    writer = ConfigWriter(guard_ready[0])
    try:
        yield writer
    finally:
        writer.close()


@pytest.fixture(scope="session")
def control_plane(guard_ready: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    bootstrap, clickhouse_url = guard_ready
    settings = QuerySettings(
        kafka_bootstrap=bootstrap,
        clickhouse_url=clickhouse_url,
        secret_key=SECRET_KEY,
        data_dir=Path(tmp_path_factory.mktemp("control-plane")),
    )
    with TestClient(create_app(settings)) as client:
        yield client


@cache
def password_hash() -> str:
    return hash_password(PASSWORD)  # argon2 takes ~0.1 s: one hash for every seeded user


@dataclass
class SeededOrg:
    org_id: str
    policy_id: str
    project_id: str
    key_id: str
    key_secret: str
    emails: dict[Role, str] = field(default_factory=dict)
    password: str = PASSWORD

    def user_id(self, role: Role) -> str:
        return user_id_for(self.emails[role])

    @property
    def ids(self) -> set[str]:
        """Every id of this org's entities, to look for in other orgs' responses."""
        return {self.org_id, self.policy_id, self.project_id, self.key_id, *map(user_id_for, self.emails.values())}


def seed_org_with(writer: ConfigWriter, plan: Plan = "enterprise") -> SeededOrg:
    tag = uuid.uuid4().hex[:10]
    org = SeededOrg(
        org_id=f"org-{tag}",
        policy_id=f"policy-{tag}",
        project_id=f"project-{tag}",
        key_id=f"key-{tag}",
        key_secret=api_keys.new_api_key_secret(),
        emails={role: f"{role.replace('_', '-')}-{tag}@example.com" for role in ROLES},
    )
    organization_entity = Organization(id=org.org_id, name=f"Org {tag}", plan=plan, created_at=utc_now())
    writer.execute(lambda s: organization.create_organization(s, "system", organization_entity))
    writer.execute(lambda s: policies.create_policy(s, "system", org.org_id, PolicyRules(name="base"), org.policy_id))
    writer.execute(
        lambda s: projects.create_project(s, "system", org.org_id, ProjectCreate(name="app", policy_id=org.policy_id), org.project_id)
    )
    writer.execute(
        lambda s: api_keys.create_api_key(s, "system", org.org_id, ApiKeyCreate(name="k"), org.key_secret, org.key_id)
    )
    for role, email in org.emails.items():
        writer.execute(lambda s, e=email, r=role: members.invite_member(s, "system", org.org_id, e, r, password_hash(), False))
    return org


@pytest.fixture(scope="session")
def seed_org(config_writer: ConfigWriter) -> Callable[..., SeededOrg]:
    return lambda plan="enterprise": seed_org_with(config_writer, plan)


def login(client: Any, email: str, password: str = PASSWORD, org_id: str | None = None) -> dict[str, str]:
    """Bearer headers for `email` (client: a TestClient or an httpx.Client)."""
    body = {"email": email, "password": password} | ({"org_id": org_id} if org_id else {})
    response = client.post("/v1/auth/login", json=body)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture(scope="session")
def login_as() -> Callable[..., dict[str, str]]:
    """`login_as(client, email, password=…, org_id=None)` → bearer headers (test modules
    cannot import conftest under --import-mode=importlib)."""
    return login
