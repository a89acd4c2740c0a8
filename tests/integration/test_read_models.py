"""GET /v1/dashboard, GET /v1/requests and request details through the real read router on
the real engine, checked against the events themselves; and an org's retention applied to
existing rows, new rows and every read."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from projections.batches import landing_record, rowbinary
from projections.clickhouse import connect
from projections.migrate import migrate
from projections.retention import apply_retention
from projections.schema import AGGREGATE_TABLES, LATENCY_WHOLE_MS, QUANTILES_FUNCTION
from projections.topology import Topology
from projections.writer import LANDING_COLUMNS
from query_api.read_routes import build_read_router
from schemas.api import Dashboard, RequestDetail, RequestsPage
from schemas.errors import install_error_handlers
from tests.integration.screened_traffic import screened_events

pytestmark = pytest.mark.integration

ORG, OTHER_ORG = "org-read", "org-other"
PROJECTS = ["project-a", "project-b", None]
NAMES = {"project-a": "Customer chatbot", "project-b": "Internal copilot", "project-c": "Not live yet"}


class Caller:
    def __init__(self, org_id: str) -> None:
        self.org_id = org_id


def load(client, database: str, events) -> None:
    records = [landing_record(0, offset, e.event_id.encode(), e.to_bytes()) for offset, e in enumerate(events)]
    client.raw_insert(f"{database}.screened_landing", LANDING_COLUMNS, insert_block=rowbinary(records), fmt="RowBinary")


@pytest.fixture(scope="module")
def world(guard_ready):
    _, clickhouse_url = guard_ready
    database = f"read_{uuid.uuid4().hex[:8]}"
    client = connect(clickhouse_url)
    migrate(client, database)
    now = datetime.now(UTC)
    events = screened_events(3000, ORG, PROJECTS, now - timedelta(hours=30), now - timedelta(minutes=1), seed=21)
    others = screened_events(200, OTHER_ORG, ["project-a"], now - timedelta(hours=30), now - timedelta(minutes=1), seed=22)
    load(client, database, events + others)
    retention: dict[str, int | None] = {}
    app = FastAPI()
    install_error_handlers(app)
    org_of_request = {"org": ORG}
    app.include_router(
        build_read_router(
            client, database, lambda: Caller(org_of_request["org"]),
            project_names=lambda org: NAMES if org == ORG else {}, retention_days=lambda org: retention.get(org),
        )
    )
    return client, database, events, TestClient(app), retention, now, org_of_request


def test_dashboard_matches_the_events(world) -> None:
    client, database, events, http, _, now, _ = world
    response = http.get("/v1/dashboard", params={"from": (now - timedelta(hours=31)).isoformat(), "to": now.isoformat()})
    assert response.status_code == 200, response.text
    dashboard = Dashboard.model_validate(response.json())
    flagged = sum(e.data.flagged for e in events)
    assert (dashboard.totals.requests, dashboard.totals.flagged) == (len(events), flagged)
    assert dashboard.totals.detection_rate == pytest.approx(flagged / len(events))
    kinds = Counter(e.data.kind for e in events)
    assert {k.kind: k.requests for k in dashboard.by_type} == {k: kinds[k] for k in ("prompt", "output", "conversation")}
    detectors = Counter(t for e in events for t in {r.detector_type for r in e.data.results if r.detected})
    assert {d.detector_type: d.detections for d in dashboard.by_detector} == dict(detectors)
    assert sum(p.requests for p in dashboard.timeseries) == len(events)
    assert sum(sum(p.detections.values()) for p in dashboard.timeseries) == sum(detectors.values())
    assert sum(b.count for b in dashboard.latency_ms.histogram) == len(events)
    expected_quantiles = client.query(
        f"SELECT {QUANTILES_FUNCTION}({LATENCY_WHOLE_MS}) FROM {database}.screenings "
        "WHERE org_id = {org:String}", parameters={"org": ORG}
    ).result_rows[0][0]
    latency = dashboard.latency_ms
    assert [latency.p50, latency.p90, latency.p95, latency.p99] == [round(q, 3) for q in expected_quantiles]
    per_project = Counter(e.project_id for e in events)
    assert [(p.project_id, p.name, p.requests) for p in dashboard.projects] == sorted(
        [("project-a", "Customer chatbot", per_project["project-a"]), ("project-b", "Internal copilot", per_project["project-b"]),
         (None, "(no project)", per_project[None]), ("project-c", "Not live yet", 0)],
        key=lambda row: -row[2],
    )


def test_dashboard_edges_combine_hour_and_minute_rows_exactly(world) -> None:
    client, database, _, http, _, now, _ = world
    start, end = now - timedelta(hours=25, minutes=17, seconds=37), now - timedelta(hours=3, minutes=5, seconds=12)
    dashboard = Dashboard.model_validate(
        http.get("/v1/dashboard", params={"from": start.isoformat(), "to": end.isoformat(), "project_id": ["project-a", "project-b"]}).json()
    )
    assert dashboard.window.bucket_seconds == 1800
    expected = client.query(
        f"SELECT count(), countIf(flagged) FROM {database}.screenings WHERE org_id = {{org:String}} "
        "AND project_id IN ('project-a', 'project-b') AND received_at >= {s:DateTime64(3)} AND received_at < {e:DateTime64(3)}",
        parameters={"org": ORG, "s": dashboard.window.start, "e": dashboard.window.end},
    ).result_rows[0]
    assert (dashboard.totals.requests, dashboard.totals.flagged) == expected
    assert [p.project_id for p in dashboard.projects] == sorted(["project-a", "project-b"], key=lambda p: -next(x.requests for x in dashboard.projects if x.project_id == p))
    by_name = Dashboard.model_validate(http.get("/v1/dashboard", params={"range": "24h", "sort": "name", "order": "desc"}).json())
    assert [p.name for p in by_name.projects] == sorted((p.name for p in by_name.projects), key=str.casefold, reverse=True)
    assert http.get("/v1/dashboard", params={"sort": "latency"}).status_code == 422
    assert http.get("/v1/dashboard", params={"range": "1h", "from": start.isoformat()}).json()["error"]["field"] == "range"


def test_requests_filters_pagination_and_details(world) -> None:
    _, _, events, http, _, _, _ = world
    seen, cursor = [], None
    while True:
        params = {"range": "7d", "limit": 500, **({"cursor": cursor} if cursor else {})}
        page = RequestsPage.model_validate(http.get("/v1/requests", params=params).json())
        seen += page.items
        cursor = page.next_cursor
        if not cursor:
            break
    assert [i.event_id for i in seen] == [e.event_id for e in sorted(events, key=lambda e: (e.occurred_at, e.event_id), reverse=True)]
    assert {i.project_name for i in seen} == {"Customer chatbot", "Internal copilot", None}
    detections = RequestsPage.model_validate(
        http.get("/v1/requests", params={"range": "7d", "flagged": "true", "kind": ["prompt", "output"], "detector_type": "prompt_attack", "limit": 500}).json()
    )
    expected = [e for e in events if e.data.flagged and e.data.kind in ("prompt", "output") and any(r.detected and r.detector_type == "prompt_attack" for r in e.data.results)]
    assert {i.event_id for i in detections.items} == {e.event_id for e in expected} and expected
    assert http.get("/v1/requests", params={"limit": 501}).status_code == 422
    assert http.get("/v1/requests", params={"kind": "chat"}).status_code == 422
    silent = next(e for e in events if not e.data.content_logged)
    detail = RequestDetail.model_validate(http.get(f"/v1/requests/{silent.event_id}").json())
    assert detail.content_status == "prompt_logging_disabled" and all(m.content is None for m in detail.messages)
    assert detail.api_response == silent.data.api_response
    logged = next(e for e in events if e.data.content_logged)
    assert RequestDetail.model_validate(http.get(f"/v1/requests/{logged.event_id}").json()).content_status == "logged"


def test_reads_stay_in_the_callers_org(world) -> None:
    _, _, events, http, _, _, org_of_request = world
    org_of_request["org"] = OTHER_ORG
    try:
        assert Dashboard.model_validate(http.get("/v1/dashboard", params={"range": "7d"}).json()).totals.requests == 200
        assert http.get(f"/v1/requests/{events[0].event_id}").status_code == 404
    finally:
        org_of_request["org"] = ORG


def test_retention_applies_to_existing_rows_new_rows_and_reads(world) -> None:
    client, database, events, http, retention, now, _ = world
    cutoff = now - timedelta(hours=12)
    # Reads alone: the rows are still stored, yet nothing older than the retention comes back.
    retention[ORG] = 1
    try:
        page = RequestsPage.model_validate(http.get("/v1/requests", params={"range": "30d", "limit": 500}).json())
        assert page.items and min(i.received_at for i in page.items) >= now - timedelta(days=1, minutes=1)
        oldest = min(events, key=lambda e: e.occurred_at)
        assert http.get(f"/v1/requests/{oldest.event_id}").status_code == 404
        dashboard = Dashboard.model_validate(http.get("/v1/dashboard", params={"range": "30d"}).json())
        assert dashboard.window.start >= now - timedelta(days=1) - timedelta(minutes=1)
        assert dashboard.totals.requests == sum(1 for e in events if e.occurred_at >= dashboard.window.start)
    finally:
        retention.pop(ORG)

    # Applied to the stored rows: a retention shorter than the data deletes the older rows everywhere.
    topology = Topology(database)
    apply_retention(client, topology, OTHER_ORG, 1, now=now + timedelta(hours=18))  # as if 18 h later: cut-off = now - 6 h
    kept = client.query(f"SELECT count(), min(received_at), any(retention_days) FROM {database}.screenings WHERE org_id = {{o:String}}", parameters={"o": OTHER_ORG}).result_rows[0]
    assert kept[0] and kept[1].replace(tzinfo=UTC) >= now - timedelta(hours=6) and kept[2] == 1
    for table in AGGREGATE_TABLES:
        oldest = client.query(f"SELECT min(period_start), max(retention_days) FROM {database}.{table} WHERE org_id = {{o:String}}", parameters={"o": OTHER_ORG}).result_rows[0]
        assert oldest[0].replace(tzinfo=UTC) >= now - timedelta(hours=6) and oldest[1] == 1, table
    assert client.query(f"SELECT count() FROM {database}.screenings WHERE org_id = {{o:String}}", parameters={"o": ORG}).result_rows[0][0] == len(events)

    # New rows carry the org's retention (for their TTL); rows already older than it are not kept.
    fresh = screened_events(5, OTHER_ORG, ["project-a"], now - timedelta(minutes=5), now, seed=23)
    stale = screened_events(5, OTHER_ORG, ["project-a"], cutoff - timedelta(days=3), cutoff - timedelta(days=2), seed=24)
    load(client, database, fresh + stale)
    stored = client.query(
        f"SELECT event_id, retention_days FROM {database}.screenings WHERE event_id IN {{ids:Array(UUID)}}",
        parameters={"ids": [e.event_id for e in fresh + stale]},
    ).result_rows
    assert {str(r[0]) for r in stored} == {e.event_id for e in fresh} and {r[1] for r in stored} == {1}
    stale_minutes = client.query(
        f"SELECT count() FROM {database}.screening_minutes WHERE org_id = {{o:String}} AND period_start < {{c:DateTime}}",
        parameters={"o": OTHER_ORG, "c": cutoff - timedelta(days=1)},
    ).result_rows[0][0]
    assert stale_minutes == 0
