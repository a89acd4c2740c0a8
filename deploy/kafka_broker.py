"""A real single-node Apache Kafka 3.9 broker (KRaft, broker+controller) started by our code.

For `guardstream up` and the test fixtures when GUARD_KAFKA_BOOTSTRAP names no cluster. Jars come
from $KAFKA_HOME/libs, or are resolved once from Maven Central via deploy/pom.xml into a per-user
cache outside the repository.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import contextlib
import hashlib
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections import deque
from pathlib import Path

import structlog

from deploy.ports import free_port, port_is_free
from deploy.processes import die_with_parent_hook

log = structlog.get_logger(__name__)

KAFKA_VERSION = "3.9.2"  # keep in sync with <kafka.version> in deploy/pom.xml
POM_PATH = Path(__file__).with_name("pom.xml")
NODE_ID = 1
DEFAULT_HEAP_OPTS = "-Xms256m -Xmx512m"
# The JVM flags of Kafka's own kafka-run-class.sh, minus GC logging and JMX.
JVM_PERFORMANCE_OPTS = ["-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
                        "-XX:InitiatingHeapOccupancyPercent=35", "-Djava.awt.headless=true"]
LOG_TAIL_LINES = 30


class ToolMissingError(RuntimeError):
    """`java` or `mvn` is not installed; the message is one line saying what to do."""


class BrokerStartError(RuntimeError):
    """The broker exited or did not answer in time; the message carries the broker log's tail."""


def _require_tool(tool: str, why: str) -> str:
    # shutil.which reads PATH at call time, so a test can hide a tool by changing PATH.
    found = shutil.which(tool)
    if found is None:
        raise ToolMissingError(f"{why}: `{tool}` not found on PATH "
                               "(or set GUARD_KAFKA_BOOTSTRAP to an existing cluster)")
    return found


def jar_cache_dir() -> Path:
    cache_root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache_root / "guardstream" / f"kafka-{KAFKA_VERSION}" / "libs"


def kafka_classpath(mvn: str = "mvn") -> list[Path]:
    """The broker's jars: $KAFKA_HOME/libs/*.jar, else the Maven-resolved cache (resolved once)."""
    kafka_home = os.environ.get("KAFKA_HOME")
    if kafka_home:
        jars = sorted(Path(kafka_home, "libs").glob("*.jar"))
        if not jars:
            raise FileNotFoundError(f"KAFKA_HOME={kafka_home} has no libs/*.jar")
        return jars
    libs = jar_cache_dir()
    # The marker names the POM's hash: editing deploy/pom.xml (a new version, another log binding)
    # re-resolves instead of silently running stale jars.
    marker = libs.parent / "libs.complete"
    pom_hash = hashlib.sha256(POM_PATH.read_bytes()).hexdigest()
    if not _marker_matches(marker, pom_hash):
        _resolve_jars(libs, marker, pom_hash, mvn)
    return sorted(libs.glob("*.jar"))


def _marker_matches(marker: Path, pom_hash: str) -> bool:
    return marker.is_file() and marker.read_text().strip() == pom_hash


def _resolve_jars(libs: Path, marker: Path, pom_hash: str, mvn: str) -> None:
    mvn_path = _require_tool(mvn, f"Maven is required to fetch the Kafka {KAFKA_VERSION} jars")
    libs.parent.mkdir(parents=True, exist_ok=True)
    # Several processes (test workers, `guardstream up`) may start at once: one resolves, the
    # others wait on the lock and then find the marker.
    with open(libs.parent / ".lock", "w") as lock_file:
        with contextlib.suppress(ImportError):  # no fcntl off POSIX: only the marker check then
            import fcntl

            fcntl.flock(lock_file, fcntl.LOCK_EX)
        if _marker_matches(marker, pom_hash):
            return
        log.info("resolving Kafka 3.9.x jars from Maven Central (first run only)…",
                 version=KAFKA_VERSION, cache=str(libs))
        shutil.rmtree(libs, ignore_errors=True)  # drop a half-copied earlier attempt
        command = [mvn_path, "-q", "-B", "-Dstyle.color=never", "-f", str(POM_PATH),
                   "dependency:copy-dependencies", "-DincludeScope=runtime",
                   f"-DoutputDirectory={libs}"]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            output = (done.stdout + done.stderr).strip().splitlines()[-LOG_TAIL_LINES:]
            raise RuntimeError("mvn could not resolve the Kafka jars:\n" + "\n".join(output))
        marker.write_text(pom_hash + "\n")
        log.info("Kafka jars resolved", jars=len(list(libs.glob("*.jar"))))


