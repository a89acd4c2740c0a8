"""An org's retention on the real stack: `PUT /v1/settings retention_days` (a config event)
hides older rows from the dashboard, the requests list and request details at once, and the
writer process's RetentionApplier then deletes them from `screenings` and every aggregate
and stamps the new value on what is kept; rows written afterwards carry it, and rows already
older than it are not kept."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from deploy.topics import SCREENED_TOPIC
from projections.clickhouse import connect
from projections.schema import AGGREGATE_TABLES
from schemas.api import Dashboard, RequestsPage
from tests.integration.polling import wait_for
from tests.integration.screened_traffic import screened_events

pytestmark = pytest.mark.integration


async def produce_to_partition(bootstrap: str, events, partition: int) -> None:
    """In this order, to one partition: the writer handles them in the same order."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for e in events:
            await (await producer.send(SCREENED_TOPIC, value=e.to_bytes(), key=e.event_id.encode(), partition=partition))
    finally:
        await producer.stop()


def listed(query: httpx.Client, since: datetime) -> set[str]:
    page = RequestsPage.model_validate(query.get("/v1/requests", params={"from": since.isoformat(), "limit": 500}).json())
    return {item.event_id for item in page.items}


def test_a_shorter_retention_hides_then_deletes_older_rows(running_stack, seed_org, login_as) -> None:
    org = seed_org()  # enterprise, the default 90 days
    bootstrap = running_stack.stack.bootstrap
    now = datetime.now(UTC)
    ancient = screened_events(4, org.org_id, [org.project_id], now - timedelta(days=41), now - timedelta(days=40), seed=31)
    older = screened_events(4, org.org_id, [org.project_id], now - timedelta(days=11), now - timedelta(days=10), seed=32)
    recent = screened_events(4, org.org_id, [org.project_id], now - timedelta(minutes=50), now - timedelta(minutes=5), seed=33)
    asyncio.run(produce_to_partition(bootstrap, ancient + older + recent, partition=0))

    query = httpx.Client(base_url=running_stack.creds.query_url, timeout=30)
    query.headers.update(login_as(query, org.emails["admin"], org_id=org.org_id))
    since = now - timedelta(days=60)
    everything = {e.event_id for e in ancient + older + recent}
    assert wait_for(lambda: listed(query, since) == everything, timeout=120), "the writer never wrote the events"

    saved = query.put("/v1/settings", json={"retention_days": 7})
    assert saved.status_code == 200, saved.text
    cutoff = datetime.now(UTC) - timedelta(days=7)

    # At once, before anything is deleted: no API returns a row older than 7 days.
    assert listed(query, since) == {e.event_id for e in recent}
    for gone in ancient + older:
        assert query.get(f"/v1/requests/{gone.event_id}").status_code == 404
    assert query.get(f"/v1/requests/{recent[0].event_id}").status_code == 200
    dashboard = Dashboard.model_validate(
        query.get("/v1/dashboard", params={"from": since.isoformat(), "to": datetime.now(UTC).isoformat()}).json()
    )
    assert dashboard.totals.requests == len(recent) and dashboard.window.start >= cutoff

    # Then the applier in the writer process deletes them from every table and restamps the rest.
    client = connect(running_stack.clickhouse_url)
    params = {"org": org.org_id, "cutoff": cutoff - timedelta(minutes=1)}

    def stored(table: str) -> tuple[int, int, set[int]]:
        """(requests or rows, rows older than the cut-off, the retention_days values) of the org."""
        column, total = ("received_at", "count()") if table == "screenings" else ("period_start", "count()")
        if table.startswith("screening_"):
            total = "sum(requests)"
        found = client.query(
            f"SELECT {total}, countIf({column} < {{cutoff:DateTime64(3)}}), groupUniqArray(toUInt16(retention_days)) "
            f"FROM guard.{table} WHERE org_id = {{org:String}}",
            parameters=params,
        ).result_rows[0]
        return found[0], found[1], set(found[2])

    def applied() -> bool:
        for table in ("screenings", *AGGREGATE_TABLES):
            total, old, days = stored(table)
            if old or not days <= {7} or (table.startswith("screening") and (total, days) != (len(recent), {7})):
                return False
        return True

    assert wait_for(applied, timeout=60), {t: stored(t) for t in ("screenings", *AGGREGATE_TABLES)}

    # Rows written from now on carry the new retention; one already older than it is not kept.
    stale = screened_events(1, org.org_id, [org.project_id], now - timedelta(days=9), now - timedelta(days=8), seed=34)
    fresh = screened_events(1, org.org_id, [org.project_id], now - timedelta(minutes=2), now - timedelta(minutes=1), seed=35)
    asyncio.run(produce_to_partition(bootstrap, stale + fresh, partition=0))
    assert wait_for(lambda: fresh[0].event_id in listed(query, since), timeout=60)
    rows = client.query(
        "SELECT toString(event_id), retention_days FROM guard.screenings WHERE org_id = {org:String}", parameters=params
    ).result_rows
    assert {r[0] for r in rows} == {e.event_id for e in recent + fresh} and {r[1] for r in rows} == {7}
