"""Reads of the requests list and request details from `guard.screenings`.

Every query is scoped by the caller's org and uses server-side parameters only: no
user text is ever formatted into SQL. Reads never reach rows older than the org's
retention (the routes cut the window; get_request takes the cut-off).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from clickhouse_connect.driver.client import Client

from query_api.filters import TimeWindow
from schemas.api import RequestDetail, RequestSummary
from schemas.errors import ApiError
from schemas.guard import GuardResponse
from schemas.screening import DetectorResult, Message

_SUMMARY_COLUMNS = (
    "event_id, request_id, org_id, project_id, received_at, kind, flagged, "
    "detected, latency_ms, region, metadata, preview"
)
_DETAIL_COLUMNS = (
    _SUMMARY_COLUMNS
    + ", content_logged, message_roles, message_contents, pii_types, results.detector_type, "
    "results.detector_id, results.result, results.detected, policy_id, policy_version, "
    "pipeline_ms, api_response"
)


def encode_cursor(received_at: datetime, event_id: str) -> str:
    raw = json.dumps([received_at.astimezone(UTC).isoformat(), event_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, event_id = json.loads(raw)
        return datetime.fromisoformat(stamp), str(uuid.UUID(str(event_id)))
    except (ValueError, TypeError) as exc:
        raise ApiError(422, "`cursor` is not one this API returned", "invalid_request", "cursor") from exc


def _summary(row: dict[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    received_at = row["received_at"]
    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=UTC)
    project_id = row["project_id"] or None
    return {
        "event_id": str(row["event_id"]),
        "request_id": row["request_id"],
        "org_id": row["org_id"],
        "project_id": project_id,
        "project_name": names.get(project_id, project_id) if project_id else None,
        "received_at": received_at,
        "kind": row["kind"],
        "flagged": bool(row["flagged"]),
        "detected": list(row["detected"]),
        "latency_ms": row["latency_ms"],
        "region": row["region"] or None,
        "metadata": dict(row["metadata"]),
        "preview": row["preview"] or None,
    }


@dataclass(frozen=True)
class RequestFilters:
    """The requests list's filters beyond the time window; empty means no filter."""

    project_ids: Sequence[str] = ()
    flagged: bool | None = None  # True: the Detections tab
    detector_types: Sequence[str] = ()  # any of them detected
    kinds: Sequence[str] = ()


def requests_query(
    database: str, org_id: str, window: TimeWindow, filters: RequestFilters, limit: int, cursor: str | None
) -> tuple[str, dict[str, Any]]:
    """Newest first, keyset pagination on (received_at, event_id): the sort key's order, so
    ClickHouse reads the newest granules only."""
    where = ["org_id = {org:String}", "received_at >= {start:DateTime64(3)}", "received_at < {end:DateTime64(3)}"]
    params: dict[str, Any] = {"org": org_id, "start": window.start, "end": window.end, "limit": limit + 1}
    if filters.project_ids:
        where.append("project_id IN {projects:Array(String)}")
        params["projects"] = list(filters.project_ids)
    if filters.flagged is not None:
        where.append("flagged = {flagged:Bool}")
        params["flagged"] = filters.flagged
    if filters.detector_types:
        where.append("hasAny(detected, {detector_types:Array(String)})")
        params["detector_types"] = list(filters.detector_types)
    if filters.kinds:
        where.append("kind IN {kinds:Array(String)}")
        params["kinds"] = list(filters.kinds)
    if cursor:
        params["cursor_at"], params["cursor_id"] = decode_cursor(cursor)
        # Spelled out rather than a tuple comparison so the primary key bounds received_at.
        where.append(
            "received_at <= {cursor_at:DateTime64(3)} AND "
            "(received_at < {cursor_at:DateTime64(3)} OR event_id < {cursor_id:UUID})"
        )
    sql = (
        f"SELECT {_SUMMARY_COLUMNS} FROM {database}.screenings WHERE {' AND '.join(where)} "
        "ORDER BY received_at DESC, event_id DESC LIMIT {limit:UInt32}"
    )
    return sql, params


# How far back each probe of a newest-first page reaches, growing until the page is full.
PROBE_SPANS = (timedelta(hours=1), timedelta(days=1), timedelta(days=7))


def probe_windows(window: TimeWindow, cursor: str | None) -> list[TimeWindow]:
    """Windows to try in turn for one page, each ending where the page starts (now, or the
    cursor) and reaching further back, the last one the whole window. A page found complete
    in a narrower window is the right page: every row outside it is older than all inside.
    Without this, a 30-day list starts every part's newest granules before the LIMIT stops it."""
    end = min(window.end, decode_cursor(cursor)[0] + timedelta(milliseconds=1)) if cursor else window.end
    starts = [end - span for span in PROBE_SPANS if end - span > window.start]
    return [TimeWindow(start=start, end=window.end) for start in starts] + [window]


def list_requests(
    client: Client,
    database: str,
    org_id: str,
    window: TimeWindow,
    filters: RequestFilters,
    limit: int,
    cursor: str | None,
    names: Mapping[str, str] | None = None,
) -> tuple[list[RequestSummary], str | None]:
    rows: list[dict[str, Any]] = []
    for probe in probe_windows(window, cursor):
        sql, params = requests_query(database, org_id, probe, filters, limit, cursor)
        rows = list(client.query(sql, parameters=params).named_results())
        if len(rows) > limit:
            break
    items = [RequestSummary(**_summary(r, names or {})) for r in rows[:limit]]
    next_cursor = encode_cursor(items[-1].received_at, items[-1].event_id) if len(rows) > limit else None
    return items, next_cursor


def get_request(
    client: Client,
    database: str,
    org_id: str,
    event_id: str,
    names: Mapping[str, str] | None = None,
    not_before: datetime | None = None,
) -> RequestDetail | None:
    """One screening of the org; None if absent or older than `not_before` (retention)."""
    where = "org_id = {org:String} AND event_id = {event_id:UUID}"
    params: dict[str, Any] = {"org": org_id, "event_id": event_id}
    if not_before is not None:
        where += " AND received_at >= {not_before:DateTime64(3)}"
        params["not_before"] = not_before
    sql = f"SELECT {_DETAIL_COLUMNS} FROM {database}.screenings WHERE {where} LIMIT 1"
    rows = list(client.query(sql, parameters=params).named_results())
    if not rows:
        return None
    row = rows[0]
    logged = bool(row["content_logged"])
    contents = list(row["message_contents"])
    messages = [
        Message(role=role, content=contents[i] if logged and i < len(contents) else None)
        for i, role in enumerate(row["message_roles"])
    ]
    results = [
        DetectorResult(detector_type=t, detector_id=i, result=r, detected=bool(d))
        for t, i, r, d in zip(
            row["results.detector_type"], row["results.detector_id"], row["results.result"], row["results.detected"]
        )
    ]
    return RequestDetail(
        **_summary(row, names or {}),
        messages=messages,
        content_logged=logged,
        content_status="logged" if logged else "prompt_logging_disabled",
        pii_types=list(row["pii_types"]),
        results=results,
        policy_id=row["policy_id"] or None,
        policy_version=row["policy_version"] or None,
        pipeline_ms=row["pipeline_ms"],
        api_response=GuardResponse.model_validate_json(row["api_response"]),
    )
