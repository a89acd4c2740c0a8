"""Config change events on `guard.config` and how they are laid out on the topic.

Every change is one `Envelope` whose `type` names it (`config.project.upserted`, …) and whose
`data` records the actor (a user id, or `system`) and, for upserts, the whole entity after
the change: a replica never needs an entity's earlier events to know its state.

An event is appended as up to two records in one Kafka record batch (appended atomically):

* the **entity record**, key `<entity>/<id>` (e.g. `project/project-demo`), value the event,
  or a tombstone (null value) for a deletion. Compaction keeps the latest record per entity,
  so the compacted topic is the current state and deleted entities eventually vanish.
* the **audit record**, key `audit/<event_id>`: the same event under a key of its own, which
  compaction never removes. It is the audit trail and the policies' version history.

Applying entity records is a last-writer-wins register per key, so the state folded from a
compacted topic equals the state folded from the uncompacted one (see streams/config).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, ValidationError

from schemas.config import (
    ApiKey,
    EntityId,
    Membership,
    Organization,
    Policy,
    Project,
    User,
)
from schemas.config_change import ACTOR_SYSTEM, ConfigChange  # noqa: F401  (re-exported)
from schemas.envelope import Envelope, new_event_id, utc_now
from schemas.export import (
    EXPORT_ALERT_UPSERTED,
    EXPORT_TARGET_UPSERTED,
    ExportAlertUpserted,
    ExportTargetUpserted,
)

AUDIT_KEY_PREFIX = "audit/"

EntityType = Literal[
    "organization",
    "user",
    "membership",
    "project",
    "policy",
    "api_key",
    "api_key_usage",
    "session",
    "export_target",
    "export_alert",
]


class OrganizationUpserted(ConfigChange):
    organization: Organization

    @property
    def entity_id(self) -> str:
        return self.organization.id


class UserUpserted(ConfigChange):
    user: User

    @property
    def entity_id(self) -> str:
        return self.user.id


class MembershipUpserted(ConfigChange):
    membership: Membership

    @property
    def entity_id(self) -> str:
        return f"{self.membership.org_id}/{self.membership.user_id}"


class MembershipDeleted(ConfigChange):
    org_id: EntityId
    user_id: EntityId

    @property
    def entity_id(self) -> str:
        return f"{self.org_id}/{self.user_id}"


class ProjectUpserted(ConfigChange):
    project: Project

    @property
    def entity_id(self) -> str:
        return self.project.id


class ProjectDeleted(ConfigChange):
    project_id: EntityId

    @property
    def entity_id(self) -> str:
        return self.project_id


class PolicyUpserted(ConfigChange):
    policy: Policy

    @property
    def entity_id(self) -> str:
        return self.policy.id


class PolicyDeleted(ConfigChange):
    policy_id: EntityId

    @property
    def entity_id(self) -> str:
        return self.policy_id


class ApiKeyUpserted(ConfigChange):
    api_key: ApiKey

    @property
    def entity_id(self) -> str:
        return self.api_key.id


class ApiKeyUsed(ConfigChange):
    """Reported by ingest, at most every few minutes per key: `last_used_at` is approximate.

    Kept under its own key (`api_key_usage/<key id>`) so usage reports never overwrite an
    admin's change of the key, and not audited (it is not an admin action).
    """

    key_id: EntityId
    last_used_at: datetime

    @property
    def entity_id(self) -> str:
        return self.key_id


class SessionRevoked(ConfigChange):
    """Logout: the token id is refused by every query_api process until the token expires."""

    token_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    user_id: EntityId
    expires_at: datetime

    @property
    def entity_id(self) -> str:
        return self.token_id


@dataclass(frozen=True)
class ConfigEventSpec:
    payload: type[ConfigChange]
    entity: EntityType
    deletes: bool = False
    audited: bool = True


ORGANIZATION_UPSERTED = "config.organization.upserted"
USER_UPSERTED = "config.user.upserted"
MEMBERSHIP_UPSERTED = "config.membership.upserted"
MEMBERSHIP_DELETED = "config.membership.deleted"
PROJECT_UPSERTED = "config.project.upserted"
PROJECT_DELETED = "config.project.deleted"
POLICY_UPSERTED = "config.policy.upserted"
POLICY_DELETED = "config.policy.deleted"
API_KEY_CREATED = "config.api_key.created"
API_KEY_UPDATED = "config.api_key.updated"
API_KEY_REVOKED = "config.api_key.revoked"
API_KEY_USED = "config.api_key.used"
SESSION_REVOKED = "config.session.revoked"

CONFIG_EVENTS: dict[str, ConfigEventSpec] = {
    ORGANIZATION_UPSERTED: ConfigEventSpec(OrganizationUpserted, "organization"),
    USER_UPSERTED: ConfigEventSpec(UserUpserted, "user"),
    MEMBERSHIP_UPSERTED: ConfigEventSpec(MembershipUpserted, "membership"),
    MEMBERSHIP_DELETED: ConfigEventSpec(MembershipDeleted, "membership", deletes=True),
    PROJECT_UPSERTED: ConfigEventSpec(ProjectUpserted, "project"),
    PROJECT_DELETED: ConfigEventSpec(ProjectDeleted, "project", deletes=True),
    POLICY_UPSERTED: ConfigEventSpec(PolicyUpserted, "policy"),
    POLICY_DELETED: ConfigEventSpec(PolicyDeleted, "policy", deletes=True),
    # Three names for one snapshot payload, so the audit trail says what happened to a key.
    API_KEY_CREATED: ConfigEventSpec(ApiKeyUpserted, "api_key"),
    API_KEY_UPDATED: ConfigEventSpec(ApiKeyUpserted, "api_key"),
    API_KEY_REVOKED: ConfigEventSpec(ApiKeyUpserted, "api_key"),
    API_KEY_USED: ConfigEventSpec(ApiKeyUsed, "api_key_usage", audited=False),
    SESSION_REVOKED: ConfigEventSpec(SessionRevoked, "session"),
    # SIEM export (schemas/export.py); alerts are the archiver's, not an admin action: not audited
    EXPORT_TARGET_UPSERTED: ConfigEventSpec(ExportTargetUpserted, "export_target"),
    EXPORT_ALERT_UPSERTED: ConfigEventSpec(ExportAlertUpserted, "export_alert", audited=False),
}

ConfigEvent = Envelope[Any]
"""An envelope whose `data` is one of the ConfigChange payloads above (see CONFIG_EVENTS)."""


class ConfigEventError(ValueError):
    """A record on guard.config that is not a config event this code understands."""


def config_event(
    event_type: str,
    org_id: str,
    payload: ConfigChange,
    *,
    project_id: str | None = None,
    at: datetime | None = None,
) -> ConfigEvent:
    """A new config event; `occurred_at` (the audit time) is now unless given."""
    spec = CONFIG_EVENTS[event_type]
    if not isinstance(payload, spec.payload):
        raise TypeError(f"{event_type} carries {spec.payload.__name__}, not {type(payload).__name__}")
    return Envelope[spec.payload](  # type: ignore[name-defined]
        event_id=new_event_id(),
        type=event_type,
        occurred_at=at or utc_now(),
        org_id=org_id,
        project_id=project_id,
        data=payload,
    )


def spec_of(event: ConfigEvent) -> ConfigEventSpec:
    return CONFIG_EVENTS[event.type]


def entity_key(event: ConfigEvent) -> str:
    """The compaction key of the entity an event changes, e.g. `project/project-demo`."""
    return f"{spec_of(event).entity}/{event.data.entity_id}"


def audit_key(event: ConfigEvent) -> str:
    return AUDIT_KEY_PREFIX + event.event_id


def split_entity_key(key: str) -> tuple[str, str]:
    """`membership/org-1/user-2` → (`membership`, `org-1/user-2`)."""
    entity, _, entity_id = key.partition("/")
    if not entity_id:
        raise ConfigEventError(f"not an entity key: {key!r}")
    return entity, entity_id


def config_records(event: ConfigEvent) -> list[tuple[str, bytes | None]]:
    """The (key, value) records that append `event`: entity record (or tombstone), audit record."""
    spec = spec_of(event)
    body = event.to_bytes()
    records: list[tuple[str, bytes | None]] = [(entity_key(event), None if spec.deletes else body)]
    if spec.audited:
        records.append((audit_key(event), body))
    return records


def parse_config_event(raw: bytes | str) -> ConfigEvent:
    """Decode one record value into the envelope of its type; ConfigEventError otherwise."""
    try:
        decoded = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigEventError(f"not JSON: {exc}") from None
    event_type = decoded.get("type") if isinstance(decoded, dict) else None
    spec = CONFIG_EVENTS.get(event_type) if isinstance(event_type, str) else None
    if spec is None:
        raise ConfigEventError(f"unknown config event type {event_type!r}")
    try:
        return Envelope[spec.payload].model_validate(decoded)  # type: ignore[name-defined]
    except ValidationError as exc:
        # Locations and messages only: the input may hold a password hash.
        first = exc.errors(include_input=False, include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigEventError(f"invalid {event_type}: {where}: {first['msg']}") from None


@dataclass(frozen=True)
class ConfigRecord:
    """One record of guard.config as a replica sees it: a key and an event, or a tombstone."""

    key: str
    event: ConfigEvent | None

    @property
    def is_audit(self) -> bool:
        return self.key.startswith(AUDIT_KEY_PREFIX)


def decode_config_record(key: bytes | None, value: bytes | None, *, keep_history: bool) -> ConfigRecord | None:
    """The record a (key, value) of guard.config stands for, as every reader decodes it: a
    tombstone for a None value; None for an audit record when the reader keeps no history (it
    is not even decoded); ConfigEventError for a record without an entity key or with an
    undecodable value."""
    text = key.decode("utf-8", "replace") if key is not None else ""
    if "/" not in text:
        raise ConfigEventError("record without an entity key")
    if value is None:
        return ConfigRecord(text, None)
    if not keep_history and text.startswith(AUDIT_KEY_PREFIX):
        return None
    return ConfigRecord(text, parse_config_event(value))


def records_of(event: ConfigEvent) -> list[ConfigRecord]:
    """The records of `event` as a reader decodes them (what `config_records` writes)."""
    return [
        ConfigRecord(key, None if value is None else event) for key, value in config_records(event)
    ]
