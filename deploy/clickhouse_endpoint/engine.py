"""The chdb engine behind the endpoint: one embedded server, a small pool of connections.

Measured on chdb 4.4 (engine 26.9), which decides the design:

- chdb runs one embedded server per process and per data directory; every `chdb.connect(dir)`
  in the process shares it (same tables, same parts on disk) and opening one costs ~0.1 ms;
- calls on *one* connection are serialised inside chdb, but *separate* connections run
  concurrently and release the GIL (3 x `sleep(1)`: 3 s on one connection, 1 s on three;
  small SELECTs from 8 threads: ~420/s on one connection, ~700/s on four, 2 cores);
- each connection has its own settings and current database, and they stick (`SET`, `USE`).

So requests borrow a connection from a pool of N. Per-query settings (URL parameters, which
ClickHouse applies to one query only) are applied with `SET` on the borrowed connection, and
the connection remembers what it has applied: clickhouse-connect sends the same few settings
on every request, so the steady state costs no extra engine call. A connection whose state
cannot be brought to what a request needs by adding settings — a setting must be removed,
`readonly` must go down (the engine refuses that), a SET or an insert failed half-way — is
replaced by a fresh one instead of being repaired.

HTTP sessions (`session_id`) keep what their `SET` and `USE` statements changed and replay it
on whichever connection serves the session's next query. Temporary tables are per connection
and therefore not supported across requests.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deploy.clickhouse_endpoint.errors import (
    SESSION_NOT_FOUND,
    SYNTAX_ERROR,
    UNKNOWN_FORMAT,
    UNKNOWN_SETTING,
    ClickHouseError,
    error_from_engine,
)
from deploy.clickhouse_endpoint.protocol import QueryRequest, is_setting_name
from deploy.clickhouse_endpoint.statement import Statement

DEFAULT_OUTPUT_FORMAT = "TabSeparated"  # ClickHouse's HTTP default when the query names none
# Format names chdb's Python wrapper turns into pandas / pyarrow objects instead of bytes.
_WRAPPER_FORMATS = frozenset({"dataframe", "datastore", "arrowtable", "debug"})
_INSERT_CHUNK = 1 << 20  # bytes per StreamingInserter.append, to bound the extra copy


@dataclass
class EngineResult:
    body: bytes = b""
    read_rows: int = 0
    read_bytes: int = 0
    written_rows: int = 0
    written_bytes: int = 0
    elapsed_s: float = 0.0


@dataclass
class _Session:
    settings: dict[str, str] = field(default_factory=dict)
    database: str | None = None
    expires_at: float = 0.0


class _Sessions:
    """session_id → what its SET / USE statements changed; expires like ClickHouse's sessions."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, _Session] = {}

    def checkout(self, session_id: str, timeout_s: int, must_exist: bool) -> _Session:
        """A copy of the session's state (creating it unless `must_exist`), its expiry renewed."""
        now = time.monotonic()
        with self._lock:
            for key in [k for k, s in self._sessions.items() if s.expires_at < now]:
                del self._sessions[key]
            session = self._sessions.get(session_id)
            if session is None:
                if must_exist:
                    raise ClickHouseError.of(SESSION_NOT_FOUND, f"Session {session_id} not found")
                session = self._sessions[session_id] = _Session()
            session.expires_at = now + timeout_s
            return _Session(dict(session.settings), session.database, session.expires_at)

    def update(self, session_id: str, settings: dict[str, str], database: str | None) -> None:
        with self._lock:
            session = self._sessions.setdefault(session_id, _Session(expires_at=time.monotonic() + 60))
            session.settings.update(settings)
            if database is not None:
                session.database = database

    def close(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)


class _PooledConnection:
    """One chdb connection plus the settings and database we know it currently has."""

    def __init__(self, connect: Callable[[], Any]) -> None:
        self._connect = connect
        self.connection = connect()
        self.applied: dict[str, str] = {}
        self.database = "default"
        self.dirty = False  # state unknown (a SET / USE / insert failed or changed it): replace

    def prepare(self, settings: dict[str, str], database: str) -> None:
        if self.dirty or any(name not in settings for name in self.applied):
            self._replace()
        changes = {name: value for name, value in settings.items() if self.applied.get(name) != value}
        if changes:
            for name in changes:
                if not is_setting_name(name):
                    raise ClickHouseError.of(UNKNOWN_SETTING, f"Unknown setting '{name}'")
            # readonly last: once it is up, only other settings may still change.
            names = sorted(changes, key=lambda name: name == "readonly")
            self._run_state_change("SET " + ", ".join(f"{name} = {quote_string(changes[name])}" for name in names))
            self.applied.update(changes)
        if database != self.database:
            self._run_state_change(f"USE {quote_identifier(database)}")
            self.database = database

    def _run_state_change(self, sql: str) -> None:
        self.dirty = True  # if it fails half-way we no longer know the state
        self.connection.query(sql, DEFAULT_OUTPUT_FORMAT)
        self.dirty = False

    def _replace(self) -> None:
        # Open the new one first: closing a process's last connection stops the embedded server.
        fresh = self._connect()
        old, self.connection = self.connection, fresh
        old.close()
        self.applied, self.database, self.dirty = {}, "default", False

    def close(self) -> None:
        self.connection.close()


