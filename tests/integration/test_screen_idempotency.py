"""The `screen` agent never screens an event_id twice: not when the same envelope is
appended again to `guard.screenings`, not when the topic is replayed from the start under
a fresh consumer group (streams/screened_ledger.py)."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from deploy.processes import ServiceProcess
from deploy.topics import SCREENED_TOPIC, SCREENINGS_TOPIC
from schemas.envelope import Envelope, new_event_id, utc_now
from schemas.screening import SCREENING_RECEIVED, Message, ScreeningReceived
from tests.integration.kafka_reading import read_topic
from tests.integration.polling import wait_for

pytestmark = pytest.mark.integration


def screened_count(bootstrap: str, needle: str) -> int:
    return len(asyncio.run(read_topic(bootstrap, SCREENED_TOPIC, needle.encode())))


async def append_again_then_sentinel(bootstrap: str, raw: bytes, sentinel: Envelope[ScreeningReceived]) -> None:
    """Append an already-screened envelope once more, then a fresh one behind it in the same
    partition: once the sentinel is screened, the repeat has been through the agent."""
    event_id = Envelope[ScreeningReceived].model_validate_json(raw).event_id
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        repeat = await producer.send_and_wait(SCREENINGS_TOPIC, value=raw, key=event_id.encode())
        await producer.send_and_wait(
            SCREENINGS_TOPIC, value=sentinel.to_bytes(), key=sentinel.event_id.encode(), partition=repeat.partition
        )
    finally:
        await producer.stop()


async def partitions_of(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    cluster = await consumer._client.fetch_all_metadata()
    return [TopicPartition(topic, p) for p in sorted(cluster.partitions_for_topic(topic) or ())]


async def group_caught_up(bootstrap: str, group: str) -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        partitions = await partitions_of(consumer, SCREENINGS_TOPIC)
        ends = await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()
    # A partition the group never read from has no committed offset: it counts as 0.
    return all((committed[tp].offset if tp in committed else 0) >= end for tp, end in ends.items())


async def topic_end(bootstrap: str, topic: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        partitions = await partitions_of(consumer, topic)
        return sum((await consumer.end_offsets(partitions)).values())
    finally:
        await consumer.stop()


def test_an_event_is_screened_once_through_repeats_and_a_full_replay(running_stack, seed_org, tmp_path) -> None:
    bootstrap = running_stack.stack.bootstrap
    org = seed_org()
    run = uuid.uuid4().hex[:10]
    body = {
        "screenings": [
            {"messages": [{"role": "user", "content": f"hello {i}"}], "project_id": org.project_id, "metadata": {"run": run}}
            for i in range(20)
        ]
    }
    with httpx.Client(base_url=running_stack.creds.ingest_url, headers={"Authorization": f"Bearer {org.key_secret}"}) as ingest:
        assert ingest.post("/v1/screenings/batch", json=body).status_code == 202
    assert wait_for(lambda: screened_count(bootstrap, run) >= 20), "screenings never screened"

    # The same envelope appended again (as a producer retry would): no second screened event.
    raw = asyncio.run(read_topic(bootstrap, SCREENINGS_TOPIC, run.encode()))[0]
    sentinel = Envelope[ScreeningReceived](
        event_id=new_event_id(), type=SCREENING_RECEIVED, occurred_at=utc_now(), org_id=org.org_id,
        project_id=org.project_id,
        data=ScreeningReceived(request_id="sentinel", messages=[Message(role="user", content="sentinel")], metadata={"run": run}),
    )
    asyncio.run(append_again_then_sentinel(bootstrap, raw, sentinel))
    assert wait_for(lambda: screened_count(bootstrap, sentinel.event_id) == 1), "sentinel never screened"
    assert screened_count(bootstrap, run) == 21  # 20 + the sentinel, the repeat skipped

    # A replay of all of guard.screenings under a fresh group adds nothing to guard.screened.
    screened_before = asyncio.run(topic_end(bootstrap, SCREENED_TOPIC))
    worker = next(s for s in running_stack.stack.services if s.name == "worker")
    group = f"guard.screen-replay-{run}"
    replay = ServiceProcess(
        "replay-worker", worker.argv, {**worker.env, "GUARD_APP_ID": group, "GUARD_DATA_DIR": str(tmp_path)}
    )
    replay.start()
    try:
        assert wait_for(lambda: asyncio.run(group_caught_up(bootstrap, group)), timeout=120), "replay never caught up"
    finally:
        replay.stop()
    assert asyncio.run(topic_end(bootstrap, SCREENED_TOPIC)) == screened_before
    assert screened_count(bootstrap, run) == 21
