"""`ConfigLog`: the one way config changes are written, with read-your-writes.

A command is a pure function `decide(state) -> events` (streams/config/commands.py) that
validates against the current state and raises `ApiError` when it must not happen. The log
syncs the local replica, decides, appends the events, and returns only once the local replica
has applied them — so the caller's next read, in this process, sees its own write.

Within a process commands run one at a time (a lock), so validate-then-append cannot race
itself. Across processes the total order of the single partition decides: entity records are
last-writer-wins per key, and uniqueness that matters is made a key (user ids derive from
emails), so concurrent writers still converge to one state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

import structlog
from aiokafka import AIOKafkaProducer

from deploy.topics import CONFIG_TOPIC
from schemas.config_events import ConfigEvent, config_records
from streams.config.replica import ConfigReplica
from streams.config.state import ConfigState

log = structlog.get_logger(__name__)

Decision = Callable[[ConfigState], Sequence[ConfigEvent]]


class ConfigLog:
    """Usage::

        config = ConfigLog(bootstrap_servers, replica)   # replica already started
        await config.start()
        state = await config.execute(lambda state: commands.create_project(state, ...))
        state = await config.append([event])             # no validation: bootstrap, ingest
        await config.stop()
    """

    def __init__(self, bootstrap: str, replica: ConfigReplica) -> None:
        self._bootstrap = bootstrap
        self._replica = replica
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap,
            client_id="guardstream-config-log",
            acks="all",
            enable_idempotence=True,
            max_batch_size=1_048_576,
            max_request_size=1_048_576,
            request_timeout_ms=30_000,
        )
        await self._producer.start()

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()

    async def execute(self, decide: Decision) -> ConfigState:
        """Validate against the freshest state, append, return the state that includes it."""
        async with self._lock:
            state = await self._replica.sync()
            events = list(decide(state))
            if not events:
                return state
            return await self._append(events)

    async def append(self, events: Sequence[ConfigEvent]) -> ConfigState:
        """Append events as they are; returns once the local replica applied them."""
        async with self._lock:
            return await self._append(list(events))

    async def _append(self, events: list[ConfigEvent]) -> ConfigState:
        assert self._producer is not None, "start() first"
        if not events:
            return self._replica.state
        last_offset = -1
        batch = self._producer.create_batch()
        count = 0
        for event in events:
            records = config_records(event)
            # Both records of one event go in one record batch: Kafka appends a batch
            # atomically, so an entity change never lands without its audit record.
            if not all(self._fits(batch, key, value) for key, value in records):
                last_offset = await self._send(batch, count)
                batch, count = self._producer.create_batch(), 0
            for key, value in records:
                if batch.append(key=key.encode("utf-8"), value=value, timestamp=None) is None:
                    raise ValueError(f"config event {event.type} is larger than a record batch")
                count += 1
        if count:
            last_offset = await self._send(batch, count)
        for event in events:
            log.info("config_event_appended", type=event.type, org_id=event.org_id, actor=event.data.actor)
        return await self._replica.wait_for(last_offset)

    @staticmethod
    def _fits(batch: object, key: str, value: bytes | None) -> bool:
        size = len(key) + (len(value) if value is not None else 0) + 64
        return batch.size() + size <= 1_000_000  # type: ignore[attr-defined]

    async def _send(self, batch: object, count: int) -> int:
        """Send one batch and wait for acks=all; the offset of its last record."""
        assert self._producer is not None
        batch.close()  # type: ignore[attr-defined]
        delivery = await self._producer.send_batch(batch, CONFIG_TOPIC, partition=0)
        metadata = await delivery
        return metadata.offset + count - 1
