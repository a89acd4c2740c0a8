"""The Faust worker's configuration: one class, from the environment (DESIGN.md)."""

from __future__ import annotations

from pydantic import Field

from schemas.environment import GuardEnvironment


class StreamsSettings(GuardEnvironment):
    app_id: str = Field(default="guard.screen", description="Faust app id = consumer group")
    faust_log_level: str = Field(default="WARNING", validation_alias="GUARD_FAUST_LOG_LEVEL")
    commit_interval_s: float = Field(default=1.0, description="offset commits; lower = fewer replays")
