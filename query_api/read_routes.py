"""Read routes over the ClickHouse read models: the dashboard, the requests list and request
details. Every route takes the caller from the `reader` dependency, which resolves the org
and enforces the role; project names and the org's data retention come from callables the
control plane provides (defaults: the project id as its name, no retention limit)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from clickhouse_connect.driver.client import Client
from fastapi import APIRouter, Depends, Query

from query_api.dashboard_read import ProjectSort, SortOrder, read_dashboard
from query_api.filters import RelativeRange, time_window, within_retention
from query_api.requests_read import RequestFilters, get_request, list_requests
from schemas.api import Dashboard, RequestDetail, RequestsPage
from schemas.envelope import utc_now
from schemas.errors import ApiError
from schemas.screening import Kind

ProjectNames = Callable[[str], Mapping[str, str]]  # org_id → {project_id: name}
RetentionDays = Callable[[str], int | None]  # org_id → days kept, None = forever


class OrgScoped(Protocol):
    """What a read needs of the caller: the organization every query is scoped to."""

    org_id: str


def _no_names(_: str) -> Mapping[str, str]:
    return {}


def _no_retention(_: str) -> int | None:
    return None


def build_read_router(
    client: Client,
    database: str,
    reader: Callable[..., Any],
    project_names: ProjectNames = _no_names,
    retention_days: RetentionDays = _no_retention,
) -> APIRouter:
    router = APIRouter(tags=["read models"])

    def retention_start(org_id: str, now: datetime) -> datetime | None:
        days = retention_days(org_id)
        return now - timedelta(days=days) if days else None

    @router.get("/v1/dashboard", response_model=Dashboard)
    async def dashboard(
        caller: OrgScoped = Depends(reader),
        range_: RelativeRange | None = Query(default=None, alias="range"),
        from_: datetime | None = Query(default=None, alias="from"),
        to: datetime | None = Query(default=None),
        project_id: list[str] = Query(default=[]),
        sort: ProjectSort = Query(default="requests", description="order of the projects table"),
        order: SortOrder = Query(default="desc"),
    ) -> Dashboard:
        """Requests, flagged, detection rate, by type and detector, latency distribution,
        timeseries and the projects table, from the aggregate tables at whole-minute resolution."""
        now = utc_now()
        window = time_window(range_, from_, to, now=now)
        return await read_dashboard(
            client, database, caller.org_id, window, project_id, project_names(caller.org_id), sort, order,
            retention_start(caller.org_id, now),
        )

    @router.get("/v1/requests", response_model=RequestsPage)
    async def requests_list(
        caller: OrgScoped = Depends(reader),
        range_: RelativeRange | None = Query(default=None, alias="range"),
        from_: datetime | None = Query(default=None, alias="from"),
        to: datetime | None = Query(default=None),
        project_id: list[str] = Query(default=[]),
        flagged: bool | None = Query(default=None, description="true = the Detections tab"),
        detector_type: list[str] = Query(default=[], description="any of these detector types detected"),
        kind: list[Kind] = Query(default=[]),
        limit: int = Query(default=50, ge=1, le=500),
        cursor: str | None = Query(default=None),
    ) -> RequestsPage:
        """Screenings of the caller's org, newest first, with keyset pagination."""
        now = utc_now()
        window = within_retention(time_window(range_, from_, to, now=now), retention_days(caller.org_id), now)
        filters = RequestFilters(project_id, flagged, detector_type, kind)
        items, next_cursor = await asyncio.to_thread(
            list_requests, client, database, caller.org_id, window, filters, limit, cursor, project_names(caller.org_id)
        )
        return RequestsPage(items=items, next_cursor=next_cursor)

    @router.get("/v1/requests/{event_id}", response_model=RequestDetail)
    async def request_details(event_id: uuid.UUID, caller: OrgScoped = Depends(reader)) -> RequestDetail:
        """Masked contents (or `content_status: prompt_logging_disabled`), every check with its
        result, and the exact API response."""
        found = await asyncio.to_thread(
            get_request, client, database, caller.org_id, str(event_id), project_names(caller.org_id),
            retention_start(caller.org_id, utc_now()),
        )
        if found is None:
            raise ApiError(404, f"no screening {event_id} in your organization", "not_found", "event_id")
        return found

    return router
