"""Config entities of the control plane (issue 3): organizations, users, memberships,
projects, policies and API keys, as stored in `guard.config` events and held by every
replica. Defined once here; ingest, streams and query_api all read these models.

The change events that carry them, and how they are keyed on the topic, are in
`schemas/config_events.py`.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from schemas.screening import ConfidenceLevel

Plan = Literal["community", "enterprise"]
Role = Literal["admin", "user", "no_access"]
UserStatus = Literal["active", "invited"]
PolicyMode = Literal["unified", "input_output"]
Side = Literal["input", "output", "both"]

ROLES: tuple[Role, ...] = ("admin", "user", "no_access")
COMMUNITY_MONTHLY_QUOTA = 10_000
API_KEY_SECRET_PREFIX = "gs_"
API_KEY_DISPLAY_CHARS = 8  # "gs_" + 5: enough to tell keys apart, far too little to guess one

# Entity ids appear in topic keys as `<entity>/<id>`, so they never contain a slash.
EntityId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

# --- detector types (DESIGN.md contract, Lakera's names) ---------------------------------

MODERATION_CATEGORIES = ("crime", "hate", "profanity", "sexual", "violence", "weapons")
PII_TYPES = (
    "name",
    "email",
    "phone_number",
    "credit_card",
    "iban_code",
    "ip_address",
    "us_social_security_number",
    "address",
)
BUILTIN_DETECTOR_TYPES: tuple[str, ...] = (
    "prompt_attack",
    "unknown_links",
    *(f"moderated_content/{c}" for c in MODERATION_CATEGORIES),
    *(f"pii/{p}" for p in PII_TYPES),
)
CUSTOM_DETECTOR_PREFIX = "custom/"


def api_key_sha256(secret: str) -> str:
    """The only form in which an API key secret is stored or compared (hex SHA-256).

    A plain hash suffices: secrets are 256-bit random, so there is nothing to brute-force.
    """
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def api_key_display_prefix(secret: str) -> str:
    return secret[:API_KEY_DISPLAY_CHARS]


def user_id_for(email: str) -> str:
    """A user's id is derived from the normalised email.

    The entity key on `guard.config` is then the uniqueness key: two processes inviting
    the same address at once write the same key, and compaction keeps one user.
    """
    return "user-" + hashlib.sha256(normalise_email(email).encode("utf-8")).hexdigest()[:20]


def normalise_email(email: str) -> str:
    return email.strip().lower()


_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")


def _valid_email(value: str) -> str:
    value = normalise_email(value)
    if not _EMAIL.match(value) or "." not in value.rsplit("@", 1)[1]:
        raise ValueError("not an email address")
    return value


Email = Annotated[str, StringConstraints(max_length=320)]


class Entity(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- organization, users, memberships -----------------------------------------------------


class Organization(Entity):
    """A tenant. Community orgs have the fixed 10,000 screenings/month; enterprise orgs a
    configurable quota (None = no monthly limit)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "org-default",
                    "name": "Default organization",
                    "plan": "enterprise",
                    "monthly_quota": None,
                    "prompt_logging": True,
                    "retention_days": 90,
                    "default_policy_id": "policy-default",
                    "created_at": "2026-01-05T09:00:00.000Z",
                }
            ]
        },
    )

    id: EntityId
    name: Name
    plan: Plan
    monthly_quota: int | None = Field(default=None, ge=1, description="screenings per calendar month (UTC)")
    prompt_logging: bool = Field(default=True, description="store masked contents of screenings")
    retention_days: int = Field(default=90, ge=1, le=3650)
    default_policy_id: EntityId | None = Field(default=None, description="policy of new projects")
    created_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _community_quota_default(cls, data: object) -> object:
        if isinstance(data, dict) and data.get("plan") == "community" and data.get("monthly_quota") is None:
            return {**data, "monthly_quota": COMMUNITY_MONTHLY_QUOTA}
        return data

    @model_validator(mode="after")
    def _community_quota_fixed(self) -> "Organization":
        if self.plan == "community" and self.monthly_quota != COMMUNITY_MONTHLY_QUOTA:
            raise ValueError(f"community organizations have a quota of {COMMUNITY_MONTHLY_QUOTA}")
        return self


class User(Entity):
    """A person who logs in to the dashboard. Global: one user may belong to several orgs.

    `invited` users were given a one-time password and become `active` once they set their own.
    """

    id: EntityId
    email: Email
    password_hash: str = Field(min_length=1, description="argon2id PHC string, never the password")
    status: UserStatus = "active"
    created_at: datetime

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return _valid_email(value)

    @model_validator(mode="after")
    def _id_matches_email(self) -> "User":
        if self.id != user_id_for(self.email):
            raise ValueError("user id must be user_id_for(email)")
        return self

    def __repr__(self) -> str:  # keep the hash out of logs and tracebacks
        return f"User(id={self.id!r}, status={self.status!r})"


class Membership(Entity):
    org_id: EntityId
    user_id: EntityId
    role: Role


# --- projects ------------------------------------------------------------------------------

MetadataKey = Annotated[str, StringConstraints(min_length=1, max_length=64)]
MetadataValue = Annotated[str, StringConstraints(max_length=256)]


