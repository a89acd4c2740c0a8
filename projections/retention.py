"""An organization's data retention, applied to the read models.

Each row carries its org's `retention_days` (the accept view joins `org_retention` when the
row is written) and every table has `TTL <time> + retention_days WHERE retention_days > 0`,
so new rows expire on their own at merges. Applying a retention (`apply_retention`, run by
the RetentionApplier in projections/retention_applier.py whenever the control plane's
`retention_days` of an org changes, and periodically as a sweep) records it for new rows,
rewrites `retention_days` on the org's existing rows that carry another value, and deletes
what is already older than the cut-off — each mutation only where one probe query per table
(for all orgs at once) finds rows it would touch, so a sweep over unchanged orgs costs five
small queries. Reads cut
their windows at the cut-off too (query_api), so no API returns older data even before the
applier or merges catch up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog
from clickhouse_connect.driver.client import Client

from projections.schema import AGGREGATE_TABLES, ORG_RETENTION, SCREENINGS
from projections.topology import Topology
from schemas.envelope import utc_now

log = structlog.get_logger(__name__)

# Each table with per-org rows, and the column its rows' age is measured on.
RETAINED_TABLES: tuple[tuple[str, str], ...] = ((SCREENINGS, "received_at"), *((t, "period_start") for t in AGGREGATE_TABLES))


@dataclass(frozen=True)
class Statement:
    sql: str
    parameters: dict[str, Any] = field(default_factory=dict)


def retention_cutoff(now: datetime, retention_days: int | None) -> datetime | None:
    return now - timedelta(days=retention_days) if retention_days else None


def restamp_statement(topology: Topology, table: str, org_id: str, days: int) -> Statement:
    return Statement(
        f"ALTER TABLE {topology.storage(table)}{topology.on_cluster} "
        "UPDATE retention_days = {days:UInt16} WHERE org_id = {org:String}",
        {"org": org_id, "days": days},
    )


def delete_statement(topology: Topology, table: str, column: str, org_id: str, cutoff: datetime) -> Statement:
    return Statement(
        f"DELETE FROM {topology.storage(table)}{topology.on_cluster} "
        f"WHERE org_id = {{org:String}} AND {column} < {{cutoff:DateTime64(3)}}",
        {"org": org_id, "cutoff": cutoff},
    )


def retention_statements(topology: Topology, org_id: str, retention_days: int | None, now: datetime) -> list[Statement]:
    """Everything applying `retention_days` (None or 0: keep forever) to one org's rows may run."""
    days = retention_days or 0
    statements = [restamp_statement(topology, table, org_id, days) for table, _ in RETAINED_TABLES]
    cutoff = retention_cutoff(now, days)
    if cutoff is not None:
        statements += [delete_statement(topology, table, column, org_id, cutoff) for table, column in RETAINED_TABLES]
    return statements


def probe_sql(topology: Topology, table: str, column: str) -> str:
    """Per org of the `{orgs:Array(String)}` parameter (with `{days:Array(UInt16)}` alongside):
    how many of its rows in `table` carry another retention, and how many are older than
    `{now}` minus it (0 days: none). One query per table whatever the number of orgs; it
    finds the mutations worth running."""
    days = "{days:Array(UInt16)}[indexOf({orgs:Array(String)}, org_id)]"
    return (
        f"SELECT org_id, countIf(retention_days != {days}), "
        f"countIf({days} > 0 AND {column} < {{now:DateTime64(3)}} - toIntervalDay({days})) "
        f"FROM {topology.table(table)} WHERE org_id IN {{orgs:Array(String)}} GROUP BY org_id"
    )


def needed_statements(
    topology: Topology, table: str, column: str, probed: list[tuple[str, int, int]], wanted: Mapping[str, int], now: datetime
) -> list[Statement]:
    """The mutations of `table` the probe's rows (org, restamp count, too-old count) call for."""
    statements = []
    for org_id, stale, too_old in probed:
        days = wanted[org_id]
        if stale:
            statements.append(restamp_statement(topology, table, org_id, days))
        cutoff = retention_cutoff(now, days)
        if too_old and cutoff is not None:
            statements.append(delete_statement(topology, table, column, org_id, cutoff))
    return statements


def retention_changes(recorded: Mapping[str, int], wanted: Mapping[str, int]) -> dict[str, int]:
    """The orgs whose wanted retention is not the one recorded in `org_retention`."""
    return {org: days for org, days in wanted.items() if recorded.get(org) != days}


def recorded_retention(client: Client, topology: Topology) -> dict[str, int]:
    """Each org's retention as recorded in `org_retention` (what new rows carry)."""
    rows = client.query(
        f"SELECT org_id, argMax(retention_days, updated_at) FROM {topology.table(ORG_RETENTION)} GROUP BY org_id"
    ).result_rows
    return {org: int(days) for org, days in rows}


def record_retention(client: Client, topology: Topology, retention: Mapping[str, int], now: datetime | None = None) -> None:
    """New rows of these orgs carry their retention from now on (the accept view joins it)."""
    if retention:
        moment = now or utc_now()
        client.insert(
            topology.table(ORG_RETENTION), [[org, days, moment] for org, days in retention.items()],
            column_names=["org_id", "retention_days", "updated_at"],
        )


def enforce_retention(client: Client, topology: Topology, retention: Mapping[str, int], now: datetime | None = None) -> int:
    """Bring these orgs' stored rows in line with their retention: one probe per table, then
    the mutations it calls for, each waited for (a read right after sees the result).
    Returns how many ran."""
    if not retention:
        return 0
    now = now or utc_now()
    ran = 0
    for table, column in RETAINED_TABLES:
        parameters = {"orgs": list(retention), "days": list(retention.values()), "now": now}
        probed = client.query(probe_sql(topology, table, column), parameters=parameters).result_rows
        for statement in needed_statements(topology, table, column, [tuple(r) for r in probed], retention, now):
            client.command(statement.sql, parameters=statement.parameters, settings={"mutations_sync": 2})
            ran += 1
    return ran


def apply_retention(
    client: Client, topology: Topology, org_id: str, retention_days: int | None, now: datetime | None = None
) -> None:
    """Record the org's retention for new rows, then apply it to the existing ones. Recording
    first: a row written meanwhile carries the new value, or is fixed by the next sweep."""
    now = now or utc_now()
    retention = {org_id: retention_days or 0}
    record_retention(client, topology, retention, now)
    mutations = enforce_retention(client, topology, retention, now)
    log.info("retention_applied", org_id=org_id, retention_days=retention_days or None, mutations=mutations)
