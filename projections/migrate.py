"""Versioned ClickHouse migrations (projections/migrations), applied in order.

Idempotent: applied versions are recorded in `<db>.schema_migrations` and skipped, and every
statement is `IF NOT EXISTS`, so a crash between a statement and its record is harmless.
With `GUARD_CLICKHOUSE_CLUSTER` set, DDL runs `ON CLUSTER` with Replicated engines.
"""

from __future__ import annotations

import os

import structlog
from clickhouse_connect.driver.client import Client

from projections.migrations import MIGRATIONS, Migration
from projections.topology import Topology

log = structlog.get_logger(__name__)

CLUSTER_ENV = "GUARD_CLICKHOUSE_CLUSTER"


def load_migrations() -> list[Migration]:
    return sorted(MIGRATIONS, key=lambda m: m.version)


def topology_from_env(database: str = "guard", cluster: str | None = None) -> Topology:
    return Topology(database, cluster if cluster is not None else (os.environ.get(CLUSTER_ENV) or None))


def applied_versions(client: Client, database: str) -> set[int]:
    rows = client.query(f"SELECT version FROM {database}.schema_migrations").result_rows
    return {int(r[0]) for r in rows}


def migrate(client: Client, database: str = "guard", cluster: str | None = None) -> list[int]:
    """Apply pending migrations; returns the versions applied by this call."""
    topology = topology_from_env(database, cluster)
    client.command(f"CREATE DATABASE IF NOT EXISTS {database}{topology.on_cluster}")
    client.command(
        f"CREATE TABLE IF NOT EXISTS {database}.schema_migrations{topology.on_cluster} "
        "(version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)) "
        f"ENGINE = {topology.everywhere_engine('MergeTree', 'schema_migrations')} ORDER BY version"
    )
    done = applied_versions(client, database)
    applied = []
    for migration in load_migrations():
        if migration.version in done:
            continue
        for statement in migration.statements(topology):
            client.command(statement)
        client.insert(
            f"{database}.schema_migrations", [[migration.version, migration.name]], column_names=["version", "name"]
        )
        log.info("migration_applied", version=migration.version, name=migration.name)
        applied.append(migration.version)
    return applied