class Project(Entity):
    """A separate integration of the guard: its policy, and metadata for analysis and SIEM logs."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "project-support-bot",
                    "org_id": "org-default",
                    "name": "Support bot",
                    "policy_id": "policy-default",
                    "metadata": {"environment": "production", "team": "support"},
                    "created_at": "2026-01-05T09:00:00.000Z",
                }
            ]
        },
    )

    id: EntityId
    org_id: EntityId
    name: Name
    policy_id: EntityId | None = None
    metadata: dict[MetadataKey, MetadataValue] = Field(default_factory=dict, max_length=50)
    created_at: datetime


# --- policies ------------------------------------------------------------------------------


class DetectorSetting(Entity):
    """One built-in detector of a policy and the confidence level at which it flags."""

    type: str = Field(description="a built-in detector type, e.g. `prompt_attack`, `pii/email`")
    enabled: bool = True
    threshold: ConfidenceLevel = Field(
        default=ConfidenceLevel.L2_VERY_LIKELY,
        description="flag at this level or a more confident one (l1_confident..l4_less_likely)",
    )
    applies_to: Side = Field(default="both", description="input_output mode: which side it screens")

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in BUILTIN_DETECTOR_TYPES:
            raise ValueError(f"unknown detector type {value!r}; custom regexes go in custom_detectors")
        return value

    @field_validator("threshold")
    @classmethod
    def _flagging_level(cls, value: ConfidenceLevel) -> ConfidenceLevel:
        if value is ConfidenceLevel.L5_UNLIKELY:
            raise ValueError("a threshold is l1_confident..l4_less_likely")
        return value


class CustomDetector(Entity):
    """A regex detector; a match is a confident (`l1_confident`) detection of `custom/<name>`."""

    name: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
    pattern: str = Field(min_length=1, max_length=1000)
    enabled: bool = True
    applies_to: Side = "both"

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        return value

    @property
    def detector_type(self) -> str:
        return CUSTOM_DETECTOR_PREFIX + self.name


# Lower-cased before the pattern is checked (StringConstraints would check first).
Domain = Annotated[
    str,
    BeforeValidator(lambda value: value.strip().lower() if isinstance(value, str) else value),
    StringConstraints(pattern=r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"),
]


class PolicyRules(Entity):
    """What an admin edits in a policy; every edit makes a new version."""

    name: Name
    mode: PolicyMode = Field(
        default="unified", description="unified: one set of detectors for input and output"
    )
    detectors: list[DetectorSetting] = Field(default_factory=list, max_length=len(BUILTIN_DETECTOR_TYPES))
    allowed_domains: list[Domain] = Field(
        default_factory=list, max_length=500, description="links to these never flag unknown_links"
    )
    custom_detectors: list[CustomDetector] = Field(default_factory=list, max_length=100)

    @field_validator("detectors")
    @classmethod
    def _one_setting_per_type(cls, value: list[DetectorSetting]) -> list[DetectorSetting]:
        types = [d.type for d in value]
        if len(types) != len(set(types)):
            raise ValueError("each detector type appears once")
        return value

    @field_validator("custom_detectors")
    @classmethod
    def _unique_names(cls, value: list[CustomDetector]) -> list[CustomDetector]:
        names = [d.name for d in value]
        if len(names) != len(set(names)):
            raise ValueError("custom detector names are unique")
        return value

    def detector(self, detector_type: str) -> DetectorSetting | None:
        return next((d for d in self.detectors if d.type == detector_type), None)


class Policy(PolicyRules):
    """One version of a policy. `version` starts at 1 and grows by one with each edit."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "policy-default",
                    "org_id": "org-default",
                    "version": 2,
                    "name": "Default policy",
                    "mode": "unified",
                    "detectors": [
                        {"type": "prompt_attack", "enabled": True, "threshold": "l2_very_likely", "applies_to": "both"},
                        {"type": "pii/email", "enabled": True, "threshold": "l2_very_likely", "applies_to": "both"},
                    ],
                    "allowed_domains": ["lakera.ai"],
                    "custom_detectors": [{"name": "ticket-id", "pattern": "TCK-[0-9]{6}", "enabled": True, "applies_to": "both"}],
                    "created_at": "2026-01-05T09:00:00.000Z",
                    "updated_at": "2026-01-06T14:30:00.000Z",
                    "updated_by": "user-5f2b0c1d9e8a7b6c5d4e",
                }
            ]
        },
    )

    id: EntityId
    org_id: EntityId
    version: int = Field(ge=1)
    created_at: datetime
    updated_at: datetime
    updated_by: str

    @cached_property
    def rules(self) -> PolicyRules:
        # Once per policy version (the model is frozen), not once per screening judged by it.
        return PolicyRules.model_validate(self.model_dump(include=set(PolicyRules.model_fields)))

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Policy:
        copied = super().model_copy(update=update, deep=deep)
        copied.__dict__.pop("rules", None)  # derived from the fields: the copy derives its own
        return copied


def default_detectors() -> list[DetectorSetting]:
    """The default policy: every built-in detector on.

    Prompt attacks, PII and moderation flag from `l2_very_likely` (a clear signal, few false
    positives); unknown links from `l1_confident`, since a link is either on the allow list
    or not.
    """
    settings = [DetectorSetting(type=t) for t in BUILTIN_DETECTOR_TYPES if t != "unknown_links"]
    settings.append(DetectorSetting(type="unknown_links", threshold=ConfidenceLevel.L1_CONFIDENT))
    return settings


# --- API keys ------------------------------------------------------------------------------


class ApiKey(Entity):
    """A guard client's credential. The secret is shown once at creation; only its SHA-256
    is stored. `project_ids` None means every project of the org."""

    id: EntityId
    org_id: EntityId
    name: Name
    prefix: str = Field(description="the secret's first characters, to recognise a key")
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    project_ids: list[EntityId] | None = None
    created_by: str
    created_at: datetime
    last_used_at: datetime | None = Field(default=None, description="approximate (reported by ingest)")
    revoked: bool = False
    revoked_at: datetime | None = None

    def allows_project(self, project_id: str | None) -> bool:
        """Scope check only; whether the project exists in the org is the caller's check."""
        return self.project_ids is None or (project_id is not None and project_id in self.project_ids)
