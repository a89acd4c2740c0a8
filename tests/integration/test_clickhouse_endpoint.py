"""The embedded ClickHouse endpoint, driven by clickhouse-connect exactly as the services drive it.

One endpoint process per module (its own temp data dir); the restart, lock and parent-death
tests start their own. Nothing is mocked: chdb underneath, uvicorn in front, real sockets.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path

import clickhouse_connect
import httpx
import pytest
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import DatabaseError

from deploy.clickhouse_endpoint import ClickHouseEndpoint, EndpointError

pytestmark = pytest.mark.integration

CANARY = f"canary-{uuid.uuid4()}"  # user text that must never reach the endpoint's log


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClickHouseEndpoint]:
    base = tmp_path_factory.mktemp("clickhouse-endpoint")
    server = ClickHouseEndpoint(base / "data", log_file=base / "endpoint.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def connect(endpoint: ClickHouseEndpoint, **kwargs: object) -> Client:
    assert endpoint.port is not None
    return clickhouse_connect.get_client(host=endpoint.host, port=endpoint.port, **kwargs)


@pytest.fixture(scope="module")
def client(endpoint: ClickHouseEndpoint) -> Client:
    return connect(endpoint)


@pytest.fixture(scope="module")
def http(endpoint: ClickHouseEndpoint) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=endpoint.url or "", timeout=30) as session:
        yield session


def fresh_table(client: Client, columns: str, engine: str = "MergeTree ORDER BY tuple()") -> str:
    name = f"t_{uuid.uuid4().hex[:12]}"
    client.command(f"CREATE TABLE {name} ({columns}) ENGINE = {engine}")
    return name


# --- HTTP surface ---------------------------------------------------------------------------


def test_ping_root_and_get_query(http: httpx.Client) -> None:
    assert http.get("/ping").text == "Ok.\n"
    assert http.get("/").text == "Ok.\n"
    assert http.get("/replicas_status").text == "Ok.\n"
    assert http.get("/", params={"query": "SELECT 1"}).text == "1\n"


def test_handshake_of_clickhouse_connect(client: Client) -> None:
    # get_client ran SELECT version(), timezone() and read system.settings at construction.
    assert client.server_version == client.command("SELECT version()")
    assert str(client.server_tz) == "UTC"
    assert "max_threads" in client.server_settings
    assert client.ping()


def test_response_headers(http: httpx.Client) -> None:
    query_id = str(uuid.uuid4())
    response = http.post("/", params={"query_id": query_id}, content="SELECT 1 AS one FORMAT JSONEachRow")
    assert response.status_code == 200
    assert response.text == '{"one":1}\n'
    assert response.headers["X-ClickHouse-Query-Id"] == query_id
    assert response.headers["X-ClickHouse-Format"] == "JSONEachRow"
    assert response.headers["X-ClickHouse-Timezone"] == "UTC"
    assert response.headers["X-ClickHouse-Server-Display-Name"]
    summary = json.loads(response.headers["X-ClickHouse-Summary"])
    assert summary["read_rows"] == "1" and all(isinstance(v, str) for v in summary.values())
    generated = http.post("/", content="SELECT 1").headers["X-ClickHouse-Query-Id"]
    assert uuid.UUID(generated)
    # A statement without a result has no X-ClickHouse-Format (clickhouse-connect's command() relies on it).
    assert "X-ClickHouse-Format" not in http.post("/", content="CREATE DATABASE IF NOT EXISTS hdr").headers


def test_query_in_url_body_or_both(http: httpx.Client, client: Client) -> None:
    assert http.post("/", params={"query": "SELECT 1 +"}, content=" 2").text == "3\n"
    assert http.post("/", content="SELECT 2").text == "2\n"
    assert http.post("/", params={"default_format": "JSONEachRow"}, content="SELECT 3 AS x").text == '{"x":3}\n'
    table = fresh_table(client, "id UInt32, s String")
    # URL holds the INSERT head, the body holds the data: ClickHouse joins them with a line break.
    response = http.post("/", params={"query": f"INSERT INTO {table} FORMAT TabSeparated"}, content="1\tone\n2\ttwo\n")
    assert response.status_code == 200, response.text
    assert json.loads(response.headers["X-ClickHouse-Summary"])["written_rows"] == "2"
    body = f'INSERT INTO {table} FORMAT JSONEachRow\n{{"id": 3, "s": "three"}}'
    assert http.post("/", content=body).status_code == 200
    client.command(f"INSERT INTO {table} VALUES (4, 'semi;colon'), (5, 'it''s')")
    assert client.query(f"SELECT id, s FROM {table} ORDER BY id").result_rows == [
        (1, "one"), (2, "two"), (3, "three"), (4, "semi;colon"), (5, "it's"),
    ]


def test_command_results(client: Client) -> None:
    assert client.command("SELECT 42") == 42
    assert client.command("SELECT 'a', 'b'") == ["a", "b"]
    assert client.command("SELECT 1 WHERE 0") == ""
    summary = client.command("CREATE TABLE IF NOT EXISTS cmd_t (a UInt8) ENGINE = Memory")
    assert not isinstance(summary, (str, int, list))


# --- types and inserts ----------------------------------------------------------------------

TYPES_COLUMNS = """
    id UInt64, s String, lc LowCardinality(String), ns Nullable(String),
    u8 UInt8, u16 UInt16, u32 UInt32, i64 Int64, f64 Float64, nf64 Nullable(Float64), flag Bool,
    uid UUID, ts DateTime64(3, 'UTC'), day Date,
    tags Array(String), lc_tags Array(LowCardinality(String)), meta Map(String, String),
    spans Array(Tuple(String, String, UInt8)),
    results Nested(detector_type LowCardinality(String), detector_id String, detected Bool)
