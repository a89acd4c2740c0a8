"""The `guardstream` console script: the operator's entry point to the stack.

    guardstream up [--demo]      run everything locally (Kafka, ClickHouse engine, services)
    guardstream migrate          apply ClickHouse migrations to GUARD_CLICKHOUSE_URL
    guardstream replay           rebuild read models from guard.screened and swap them in
    guardstream topics           create the contract topics on GUARD_KAFKA_BOOTSTRAP
    guardstream serve SERVICE    run one service in the foreground (used by `up`; scale-out)
    guardstream demo             post demo traffic to a running stack (credentials.json)
    guardstream kafka-jars       resolve the local Kafka broker's jars (cached; `make` runs it)
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from deploy.logs import configure_logging
from schemas.environment import GuardEnvironment


def _serve_ingest() -> None:
    import uvicorn

    from ingest.app import create_app
    from ingest.settings import IngestSettings

    settings = IngestSettings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning", access_log=False)


def _serve_query_api() -> None:
    import uvicorn

    from query_api.app import create_app
    from query_api.settings import QuerySettings

    settings = QuerySettings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning", access_log=False)


def _serve_worker() -> None:
    from streams.app import run_worker
    from streams.settings import StreamsSettings

    run_worker(StreamsSettings())


def _serve_writer() -> None:
    from projections.service import serve
    from projections.settings import ProjectionSettings

    serve(ProjectionSettings())


def _serve_archiver() -> None:
    from streams.archiver.service import serve
    from streams.archiver.settings import ArchiverSettings

    serve(ArchiverSettings())


def _resolve_kafka_jars(env: GuardEnvironment) -> int:
    from deploy.kafka_broker import ToolMissingError, kafka_classpath

    if env.kafka_bootstrap:
        return 0  # an external cluster needs no local broker
    try:
        jars = kafka_classpath()
    except ToolMissingError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Kafka broker: {len(jars)} jars ready in {jars[0].parent}")
    return 0


SERVE = {
    "ingest": _serve_ingest,
    "query-api": _serve_query_api,
    "worker": _serve_worker,
    "writer": _serve_writer,
    "archiver": _serve_archiver,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="guardstream", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="run the whole stack locally")
    up.add_argument("--demo", action="store_true", help="also post sample traffic continuously")
    up.add_argument("--ingest-port", type=int, default=8080)
    up.add_argument("--query-port", type=int, default=8000)
    commands.add_parser("migrate", help="apply ClickHouse migrations (idempotent)")
    commands.add_parser("topics", help="create the contract Kafka topics (idempotent)")
    replay = commands.add_parser("replay", help="rebuild read models from guard.screened, swap them in")
    replay.add_argument("--projection", choices=("screenings", "aggregates", "all"), default="all")
    replay.add_argument("--from", dest="since", default="earliest", help="earliest, or an RFC 3339 time")
    replay.add_argument("--restart", action="store_true", help="discard an interrupted rebuild instead of resuming it")
    serve = commands.add_parser("serve", help="run one service in the foreground")
    serve.add_argument("service", choices=sorted(SERVE))
    commands.add_parser("demo", help="post demo traffic to a running stack")
    commands.add_parser("kafka-jars", help="resolve the local broker's jars from Maven Central (once)")
    args = parser.parse_args(argv)

    configure_logging(args.service if args.command == "serve" else "guardstream")
    env = GuardEnvironment()
    if args.command == "up":
        from deploy.supervisor import run_stack

        return run_stack(env, args.demo, args.ingest_port, args.query_port)
    if args.command == "migrate":
        from projections.clickhouse import connect
        from projections.migrate import migrate

        applied = migrate(connect(env.require_clickhouse()))
        print(f"applied migrations: {applied or 'none (up to date)'}")
        return 0
    if args.command == "replay":
        from projections.service import replay as run_replay
        from projections.settings import ProjectionSettings

        return run_replay(ProjectionSettings(), args.projection, args.since, args.restart)
    if args.command == "topics":
        from deploy.topics import ensure_topics

        asyncio.run(ensure_topics(env.require_kafka()))
        return 0
    if args.command == "serve":
        SERVE[args.service]()
        return 0
    if args.command == "kafka-jars":
        return _resolve_kafka_jars(env)
    if args.command == "demo":
        from deploy.demo_traffic import run_demo_forever
        from schemas.bootstrap import BootstrapCredentials

        run_demo_forever(BootstrapCredentials.load(env.credentials_path))
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
