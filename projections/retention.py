"""An organization's data retention, applied to the read models.

Each row carries its org's `retention_days` (the accept view joins `org_retention` when the
row is written) and every table has `TTL <time> + retention_days WHERE retention_days > 0`,
so new rows expire on their own at merges. Changing an org's retention (the control plane
calls `apply_retention`) records it for new rows, rewrites `retention_days` on the org's
existing rows so the TTL follows the new value, and deletes at once what is already older
than the new cut-off. Reads cut their windows at the cut-off too (query_api), so no API
returns older data even before merges catch up.
"""

from __future__ import annotations

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


def retention_statements(topology: Topology, org_id: str, retention_days: int | None, now: datetime) -> list[Statement]:
    """What applying `retention_days` (None or 0: keep forever) to one org's rows runs."""
    days = retention_days or 0
    params = {"org": org_id, "days": days}
    statements = [
        Statement(
            f"ALTER TABLE {topology.storage(table)}{topology.on_cluster} "
            "UPDATE retention_days = {days:UInt16} WHERE org_id = {org:String}",
            params,
        )
        for table, _ in RETAINED_TABLES
    ]
    cutoff = retention_cutoff(now, days)
    if cutoff is not None:
        statements += [
            Statement(
                f"DELETE FROM {topology.storage(table)}{topology.on_cluster} "
                f"WHERE org_id = {{org:String}} AND {column} < {{cutoff:DateTime64(3)}}",
                {"org": org_id, "cutoff": cutoff},
            )
            for table, column in RETAINED_TABLES
        ]
    return statements


def apply_retention(
    client: Client, topology: Topology, org_id: str, retention_days: int | None, now: datetime | None = None
) -> None:
    """Record the org's retention for new rows and apply it to existing ones (waits for the
    mutations, so a read right after sees the result)."""
    now = now or utc_now()
    client.insert(topology.table(ORG_RETENTION), [[org_id, retention_days or 0, now]], column_names=["org_id", "retention_days", "updated_at"])
    for statement in retention_statements(topology, org_id, retention_days, now):
        client.command(statement.sql, parameters=statement.parameters, settings={"mutations_sync": 2})
    log.info("retention_applied", org_id=org_id, retention_days=retention_days or None)