class Engine:
    """The embedded ClickHouse engine over one data directory; `execute` blocks, call it in a thread."""

    def __init__(self, data_dir: Path, connections: int = 4) -> None:
        self.data_dir = data_dir.resolve()
        if "?" in str(self.data_dir):
            raise ValueError("chdb reads '?' in its path as connection options; pick another data dir")
        self.connections = max(1, connections)
        self.version = ""
        self.timezone = ""
        self._pool: queue.LifoQueue[_PooledConnection] = queue.LifoQueue()
        self._all: list[_PooledConnection] = []
        self._sessions = _Sessions()

    def open(self) -> None:
        import chdb  # imported here so the process's TZ is set before the engine starts

        path = str(self.data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for _ in range(self.connections):
            pooled = _PooledConnection(lambda: chdb.connect(path))
            self._all.append(pooled)
            self._pool.put(pooled)
        row = json.loads(self._all[0].connection.query("SELECT version(), timezone()", "JSONCompact").bytes())
        self.version, self.timezone = row["data"][0]

    def close(self) -> None:
        for pooled in self._all:
            pooled.close()
        self._all.clear()

    def execute(self, request: QueryRequest, statement: Statement) -> EngineResult:
        session = None
        if request.session_id:
            session = self._sessions.checkout(request.session_id, request.session_timeout_s, request.session_check)
        settings = {**session.settings, **request.settings} if session else request.settings
        database = request.database or (session.database if session else None) or "default"
        output_format = request.default_format or DEFAULT_OUTPUT_FORMAT
        if output_format.lower() in _WRAPPER_FORMATS:
            raise ClickHouseError.of(UNKNOWN_FORMAT, f"Unknown format {output_format}")
        pooled = self._pool.get()
        try:
            pooled.prepare(settings, database)
            if statement.is_data_insert:
                return self._insert(pooled, statement, memoryview(request.text)[statement.data_start :])
            result = self._query(pooled, _sql_text(request.text), output_format, request.parameters)
            if statement.kind in ("SET", "USE"):
                self._keep_session_state(pooled, statement, request.session_id)
            if not statement.produces_result and statement.kind != "INSERT":
                # DDL and the like may leave per-connection state (CREATE TEMPORARY TABLE, SET ROLE):
                # start the next request on a fresh connection rather than leak it. They are rare.
                pooled.dirty = True
            return result
        except ClickHouseError:
            raise
        except Exception as exc:
            raise error_from_engine(exc) from None
        finally:
            self._pool.put(pooled)
            if request.session_id and request.close_session:
                self._sessions.close(request.session_id)

    @staticmethod
    def _query(pooled: _PooledConnection, sql: str, output_format: str, parameters: dict[str, str]) -> EngineResult:
        result = pooled.connection.query(sql, output_format, params=parameters)
        return EngineResult(
            body=result.bytes(),
            read_rows=result.rows_read(),
            read_bytes=result.bytes_read(),
            written_rows=result.rows_written(),
            written_bytes=result.bytes_written(),
            elapsed_s=result.elapsed(),
        )

    @staticmethod
    def _insert(pooled: _PooledConnection, statement: Statement, data: memoryview) -> EngineResult:
        # Inline data goes to the engine's input-format parser as bytes, never through SQL text:
        # Native / RowBinary are binary, and Values rows are parsed as data, as ClickHouse does.
        assert statement.inline_format is not None
        started = time.perf_counter()
        pooled.dirty = True  # a failed streaming insert may leave the connection mid-statement
        inserter = pooled.connection.send_insert(statement.insert_head, statement.inline_format)
        try:
            for offset in range(0, len(data), _INSERT_CHUNK):
                inserter.append(data[offset : offset + _INSERT_CHUNK])
            done = inserter.finish()
        except BaseException:
            inserter.cancel()  # no-op once finish() was attempted
            raise
        pooled.dirty = False
        return EngineResult(
            written_rows=done.rows_written,
            written_bytes=done.bytes_written,
            elapsed_s=time.perf_counter() - started,
        )

    def _keep_session_state(self, pooled: _PooledConnection, statement: Statement, session_id: str | None) -> None:
        """After SET / USE: the session keeps the change (the connection is reset before reuse)."""
        if session_id is None:
            return  # without a session, SET and USE last for this one request, as in ClickHouse
        settings: dict[str, str] = {}
        if statement.assigned_settings:
            rows = pooled.connection.query(
                "SELECT name, value FROM system.settings WHERE name IN {names:Array(String)}",
                "JSONCompact",
                params={"names": "[" + ",".join(quote_string(n) for n in statement.assigned_settings) + "]"},
            )
            settings = dict(json.loads(rows.bytes())["data"])
        database = None
        if statement.kind == "USE":
            database = json.loads(pooled.connection.query("SELECT currentDatabase()", "JSONCompact").bytes())["data"][0][0]
        self._sessions.update(session_id, settings, database)


def _sql_text(text: bytes) -> str:
    try:
        return text.decode()
    except UnicodeDecodeError:
        raise ClickHouseError.of(SYNTAX_ERROR, "The query is not valid UTF-8") from None


def quote_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def quote_identifier(name: str) -> str:
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"
