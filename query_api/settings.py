"""The query API's configuration: one class, from the environment (DESIGN.md)."""

from __future__ import annotations

from pydantic import Field

from schemas.environment import GuardEnvironment


class QuerySettings(GuardEnvironment):
    host: str = Field(default="127.0.0.1", validation_alias="GUARD_QUERY_HOST")
    port: int = Field(default=8000, validation_alias="GUARD_QUERY_PORT")
    database: str = Field(default="guard", validation_alias="GUARD_CLICKHOUSE_DATABASE")
    token_ttl_s: int = Field(default=12 * 3600, description="lifetime of a login token")
    ingest_url: str = Field(
        default="http://127.0.0.1:8080",
        validation_alias="GUARD_INGEST_URL",
        description="ingest's base URL; the Playground screens through its POST /v2/guard",
    )
