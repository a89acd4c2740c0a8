"""Read latency with 10 million screenings: `GET /v1/dashboard` (aggregate tables) and
`GET /v1/requests` through the running query API, and the same dashboard computed naively
over `screenings`, side by side in one run.

The rows are generated straight into ClickHouse (INSERT … SELECT from numbers(), 20 projects
over 30 days, realistic shapes), through the same materialized views as live traffic.

    make bench            # or: .venv/bin/python -m tests.bench read_models
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from deploy.ports import free_port
from deploy.supervisor import Stack
from projections.clickhouse import connect
from projections.schema import LATENCY_WHOLE_MS, QUANTILES_FUNCTION, latency_histogram_state
from query_api.dashboard_read import assemble, bucket_seconds, minute_window, read_dashboard
from query_api.filters import RANGES, TimeWindow
from schemas.bootstrap import BootstrapCredentials
from schemas.environment import GuardEnvironment
from tests.bench.report import machine_line, write_section

ROWS = int(os.environ.get("GUARD_BENCH_ROWS", "10000000"))
CHUNK = 1_000_000
PROJECTS = 20
DAYS = 30
SAMPLES = 40
DETECTORS = ("prompt_attack", "unknown_links", "moderated_content/hate", "moderated_content/violence",
             "pii/email", "pii/name", "pii/phone_number", "pii/credit_card")
RATES = (12, 5, 4, 3, 6, 5, 4, 2)  # % of screenings in which each detector flags


def generate_sql(database: str) -> str:
    """One chunk of screenings for {org}: rows {first}…{first}+{count} of {total}, spread over the
    30 days before {end}; every value derived from the row number, so runs are comparable."""
    types = "[" + ", ".join(f"'{t}'" for t in DETECTORS) + "]"
    rates = "[" + ", ".join(map(str, RATES)) + "]"
    return f"""
INSERT INTO {database}.screenings (event_id, request_id, org_id, project_id, received_at, kind, flagged, detected,
    `results.detector_type`, `results.detector_id`, `results.result`, `results.detected`, content_logged,
    message_roles, message_contents, preview, pii_types, latency_ms, pipeline_ms, region, metadata, policy_id,
    policy_version, api_response, retention_days, kafka_partition, kafka_offset)
WITH
    {{first:UInt64}} + number AS n,
    cityHash64(n) AS h,
    arrayFilter((t, i) -> cityHash64(n, i) % 100 < {rates}[i + 1], {types}, range(8)) AS found,
    multiIf(h % 10 < 6, 'prompt', h % 10 < 8, 'output', 'conversation') AS shape,
    concat('Summarise ticket ', toString(n % 100000), ' for the customer and keep <EMAIL> out of it') AS text,
    (((cityHash64(n, 101) % 1000) + (cityHash64(n, 102) % 1000) + (cityHash64(n, 103) % 1000)) / 1000.0 - 1.5) * 2 AS z
SELECT
    generateUUIDv7(n),
    concat('req-', toString(n)),
    {{org:String}},
    concat('project-', leftPad(toString(h % {PROJECTS}), 2, '0')),
    {{end:DateTime64(3)}} - toIntervalMillisecond(intDiv(({{total:UInt64}} - n) * {DAYS * 86_400_000}, {{total:UInt64}})),
    shape,
    notEmpty(found),
    found,
    {types},
    arrayMap(t -> concat('detector-', replaceAll(t, '/', '-')), {types}),
    arrayMap(t -> if(has(found, t), 'l1_confident', 'l5_unlikely'), {types}),
    arrayMap(t -> has(found, t), {types}),
    h % 10 != 0,
    if(shape = 'conversation', ['system', 'user', 'assistant'], if(shape = 'output', ['assistant'], ['user'])),
    if(h % 10 = 0, [], if(shape = 'conversation', ['You are helpful.', text, 'Done.'], [text])),
    if(h % 10 = 0, '', text),
    arrayFilter(t -> startsWith(t, 'pii/'), found),
    if(h % 7 = 0, NULL, round(exp(3.6 + 0.7 * z), 3)),
    round(2 + (cityHash64(n, 104) % 2800) / 100.0, 3),
    ['eu-west-1', 'us-east-1', 'ap-southeast-2'][1 + h % 3],
    map('user_id', concat('user-', toString(h % 500)), 'session', concat('s-', toString(h % 50))),
    'policy-default',
    3,
    concat('{{"flagged":', if(notEmpty(found), 'true', 'false'), ',"breakdown":[',
           arrayStringConcat(arrayMap(t -> concat('{{"project_id":"p","policy_id":"policy-default","detector_id":"detector-',
               replaceAll(t, '/', '-'), '","detector_type":"', t, '","detected":', if(has(found, t), 'true', 'false'),
               ',"message_id":0}}'), {types}), ','),
           '],"payload":[],"metadata":{{"request_uuid":"', toString(generateUUIDv7(n)), '"}}}}'),
    0,
    n % 12,
    intDiv(n, 12)
