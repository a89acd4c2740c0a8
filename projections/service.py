"""The projections' processes, configured from ProjectionSettings (the environment).

- `serve`: the live writer until SIGTERM / SIGINT, and next to it the RetentionApplier
  (projections/retention_applier.py) unless `GUARD_RETENTION_APPLIER=false`.
  `python -m projections.service` runs it with every setting (topic, consumer group,
  database) from the environment; the exactly-once test starts it this way and SIGKILLs it.
- `replay`: `guardstream replay` (projections/replay.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal

from deploy.logs import configure_logging
from projections.clickhouse import connect
from projections.migrate import topology_from_env
from projections.replay import Replay, parse_since
from projections.retention_applier import RetentionApplier
from projections.settings import ProjectionSettings
from projections.writer import ProjectionWriter


def build_writer(settings: ProjectionSettings) -> ProjectionWriter:
    return ProjectionWriter(
        settings.require_kafka(),
        connect(settings.require_clickhouse(), settings.database),
        settings.database,
        settings.consumer_group,
        settings.batch_max_events,
        settings.batch_max_wait_ms,
        topic=settings.topic,
        session_timeout_ms=settings.session_timeout_ms,
        crash_at=settings.crash_at,
    )


def serve(settings: ProjectionSettings) -> None:
    writer = build_writer(settings)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        stopping = asyncio.Event()

        def stop() -> None:
            stopping.set()
            writer.stop()

        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop)
        applier = None
        if settings.retention_applier:
            topology = topology_from_env(settings.database, settings.cluster)
            retention = RetentionApplier(
                settings.require_kafka(), connect(settings.require_clickhouse(), settings.database), topology,
                sweep_s=settings.retention_sweep_s,
            )
            applier = asyncio.create_task(retention.run(stopping), name="retention-applier")
        try:
            await writer.run()
        finally:
            stopping.set()
            if applier is not None:  # cancelled if slow: a mutation under way goes on in ClickHouse
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(applier, timeout=10)

    asyncio.run(main())


def replay(settings: ProjectionSettings, projection: str, since_text: str, restart: bool = False) -> int:
    """`guardstream replay`: 0 when swapped in, 130 when interrupted (re-run to resume)."""
    since = parse_since(since_text)
    topology = topology_from_env(settings.database, settings.cluster)
    client = connect(settings.require_clickhouse(), settings.database)
    runner = Replay(client, settings.require_kafka(), topology, topic=settings.topic, live_group=settings.consumer_group)

    async def main() -> int:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, runner.stop)
        result = await runner.run(projection, since, restart)  # type: ignore[arg-type]
        if result is None:
            print("replay interrupted; run the same command again to resume")
            return 130
        print(
            f"replay {'resumed and ' if result.resumed else ''}done: {result.events:,} events in {result.seconds:.1f} s "
            f"({result.rate:,.0f} events/s); swapped in {', '.join(result.swapped)}"
        )
        return 0

    return asyncio.run(main())


if __name__ == "__main__":
    configure_logging("writer")
    serve(ProjectionSettings())
