"""The Faust app: agent `screen` reads `guard.screenings`, writes `guard.screened`.

At-least-once by Faust's design (it flushes the producer before committing offsets), and
an event already in `guard.screened` is never screened again — after a crash, a rebalance, a
replay of `guard.screenings` or a retried append (streams/screened_ledger.py) — so each
received event_id has one screened event, and sinks that store each event_id once make the
pipeline exactly-once end to end.
"""

from __future__ import annotations

import asyncio
from typing import Any

import faust
import structlog
from pydantic import ValidationError

from deploy.topics import CONFIG_TOPIC, DEADLETTER_TOPIC, SCREENED_TOPIC, SCREENINGS_TOPIC
from schemas.deadletter import DeadLetter
from schemas.envelope import Envelope, utc_now
from schemas.screening import ScreeningReceived
from streams.config.state import ConfigState
from streams.config.table import ConfigFreshness, ConfigTable
from streams.flow_safety import FlowSafeTableManager, SnapshotFetchConsumer
from streams.pii import default_analyzer
from streams.screened_ledger import PartitionLedger, source_header
from streams.screened_tail import ScreenedTail, output_partition
from streams.screening import screen_received, screening_config
from streams.settings import StreamsSettings

log = structlog.get_logger(__name__)


def create_app(settings: StreamsSettings) -> faust.App:
    app = faust.App(
        settings.app_id,
        broker=f"kafka://{settings.require_kafka()}",
        datadir=str(settings.data_dir / "faust"),
        store="memory://",
        web_enabled=False,
        producer_acks=-1,
        # One produce request per screened event would cost the broker more CPU than the
        # screening; 5 ms of linger batches them (ingest's producer does the same).
        producer_linger=0.005,
        broker_commit_interval=settings.commit_interval_s,
        consumer_auto_offset_reset="earliest",
        topic_replication_factor=1,
        # Our topics exist before the worker starts (created with deliberate configs); this only
        # lets Faust create its own internal assignor topic.
        topic_allow_declare=True,
        # Faust's recovery and fetch races lost screenings at start-up: see streams/flow_safety.py.
        TableManager=FlowSafeTableManager,
    )
    app.transport.Consumer = SnapshotFetchConsumer  # before anything creates the consumer
    screenings = app.topic(SCREENINGS_TOPIC, key_serializer="raw", value_serializer="raw")
    screened = app.topic(SCREENED_TOPIC, key_serializer="raw", value_serializer="raw")
    deadletter = app.topic(DEADLETTER_TOPIC, key_serializer="raw", value_serializer="raw")
    # Policies and org settings: a GlobalTable over guard.config, recovered in full before the
    # agent takes its first event and tailed by every worker (query_api writes the topic, outside
    # this consumer group: hence synchronize_all_active_partitions). Buffer sizes of 1 apply each
    # record as it comes, so a policy edit applies to the next screening.
    config_table = app.tables.add(
        ConfigTable(
            app,
            name="config",
            changelog_topic=app.topic(CONFIG_TOPIC, key_serializer="raw", value_serializer="raw"),
            partitions=1,
            standby_buffer_size=1,
            recovery_buffer_size=1,
            is_global=True,
            synchronize_all_active_partitions=True,
        )
    )
    freshness = ConfigFreshness(settings.require_kafka(), config_table)
    config_ready = asyncio.Event()
    tail = ScreenedTail(settings.require_kafka())
    ledgers: dict[int, PartitionLedger] = {}  # per input partition held now; rebuilt when taken

    @app.task
    async def follow_config() -> None:
        # The PII analyzer is built while the table recovers, not on the first screening.
        await asyncio.gather(freshness.start(), asyncio.to_thread(default_analyzer))
        config_ready.set()
        try:
            await asyncio.Event().wait()  # until the worker stops and cancels this task
        finally:
            await freshness.stop()

    @app.on_partitions_revoked.connect
    async def forget_ledgers(sender: Any, revoked: Any, **kwargs: Any) -> None:
        # Another worker may screen these partitions next: our view of them goes stale.
        for tp in revoked:
            if tp.topic == SCREENINGS_TOPIC:
                ledgers.pop(tp.partition, None)

    async def config_as_of(received_at: float) -> ConfigState:
        # A config change acknowledged before ingest received a screening judges it.
        return await freshness.state_as_of(received_at, timeout=5)

    async def ledger_of(partition: int) -> PartitionLedger:
        if partition not in ledgers:
            ledgers[partition] = await tail.ledger_for(partition)
        return ledgers[partition]

    async def park(event: Any, reason: str) -> None:
        letter = DeadLetter(
            reason=reason,
            stage="screen",
            source_topic=SCREENINGS_TOPIC,
            partition=event.message.partition,
            offset=event.message.offset,
            failed_at=utc_now(),
            original_b64=DeadLetter.encode_original(event.value or b""),
        )
        await deadletter.send(key=event.key, value=letter.model_dump_json().encode())
        log.warning("screening_deadlettered", reason=reason.split(":")[0], offset=event.message.offset)

    @app.agent(screenings, name="screen")
    async def screen(stream: faust.StreamT) -> None:
        await config_ready.wait()  # never judge a screening without its policy
        async for event in stream.events():
            try:
                received = Envelope[ScreeningReceived].model_validate_json(event.value)
            except ValidationError as exc:
                # The reason names fields and error types only: no input values, which may be raw PII.
                fields = ", ".join(".".join(map(str, e["loc"])) + f" ({e['type']})" for e in exc.errors()[:5])
                await park(event, f"invalid screening.received: {fields}")
            except ValueError as exc:
                await park(event, f"undecodable record: {type(exc).__name__}")
            else:
                partition, offset = event.message.partition, event.message.offset
                ledger = await ledger_of(partition)
                if ledger.already_screened(offset, received.event_id):
                    log.debug("screening_already_screened", partition=partition, offset=offset)
                    continue
                state = await config_as_of(received.occurred_at.timestamp())
                policy, prompt_logging = screening_config(state, received.org_id, received.project_id)
                out = screen_received(received, policy, prompt_logging)
                await screened.send(
                    key=out.event_id.encode(),
                    value=out.to_bytes(),
                    partition=output_partition(partition, tail.output_partitions),
                    headers=[source_header(partition, offset)],
                )
                ledger.record(offset, received.event_id)

    return app


def run_worker(settings: StreamsSettings) -> None:
    """Run the worker in the foreground until SIGTERM/SIGINT (Faust installs the handlers)."""
    app = create_app(settings)
    worker = faust.Worker(app, loglevel=settings.faust_log_level, quiet=True, redirect_stdouts=False)
    worker.spinner = None  # a terminal spinner only garbles the supervisor's prefixed output
    worker.execute_from_commandline()
