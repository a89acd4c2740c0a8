"""`ConfigState`: the control plane's state, folded from guard.config records. Pure.

Every replica (query_api, ingest, bootstrap) holds one immutable `ConfigState` and swaps it
for the next after each batch of records, so a request that reads the state across awaits
sees one consistent snapshot.

Entity records apply as a last-writer-wins register per key: that is exactly what Kafka's
compaction preserves, so a replica reading the compacted topic ends in the same state as one
that saw every record. Audit records only feed `history` (audit trail, policy versions).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from schemas.config import (
    ApiKey,
    Membership,
    Organization,
    Policy,
    Project,
    User,
    normalise_email,
    user_id_for,
)
from schemas.config_events import (
    POLICY_UPSERTED,
    ConfigEvent,
    ConfigRecord,
    records_of,
    spec_of,
    split_entity_key,
)
from schemas.export import ExportAlert, ExportTarget

# entity type in a record key → the ConfigState table holding it, and the payload field
_TABLES: dict[str, tuple[str, str | None]] = {
    "organization": ("organizations", "organization"),
    "user": ("users", "user"),
    "membership": ("memberships", "membership"),
    "project": ("projects", "project"),
    "policy": ("policies", "policy"),
    "api_key": ("api_keys", "api_key"),
    "api_key_usage": ("key_usage", None),
    "session": ("revoked_sessions", None),
    "export_target": ("export_targets", "target"),
    "export_alert": ("export_alert_records", "alert"),
}


@dataclass(frozen=True)
class ConfigState:
    """Every organization, user, membership, project, policy and API key; never mutated."""

    organizations: Mapping[str, Organization] = field(default_factory=dict)
    users: Mapping[str, User] = field(default_factory=dict)
    memberships: Mapping[str, Membership] = field(default_factory=dict)  # "org/user"
    projects: Mapping[str, Project] = field(default_factory=dict)
    policies: Mapping[str, Policy] = field(default_factory=dict)
    api_keys: Mapping[str, ApiKey] = field(default_factory=dict)
    key_usage: Mapping[str, datetime] = field(default_factory=dict)  # key id → last reported use
    revoked_sessions: Mapping[str, datetime] = field(default_factory=dict)  # token id → expiry
    export_targets: Mapping[str, ExportTarget] = field(default_factory=dict)  # org id → target
    export_alert_records: Mapping[str, ExportAlert] = field(default_factory=dict)  # org id → alert
    history: Sequence[ConfigEvent] = field(default_factory=tuple)  # audited events, log order
    keys_by_hash: Mapping[str, str] = field(default_factory=dict)  # sha256 → key id (derived)

    # --- folding ----------------------------------------------------------------------------

    def apply(self, event: ConfigEvent) -> "ConfigState":
        """The state after `event`: what a replica holds once both its records are applied."""
        return self.apply_records(records_of(event))

    def apply_records(self, records: Iterable[ConfigRecord], *, keep_history: bool = True) -> "ConfigState":
        """The state after `records` in log order. Copies only the tables they touch."""
        tables: dict[str, dict[str, Any]] = {}
        history: list[ConfigEvent] | None = None

        def table(name: str) -> dict[str, Any]:
            if name not in tables:
                tables[name] = dict(getattr(self, name))
            return tables[name]

        for record in records:
            if record.is_audit:
                if keep_history and record.event is not None:
                    if history is None:
                        history = list(self.history)
                    history.append(record.event)
                continue
            entity, entity_id = split_entity_key(record.key)
            if entity not in _TABLES:
                continue  # an entity of a newer version of guardstream: not ours to interpret
            name, payload_field = _TABLES[entity]
            event = record.event
            if event is None or spec_of(event).deletes:
                removed = table(name).pop(entity_id, None)
                if isinstance(removed, ApiKey):
                    table("keys_by_hash").pop(removed.sha256, None)
                continue
            data = event.data
            if entity == "api_key_usage":
                table(name)[entity_id] = data.last_used_at
            elif entity == "session":
                table(name)[entity_id] = data.expires_at
            else:
                assert payload_field is not None
                value = getattr(data, payload_field)
                table(name)[entity_id] = value
                if isinstance(value, ApiKey):
                    table("keys_by_hash")[value.sha256] = value.id
        changes: dict[str, Any] = dict(tables)
        if history is not None:
            changes["history"] = tuple(history)
        return replace(self, **changes) if changes else self

    # --- organizations and people -------------------------------------------------------------

    def organization(self, org_id: str) -> Organization | None:
        return self.organizations.get(org_id)

    def user(self, user_id: str) -> User | None:
        return self.users.get(user_id)

    def user_by_email(self, email: str) -> User | None:
        return self.users.get(user_id_for(normalise_email(email)))

    def membership(self, org_id: str, user_id: str) -> Membership | None:
        return self.memberships.get(f"{org_id}/{user_id}")

    def members(self, org_id: str) -> list[tuple[Membership, User]]:
        """The org's members with their user records, ordered by email."""
        found = [
            (m, self.users[m.user_id])
            for m in self.memberships.values()
            if m.org_id == org_id and m.user_id in self.users
        ]
        return sorted(found, key=lambda pair: pair[1].email)

    def memberships_of(self, user_id: str) -> list[Membership]:
        """The orgs a user belongs to, ordered by org id (login picks the first by default)."""
        found = [m for m in self.memberships.values() if m.user_id == user_id and m.org_id in self.organizations]
        return sorted(found, key=lambda m: m.org_id)

    def session_revoked(self, token_id: str) -> bool:
        return token_id in self.revoked_sessions

    # --- projects and policies --------------------------------------------------------------

    def project(self, project_id: str) -> Project | None:
        return self.projects.get(project_id)

    def projects_of(self, org_id: str) -> list[Project]:
        return sorted((p for p in self.projects.values() if p.org_id == org_id), key=lambda p: (p.name, p.id))

    def policy(self, policy_id: str) -> Policy | None:
        """The current version of a policy."""
        return self.policies.get(policy_id)

    def policies_of(self, org_id: str) -> list[Policy]:
        return sorted((p for p in self.policies.values() if p.org_id == org_id), key=lambda p: (p.name, p.id))

    def policy_versions(self, policy_id: str) -> list[Policy]:
        """Every version of a policy that was written, oldest first (needs history)."""
        return [
            event.data.policy
            for event in self.history
            if event.type == POLICY_UPSERTED and event.data.policy.id == policy_id
        ]

    def policy_of_project(self, project_id: str) -> Policy | None:
        """The policy screening applies to a project: its own, else its org's default."""
        project = self.projects.get(project_id)
        if project is None:
            return None
        policy_id = project.policy_id
        if policy_id is None:
            org = self.organizations.get(project.org_id)
            policy_id = org.default_policy_id if org else None
        return self.policies.get(policy_id) if policy_id else None

    # --- API keys -----------------------------------------------------------------------------

    def api_key(self, key_id: str) -> ApiKey | None:
        """A key with `last_used_at` merged from ingest's usage reports."""
        key = self.api_keys.get(key_id)
        if key is None:
            return None
        used = self.key_usage.get(key_id)
        if used is not None and (key.last_used_at is None or used > key.last_used_at):
            return key.model_copy(update={"last_used_at": used})
        return key

    def api_keys_of(self, org_id: str) -> list[ApiKey]:
        keys = (self.api_key(k.id) for k in self.api_keys.values() if k.org_id == org_id)
        return sorted((k for k in keys if k is not None), key=lambda k: (k.created_at, k.id))

    def api_key_by_hash(self, sha256: str) -> ApiKey | None:
        """The key (revoked ones too: check `.revoked`) whose secret hashes to `sha256`."""
        key_id = self.keys_by_hash.get(sha256)
        key = self.api_key(key_id) if key_id else None
        # The dict lookup found it; compare_digest keeps the final check constant-time.
        return key if key is not None and hmac.compare_digest(key.sha256, sha256) else None

    # --- SIEM export ---------------------------------------------------------------------------

    def export_target(self, org_id: str) -> ExportTarget | None:
        """The org's export setting; None = the deployment's default target, enabled."""
        return self.export_targets.get(org_id)

    def export_alerts(self, org_id: str) -> list[ExportAlert]:
        """The org's export alerts (at most one per org: the open one, or the last resolved)."""
        alert = self.export_alert_records.get(org_id)
        return [alert] if alert is not None else []

    # --- audit --------------------------------------------------------------------------------

    def audit_of(self, org_id: str) -> list[ConfigEvent]:
        """The org's audited config events, newest first (needs history)."""
        return [event for event in reversed(self.history) if event.org_id == org_id]
