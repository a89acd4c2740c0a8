"""`python -m deploy.clickhouse_endpoint --data-dir D [--host 127.0.0.1] --port P`

Serves one chdb data directory over ClickHouse's HTTP interface until SIGTERM / SIGINT.
Exit codes tell the supervisor (process.py) what went wrong without parsing logs:
0 clean stop, 1 the engine failed to start, 3 the port is taken (pick another and retry),
4 another endpoint already owns the data directory.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import socket
import sys
import time
from pathlib import Path
from typing import IO

from deploy.clickhouse_endpoint.process import EXIT_DATA_DIR_LOCKED, EXIT_ENGINE_FAILED, EXIT_PORT_IN_USE

LOCK_FILE_NAME = ".guardstream-endpoint.lock"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.clickhouse_endpoint", description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", required=True, type=Path, help="chdb data directory (created if missing)")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: loopback only)")
    parser.add_argument("--port", type=int, default=8123, help="HTTP port (default: ClickHouse's 8123)")
    parser.add_argument("--connections", type=int, default=4, help="engine connections = concurrent queries")
    parser.add_argument("--log-level", default=None, help="structlog level (default: GUARD_LOG_LEVEL or INFO)")
    args = parser.parse_args(argv)

    # The engine reads TZ once when it starts: the server time zone is UTC whatever the host's is,
    # so DateTime rendering does not depend on the machine (clickhouse-connect reads it back).
    os.environ["TZ"] = "UTC"
    time.tzset()

    from deploy.logs import configure_logging

    configure_logging("clickhouse-endpoint", args.log_level)
    import structlog

    log = structlog.get_logger("clickhouse_endpoint")
    data_dir: Path = args.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = _own_data_dir(data_dir)
    if lock is None:
        log.error("data_dir_locked", data_dir=str(data_dir), hint="another endpoint process serves this directory")
        return EXIT_DATA_DIR_LOCKED
    try:
        listener = socket.create_server((args.host, args.port), backlog=128)
    except OSError as exc:
        log.error("port_unavailable", host=args.host, port=args.port, error=str(exc))
        return EXIT_PORT_IN_USE

    import uvicorn

    from deploy.clickhouse_endpoint.engine import Engine
    from deploy.clickhouse_endpoint.server import create_app

    app = create_app(Engine(data_dir, connections=args.connections))
    config = uvicorn.Config(
        app,
        log_config=None,  # keep deploy.logs' configuration; we write our own access log
        access_log=False,
        lifespan="on",
        timeout_keep_alive=30,  # above clickhouse-connect's idle reuse, so it rarely meets a closed socket
        timeout_graceful_shutdown=10,
    )
    server = uvicorn.Server(config)
    log.info("listening", url=f"http://{args.host}:{args.port}", pid=os.getpid())
    server.run(sockets=[listener])
    lock.close()
    return 0 if server.started else EXIT_ENGINE_FAILED


def _own_data_dir(data_dir: Path) -> IO[str] | None:
    """An exclusive lock held for the process's life: two engines on one directory would corrupt it.

    flock is released by the kernel when the process dies, even by SIGKILL, so no stale locks."""
    handle = open(data_dir / LOCK_FILE_NAME, "a+")  # noqa: SIM115 - held until exit
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


if __name__ == "__main__":
    sys.exit(main())
