"""Monthly screening quotas, exact across ingest processes and restarts.

`QuotaLedger` is the pure fold: a reservation is granted when the org's month still has
room for all of its events. `QuotaReservations` is the adapter: it appends a reservation
to the single-partition `guard.quota` topic, tails the topic, and answers the caller once
its own record has been folded — after every earlier reservation of every process.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from deploy.topics import QUOTA_TOPIC
from schemas.quota import QuotaReservation

log = structlog.get_logger(__name__)


def month_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m")


def seconds_until_next_month(moment: datetime) -> int:
    moment = moment.astimezone(UTC)
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return max(1, int((datetime(year, month, 1, tzinfo=UTC) - moment).total_seconds()) + 1)


class QuotaLedger:
    """Screenings admitted per (org, month), folded from reservations in log order."""

    def __init__(self) -> None:
        self._used: dict[tuple[str, str], int] = {}

    def apply(self, reservation: QuotaReservation) -> bool:
        key = (reservation.org_id, reservation.month)
        used = self._used.get(key, 0)
        if reservation.events < 0 or used + reservation.events <= reservation.limit:
            self._used[key] = max(0, used + reservation.events)
            return True
        return False

    def used(self, org_id: str, month: str) -> int:
        return self._used.get((org_id, month), 0)


class QuotaReservations:
    def __init__(self, bootstrap: str, timeout_s: float = 10.0) -> None:
        self._bootstrap = bootstrap
        self._timeout_s = timeout_s
        self.ledger = QuotaLedger()
        self._waiting: dict[str, asyncio.Future[bool]] = {}
        self._producer: AIOKafkaProducer | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._tail: asyncio.Task[None] | None = None
        self.caught_up = asyncio.Event()

    async def start(self) -> None:
        self._producer = AIOKafkaProducer(bootstrap_servers=self._bootstrap, acks="all", enable_idempotence=True)
        # No consumer group: every process reads the whole log itself. A long poll answers as
        # soon as a reservation lands (fetch_min_bytes=1), so the round trip stays milliseconds
        # without the broker serving hundreds of empty fetches a second.
        self._consumer = AIOKafkaConsumer(bootstrap_servers=self._bootstrap, enable_auto_commit=False, fetch_max_wait_ms=500)
        await self._producer.start()
        await self._consumer.start()
        partition = TopicPartition(QUOTA_TOPIC, 0)
        self._consumer.assign([partition])
        await self._consumer.seek_to_beginning(partition)
        end = (await self._consumer.end_offsets([partition]))[partition]
        self._tail = asyncio.create_task(self._follow(partition, end))

    async def stop(self) -> None:
        if self._tail is not None:
            self._tail.cancel()
            await asyncio.gather(self._tail, return_exceptions=True)
        for client in (self._consumer, self._producer):
            if client is not None:
                await client.stop()

    async def reserve(self, org_id: str, events: int, limit: int, now: datetime | None = None) -> bool:
        """True when the org may add `events` screenings this month (all of them, or none)."""
        assert self._producer is not None, "start() first"
        now = now or datetime.now(UTC)
        reservation = QuotaReservation(
            reservation_id=str(uuid.uuid4()), org_id=org_id, month=month_of(now), events=events, limit=limit, reserved_at=now
        )
        decided = asyncio.get_running_loop().create_future()
        self._waiting[reservation.reservation_id] = decided
        try:
            await self._producer.send_and_wait(QUOTA_TOPIC, reservation.model_dump_json().encode(), key=org_id.encode())
            return await asyncio.wait_for(decided, self._timeout_s)
        finally:
            self._waiting.pop(reservation.reservation_id, None)

    async def release(self, org_id: str, events: int, now: datetime | None = None) -> None:
        """Give back a grant whose screenings were never written (the Kafka write failed)."""
        await self.reserve(org_id, -events, 0, now)

    async def _follow(self, partition: TopicPartition, catch_up_offset: int) -> None:
        assert self._consumer is not None
        if catch_up_offset == 0:
            self.caught_up.set()
        while True:
            batches = await self._consumer.getmany(partition, timeout_ms=500)
            for record in batches.get(partition, []):
                try:
                    reservation = QuotaReservation.model_validate_json(record.value)
                except ValueError:
                    log.warning("quota_record_skipped", offset=record.offset)
                    continue
                granted = self.ledger.apply(reservation)
                waiter = self._waiting.get(reservation.reservation_id)
                if waiter is not None and not waiter.done():
                    waiter.set_result(granted)
                if record.offset + 1 >= catch_up_offset:
                    self.caught_up.set()
