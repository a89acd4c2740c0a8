"""The projection writer's configuration: one class, from the environment (DESIGN.md)."""

from __future__ import annotations

from pydantic import Field

from schemas.environment import GuardEnvironment


class ProjectionSettings(GuardEnvironment):
    database: str = Field(default="guard", validation_alias="GUARD_CLICKHOUSE_DATABASE")
    consumer_group: str = Field(default="guard.projections.screenings")
    batch_max_events: int = Field(default=5000, description="rows per insert at most")
    batch_max_wait_ms: int = Field(default=200, description="latency bound of a batch")
