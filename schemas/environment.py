"""The environment contract of DESIGN.md, shared by every service's settings class.

Unset means the embedded default: `guardstream up` starts a local Kafka broker and the
embedded ClickHouse endpoint and passes their addresses to its children.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class GuardEnvironment(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GUARD_", extra="ignore")

    kafka_bootstrap: str | None = Field(
        default=None, description="Kafka bootstrap servers; unset starts a local broker"
    )
    clickhouse_url: str | None = Field(
        default=None, description="ClickHouse HTTP URL; unset serves the embedded chdb engine"
    )
    archive_url: str | None = Field(
        default=None, description="fsspec URL of the default SIEM export target"
    )
    data_dir: Path = Field(default=Path(".guardstream"), description="local state of the stack")
    secret_key: str | None = Field(
        default=None, description="signs bearer tokens and encrypts export credentials"
    )
    smtp_host: str | None = Field(
        default=None, description="SMTP server for alert emails to org admins; unset = no emails"
    )
    smtp_port: int = Field(default=25, description="port of GUARD_SMTP_HOST")
    smtp_from: str = Field(default="guardstream@localhost", description="sender of alert emails")

    @property
    def credentials_path(self) -> Path:
        return self.data_dir / "credentials.json"

    @property
    def default_archive_url(self) -> str:
        """The default SIEM export target: GUARD_ARCHIVE_URL, else `file://$GUARD_DATA_DIR/archive`."""
        return self.archive_url or f"file://{(self.data_dir / 'archive').resolve()}"

    def require_kafka(self) -> str:
        if not self.kafka_bootstrap:
            raise RuntimeError("GUARD_KAFKA_BOOTSTRAP is not set (run through `guardstream up`)")
        return self.kafka_bootstrap

    def require_clickhouse(self) -> str:
        if not self.clickhouse_url:
            raise RuntimeError("GUARD_CLICKHOUSE_URL is not set (run through `guardstream up`)")
        return self.clickhouse_url

    def require_secret_key(self) -> str:
        if not self.secret_key:
            raise RuntimeError("GUARD_SECRET_KEY is not set (run through `guardstream up`)")
        return self.secret_key
