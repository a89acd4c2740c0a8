"""The projection writer: `guard.screened` → ClickHouse `screenings`, in batches.

Per partition, a batch is inserted with an insert deduplication token derived from its
offset range and only then are offsets committed. A crash between insert and commit
replays the same records; the same range gets the same token and ClickHouse drops the
repeat, and the ReplacingMergeTree key folds any row that still arrives twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.structs import OffsetAndMetadata
from clickhouse_connect.driver.client import Client
from pydantic import ValidationError

from deploy.topics import SCREENED_TOPIC
from projections.rows import SCREENING_COLUMNS, screening_row
from schemas.envelope import Envelope
from schemas.screening import ScreeningScreened

log = structlog.get_logger(__name__)


def batch_rows(records: Sequence[ConsumerRecord]) -> tuple[list[list], int]:
    """Rows for the decodable records of one partition batch, and how many were skipped."""
    rows, skipped = [], 0
    for record in records:
        try:
            event = Envelope[ScreeningScreened].model_validate_json(record.value)
        except (ValidationError, ValueError):
            skipped += 1  # poison on the log of record: counted and logged, never blocks the projection
            continue
        rows.append(screening_row(event, record.partition, record.offset))
    return rows, skipped


def dedup_token(tp: TopicPartition, records: Sequence[ConsumerRecord]) -> str:
    return f"{tp.topic}:{tp.partition}:{records[0].offset}-{records[-1].offset}"


class ProjectionWriter:
    def __init__(
        self,
        bootstrap: str,
        client: Client,
        database: str = "guard",
        group_id: str = "guard.projections.screenings",
        batch_max_events: int = 5000,
        batch_max_wait_ms: int = 200,
    ) -> None:
        self._client = client
        self._table = f"{database}.screenings"
        self._batch_max_events = batch_max_events
        self._batch_max_wait_ms = batch_max_wait_ms
        self._consumer_config = dict(
            bootstrap_servers=bootstrap,
            group_id=group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            max_poll_records=batch_max_events,
        )
        self._consumer: AIOKafkaConsumer | None = None
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        # aiokafka binds to the running loop, so the consumer is made here, not in __init__.
        self._consumer = AIOKafkaConsumer(SCREENED_TOPIC, **self._consumer_config)
        await self._consumer.start()
        log.info("projection_writer_started", table=self._table)
        try:
            while not self._stopping.is_set():
                batches = await self._consumer.getmany(
                    timeout_ms=self._batch_max_wait_ms, max_records=self._batch_max_events
                )
                for tp, records in batches.items():
                    if records:
                        await self.write_batch(tp, records)
        finally:
            await self._consumer.stop()

    async def write_batch(self, tp: TopicPartition, records: Sequence[ConsumerRecord]) -> None:
        rows, skipped = batch_rows(records)
        if rows:
            token = dedup_token(tp, records)
            await asyncio.to_thread(
                self._client.insert,
                self._table,
                rows,
                column_names=list(SCREENING_COLUMNS),
                settings={"insert_deduplication_token": token},
            )
        assert self._consumer is not None
        if skipped:
            log.warning("screened_records_skipped", partition=tp.partition, count=skipped)
        await self._consumer.commit({tp: OffsetAndMetadata(records[-1].offset + 1, "")})
        log.debug("batch_written", partition=tp.partition, rows=len(rows))
