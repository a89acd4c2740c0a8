"""The ingest service's configuration: one class, from the environment (DESIGN.md)."""

from __future__ import annotations

from pydantic import Field

from schemas.environment import GuardEnvironment


class IngestSettings(GuardEnvironment):
    host: str = Field(default="127.0.0.1", validation_alias="GUARD_INGEST_HOST")
    port: int = Field(default=8080, validation_alias="GUARD_INGEST_PORT")
    max_body_bytes: int = Field(default=1_048_576 + 64_000, description="1 MB context + envelope")
    linger_ms: int = Field(default=5, description="producer batching delay; acks stay `all`")
