"""Reading a whole topic back on the real broker, for tests that check what was written."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer


async def read_topic(bootstrap: str, topic: str, needle: bytes = b"") -> list[bytes]:
    """Every record value of `topic` (up to its current end) that contains `needle`."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = consumer.assignment()
        while not partitions:
            await asyncio.sleep(0.1)
            partitions = consumer.assignment()
        end = await consumer.end_offsets(list(partitions))
        found: list[bytes] = []
        while True:
            positions = {tp: await consumer.position(tp) for tp in partitions}
            if all(positions[tp] >= end[tp] for tp in partitions):
                return found
            for records in (await consumer.getmany(timeout_ms=500)).values():
                found += [r.value for r in records if r.value is not None and needle in r.value]
    finally:
        await consumer.stop()
