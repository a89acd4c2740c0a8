"""Organization commands: creation and plan (operator / bootstrap), general settings (admins)."""

from __future__ import annotations

from schemas.config import Organization, Plan
from schemas.config_api import SettingsUpdate
from schemas.config_events import ORGANIZATION_UPSERTED, ConfigEvent, OrganizationUpserted, config_event
from schemas.errors import ApiError
from streams.config.commands.entity_checks import in_org, revised
from streams.config.state import ConfigState


def _upserted(actor: str, organization: Organization) -> ConfigEvent:
    return config_event(ORGANIZATION_UPSERTED, organization.id, OrganizationUpserted(actor=actor, organization=organization))


def _existing(state: ConfigState, org_id: str) -> Organization:
    org = state.organization(org_id)
    if org is None:
        raise ApiError(404, f"no organization {org_id!r}", "not_found", "org_id")
    return org


def create_organization(state: ConfigState, actor: str, organization: Organization) -> list[ConfigEvent]:
    if state.organization(organization.id) is not None:
        raise ApiError(409, f"organization {organization.id!r} exists", "conflict", "id")
    if organization.default_policy_id is not None:
        raise ApiError(422, "create the org first, then its policies", "invalid_request", "default_policy_id")
    return [_upserted(actor, organization)]


def set_plan(state: ConfigState, actor: str, org_id: str, plan: Plan, monthly_quota: int | None) -> list[ConfigEvent]:
    """Operator command: community orgs get the fixed 10,000/month, enterprise any quota."""
    org = _existing(state, org_id)
    try:
        changed = revised(org, plan=plan, monthly_quota=monthly_quota)
    except ValueError as exc:
        raise ApiError(422, str(exc).splitlines()[-1], "invalid_request", "monthly_quota") from None
    return [] if changed == org else [_upserted(actor, changed)]


def update_settings(state: ConfigState, actor: str, org_id: str, update: SettingsUpdate) -> list[ConfigEvent]:
    """Prompt logging and retention are Enterprise features; the default policy is the org's own."""
    org = _existing(state, org_id)
    changes = update.model_dump(exclude_unset=True)
    if org.plan != "enterprise" and {"prompt_logging", "retention_days"} & changes.keys():
        field = "prompt_logging" if "prompt_logging" in changes else "retention_days"
        raise ApiError(403, "prompt logging and data retention are Enterprise settings", "enterprise_plan_required", field)
    if changes.get("prompt_logging", True) is None or changes.get("retention_days", 1) is None:
        raise ApiError(422, "prompt_logging and retention_days cannot be null", "invalid_request")
    policy_id = changes.get("default_policy_id")
    if policy_id is not None:
        in_org(state.policy(policy_id), org_id, "policy", policy_id, "default_policy_id")
    changed = revised(org, **changes)
    return [] if changed == org else [_upserted(actor, changed)]
