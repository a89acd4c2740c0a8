"""Appends envelopes (`screening.received` to `guard.screenings`, or already screened ones
from `/v2/guard` to `guard.screened`) and waits for acks=all.

The producer is idempotent, so a broker-side retry never writes a record twice; the
caller answers 202 only after `append` returned.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaProducer

from deploy.topics import SCREENINGS_TOPIC
from schemas.envelope import Envelope


class ScreeningProducer:
    def __init__(self, bootstrap: str, linger_ms: int = 5) -> None:
        self._bootstrap = bootstrap
        self._linger_ms = linger_ms
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        # aiokafka binds to the running loop, so the producer is made here, not in __init__.
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap,
            acks="all",
            enable_idempotence=True,
            linger_ms=self._linger_ms,
            max_batch_size=1_048_576,
            max_request_size=4_194_304,
            request_timeout_ms=30_000,
        )
        await self._producer.start()

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()

    async def append(self, envelopes: Sequence[Envelope[Any]], topic: str = SCREENINGS_TOPIC) -> None:
        """Send all, then wait for every acknowledgement; raises if any write failed."""
        assert self._producer is not None, "start() first"
        deliveries = [
            await self._producer.send(topic, value=envelope.to_bytes(), key=envelope.event_id.encode())
            for envelope in envelopes
        ]
        await asyncio.gather(*deliveries)