FROM numbers({{count:UInt64}})"""


def fill(url: str, org_id: str, end: datetime, rows: int = ROWS) -> float:
    """`rows` screenings straight into ClickHouse (20 projects over 30 days up to `end`); seconds taken."""
    client = connect(url)
    started = time.perf_counter()
    for first in range(0, rows, CHUNK):
        client.command(
            generate_sql("guard"),
            parameters={"first": first, "count": min(CHUNK, rows - first), "total": rows, "org": org_id, "end": end},
            settings={"max_insert_threads": 2, "parallel_view_processing": 1},
        )
        print(f"  generated {min(first + CHUNK, rows):,} / {rows:,} screenings", flush=True)
    elapsed = time.perf_counter() - started
    deadline = time.monotonic() + 600  # let background merges settle, as they would in production
    while client.query("SELECT count() FROM system.merges WHERE database = 'guard'").result_rows[0][0] and time.monotonic() < deadline:
        time.sleep(2)
    return elapsed


def naive_dashboard(client: Any, org_id: str, window: TimeWindow, project_ids: list[str]) -> Any:
    """The same response straight from `screenings`: what the aggregate tables save."""
    resolved = minute_window(window)
    step = bucket_seconds(resolved)
    params: dict[str, Any] = {"org": org_id, "s": resolved.start, "e": resolved.end, "bucket": step, "projects": project_ids}
    where = "org_id = {org:String} AND received_at >= {s:DateTime64(3)} AND received_at < {e:DateTime64(3)}"
    if project_ids:
        where += " AND project_id IN {projects:Array(String)}"
    bucket = "toStartOfInterval(received_at, toIntervalSecond({bucket:UInt32}))"
    histogram = latency_histogram_state().replace("sumForEachState", "sumForEach", 1)
    counts = client.query(
        f"SELECT kind, project_id, {bucket} AS b, count(), countIf(flagged) FROM guard.screenings WHERE {where} GROUP BY kind, project_id, b",
        parameters=params).result_rows
    latency = client.query(
        f"SELECT {QUANTILES_FUNCTION}({LATENCY_WHOLE_MS}), {histogram} FROM guard.screenings WHERE {where}", parameters=params
    ).result_rows[0]
    detections = client.query(
        f"SELECT detector_type, {bucket} AS b, count() FROM guard.screenings ARRAY JOIN detected AS detector_type "
        f"WHERE {where} GROUP BY detector_type, b", parameters=params).result_rows
    return assemble(resolved, step, counts, latency, detections, {}, project_ids, "requests", "desc")


def timed(call: Callable[[], Any], samples: int) -> tuple[float, float, Any]:
    call()  # warm-up
    last, durations = None, []
    for _ in range(samples):
        started = time.perf_counter()
        last = call()
        durations.append((time.perf_counter() - started) * 1000)
    durations.sort()
    return statistics.median(durations), durations[max(0, int(round(0.95 * len(durations))) - 1)], last


@dataclass
class FilledStack:
    creds: BootstrapCredentials
    clickhouse_url: str
    end: datetime  # the newest generated screening's time
    fill_s: float
    token: str  # the admin's bearer token


@contextlib.contextmanager
def filled_stack(prefix: str, rows: int) -> Iterator[FilledStack]:
    """A whole local stack with `rows` screenings generated into ClickHouse, logged in as admin."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        env = GuardEnvironment(data_dir=Path(tmp), secret_key="bench-secret")
        stack = Stack(env, ingest_port=free_port(), query_port=free_port())
        creds = stack.start()
        try:
            url = stack.clickhouse.url if stack.clickhouse is not None else env.clickhouse_url
            assert url is not None
            end = datetime.now(UTC).replace(microsecond=0)
            fill_s = fill(url, creds.org_id, end, rows)
            token = httpx.post(creds.query_url + "/v1/auth/login",
                               json={"email": creds.admin_email, "password": creds.admin_password}, timeout=30).json()["token"]
            yield FilledStack(creds, url, end, fill_s, token)
        finally:
            stack.stop()


