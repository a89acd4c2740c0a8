"""Replay rate: `guardstream replay --projection all` over a log of screened events, i.e. the
rebuild path end to end — Kafka fetch, the exactly-once writer (intents, known-event lookup,
deduplicated INSERTs), the JSON → row mapping and every aggregate view in ClickHouse — then
the hand-over and swap.

    make bench            # or: .venv/bin/python -m tests.bench replay
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition

from deploy.clickhouse_endpoint import ClickHouseEndpoint
from deploy.kafka_broker import KafkaBroker
from projections.clickhouse import connect
from projections.migrate import migrate
from projections.replay import Replay
from projections.topology import Topology
from projections.screened_log import topic_partitions
from projections.writer import ProjectionWriter
from tests.bench.report import machine_line, write_section
from tests.integration.screened_traffic import create_topic, keyed, produce, screened_events

EVENTS = int(os.environ.get("GUARD_BENCH_REPLAY_EVENTS", "500000"))
CHUNK = 50_000
TOPIC = "guard.screened.bench"
LIVE_GROUP = "guard.projections.bench"
SPAN = timedelta(hours=12)  # log order follows event time, as in production: a batch covers minutes


async def fill_log(bootstrap: str) -> int:
    """EVENTS realistic screened events over SPAN, in time order, on a 12-partition topic; returns their bytes."""
    await create_topic(bootstrap, TOPIC)
    now = datetime.now(UTC)
    size = 0
    for chunk in range(0, EVENTS, CHUNK):
        start = now - SPAN + SPAN * chunk / EVENTS
        end = now - SPAN + SPAN * min(EVENTS, chunk + CHUNK) / EVENTS
        events = screened_events(min(CHUNK, EVENTS - chunk), "org-bench", [f"project-{i:02d}" for i in range(20)], start, end, seed=chunk)
        records = keyed(events)
        size += sum(len(v) for _, v in records)
        await produce(bootstrap, TOPIC, records)
    return size


async def project_live(bootstrap: str, url: str) -> float:
    """The live writer projects the whole log first, as it would have in production; returns events/s."""
    writer = ProjectionWriter(bootstrap, connect(url), "guard", LIVE_GROUP, 5000, 200, topic=TOPIC,
                              partition_fetch_bytes=8 * 1024 * 1024)
    await writer.start(assign_all=True)
    started = time.perf_counter()
    try:
        ends = {p: end - 1 for p, end in (await end_offsets(bootstrap)).items()}
        assert await writer.run_until(ends)
    finally:
        await writer.close()
    return EVENTS / (time.perf_counter() - started)


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU of a process (Linux /proc), 0 if unknown."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_line(before: tuple[float, float, float], after: tuple[float, float, float], events: int) -> str:
    names = ("ClickHouse endpoint (chdb + its HTTP front end)", "Kafka broker", "replay process (Python)")
    return "; ".join(f"{name} {(b - a) * 1e6 / max(1, events):,.0f} µs" for name, a, b in zip(names, before, after, strict=True))


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="guard-bench-replay-") as tmp:
        broker = KafkaBroker(Path(tmp) / "kafka")
        endpoint = ClickHouseEndpoint(Path(tmp) / "clickhouse")
        bootstrap, url = broker.start(), endpoint.start()
        try:
            client = connect(url)
            migrate(client, "guard")
            size = asyncio.run(fill_log(bootstrap))
            live_rate = asyncio.run(project_live(bootstrap, url))
            replay = Replay(client, bootstrap, Topology("guard"), topic=TOPIC, live_group=LIVE_GROUP, stream=sys.stderr)
            before = (cpu_seconds(endpoint.pid), cpu_seconds(broker.pid), time.process_time())
            result = asyncio.run(replay.run("all", None))
            after = (cpu_seconds(endpoint.pid), cpu_seconds(broker.pid), time.process_time())
            assert result is not None
            rows = client.query("SELECT count() FROM guard.screenings").result_rows[0][0]
            minutes = client.query("SELECT sum(requests) FROM guard.screening_minutes").result_rows[0][0]
        finally:
            endpoint.stop()
            broker.stop()
    assert rows == EVENTS == minutes, (rows, minutes)
    body = f"""## Replay rate

`make bench` → `python -m tests.bench replay` · {machine_line()}

`guardstream replay --projection all --from earliest` (projections/replay.py) over {EVENTS:,} realistic
screened events ({size / EVENTS:,.0f} B each on average, {size / 2**20:,.0f} MiB, {SPAN.total_seconds() / 3600:.0f} h of traffic in
log order) on a 12-partition topic of the local Kafka 3.9 broker, into the embedded ClickHouse engine,
after the live writer had projected the same log: fetch, intents, known-event lookups, deduplicated
INSERTs of raw records through the JSON → row mapping views and the four aggregate views, then the
hand-over (fence, EXCHANGE TABLES, cleanup). Kafka, ClickHouse and the replay share the 2 cores.

| measure | value | target |
| --- | ---: | ---: |
| replay rate, prepare to swap | **{result.rate:,.0f} events/s** ({result.events:,} events in {result.seconds:.1f} s) | ≥ 100,000 events/s |
| live writer catching up on the same log (5,000-event batches) | {live_rate:,.0f} events/s | |
| rows in `screenings` / counted in `screening_minutes` after the swap | {rows:,} / {minutes:,} | = events |

CPU per replayed event during the replay: {cpu_line(before, after, result.events)}. Load average of the
machine (other work shares the 2 cores) at the end: {os.getloadavg()[0]:.1f}.

{verdict(result.rate, before, after, result.events)}
"""
    write_section("replay", body)
    print(body)


def verdict(rate: float, before: tuple[float, float, float], after: tuple[float, float, float], events: int) -> str:
    if rate >= 100_000:
        return "**Target met.**"
    per_event = [(b - a) * 1e6 / max(1, events) for a, b in zip(before, after, strict=True)]
    ceiling = 2e6 / sum(per_event) if sum(per_event) else float("inf")
    return (
        f"**Target missed by {100_000 / rate:.1f}x.** The replay is CPU-bound on the 2 shared cores: the three "
        f"processes above use ≈ {sum(per_event):,.0f} µs of CPU per event, so even with both cores to themselves "
        f"they would top out near {ceiling:,.0f} events/s here. The largest share is the embedded engine "
        f"({per_event[0]:,.0f} µs: one JSON parse per event, the writes of `screenings` and four aggregates with "
        "their compression and merges, and its Python HTTP front end copying every INSERT body); the replay "
        f"process's {per_event[2]:,.0f} µs are over half aiokafka's pure-Python fetch path (socket reads, record-batch "
        "unpacking) — the writer itself only reads two fields per record without a JSON parse and sends the raw "
        "bytes as RowBinary. Known-event lookups ask only about records no later than the newest row of their own "
        "partition (a few per batch in a time-ordered log), so the exactly-once bookkeeping costs little now. "
        "100,000 events/s needs a ClickHouse server on cores of its own (the engine's share leaves the machine) "
        "and a C consumer (librdkafka) for the replay, or ClickHouse's Kafka engine for the bulk phase."
    )


async def end_offsets(bootstrap: str) -> dict[int, int]:
    """Per partition, the offset after the last record."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        tps = [TopicPartition(TOPIC, p) for p in await topic_partitions(bootstrap, TOPIC)]
        return {tp.partition: offset for tp, offset in (await consumer.end_offsets(tps)).items()}
    finally:
        await consumer.stop()
