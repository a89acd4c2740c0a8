"""The archiver's configuration: one class, from the environment (DESIGN.md)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from deploy.topics import SCREENED_TOPIC
from schemas.environment import GuardEnvironment


class ArchiverSettings(GuardEnvironment):
    # The archiver's own variables have explicit names (GUARD_ARCHIVER_*, GUARD_ARCHIVE_*), so the
    # writer's GUARD_CONSUMER_GROUP never applies here; field names work too (benchmarks, tests).
    model_config = SettingsConfigDict(env_prefix="GUARD_", extra="ignore", populate_by_name=True)

    consumer_group: str = Field(default="guard.archiver", validation_alias="GUARD_ARCHIVER_GROUP")
    topic: str = Field(default=SCREENED_TOPIC, validation_alias="GUARD_ARCHIVER_TOPIC")
    window_s: int = Field(
        default=60,
        validation_alias="GUARD_ARCHIVE_WINDOW_S",
        description="chunk width in seconds (divides 60); 60 = one object per partition and minute",
    )
    grace_s: float = Field(
        default=20,
        validation_alias="GUARD_ARCHIVE_GRACE_S",
        description="how long past its end an idle window stays open for late records (broker clock skew)",
    )
    retry_max_s: float = Field(
        default=30, validation_alias="GUARD_ARCHIVE_RETRY_MAX_S", description="longest backoff of a failing target"
    )
    alert_update_s: float = Field(
        default=30, validation_alias="GUARD_ARCHIVE_ALERT_UPDATE_S", description="alert refresh interval"
    )
    max_held_events: int = Field(
        default=200_000,
        validation_alias="GUARD_ARCHIVE_MAX_HELD",
        description="per partition: past this many unwritten events its fetching pauses",
    )
    write_concurrency: int = Field(default=8, validation_alias="GUARD_ARCHIVE_WRITE_CONCURRENCY")
    session_timeout_ms: int = Field(default=10_000, validation_alias="GUARD_ARCHIVER_SESSION_TIMEOUT_MS")