def main() -> None:
    with filled_stack("guard-bench-reads-", ROWS) as filled:
        creds, url, end, fill_s, token = filled.creds, filled.clickhouse_url, filled.end, filled.fill_s, filled.token
        api = httpx.Client(base_url=creds.query_url, headers={"Authorization": f"Bearer {token}"}, timeout=120)
        client = connect(url)
        http_rows, side_rows, request_rows = [], [], []
        speedups: dict[str, tuple[float, float, float]] = {}
        worst_p95 = 0.0
        for name in ("1h", "24h", "7d", "30d"):
            p50, p95, body = timed(lambda: api.get("/v1/dashboard", params={"range": name}).raise_for_status().json(), SAMPLES)
            http_rows.append(f"| `GET /v1/dashboard?range={name}` | {body['totals']['requests']:,} | {p50:.1f} | {p95:.1f} |")
            worst_p95 = max(worst_p95, p95)
        p50, p95, body = timed(lambda: api.get("/v1/dashboard", params={"range": "30d", "project_id": "project-07"}).raise_for_status().json(), SAMPLES)
        http_rows.append(f"| `GET /v1/dashboard?range=30d&project_id=project-07` | {body['totals']['requests']:,} | {p50:.1f} | {p95:.1f} |")
        worst_p95 = max(worst_p95, p95)
        for name in ("24h", "7d", "30d"):
            window = TimeWindow(start=end - RANGES[name], end=end)
            agg = timed(lambda: asyncio.run(read_dashboard(client, "guard", creds.org_id, window, [], {})), SAMPLES)
            naive = timed(lambda: naive_dashboard(client, creds.org_id, window, []), max(5, SAMPLES // 4))
            assert agg[2].totals == naive[2].totals and agg[2].by_detector == naive[2].by_detector, name
            side_rows.append(f"| {name} | {agg[2].totals.requests:,} | {agg[0]:.1f} / {agg[1]:.1f} | {naive[0]:.1f} / {naive[1]:.1f} | {naive[1] / agg[1]:.0f}x |")
            speedups[name] = (naive[1] / agg[1], naive[0], agg[0])
        cursor = None
        for _ in range(10):  # page 11 of the 30-day list
            cursor = api.get("/v1/requests", params={"range": "30d", "limit": 50, **({"cursor": cursor} if cursor else {})}).json()["next_cursor"]
        for label, params in (
            ("range=24h", {"range": "24h"}),
            ("range=30d&limit=500", {"range": "30d", "limit": 500}),
            ("range=30d&project_id=project-07", {"range": "30d", "project_id": "project-07"}),
            ("range=30d&flagged=true (Detections tab)", {"range": "30d", "flagged": "true"}),
            ("range=30d&detector_type=pii/credit_card&kind=output", {"range": "30d", "detector_type": "pii/credit_card", "kind": "output"}),
            ("range=30d, page 11 (cursor)", {"range": "30d", "cursor": cursor}),
        ):
            p50, p95, body = timed(lambda: api.get("/v1/requests", params=params).raise_for_status().json(), SAMPLES)
            request_rows.append(f"| `GET /v1/requests?{label}` | {len(body['items'])} | {p50:.1f} | {p95:.1f} |")
        stored = client.query("SELECT count(), formatReadableSize(sum(bytes_on_disk)) FROM system.parts WHERE database = 'guard' AND table = 'screenings' AND active").result_rows[0]
        agg_rows = client.query("SELECT table, sum(rows) FROM system.parts WHERE database = 'guard' AND active AND table IN ('screening_minutes', 'screening_hours') GROUP BY table ORDER BY table").result_rows
    best_speedup = max(v[0] for v in speedups.values())
    worst_speedup = min(v[0] for v in speedups.values())
    naive_24h, agg_24h = speedups["24h"][1], speedups["24h"][2]
    nl = "\n"
    body = f"""## Dashboard and requests with {ROWS / 1e6:.0f} million screenings

`make bench` → `python -m tests.bench read_models` · {machine_line()}

{ROWS:,} screenings of one organization, 20 projects, over the 30 days before the run, generated straight
into `guard.screenings` with `INSERT … SELECT … FROM numbers()` ({fill_s:.0f} s, through the same views as
live traffic; {stored[1]} on disk) in the embedded ClickHouse engine of a full `Stack` (Kafka, ingest, the
Faust worker, the writer and the query API running, idle). Aggregate rows: {', '.join(f'{t} {n:,}' for t, n in agg_rows)}.
{SAMPLES} timed requests per line after one warm-up, one at a time, over HTTP with a logged-in admin's token
(authorization against the config replica included).

| request | screenings counted | p50 ms | p95 ms |
| --- | ---: | ---: | ---: |
{nl.join(http_rows)}

The dashboard's data path alone (`read_dashboard`, three concurrent queries on the aggregate tables) against
the same response computed naively over `screenings` (`GROUP BY` on the raw rows, same SQL functions, same
assembly; equal totals and detections asserted):

| range | screenings | aggregates p50 / p95 ms | naive p50 / p95 ms | p95 speed-up |
| --- | ---: | ---: | ---: | ---: |
{nl.join(side_rows)}

| request | items | p50 ms | p95 ms |
| --- | ---: | ---: | ---: |
{nl.join(request_rows)}

Targets: dashboard p95 < 150 ms — {'met' if worst_p95 < 150 else 'missed'} (worst p95 over HTTP {worst_p95:.0f} ms) — and
≥ 10x the naive path — met where the naive path has the most to aggregate ({best_speedup:.0f}x over 30 days),
not for the short ranges ({worst_speedup:.0f}x at worst): there the naive scan is itself small (a day is
~333k rows, read in ~{naive_24h:.0f} ms), while the aggregate path is bounded by the fixed cost of its three
queries on the embedded engine (~{agg_24h:.0f} ms), not by the data.
"""
    write_section("read_models", body)
    print(body)