def _random_cluster_id() -> str:
    # What `kafka-storage random-uuid` prints (Kafka's Uuid.toString(): URL-safe base64 without
    # padding, never starting with "-" so it cannot pass for a CLI flag); saves a JVM start.
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


class KafkaBroker:
    """One Kafka 3.9 KRaft node (broker + controller) in a child JVM, data kept in ``data_dir``."""

    def __init__(self, data_dir: Path, host: str = "127.0.0.1", port: int | None = None,
                 log_file: Path | None = None, *, java: str = "java", mvn: str = "mvn") -> None:
        self.data_dir = Path(data_dir).resolve()
        self.host = host
        self.port = port
        self._fixed_port = port is not None  # else: a free one, the previous one if still free
        self.controller_port: int | None = None
        self.log_file = Path(log_file) if log_file else self.data_dir / "kafka.log"
        self.java = java
        self.mvn = mvn
        self.bootstrap: str | None = None
        self.log_dir = self.data_dir / "kafka-logs"  # log.dirs: meta.properties, metadata log, data
        self.properties_file = self.data_dir / "server.properties"
        self._process: subprocess.Popen | None = None
        self._log_start = 0  # offset in log_file where the current start's output begins

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self, timeout: float = 90) -> str:
        """Format (first time only), launch and wait until the broker serves metadata."""
        if self._process is not None and self._process.poll() is None:
            return self.bootstrap
        java = _require_tool(self.java, "Java 17+ is required to run the local Kafka broker")
        classpath = os.pathsep.join(str(jar) for jar in kafka_classpath(self.mvn))
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._choose_ports()
        self._write_config()
        self._log_start = self.log_file.stat().st_size if self.log_file.exists() else 0
        jvm = [java, *os.environ.get("KAFKA_HEAP_OPTS", DEFAULT_HEAP_OPTS).split(),
               *JVM_PERFORMANCE_OPTS,
               f"-Dlog4j.configuration={(self.data_dir / 'log4j.properties').as_uri()}",
               "-cp", classpath]
        if not (self.log_dir / "meta.properties").exists():  # a restart keeps the data
            self._format_storage(jvm)
        started_at = time.monotonic()
        with open(self.log_file, "ab") as log_out:
            # start_new_session: a Ctrl-C in the terminal reaches us, not the broker directly, so
            # services can flush to Kafka before we stop it; the prctl hook covers our death.
            self._process = subprocess.Popen(
                [*jvm, "kafka.Kafka", str(self.properties_file)], stdin=subprocess.DEVNULL,
                stdout=log_out, stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=die_with_parent_hook())
        self.bootstrap = f"{self.host}:{self.port}"
        try:
            self._wait_ready(started_at + timeout)
        except BaseException:
            self.stop()
            raise
        log.info("kafka broker ready", bootstrap=self.bootstrap, pid=self.pid,
                 seconds=round(time.monotonic() - started_at, 1), data_dir=str(self.data_dir))
        return self.bootstrap

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM (controlled shutdown), SIGKILL after ``timeout``; safe to call repeatedly."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("kafka broker ignored SIGTERM, killing it", pid=process.pid)
                process.kill()
                process.wait()
        log.info("kafka broker stopped", pid=process.pid, returncode=process.returncode)

    def __enter__(self) -> KafkaBroker:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            with open(self.log_file, errors="replace") as handle:
                return "".join(deque(handle, maxlen=lines))
        except FileNotFoundError:
            return "(no broker log)"

    def _first_errors(self, limit: int = 5) -> str:
        # A failed start is followed by ~100 lines of orderly shutdown, so the tail alone rarely
        # shows the cause; the first ERROR lines of this start do.
        with contextlib.suppress(OSError), open(self.log_file, errors="replace") as handle:
            handle.seek(self._log_start)
            lines = handle.readlines()
            # each ERROR line and the next one, which names the exception when there is one
            found = [line + (lines[i + 1] if i + 1 < len(lines) and lines[i + 1][0] != "[" else "")
                     for i, line in enumerate(lines) if "] ERROR " in line or "] FATAL " in line]
            return "".join(found[:limit])
        return ""

    # -- internals ---------------------------------------------------------------------------

    def _choose_ports(self) -> None:
        # Reuse the previous ports of this data dir when they are still free, so clients that
        # kept the old bootstrap address reconnect after a restart.
        previous = self._previous_ports()
        if not self._fixed_port:
            old = self.port or previous.get("PLAINTEXT")
            self.port = old if old and port_is_free(self.host, old) else free_port(self.host)
        old = self.controller_port or previous.get("CONTROLLER")
        reusable = old and old != self.port and port_is_free(self.host, old)
        self.controller_port = old if reusable else free_port(self.host)

    def _previous_ports(self) -> dict[str, int]:
        try:
            lines = self.properties_file.read_text().splitlines()
        except FileNotFoundError:
            return {}
        listeners = next((line.split("=", 1)[1] for line in lines
                          if line.startswith("listeners=")), "")
        return {name: int(address.rsplit(":", 1)[1]) for name, address in
                (item.split("://", 1) for item in listeners.split(",") if "://" in item)}

    def _write_config(self) -> None:
        host, port, cport = self.host, self.port, self.controller_port
        settings = {
            "process.roles": "broker,controller",
            "node.id": NODE_ID,
            # a static one-voter quorum: unlike --standalone (dynamic quorum) the controller
            # endpoint is not written into the metadata log, so a restart may change its port
            "controller.quorum.voters": f"{NODE_ID}@{host}:{cport}",
            "listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{cport}",
            "advertised.listeners": f"PLAINTEXT://{host}:{port}",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name": "PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "log.dirs": self.log_dir,
            # one node: every internal topic can only have one replica
            "offsets.topic.replication.factor": 1, "default.replication.factor": 1,
            "transaction.state.log.replication.factor": 1, "transaction.state.log.min.isr": 1,
            "min.insync.replicas": 1,
            # fewer internal partitions than the default 50: creating them on the first group
            # join / transaction is what makes a cold local broker slow on 2 cores
            "offsets.topic.num.partitions": 10, "transaction.state.log.num.partitions": 10,
            "num.partitions": 1,
            # topics exist only as deploy/topics.py declares them, never by a typo'd producer
            "auto.create.topics.enable": "false",
            "group.initial.rebalance.delay.ms": 0,
            "num.network.threads": 2, "num.io.threads": 4,  # a small machine, shared
        }
        self.properties_file.write_text(
            "# written by deploy/kafka_broker.py on every start\n"
            + "".join(f"{key}={value}\n" for key, value in settings.items()))
        (self.data_dir / "log4j.properties").write_text(
            "log4j.rootLogger=INFO, stdout\n"
            "log4j.appender.stdout=org.apache.log4j.ConsoleAppender\n"
            "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout\n"
            "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n\n"
            "log4j.logger.state.change.logger=WARN\n"
            "log4j.logger.kafka.request.logger=WARN\n")

    def _format_storage(self, jvm: list[str]) -> None:
        cluster_id = _random_cluster_id()
        log.info("formatting kafka storage", data_dir=str(self.log_dir), cluster_id=cluster_id)
        with open(self.log_file, "ab") as log_out:
            done = subprocess.run(
                [*jvm, "kafka.tools.StorageTool", "format", "--cluster-id", cluster_id,
                 "--config", str(self.properties_file), "--ignore-formatted"],
                stdin=subprocess.DEVNULL, stdout=log_out, stderr=subprocess.STDOUT)
        if done.returncode != 0:
            raise self._failure(f"kafka-storage format failed (exit {done.returncode})")

    def _wait_ready(self, deadline: float) -> None:
        while True:
            if self._process.poll() is not None:
                raise self._failure(f"Kafka broker exited with code {self._process.returncode} "
                                    "during startup")
            if time.monotonic() > deadline:
                raise self._failure(f"Kafka broker did not answer on {self.bootstrap} in time")
            # A cheap TCP check first: the listener opens late in startup, and it keeps aiokafka
            # from logging a connection error per attempt meanwhile.
            if self._accepts_connections() and _run_coroutine(_serves_metadata(self.bootstrap)):
                return
            time.sleep(0.2)

    def _failure(self, what: str) -> BrokerStartError:
        errors = self._first_errors()
        return BrokerStartError(f"{what}; " + (f"first errors:\n{errors}" if errors else "")
                                + f"last lines of {self.log_file}:\n{self.log_tail()}")

    def _accepts_connections(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection((self.host, self.port), 1):
            return True
        return False


async def _serves_metadata(bootstrap: str) -> bool:
    """True once a metadata request lists our node, i.e. the broker is registered and unfenced."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    try:
        await admin.start()
        cluster = await admin.describe_cluster()
        return any(broker["node_id"] == NODE_ID for broker in cluster["brokers"])
    except Exception:  # not ready yet: connection refused, timeout, broker still starting
        return False
    finally:
        with contextlib.suppress(Exception):
            await admin.close()


def _run_coroutine(coroutine) -> bool:
    # In a thread of its own, so start() also works when the caller runs an event loop.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
