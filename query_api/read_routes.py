"""Read routes over the ClickHouse read models: the requests list and request details
(and, as the read models grow, the dashboard). Every route takes the caller from the
`reader` dependency, which resolves the org and enforces the role."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from clickhouse_connect.driver.client import Client
from fastapi import APIRouter, Depends, Query

from query_api.filters import RelativeRange, time_window
from query_api.requests_read import get_request, list_requests
from schemas.api import RequestDetail, RequestsPage
from schemas.errors import ApiError


class OrgScoped(Protocol):
    """What a read needs of the caller: the organization every query is scoped to."""

    org_id: str


def build_read_router(client: Client, database: str, reader: Callable[..., Any]) -> APIRouter:
    router = APIRouter(tags=["requests"])

    @router.get("/v1/requests", response_model=RequestsPage)
    async def requests_list(
        caller: OrgScoped = Depends(reader),
        range_: RelativeRange | None = Query(default=None, alias="range"),
        from_: datetime | None = Query(default=None, alias="from"),
        to: datetime | None = Query(default=None),
        project_id: list[str] = Query(default=[]),
        flagged: bool | None = Query(default=None, description="true = the Detections tab"),
        limit: int = Query(default=50, ge=1, le=500),
        cursor: str | None = Query(default=None),
    ) -> RequestsPage:
        """Screenings of the caller's org, newest first, with keyset pagination."""
        window = time_window(range_, from_, to)
        items, next_cursor = await asyncio.to_thread(
            list_requests, client, database, caller.org_id, window, project_id, flagged, limit, cursor
        )
        return RequestsPage(items=items, next_cursor=next_cursor)

    @router.get("/v1/requests/{event_id}", response_model=RequestDetail)
    async def request_details(event_id: uuid.UUID, caller: OrgScoped = Depends(reader)) -> RequestDetail:
        """Masked contents, every check with its result, and the exact API response."""
        found = await asyncio.to_thread(get_request, client, database, caller.org_id, str(event_id))
        if found is None:
            raise ApiError(404, f"no screening {event_id} in your organization", "not_found", "event_id")
        return found

    return router
