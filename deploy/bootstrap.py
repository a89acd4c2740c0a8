"""The first identity of a stack, as config events: run by `guardstream up` (Stack.start)
after the topics exist and before the services start. Idempotent: it appends only what is
missing, so the second run of the same stack appends nothing.

What it ensures, all in `org-default`:
* the organization, on the **enterprise** plan with no monthly quota — a self-hosted stack is
  an Enterprise deployment in the seed's terms, with every feature (prompt-logging toggle,
  retention) available; `plan="community"` gives the fixed 10,000 screenings a month;
* `policy-default`: every built-in detector on (schemas.config.default_detectors), also the
  org's default policy for new projects;
* the admin user (credentials.json's email and password) as an `admin` member;
* the demo projects: `project-demo` and the demo traffic's other projects;
* an API key for every project of the org.

credentials.json (schemas/bootstrap.py) records the admin password and the API key secret.
A secret exists only at creation, so a kept file's key is reused while the key exists and
is not revoked; otherwise a new key is created and written. An admin whose password no
longer matches a kept file changed it through the API and keeps it; without a file (a new
data dir on an existing cluster) the admin password is reset and written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import structlog

from deploy.demo_traffic import PROJECTS as DEMO_PROJECTS
from schemas.bootstrap import BootstrapCredentials
from schemas.config import Membership, Organization, Plan, PolicyRules, User, api_key_sha256, default_detectors, user_id_for
from schemas.config_api import ApiKeyCreate, ProjectCreate
from schemas.config_events import (
    ACTOR_SYSTEM,
    MEMBERSHIP_UPSERTED,
    ORGANIZATION_UPSERTED,
    USER_UPSERTED,
    ConfigEvent,
    MembershipUpserted,
    OrganizationUpserted,
    UserUpserted,
    config_event,
)
from schemas.envelope import utc_now
from streams.config import ConfigLog, ConfigReplica, ConfigState
from streams.config.commands import api_keys, policies, projects

log = structlog.get_logger(__name__)

BOOTSTRAP_POLICY_ID = "policy-default"
BOOTSTRAP_ORG_NAME = "Default organization"


def _project_name(project_id: str) -> str:
    """`project-support-bot` → `Support bot`."""
    return project_id.removeprefix("project-").replace("-", " ").capitalize()


@dataclass(frozen=True)
class BootstrapPlan:
    events: list[ConfigEvent]
    credentials: BootstrapCredentials


def plan_bootstrap(
    state: ConfigState,
    kept: BootstrapCredentials | None,
    ingest_url: str,
    query_url: str,
    *,
    password_matches: Callable[[str, str], bool],
    hash_password: Callable[[str], str],
    plan: Plan = "enterprise",
    now: datetime | None = None,
) -> BootstrapPlan:
    """The events that complete the bootstrap identity in `state`, and the credentials to write."""
    now = now or utc_now()
    fresh = BootstrapCredentials.generate(ingest_url, query_url)
    creds = kept.model_copy(update={"ingest_url": ingest_url, "query_url": query_url}) if kept else fresh
    org_id = creds.org_id
    events: list[ConfigEvent] = []

    def add(new: list[ConfigEvent]) -> None:
        nonlocal state
        events.extend(new)
        for event in new:
            state = state.apply(event)

    if state.organization(org_id) is None:
        org = Organization(
            id=org_id, name=BOOTSTRAP_ORG_NAME, plan=plan, default_policy_id=BOOTSTRAP_POLICY_ID, created_at=now
        )
        add([config_event(ORGANIZATION_UPSERTED, org_id, OrganizationUpserted(actor=ACTOR_SYSTEM, organization=org))])
    if state.policy(BOOTSTRAP_POLICY_ID) is None:
        rules = PolicyRules(name="Default policy", detectors=default_detectors())
        add(policies.create_policy(state, ACTOR_SYSTEM, org_id, rules, BOOTSTRAP_POLICY_ID, now))

    admin = state.user_by_email(creds.admin_email)
    if admin is None or (kept is None and not password_matches(admin.password_hash, creds.admin_password)):
        user = User(
            id=user_id_for(creds.admin_email),
            email=creds.admin_email,
            password_hash=hash_password(creds.admin_password),
            created_at=admin.created_at if admin else now,
        )
        add([config_event(USER_UPSERTED, org_id, UserUpserted(actor=ACTOR_SYSTEM, user=user))])
    elif not password_matches(admin.password_hash, creds.admin_password):
        log.warning("bootstrap_admin_password_changed", hint="credentials.json's admin_password is out of date")
    admin_id = user_id_for(creds.admin_email)
    if state.membership(org_id, admin_id) is None:
        membership = Membership(org_id=org_id, user_id=admin_id, role="admin")
        add([config_event(MEMBERSHIP_UPSERTED, org_id, MembershipUpserted(actor=ACTOR_SYSTEM, membership=membership))])

    for project_id in dict.fromkeys((creds.project_id, *DEMO_PROJECTS)):
        if state.project(project_id) is None:
            body = ProjectCreate(name=_project_name(project_id), policy_id=BOOTSTRAP_POLICY_ID)
            add(projects.create_project(state, ACTOR_SYSTEM, org_id, body, project_id, now))

    key = state.api_key_by_hash(api_key_sha256(creds.api_key)) if kept else None
    if key is None or key.revoked or key.org_id != org_id:
        creds = creds.model_copy(update={"api_key": fresh.api_key})
        body = ApiKeyCreate(name="bootstrap (credentials.json)")
        add(api_keys.create_api_key(state, ACTOR_SYSTEM, org_id, body, creds.api_key, now=now))
    return BootstrapPlan(events, creds)


async def bootstrap_config(
    kafka_bootstrap: str, credentials_path: Path, ingest_url: str, query_url: str, plan: Plan = "enterprise"
) -> BootstrapCredentials:
    """Append what is missing to guard.config, then write credentials.json (owner-only)."""
    from query_api.passwords import hash_password, verify_password  # argon2: only where used

    kept = BootstrapCredentials.load(credentials_path) if credentials_path.exists() else None
    replica = ConfigReplica(kafka_bootstrap, keep_history=False, client_id="guardstream-bootstrap")
    await replica.start()
    config = ConfigLog(kafka_bootstrap, replica)
    await config.start()
    try:
        state = await replica.sync()
        result = plan_bootstrap(
            state,
            kept,
            ingest_url,
            query_url,
            password_matches=lambda hashed, password: verify_password(hashed, password),
            hash_password=hash_password,
            plan=plan,
        )
        if result.events:
            await config.append(result.events)
        log.info("bootstrap_done", appended=len(result.events), org_id=result.credentials.org_id)
    finally:
        await config.stop()
        await replica.stop()
    result.credentials.save(credentials_path)
    return result.credentials