"""


def typed_rows() -> list[list[object]]:
    ts = dt.datetime(2024, 2, 29, 23, 59, 58, 123000)
    return [
        [
            1, "plain", "prompt", None, 0, 0, 0, -(2**63), -1.5, None, False,
            uuid.UUID(int=0), ts, dt.date(1970, 1, 1), [], [], {}, [], [], [], [],
        ],
        [
            2**64 - 1, "quote ' \" \\ tab\t nl\n ünïcödé 🛡", "output", "<EMAIL>", 255, 65535, 2**32 - 1, 2**63 - 1,
            3.25, 0.5, True, uuid.UUID("0190f5e6-2a3b-7c4d-8e9f-a0b1c2d3e4f5"), ts, dt.date(2149, 6, 6),
            ["a", "", "c"], ["pii/email", "prompt_attack"], {"k": "v", "empty": ""},
            [("pii/email", "<EMAIL>", 1), ("x", "y", 0)],
            ["prompt_attack", "pii/email"], ["d1", "d2"], [True, False],
        ],
    ]


def test_every_column_type_round_trips(client: Client) -> None:
    table = fresh_table(client, TYPES_COLUMNS, "MergeTree ORDER BY id")
    summary = client.insert(table, typed_rows())  # columns from DESCRIBE, Nested flattened
    assert summary.written_rows == 2
    got = client.query(f"SELECT * FROM {table} ORDER BY id").result_rows
    expected = [tuple(row) for row in typed_rows()]
    assert got[0] == expected[0]
    assert got[1] == expected[1]
    assert client.query(f"SELECT toTypeName(lc), results.detected FROM {table} WHERE id = 1").result_rows == [
        ("LowCardinality(String)", [])
    ]


def test_insert_with_column_subset_in_any_order(client: Client) -> None:
    table = fresh_table(client, "a UInt32, b String, c String DEFAULT 'dflt', d DateTime64(3, 'UTC') DEFAULT now64(3)")
    client.insert(table, [["x", 1], ["y", 2]], column_names=["b", "a"])
    client.insert(table, [[3, "z", "given"]], column_names=["a", "b", "c"])
    assert client.query(f"SELECT a, b, c, d > now64(3) - 60 FROM {table} ORDER BY a").result_rows == [
        (1, "x", "dflt", True), (2, "y", "dflt", True), (3, "z", "given", True),
    ]


def test_raw_inserts_in_other_formats(client: Client) -> None:
    table = fresh_table(client, "a UInt32, b String")
    client.raw_insert(table, ["a", "b"], '{"a": 1, "b": "json"}\n{"b": "json2", "a": 2}\n', fmt="JSONEachRow")
    client.raw_insert(table, ["a", "b"], b"3,csv\n", fmt="CSV")
    row_binary = (4).to_bytes(4, "little") + bytes([3]) + b"rb!"  # UInt32 LE, then String: LEB128 length + bytes
    client.raw_insert(table, ["a", "b"], row_binary, fmt="RowBinary")
    assert client.query(f"SELECT a, b FROM {table} ORDER BY a").result_rows == [
        (1, "json"), (2, "json2"), (3, "csv"), (4, "rb!"),
    ]


def test_output_formats(client: Client) -> None:
    query = "SELECT number AS n, toString(number) AS s FROM numbers(2)"
    assert client.raw_query(query, fmt="TabSeparatedWithNamesAndTypes") == b"n\ts\nUInt64\tString\n0\t0\n1\t1\n"
    assert client.raw_query(query, fmt="CSVWithNames") == b'"n","s"\n0,"0"\n1,"1"\n'
    assert client.raw_query(query, fmt="JSONEachRow") == b'{"n":0,"s":"0"}\n{"n":1,"s":"1"}\n'
    assert json.loads(client.raw_query(query, fmt="JSON"))["data"] == [{"n": 0, "s": "0"}, {"n": 1, "s": "1"}]
    rbwnt = client.raw_query("SELECT toUInt8(7) AS x", fmt="RowBinaryWithNamesAndTypes")
    assert rbwnt == b"\x01\x01x\x05UInt8\x07"
    assert client.raw_query(query, fmt="Parquet").startswith(b"PAR1")
    native = client.raw_query("SELECT 1 AS check", fmt="Native")
    assert native == b"\x01\x01\x05check\x05UInt8\x01"
    # LIMIT 0 probes are sent as FORMAT JSON for their metadata only.
    empty = client.query("SELECT number AS n, 'x' AS s FROM numbers(3) LIMIT 0")
    assert empty.column_names == ("n", "s") and empty.result_rows == []


# --- parameters and settings ----------------------------------------------------------------


def test_parameter_binding(client: Client, http: httpx.Client) -> None:
    tricky = "it's a \"test\"\\ with\ttab\nnewline ünï 🛡"
    assert client.query("SELECT {v:String}", parameters={"v": tricky}).result_rows == [(tricky,)]
    assert client.query("SELECT %(v)s", parameters={"v": tricky}).result_rows == [(tricky,)]  # client-side
    got = client.query(
        "SELECT {ids:Array(UInt64)}, {ts:DateTime64(3)}, {names:Array(String)}, {u:UUID}",
        parameters={
            "ids": [1, 2, 3], "ts": dt.datetime(2024, 1, 2, 3, 4, 5, 678000), "names": ["a'b", "c"],
            "u": uuid.UUID(int=5),
        },
    ).result_rows
    assert got == [([1, 2, 3], dt.datetime(2024, 1, 2, 3, 4, 5, 678000), ["a'b", "c"], uuid.UUID(int=5))]
    # Above 4 KiB of bound values clickhouse-connect switches to multipart/form-data.
    big = "x" * 10_000
    assert client.query("SELECT length({big:String})", parameters={"big": big}).result_rows == [(10_000,)]
    raw = http.post("/", params={"param_who": "o'brien", "query": "SELECT concat('hi ', {who:String})"})
    assert raw.text == "hi o\\'brien\n"  # TabSeparated escapes the quote
    missing = http.post("/", content="SELECT {absent:String}")
    assert missing.status_code != 200 and missing.headers["X-ClickHouse-Exception-Code"] == "456"


def test_settings_apply_to_one_query_only(client: Client, http: httpx.Client) -> None:
    default = client.command("SELECT getSetting('max_block_size')")
    assert client.query("SELECT getSetting('max_block_size')", settings={"max_block_size": 1234}).result_rows == [
        (1234,)
    ]
    for _ in range(6):  # whichever pooled connection answers, the setting is gone
        assert client.command("SELECT getSetting('max_block_size')") == default
    assert client.command("SELECT getSetting('date_time_input_format')") == "best_effort"  # clickhouse-connect's
    slow = http.post("/", params={"max_execution_time": "0.5"}, content="SELECT sleep(1) FROM numbers(3)")
    assert slow.headers["X-ClickHouse-Exception-Code"] == "159"  # TIMEOUT_EXCEEDED
    quoted = client.raw_query("SELECT toUInt64(1) AS n", fmt="JSONEachRow", settings={"output_format_json_quote_64bit_integers": 1})
    assert quoted == b'{"n":"1"}\n'
    assert client.raw_query("SELECT toUInt64(1) AS n", fmt="JSONEachRow") == b'{"n":1}\n'
    # Settings reach inserts too: the input parser follows date_time_input_format.
    table = fresh_table(client, "ts DateTime64(3, 'UTC')")
    row = '{"ts": "2024-01-02T03:04:05.678Z"}'
    insert = {"query": f"INSERT INTO {table} FORMAT JSONEachRow"}
    strict = http.post("/", params={**insert, "date_time_input_format": "basic"}, content=row)
    assert strict.status_code == 400, strict.text
    lenient = http.post("/", params={**insert, "date_time_input_format": "best_effort"}, content=row)
    assert lenient.status_code == 200, lenient.text
    assert client.query(f"SELECT ts FROM {table}").result_rows == [(dt.datetime(2024, 1, 2, 3, 4, 5, 678000),)]


def test_unknown_setting_and_transport_params(http: httpx.Client, client: Client) -> None:
    response = http.post("/", params={"no_such_setting": "1"}, content="SELECT 1")
    assert response.status_code == 404 and response.headers["X-ClickHouse-Exception-Code"] == "115"
    with pytest.raises(DatabaseError, match="Code: 115"):
        client.query("SELECT 1", settings={"no_such_setting": 1})
    # Transport parameters are not settings.
    transport = {
        "wait_end_of_query": "1", "client_protocol_version": "54405", "session_timeout": "30", "buffer_size": "100",
        "enable_http_compression": "1", "send_progress_in_http_headers": "1", "user": "default", "password": "",
    }
    assert http.post("/", params=transport, content="SELECT 5").text == "5\n"


def test_readonly_get_and_readonly_setting(http: httpx.Client, client: Client) -> None:
    table = fresh_table(client, "a UInt8")
    refused = http.get("/", params={"query": f"INSERT INTO {table} VALUES (1)"})
    assert refused.headers["X-ClickHouse-Exception-Code"] == "164"  # READONLY: GET implies readonly=2
    with pytest.raises(DatabaseError, match="Code: 164"):
        client.command(f"INSERT INTO {table} VALUES (2)", settings={"readonly": 1})
    for value in range(3, 9):  # the readonly connection was replaced, not reused
        client.command(f"INSERT INTO {table} VALUES ({value})")
    assert client.command(f"SELECT count() FROM {table}") == 6


def test_errors_map_to_database_error(client: Client, http: httpx.Client) -> None:
    with pytest.raises(DatabaseError, match="Code: 62") as bad_sql:
        client.query("SELEC 1")
    assert bad_sql.value.code == 62
    with pytest.raises(DatabaseError, match="Code: 60") as unknown:
        client.query("SELECT * FROM no_such_table")
    assert unknown.value.code == 60
    response = http.post("/", content="SELECT * FROM no_such_table")
    assert response.status_code == 404
    assert response.text.startswith("Code: 60. DB::Exception: ") and "(UNKNOWN_TABLE) (version " in response.text
    multi = http.post("/", content="SELECT 1; DROP TABLE IF EXISTS x")
    assert multi.status_code == 400 and multi.headers["X-ClickHouse-Exception-Code"] == "62"
    assert http.post("/", params={"database": "no_such_db"}, content="SELECT 1").headers[
        "X-ClickHouse-Exception-Code"
    ] == "81"
    table = fresh_table(client, "a UInt32")
    bad_rows = http.post("/", content=f'INSERT INTO {table} FORMAT JSONEachRow\n{{"a": 1}}\n{{"a": "x"}}')
    assert bad_rows.status_code == 400 and bad_rows.headers["X-ClickHouse-Exception-Code"] == "27"
    assert client.command(f"SELECT count() FROM {table}") == 0  # nothing half-written
    assert client.command("SELECT 1") == 1  # the failed insert left no broken connection behind


def test_insert_deduplication_token(client: Client) -> None:
    table = fresh_table(
        client, "a UInt32, s String", "MergeTree ORDER BY a SETTINGS non_replicated_deduplication_window = 100"
    )
    rows = [[i, f"r{i}"] for i in range(10)]
    client.insert(table, rows, settings={"insert_deduplication_token": "batch-1"})
    client.insert(table, rows, settings={"insert_deduplication_token": "batch-1"})  # a retry: dropped
    assert client.command(f"SELECT count() FROM {table}") == 10
    client.insert(table, [[100, "other"]], settings={"insert_deduplication_token": "batch-2"})
    client.insert(table, [[200, "no token"]])  # the previous token must not stick to this insert
    assert client.command(f"SELECT count() FROM {table}") == 12


# --- transport ------------------------------------------------------------------------------


def test_chunked_json_each_row_insert(endpoint: ClickHouseEndpoint, client: Client) -> None:
    table = fresh_table(client, "id UInt32, text String")

    def body() -> Iterator[bytes]:
        for i in range(200):
            line = json.dumps({"id": i, "text": f"row {i}"}).encode() + b"\n"
            yield line[:7]  # rows split across chunks
            yield line[7:]

    response = httpx.post(
        f"{endpoint.url}/", params={"query": f"INSERT INTO {table} FORMAT JSONEachRow"}, content=body(), timeout=30
    )
    assert response.request.headers["Transfer-Encoding"] == "chunked"
    assert response.status_code == 200, response.text
    assert client.query(f"SELECT count(), sum(id), any(text) LIKE 'row %' FROM {table}").result_rows == [
        (200, sum(range(200)), True)
    ]


def test_compressed_request_bodies(endpoint: ClickHouseEndpoint, client: Client) -> None:
    table = fresh_table(client, "id UInt32, s String")
    for codec in ("lz4", "zstd", "gzip", False):  # what clickhouse-connect can write
        compressed = connect(endpoint, compress=codec)
        start = client.command(f"SELECT count() FROM {table}")
        compressed.insert(table, [[i, "x" * 50] for i in range(5000)])  # several blocks, one frame each
        assert compressed.command(f"SELECT count() FROM {table}") == start + 5000
        assert len(compressed.query(f"SELECT * FROM {table}").result_rows) == start + 5000
    raw = gzip.compress(b'{"id": 1, "s": "gz"}\n')
    response = httpx.post(
        f"{endpoint.url}/",
        params={"query": f"INSERT INTO {table} FORMAT JSONEachRow"},
        content=raw,
        headers={"Content-Encoding": "gzip"},
    )
    assert response.status_code == 200, response.text
    deflated = httpx.post(f"{endpoint.url}/", content=zlib.compress(b"SELECT 6"), headers={"Content-Encoding": "deflate"})
    assert deflated.text == "6\n"
    bogus = httpx.post(f"{endpoint.url}/", content=b"SELECT 1", headers={"Content-Encoding": "snappy-ish"})
    assert bogus.headers["X-ClickHouse-Exception-Code"] == "89"


def test_sessions_and_database(endpoint: ClickHouseEndpoint, client: Client) -> None:
    session = connect(endpoint, session_id=f"s-{uuid.uuid4()}")
    session.command("SET max_block_size = 777")
    for _ in range(4):
        assert session.command("SELECT getSetting('max_block_size')") == 777
    assert client.command("SELECT getSetting('max_block_size')") != 777
    sessionless = connect(endpoint, autogenerate_session_id=False)
    sessionless.command("SET max_block_size = 778")  # lasts for that request only, as in ClickHouse
    assert sessionless.command("SELECT getSetting('max_block_size')") != 778

    client.command("CREATE DATABASE IF NOT EXISTS other_db")
    other = connect(endpoint, database="other_db")
    assert other.command("SELECT currentDatabase()") == "other_db"
    table = fresh_table(other, "a UInt8")
    other.insert(table, [[1], [2]])
    assert client.command(f"SELECT count() FROM other_db.{table}") == 2
    assert client.command("SELECT currentDatabase()") == "default"
    session.command("USE other_db")
    assert session.command("SELECT currentDatabase()") == "other_db"


def test_async_client(endpoint: ClickHouseEndpoint, client: Client) -> None:
    table = fresh_table(client, "a UInt32, s LowCardinality(String)")

    async def scenario() -> list[tuple[object, ...]]:
        async_client = await clickhouse_connect.get_async_client(host=endpoint.host, port=endpoint.port)
        try:
            await async_client.insert(table, [[1, "a"], [2, "b"]])
            result = await async_client.query(f"SELECT a, s FROM {table} WHERE a > {{m:UInt32}}", parameters={"m": 1})
            return result.result_rows
        finally:
            await async_client.close()

    assert asyncio.run(scenario()) == [(2, "b")]


def test_concurrent_clients(endpoint: ClickHouseEndpoint, client: Client) -> None:
    table = fresh_table(client, "worker UInt8, seq UInt32, payload String", "MergeTree ORDER BY (worker, seq)")
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            own = connect(endpoint)
            for batch in range(10):
                own.insert(table, [[worker, batch * 50 + i, "p" * 20] for i in range(50)])
                assert own.command(f"SELECT count() FROM {table} WHERE worker = {worker}") == (batch + 1) * 50
                assert own.query("SELECT {w:UInt8} + 1", parameters={"w": worker}).result_rows == [(worker + 1,)]
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors[0]
    assert client.command(f"SELECT count() FROM {table}") == 8 * 10 * 50


def test_logs_are_json_and_hold_no_user_text(endpoint: ClickHouseEndpoint, client: Client) -> None:
    table = fresh_table(client, "s String")
    client.insert(table, [[CANARY]])
    client.query("SELECT count() FROM {t:Identifier} WHERE s = {v:String}", parameters={"t": table, "v": CANARY})
    client.query(f"SELECT '{CANARY}' AS inline")
    query_id = str(uuid.uuid4())
    client.query("SELECT 1", settings={"query_id": query_id})
    assert endpoint.log_file is not None
    text = endpoint.log_file.read_text()
    assert CANARY not in text
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("event") == "request"]
    assert requests and all({"method", "status", "duration_ms"} <= line.keys() for line in requests)
    assert any(line.get("query_id") == query_id and line.get("statement") == "SELECT" for line in requests)


# --- process lifecycle ----------------------------------------------------------------------


def test_data_survives_restart_and_dir_has_one_owner(tmp_path: Path) -> None:
    first = ClickHouseEndpoint(tmp_path / "data", log_file=tmp_path / "first.log")
    url = first.start()
    try:
        c = connect(first)
        c.command("CREATE TABLE kept (id UInt32, s String) ENGINE = MergeTree ORDER BY id")
        c.insert("kept", [[i, f"v{i}"] for i in range(1000)])
        with pytest.raises(EndpointError, match="already serves"):
            ClickHouseEndpoint(tmp_path / "data", log_file=tmp_path / "second.log").start(timeout=30)
    finally:
        first.stop()
    first.stop()  # idempotent
    assert first.url is None
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/ping", timeout=2)
    with ClickHouseEndpoint(tmp_path / "data", log_file=tmp_path / "third.log") as again:
        assert connect(again).query("SELECT count(), max(s) FROM kept").result_rows == [(1000, "v999")]


def _process_gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")  # a zombie has exited, only its parent has not reaped it


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
def test_endpoint_dies_with_its_parent(tmp_path: Path) -> None:
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from deploy.clickhouse_endpoint import ClickHouseEndpoint\n"
        f"e = ClickHouseEndpoint(Path({str(tmp_path / 'data')!r}), log_file=Path({str(tmp_path / 'e.log')!r}))\n"
        "e.start()\n"
        "print(e.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, env=dict(os.environ))
    assert parent.stdout is not None
    child_pid = int(parent.stdout.readline())
    assert not _process_gone(child_pid)
    parent.send_signal(signal.SIGKILL)
    parent.wait(10)
    deadline = time.monotonic() + 20
    while not _process_gone(child_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _process_gone(child_pid), "the endpoint outlived its SIGKILLed parent"
