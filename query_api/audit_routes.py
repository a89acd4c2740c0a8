"""The audit trail (admins): every config change of the org, newest first, with filters.

Read from the replica's history, i.e. the never-compacted audit records of guard.config.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Query

from query_api.access import Caller, error_responses
from schemas.config_api import AuditEntry, AuditPage
from schemas.config_events import ConfigEvent, EntityType, spec_of
from streams.config import ConfigReplica


def audit_entry(event: ConfigEvent) -> AuditEntry:
    """What the trail shows of an event: never the payload (it may hold a password hash)."""
    return AuditEntry(
        event_id=event.event_id,
        type=event.type,
        occurred_at=event.occurred_at,
        actor=event.data.actor,
        entity_type=spec_of(event).entity,
        entity_id=event.data.entity_id,
        org_id=event.org_id,
    )


def audit_page(
    newest_first: Sequence[ConfigEvent],
    *,
    entity_type: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
    from_: datetime | None = None,
    to: datetime | None = None,
    limit: int = 100,
    cursor: str | None = None,
) -> AuditPage:
    """One page of matching entries after `cursor` (the last event id of the previous page)."""
    from_, to = _utc(from_), _utc(to)
    start = 0
    if cursor is not None:
        start = next((i + 1 for i, e in enumerate(newest_first) if e.event_id == cursor), len(newest_first))
    items: list[AuditEntry] = []
    for event in newest_first[start:]:
        entry = audit_entry(event)
        if entity_type is not None and entry.entity_type != entity_type:
            continue
        if entity_id is not None and entry.entity_id != entity_id:
            continue
        if actor is not None and entry.actor != actor:
            continue
        if (from_ is not None and entry.occurred_at < from_) or (to is not None and entry.occurred_at >= to):
            continue
        if len(items) == limit:
            return AuditPage(items=items, next_cursor=items[-1].event_id)
        items.append(entry)
    return AuditPage(items=items, next_cursor=None)


def _utc(moment: datetime | None) -> datetime | None:
    """A time without an offset is read as UTC (the contract's zone)."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def build_audit_router(replica: ConfigReplica, authorized: Callable[..., Any]) -> APIRouter:
    router = APIRouter(tags=["audit"], responses=error_responses(401, 403, 422))

    @router.get("/v1/audit", response_model=AuditPage)
    async def audit(
        caller: Caller = Depends(authorized),
        entity_type: EntityType | None = Query(default=None, examples=["project"]),
        entity_id: str | None = Query(default=None, examples=["project-demo"]),
        actor: str | None = Query(default=None, description="a user id, or `system`", examples=["system"]),
        from_: datetime | None = Query(default=None, alias="from", description="RFC 3339, inclusive"),
        to: datetime | None = Query(default=None, description="RFC 3339, exclusive"),
        limit: int = Query(default=100, ge=1, le=500),
        cursor: str | None = Query(default=None, description="`next_cursor` of the previous page"),
    ) -> AuditPage:
        """Config changes of the caller's org, newest first: who (`actor`), what, when."""
        return audit_page(
            replica.state.audit_of(caller.org_id),
            entity_type=entity_type,
            entity_id=entity_id,
            actor=actor,
            from_=from_,
            to=to,
            limit=limit,
            cursor=cursor,
        )

    return router
