"""Policy commands. Every saved change is a new version (version + 1); the versions stay in
the audit records of guard.config, so the history survives compaction."""

from __future__ import annotations

import secrets
from datetime import datetime

from schemas.config import Policy, PolicyRules
from schemas.config_events import POLICY_DELETED, POLICY_UPSERTED, ConfigEvent, PolicyDeleted, PolicyUpserted, config_event
from schemas.envelope import utc_now
from schemas.errors import ApiError
from streams.config.commands.entity_checks import in_org
from streams.config.state import ConfigState


def new_policy_id() -> str:
    return "policy-" + secrets.token_hex(6)


def _upserted(actor: str, policy: Policy) -> ConfigEvent:
    """The event's time is the version's `updated_at`: one clock for the audit and the history."""
    return config_event(POLICY_UPSERTED, policy.org_id, PolicyUpserted(actor=actor, policy=policy), at=policy.updated_at)


def create_policy(
    state: ConfigState,
    actor: str,
    org_id: str,
    rules: PolicyRules,
    policy_id: str | None = None,
    now: datetime | None = None,
) -> list[ConfigEvent]:
    if state.organization(org_id) is None:
        raise ApiError(404, f"no organization {org_id!r}", "not_found", "org_id")
    policy_id = policy_id or new_policy_id()
    if state.policy(policy_id) is not None:
        raise ApiError(409, f"policy {policy_id!r} exists", "conflict", "id")
    at = now or utc_now()
    policy = Policy(
        **_rules_of(rules).model_dump(), id=policy_id, org_id=org_id, version=1, created_at=at, updated_at=at, updated_by=actor
    )
    return [_upserted(actor, policy)]


def update_policy(
    state: ConfigState,
    actor: str,
    org_id: str,
    policy_id: str,
    rules: PolicyRules,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> list[ConfigEvent]:
    """Replace the rules; no change, no new version."""
    current = in_org(state.policy(policy_id), org_id, "policy", policy_id, "policy_id")
    if expected_version is not None and expected_version != current.version:
        raise ApiError(
            409, f"policy is at version {current.version}, not {expected_version}; reload and retry", "version_conflict", "expected_version"
        )
    new_rules = _rules_of(rules)
    if new_rules == current.rules:
        return []
    policy = Policy(
        **new_rules.model_dump(),
        id=policy_id,
        org_id=org_id,
        version=current.version + 1,
        created_at=current.created_at,
        updated_at=now or utc_now(),
        updated_by=actor,
    )
    return [_upserted(actor, policy)]


def delete_policy(state: ConfigState, actor: str, org_id: str, policy_id: str) -> list[ConfigEvent]:
    in_org(state.policy(policy_id), org_id, "policy", policy_id, "policy_id")
    users = [p.id for p in state.projects_of(org_id) if p.policy_id == policy_id]
    if users:
        raise ApiError(409, f"policy is assigned to {', '.join(users[:5])}; reassign them first", "policy_in_use", "policy_id")
    org = state.organization(org_id)
    if org is not None and org.default_policy_id == policy_id:
        raise ApiError(409, "policy is the organization's default; choose another in settings first", "policy_in_use", "policy_id")
    return [config_event(POLICY_DELETED, org_id, PolicyDeleted(actor=actor, policy_id=policy_id))]


def _rules_of(rules: PolicyRules) -> PolicyRules:
    """Just the rules (an API body may carry more, e.g. `expected_version`)."""
    return PolicyRules.model_validate(rules.model_dump(include=set(PolicyRules.model_fields)))
