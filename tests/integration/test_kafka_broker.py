"""The local Kafka 3.9 broker (deploy/kafka_broker.py) and the contract topics (deploy/topics.py),
on a real broker process: start, topics and their configs, a durable round trip, restart, stop,
the child dying with its parent, and the one-line errors when Java or Maven are missing."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

import deploy.topics
from deploy.kafka_broker import BrokerStartError, KafkaBroker, ToolMissingError, kafka_classpath
from deploy.topics import (CONFIG_TOPIC, DEADLETTER_TOPIC, QUOTA_TOPIC, SCREENED_TOPIC, SCREENINGS_TOPIC,
                           TOPIC_SPECS, ensure_topics)

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory):
    with KafkaBroker(tmp_path_factory.mktemp("kafka")) as running:
        yield running


# -- helpers ------------------------------------------------------------------------------------

def run(coroutine):
    return asyncio.run(coroutine)


async def describe(bootstrap: str, topics: list[str]) -> tuple[dict, dict]:
    """(partition count by topic, {config name: value} by topic) as the broker reports them."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        partitions = {t["topic"]: len(t["partitions"]) for t in await admin.describe_topics(topics)}
        responses = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, name) for name in topics])
        configs = {}
        for response in responses:
            for resource in response.to_object()["resources"]:
                configs[resource["resource_name"]] = {
                    entry["config_names"]: entry["config_value"]
                    for entry in resource["config_entries"]}
        return partitions, configs
    finally:
        await admin.close()


async def produce(bootstrap: str, topic: str, key: bytes, value: bytes):
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        return await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


async def read_at(bootstrap: str, topic: str, partition: int, offset: int):
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tp = TopicPartition(topic, partition)
        consumer.assign([tp])
        consumer.seek(tp, offset)
        return await asyncio.wait_for(consumer.getone(), 30)
    finally:
        await consumer.stop()


def java_processes_for(data_dir: Path) -> list[int]:
    """PIDs of live processes whose command line names this data dir's server.properties."""
    needle = str(data_dir.resolve() / "server.properties").encode()
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and needle in (proc / "cmdline").read_bytes():
                state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
                if state != "Z":  # a zombie is already dead, merely not yet reaped
                    pids.append(int(proc.name))
        except OSError:
            continue
    return pids


def refuses_connections(bootstrap: str) -> bool:
    host, port = bootstrap.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except OSError:
        return True
    return False


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


# -- the shared broker --------------------------------------------------------------------------

def test_broker_answers_metadata(broker: KafkaBroker):
    host, port = broker.bootstrap.rsplit(":", 1)
    assert host == "127.0.0.1" and int(port) == broker.port
    assert broker.start() == broker.bootstrap  # starting a running broker is a no-op

    async def cluster():
        admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
        await admin.start()
        try:
            return await admin.describe_cluster()
        finally:
            await admin.close()

    assert [b["node_id"] for b in run(cluster())["brokers"]] == [1]
    assert broker.log_file.stat().st_size > 0  # reload4j writes the broker log


def test_ensure_topics_is_idempotent_and_applies_the_declared_configs(broker: KafkaBroker):
    run(ensure_topics(broker.bootstrap))
    run(ensure_topics(broker.bootstrap))  # second run: everything exists, nothing fails

    names = [spec.name for spec in TOPIC_SPECS]
    assert names == [SCREENINGS_TOPIC, SCREENED_TOPIC, CONFIG_TOPIC, DEADLETTER_TOPIC, QUOTA_TOPIC]
    partitions, configs = run(describe(broker.bootstrap, names))
    assert partitions == {SCREENINGS_TOPIC: 12, SCREENED_TOPIC: 12, CONFIG_TOPIC: 1,
                          DEADLETTER_TOPIC: 3, QUOTA_TOPIC: 1}
    for spec in TOPIC_SPECS:
        for name, value in spec.configs.items():
            assert configs[spec.name][name] == value, (spec.name, name)
    assert configs[SCREENINGS_TOPIC]["retention.ms"] == str(7 * 24 * 3600 * 1000)
    assert configs[SCREENED_TOPIC]["retention.ms"] == "-1"
    assert configs[SCREENED_TOPIC]["retention.bytes"] == "-1"
    assert configs[CONFIG_TOPIC]["cleanup.policy"] == "compact"
    assert configs[DEADLETTER_TOPIC]["retention.ms"] == str(7 * 24 * 3600 * 1000)


