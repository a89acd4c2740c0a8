"""Reads the tail of a `guard.screened` partition to rebuild the agent's ledger
(streams/screened_ledger.py) when the agent takes a `guard.screenings` partition.

One group-less consumer per worker, assigned by hand to the partition being looked up.
The scan starts with the last `window` records and doubles back until it finds a record
the agent wrote for that input partition (records appended by `/v2/guard` carry no source
and are stepped over), or the partition's start, or `max_scan` records.
"""

from __future__ import annotations

import asyncio

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition

from deploy.topics import SCREENED_TOPIC
from streams.screened_ledger import PartitionLedger, TailRecord, ledger_from_tail

log = structlog.get_logger(__name__)


def output_partition(input_partition: int, output_partitions: int) -> int:
    """Where the screened event of an input partition goes: the same number when the topics
    are sized alike (the default), folded otherwise; the source header tells them apart."""
    return input_partition % output_partitions


class ScreenedTailError(RuntimeError):
    """The tail could not be read in time: better to stop than to screen twice."""


class ScreenedTail:
    """Opens a short-lived, group-less consumer per lookup: lookups are rare (a partition
    taken), and a fresh consumer has no fetch state left over from another partition."""

    def __init__(
        self,
        bootstrap: str,
        topic: str = SCREENED_TOPIC,
        window: int = 2_000,
        max_scan: int = 500_000,
        timeout_s: float = 60.0,
    ) -> None:
        self._bootstrap = bootstrap
        self._topic = topic
        self._window = window
        self._max_scan = max_scan
        self._timeout_s = timeout_s
        self._lock = asyncio.Lock()
        self.output_partitions = 0

    async def ledger_for(self, input_partition: int) -> PartitionLedger:
        async with self._lock:
            # A short fetch wait: the fetch aiokafka starts at assignment (from the log end) must
            # finish before one from the sought offset can start; 500 ms each, per partition taken.
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self._bootstrap,
                enable_auto_commit=False,
                client_id="guardstream-screened-tail",
                fetch_max_wait_ms=20,
            )
            await consumer.start()
            try:
                return await asyncio.wait_for(self._ledger(consumer, input_partition), self._timeout_s)
            except TimeoutError:
                raise ScreenedTailError(
                    f"reading the tail of {self._topic} for partition {input_partition} took over {self._timeout_s:.0f}s"
                ) from None
            finally:
                await consumer.stop()

    async def _ledger(self, consumer: AIOKafkaConsumer, input_partition: int) -> PartitionLedger:
        if not self.output_partitions:
            # `topics()` fetches metadata without keeping it; the cluster view it fetched counts.
            cluster = await consumer._client.fetch_all_metadata()
            partitions = cluster.partitions_for_topic(self._topic)
            if not partitions:
                raise ScreenedTailError(f"topic {self._topic} not found (run `guardstream topics`)")
            self.output_partitions = len(partitions)
        tp = TopicPartition(self._topic, output_partition(input_partition, self.output_partitions))
        consumer.assign([tp])
        begin = (await consumer.beginning_offsets([tp]))[tp]
        end = (await consumer.end_offsets([tp]))[tp]
        start, records = end, []
        while True:
            older_start = max(begin, end - max(self._window, 2 * (end - start)))
            records = await _read(consumer, tp, older_start, start) + records
            start = older_start
            ledger = ledger_from_tail(input_partition, records)
            if ledger.high_water >= 0 or start <= begin or end - start >= self._max_scan:
                break
        log.info("screened_ledger_loaded", partition=input_partition, high_water=ledger.high_water, scanned=end - start)
        return ledger


async def _read(consumer: AIOKafkaConsumer, tp: TopicPartition, start: int, stop: int) -> list[TailRecord]:
    found: list[TailRecord] = []
    if start >= stop:
        return found
    consumer.seek(tp, start)
    while await consumer.position(tp) < stop:
        batch = await consumer.getmany(tp, timeout_ms=1_000)
        for record in batch.get(tp, []):
            if record.offset >= stop:
                return found
            found.append(TailRecord(record.key, list(record.headers or ())))
    return found
