"""HTTP bodies of the query API's control plane: projects, policies, API keys, members,
settings, the caller's own account and the audit trail. Entities themselves (Project,
Policy, …) are in schemas/config.py and are returned as they are where nothing is secret."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from schemas.config import (
    ApiKey,
    DetectorSetting,
    EntityId,
    MetadataKey,
    MetadataValue,
    Name,
    Plan,
    Policy,
    PolicyRules,
    Project,
    Role,
    UserStatus,
    default_detectors,
)
from schemas.config_events import EntityType

Password = Annotated[str, StringConstraints(min_length=12, max_length=1024)]

_T0 = "2026-01-05T09:00:00.000Z"
_ADMIN = "user-5f2b0c1d9e8a7b6c5d4e"


def _examples(*examples: dict) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": list(examples)})


# --- projects ------------------------------------------------------------------------------


class ProjectCreate(BaseModel):
    """`policy_id` left out: the organization's default policy."""

    model_config = _examples({"name": "Support bot", "policy_id": "policy-default", "metadata": {"team": "support"}})

    name: Name
    policy_id: EntityId | None = None
    metadata: dict[MetadataKey, MetadataValue] = Field(default_factory=dict, max_length=50)


class ProjectUpdate(BaseModel):
    """Fields left out keep their value."""

    model_config = _examples({"policy_id": "policy-strict", "metadata": {"team": "support", "tier": "gold"}})

    name: Name | None = None
    policy_id: EntityId | None = None
    metadata: dict[MetadataKey, MetadataValue] | None = Field(default=None, max_length=50)


class ProjectList(BaseModel):
    model_config = _examples({"items": Project.model_config["json_schema_extra"]["examples"]})  # type: ignore[index]

    items: list[Project]


# --- policies ------------------------------------------------------------------------------

_POLICY_RULES_EXAMPLE = {
    "name": "Strict policy",
    "mode": "input_output",
    "detectors": [
        {"type": "prompt_attack", "enabled": True, "threshold": "l3_likely", "applies_to": "input"},
        {"type": "pii/credit_card", "enabled": True, "threshold": "l2_very_likely", "applies_to": "both"},
        {"type": "moderated_content/hate", "enabled": True, "threshold": "l2_very_likely", "applies_to": "output"},
    ],
    "allowed_domains": ["lakera.ai", "*.example.com"],
    "custom_detectors": [{"name": "ticket-id", "pattern": "TCK-[0-9]{6}", "enabled": True, "applies_to": "both"}],
}


class PolicyCreate(PolicyRules):
    """A new policy, version 1. `detectors` left out: every built-in detector on, as in the
    default policy."""

    model_config = _examples(_POLICY_RULES_EXAMPLE)

    detectors: list[DetectorSetting] = Field(default_factory=default_detectors)


class PolicyUpdate(PolicyRules):
    """The policy's new rules (all of them); saving them makes version + 1. With
    `expected_version`, a concurrent edit is refused with 409 instead of overwritten."""

    model_config = _examples({**_POLICY_RULES_EXAMPLE, "expected_version": 2})

    expected_version: int | None = Field(default=None, ge=1)


class PolicyList(BaseModel):
    model_config = _examples({"items": Policy.model_config["json_schema_extra"]["examples"]})  # type: ignore[index]

    items: list[Policy]


# --- API keys ------------------------------------------------------------------------------

_KEY_EXAMPLE = {
    "id": "key-7d1e2f3a4b5c",
    "org_id": "org-default",
    "name": "support bot production",
    "prefix": "gs_Xk3p9",
    "project_ids": ["project-support-bot"],
    "created_by": _ADMIN,
    "created_at": _T0,
    "last_used_at": "2026-01-06T10:12:00.000Z",
    "revoked": False,
    "revoked_at": None,
}


class ApiKeyCreate(BaseModel):
    """`project_ids` left out or null: the key may screen for every project of the org."""

    model_config = _examples({"name": "support bot production", "project_ids": ["project-support-bot"]})

    name: Name
    project_ids: list[EntityId] | None = Field(default=None, max_length=1000)


class ApiKeyUpdate(BaseModel):
    """Fields left out keep their value; `project_ids: null` widens the key to all projects."""

    model_config = _examples({"project_ids": ["project-support-bot", "project-demo"]})

    name: Name | None = None
    project_ids: list[EntityId] | None = Field(default=None, max_length=1000)


class ApiKeyView(BaseModel):
    """An API key as listed: its display prefix, never the secret or its hash."""

    model_config = ConfigDict(json_schema_extra={"examples": [_KEY_EXAMPLE]})

    id: str
    org_id: str
    name: str
    prefix: str
    project_ids: list[str] | None
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> "ApiKeyView":
        return cls.model_validate(key.model_dump(exclude={"sha256"}))


