"""The projection writer's configuration: one class, from the environment (DESIGN.md)."""

from __future__ import annotations

from pydantic import Field

from deploy.topics import SCREENED_TOPIC
from schemas.environment import GuardEnvironment


class ProjectionSettings(GuardEnvironment):
    database: str = Field(default="guard", validation_alias="GUARD_CLICKHOUSE_DATABASE")
    cluster: str | None = Field(default=None, validation_alias="GUARD_CLICKHOUSE_CLUSTER")
    consumer_group: str = Field(default="guard.projections.screenings")
    topic: str = Field(default=SCREENED_TOPIC, validation_alias="GUARD_PROJECTION_TOPIC")
    batch_max_events: int = Field(default=5000, description="rows per insert at most")
    # Each INSERT costs ClickHouse a part in every table behind the landing table: a flush
    # every 250 ms keeps that to a few a second at any rate, well inside the 2 s freshness.
    batch_max_wait_ms: int = Field(default=250, description="latency bound of a flush")
    session_timeout_ms: int = Field(
        default=10000, description="how long a dead writer holds its partitions before a rebalance"
    )
    retention_applier: bool = Field(
        default=True, description="apply the orgs' retention (from guard.config) to the read models"
    )
    retention_sweep_s: float = Field(default=600.0, description="how often every org's retention is re-applied")
    crash_at: str | None = Field(
        default=None,
        validation_alias="GUARD_PROJECTION_CRASH_AT",
        description="fault injection for tests: SIGKILL after the Nth `intent` commit or `insert` (e.g. insert:3)",
    )