class RecordingLog:
    """Stands in for deploy.topics' structlog logger (immune to structlog's logger caching)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, dict]] = []

    def __getattr__(self, level: str):
        return lambda event, **fields: self.events.append((level, event, fields))


def test_existing_topic_with_fewer_partitions_is_left_alone_with_a_warning(
        broker: KafkaBroker, monkeypatch: pytest.MonkeyPatch):
    run(ensure_topics(broker.bootstrap))
    recording = RecordingLog()
    monkeypatch.setattr(deploy.topics, "log", recording)
    run(ensure_topics(broker.bootstrap, partitions=24))
    warned = {fields["topic"] for level, _, fields in recording.events if level == "warning"}
    assert warned == {SCREENINGS_TOPIC, SCREENED_TOPIC}
    partitions, _ = run(describe(broker.bootstrap, [SCREENINGS_TOPIC, SCREENED_TOPIC]))
    assert partitions == {SCREENINGS_TOPIC: 12, SCREENED_TOPIC: 12}


def test_auto_topic_creation_is_off(broker: KafkaBroker):
    async def ask_for_unknown_topic():
        admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
        await admin.start()
        try:
            # a metadata request allowing auto-creation, as a producer of a typo'd topic sends
            [described] = await admin.describe_topics(["guard.typo"])
            return described["error_code"], await admin.list_topics()
        finally:
            await admin.close()

    error_code, topics = run(ask_for_unknown_topic())
    assert error_code == 3  # UNKNOWN_TOPIC_OR_PARTITION
    assert "guard.typo" not in topics


def test_idempotent_producer_round_trip_and_consumer_group(broker: KafkaBroker):
    run(ensure_topics(broker.bootstrap))
    value = json.dumps({"event_id": str(uuid.uuid4()), "type": "screening.received"}).encode()
    sent = run(produce(broker.bootstrap, SCREENED_TOPIC, b"org-1", value))
    record = run(read_at(broker.bootstrap, SCREENED_TOPIC, sent.partition, sent.offset))
    assert (record.key, record.value) == (b"org-1", value)

    async def consume_in_group():  # exercises __consumer_offsets (replication factor 1)
        consumer = AIOKafkaConsumer(SCREENED_TOPIC, bootstrap_servers=broker.bootstrap,
                                    group_id=f"test-{uuid.uuid4()}", auto_offset_reset="earliest",
                                    enable_auto_commit=False)
        await consumer.start()
        try:
            while True:
                message = await asyncio.wait_for(consumer.getone(), 30)
                if message.value == value:
                    await consumer.commit()
                    return message
        finally:
            await consumer.stop()

    assert run(consume_in_group()).offset == sent.offset


# -- own brokers --------------------------------------------------------------------------------

def test_restart_keeps_data_and_stop_leaves_nothing_running(tmp_path: Path):
    data_dir = tmp_path / "kafka"
    broker = KafkaBroker(data_dir)
    bootstrap = broker.start()
    run(ensure_topics(bootstrap))
    value = b'{"kept": "across restarts"}'
    sent = run(produce(bootstrap, SCREENED_TOPIC, b"org-restart", value))
    process = broker._process

    broker.stop()
    broker.stop()  # idempotent
    assert process.poll() is not None  # reaped child: the Popen is gone
    assert java_processes_for(data_dir) == []
    assert refuses_connections(bootstrap)

    restarted = KafkaBroker(data_dir)  # a new object, as after a reboot: reuses the free port
    try:
        assert restarted.start() == bootstrap
        record = run(read_at(bootstrap, SCREENED_TOPIC, sent.partition, sent.offset))
        assert record.value == value
        partitions, _ = run(describe(bootstrap, [SCREENINGS_TOPIC]))
        assert partitions == {SCREENINGS_TOPIC: 12}
    finally:
        restarted.stop()
    assert java_processes_for(data_dir) == []


def test_broker_dies_with_its_parent_even_on_sigkill(tmp_path: Path):
    data_dir = tmp_path / "kafka"
    parent_code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from deploy.kafka_broker import KafkaBroker\n"
        "broker = KafkaBroker(Path(sys.argv[1]))\n"
        "broker.start()\n"
        "print('BROKER_PID', broker.pid, flush=True)\n"
        "time.sleep(600)\n")
    parent = subprocess.Popen([sys.executable, "-c", parent_code, str(data_dir)], cwd=REPO_ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        # structlog prints to stdout too; the pid is on the line that says so
        line = next(line for line in parent.stdout if line.startswith("BROKER_PID"))
        broker_pid = int(line.split()[1])
        assert java_processes_for(data_dir) == [broker_pid]
    finally:
        parent.send_signal(signal.SIGKILL)  # no chance to clean up: only the kernel can help
        parent.wait()
    assert wait_until(lambda: java_processes_for(data_dir) == [], timeout=30)


def test_startup_failure_reports_the_broker_log(tmp_path: Path):
    with socket.socket() as occupied:
        occupied.bind(("127.0.0.1", 0))
        occupied.listen()
        broker = KafkaBroker(tmp_path / "kafka", port=occupied.getsockname()[1])
        with pytest.raises(BrokerStartError) as failure:
            broker.start(timeout=60)
    message = str(failure.value)
    assert "exited with code" in message and str(broker.log_file) in message
    assert "first errors:" in message and "Address already in use" in message  # from its log
    assert java_processes_for(tmp_path / "kafka") == []


# -- missing tools ------------------------------------------------------------------------------

def test_missing_java_is_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: neither java nor mvn
    with pytest.raises(ToolMissingError) as missing:
        KafkaBroker(tmp_path / "kafka").start()
    message = str(missing.value)
    assert "\n" not in message
    assert "Java 17+" in message and "`java` not found on PATH" in message
    assert "GUARD_KAFKA_BOOTSTRAP" in message


def test_missing_maven_is_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))  # nothing resolved yet
    monkeypatch.delenv("KAFKA_HOME", raising=False)
    with pytest.raises(ToolMissingError) as missing:
        kafka_classpath()
    message = str(missing.value)
    assert "\n" not in message and "`mvn` not found on PATH" in message


def test_kafka_home_libs_are_used_without_maven(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                broker: KafkaBroker):
    broker_jars = kafka_classpath()  # resolved already for the module broker; faked into a home
    libs = tmp_path / "kafka_home" / "libs"
    libs.mkdir(parents=True)
    for jar in broker_jars:
        os.symlink(jar, libs / jar.name)
    monkeypatch.setenv("KAFKA_HOME", str(libs.parent))
    monkeypatch.setenv("PATH", str(tmp_path))  # no mvn needed
    classpath = kafka_classpath()
    assert classpath and all(jar.parent == libs for jar in classpath)
    assert any(jar.name.startswith("kafka_2.13-3.9.") for jar in classpath)
