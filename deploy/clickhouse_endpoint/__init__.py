"""The embedded ClickHouse endpoint: chdb served over ClickHouse's HTTP interface on loopback.

With GUARD_CLICKHOUSE_URL unset, one process owns a chdb data directory and serves it so every
service talks to it with clickhouse-connect exactly as to a real server (a URL change away).

- `ClickHouseEndpoint` (process.py): start / stop the endpoint as a child process;
- `create_app` / `Engine` (server.py, engine.py): the ASGI app and the engine pool, for
  embedding or tests; `python -m deploy.clickhouse_endpoint` runs them under uvicorn.
"""

from deploy.clickhouse_endpoint.engine import Engine
from deploy.clickhouse_endpoint.errors import ClickHouseError
from deploy.clickhouse_endpoint.process import ClickHouseEndpoint, EndpointError
from deploy.clickhouse_endpoint.server import create_app

__all__ = ["ClickHouseEndpoint", "ClickHouseError", "EndpointError", "Engine", "create_app"]
