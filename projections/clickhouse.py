"""One way to open a clickhouse-connect client from a `GUARD_CLICKHOUSE_URL`."""

from __future__ import annotations

from urllib.parse import urlsplit

import clickhouse_connect
from clickhouse_connect.driver.client import Client


def connect(url: str, database: str | None = None) -> Client:
    """`http(s)://user:password@host:port/` → a client; the path is not used."""
    parts = urlsplit(url)
    return clickhouse_connect.get_client(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or (8443 if parts.scheme == "https" else 8123),
        username=parts.username or "default",
        password=parts.password or "",
        secure=parts.scheme == "https",
        database=database or "",
        autogenerate_session_id=False,
    )
