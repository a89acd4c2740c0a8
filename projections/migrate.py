"""Versioned ClickHouse migrations: `projections/migrations/NNNN_name.sql`, applied in order.

Idempotent: applied versions are recorded in `<db>.schema_migrations` and skipped; each
file's statements are written to be safe to re-run should a crash fall between a
statement and its record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import structlog
from clickhouse_connect.driver.client import Client

log = structlog.get_logger(__name__)

_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    def statements(self, database: str) -> list[str]:
        body = "\n".join(line for line in self.sql.splitlines() if not line.strip().startswith("--"))
        return [s.strip().replace("{db}", database) for s in body.split(";") if s.strip()]


def load_migrations() -> list[Migration]:
    found = []
    for entry in resources.files("projections.migrations").iterdir():
        match = _FILE.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text()))
    return sorted(found, key=lambda m: m.version)


def applied_versions(client: Client, database: str) -> set[int]:
    rows = client.query(f"SELECT version FROM {database}.schema_migrations").result_rows
    return {int(r[0]) for r in rows}


def migrate(client: Client, database: str = "guard") -> list[int]:
    """Apply pending migrations; returns the versions applied by this call."""
    client.command(f"CREATE DATABASE IF NOT EXISTS {database}")
    client.command(
        f"CREATE TABLE IF NOT EXISTS {database}.schema_migrations "
        "(version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)) "
        "ENGINE = MergeTree ORDER BY version"
    )
    done = applied_versions(client, database)
    applied = []
    for migration in load_migrations():
        if migration.version in done:
            continue
        for statement in migration.statements(database):
            client.command(statement)
        client.insert(
            f"{database}.schema_migrations", [[migration.version, migration.name]], column_names=["version", "name"]
        )
        log.info("migration_applied", version=migration.version, name=migration.name)
        applied.append(migration.version)
    return applied