class ApiKeyCreated(ApiKeyView):
    """The new key with its secret: shown in this response only, stored nowhere."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{**_KEY_EXAMPLE, "secret": "gs_Xk3p9…(43 characters)", "last_used_at": None}]}
    )

    secret: str


class ApiKeyList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [_KEY_EXAMPLE]}]})

    items: list[ApiKeyView]


# --- members -------------------------------------------------------------------------------

_MEMBER_EXAMPLE = {"user_id": _ADMIN, "email": "ada@example.com", "role": "admin", "status": "active"}


class Member(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_MEMBER_EXAMPLE]})

    user_id: str
    email: str
    role: Role
    status: UserStatus


class MemberList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [_MEMBER_EXAMPLE]}]})

    items: list[Member]


class MemberInvite(BaseModel):
    """Adds a member. A new user gets `password`, or, left out, a one-time password returned
    once; they are `invited` until they set their own (PUT /v1/me/password). An existing user
    (a member of another org) keeps their password, so `password` must then be left out."""

    model_config = _examples({"email": "grace@example.com", "role": "user"})

    email: Annotated[str, StringConstraints(min_length=3, max_length=320)]
    role: Role = "user"
    password: Password | None = None


class MemberInvited(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "member": {**_MEMBER_EXAMPLE, "email": "grace@example.com", "role": "user", "status": "invited"},
                    "initial_password": "b8Q…(one-time, shown once)",
                }
            ]
        }
    )

    member: Member
    initial_password: str | None = Field(default=None, description="one-time password, shown once")


class RoleChange(BaseModel):
    model_config = _examples({"role": "no_access"})

    role: Role


# --- settings and the caller's account -----------------------------------------------------


class OrgSettings(BaseModel):
    """General settings; name, plan and quota are read-only here (set by the operator)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "org_id": "org-default",
                    "name": "Default organization",
                    "plan": "enterprise",
                    "monthly_quota": None,
                    "prompt_logging": True,
                    "retention_days": 90,
                    "default_policy_id": "policy-default",
                }
            ]
        }
    )

    org_id: str
    name: str
    plan: Plan
    monthly_quota: int | None = Field(description="screenings per month; null = no limit")
    prompt_logging: bool
    retention_days: int
    default_policy_id: str | None


class SettingsUpdate(BaseModel):
    """Fields left out keep their value. Prompt logging and retention are Enterprise features."""

    model_config = _examples({"prompt_logging": False, "retention_days": 30})

    prompt_logging: bool | None = None
    retention_days: int | None = Field(default=None, ge=1, le=3650)
    default_policy_id: EntityId | None = None


class OrgMembership(BaseModel):
    org_id: str
    name: str
    role: Role


class Me(BaseModel):
    """The caller: who they are, in which org and role, and what that role may do."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "user_id": _ADMIN,
                    "email": "ada@example.com",
                    "status": "active",
                    "org_id": "org-default",
                    "org_name": "Default organization",
                    "role": "admin",
                    "permissions": ["view_dashboard", "manage_projects"],
                    "organizations": [{"org_id": "org-default", "name": "Default organization", "role": "admin"}],
                    "token_expires_at": "2026-01-05T21:00:00.000Z",
                }
            ]
        }
    )

    user_id: str
    email: str
    status: UserStatus
    org_id: str
    org_name: str
    role: Role
    permissions: list[str]
    organizations: list[OrgMembership]
    token_expires_at: datetime


class PasswordChange(BaseModel):
    model_config = _examples({"current_password": "the one-time password", "new_password": "correct horse battery staple"})

    current_password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    new_password: Password


# --- audit ---------------------------------------------------------------------------------

_AUDIT_EXAMPLE = {
    "event_id": "01a20c69-5fdc-7672-9ce9-64afb90556d0",
    "type": "config.project.upserted",
    "occurred_at": _T0,
    "actor": _ADMIN,
    "entity_type": "project",
    "entity_id": "project-support-bot",
    "org_id": "org-default",
}


class AuditEntry(BaseModel):
    """One config change: what, to which entity, by whom (a user id or `system`), when."""

    model_config = ConfigDict(json_schema_extra={"examples": [_AUDIT_EXAMPLE]})

    event_id: str
    type: str
    occurred_at: datetime
    actor: str
    entity_type: EntityType
    entity_id: str
    org_id: str


class AuditPage(BaseModel):
    """Newest first; pass `next_cursor` as `cursor` for the next (older) page."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [_AUDIT_EXAMPLE], "next_cursor": None}]})

    items: list[AuditEntry]
    next_cursor: str | None
