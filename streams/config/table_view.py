"""The screening-relevant config (organizations, projects, policies) read straight from a
key → value mapping of `guard.config`'s entity records: what the worker's Faust GlobalTable
holds (streams/app.py).

The table holds raw record values under raw keys (`project/<id>`, ...), last writer wins per
key, exactly as compaction leaves the topic; audit records sit under keys never looked up
here. Values are parsed on first use and cached by their bytes, so a screening costs a few
dictionary lookups and a policy edit is seen by the next screening.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping
from typing import Any

import faust

from schemas.config import Organization, Policy, Project
from schemas.config_events import ConfigEventError, parse_config_event, spec_of

_PARSED_CACHE_LIMIT = 10_000


class TopicGlobalTable(faust.GlobalTable):
    """A GlobalTable over a topic that already exists and is written outside Faust.

    Faust's partition assignor names a global table's changelog `<app id>-<table>-changelog`
    whatever topic the table was given; this makes it use the table's own topic.
    """

    applied_offset: int = -1  # of the last record of the topic applied to the table

    def _changelog_topic_name(self) -> str:
        return self.changelog_topic.get_topic_name()

    def apply_changelog_batch(self, batch: Iterable[Any]) -> None:
        events = list(batch)
        super().apply_changelog_batch(events)
        if events:
            self.applied_offset = max(self.applied_offset, max(e.message.offset for e in events))

    async def caught_up_with(self, highwater: int | None, timeout_s: float = 5.0) -> bool:
        """Wait until every record below `highwater` (the topic's end as the consumer last saw
        it) is applied. A config change acknowledged before a screening was received is then
        in the table when that screening is judged. False if it did not get there in time."""
        if highwater is None:
            return True
        deadline = time.monotonic() + timeout_s
        while self.applied_offset < highwater - 1:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.005)
        return True


class ConfigTableView:
    """`organization`, `project`, `policy` and `policy_of_project` over the table; the same
    answers as streams/config/state.ConfigState gives for those."""

    def __init__(self, table: Mapping[bytes, bytes | None]) -> None:
        self._table = table
        self._parsed: dict[bytes, object | None] = {}

    def _entity(self, entity: str, entity_id: str) -> object | None:
        raw = self._table.get(f"{entity}/{entity_id}".encode())
        if raw is None:
            return None
        if raw not in self._parsed:
            if len(self._parsed) >= _PARSED_CACHE_LIMIT:
                self._parsed.clear()  # superseded values pile up here; starting over is cheap
            self._parsed[raw] = self._decode(raw, entity)
        return self._parsed[raw]

    @staticmethod
    def _decode(raw: bytes, entity: str) -> object | None:
        """The entity an upsert carries (`data.<entity>`); None for a deletion or an event
        of a newer guardstream, which is not ours to interpret."""
        try:
            event = parse_config_event(raw)
        except ConfigEventError:
            return None
        if spec_of(event).deletes:
            return None
        return getattr(event.data, entity, None)

    def organization(self, org_id: str) -> Organization | None:
        found = self._entity("organization", org_id)
        return found if isinstance(found, Organization) else None

    def project(self, project_id: str) -> Project | None:
        found = self._entity("project", project_id)
        return found if isinstance(found, Project) else None

    def policy(self, policy_id: str) -> Policy | None:
        found = self._entity("policy", policy_id)
        return found if isinstance(found, Policy) else None

    def policy_of_project(self, project_id: str) -> Policy | None:
        """The project's own policy, else its org's default (ConfigState.policy_of_project)."""
        project = self.project(project_id)
        if project is None:
            return None
        policy_id = project.policy_id
        if policy_id is None:
            org = self.organization(project.org_id)
            policy_id = org.default_policy_id if org else None
        return self.policy(policy_id) if policy_id else None
