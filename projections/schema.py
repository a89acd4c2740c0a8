"""The read models' DDL, built from one description so migrations and replay agree.

The pipeline inside ClickHouse, all fed by one INSERT of raw records per batch:

    screened_landing (Null: partition, offset, raw JSON)
      └─ screened_parse_mv ─► screened_parsed (Null: the mapped row + reject_reason)
           ├─ screened_accept_mv ─► screenings        one row per screened event
           │    ├─ screening_minutes_mv / screening_hours_mv ─► screening_minutes / _hours
           │    └─ detection_minutes_mv / detection_hours_mv ─► detection_minutes / _hours
           └─ screened_reject_mv ─► screened_rejects  (partition, offset, reason)

Every table that stores rows keeps a deduplication window, so a retried INSERT with the
same deduplication token is dropped by each table on its own (ClickHouse derives a token
per view from the insert's). `suffix` builds the same pipeline under other names: the
replay builds `<name>__rebuild` next to the live tables and swaps them in. Changing a
table means a new migration with its ALTERs *and* a change here; a test checks that the
migrated schema equals a freshly built one.

Aggregates come at two grains: minutes (short ranges, fine timeseries) and hours (long
ranges; the dashboard adds the minute rows of partial hours at the edges).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from projections.mapping import parse_select, parsed_columns
from projections.topology import Topology

REBUILD_SUFFIX = "__rebuild"
DEDUP_WINDOW = 1000  # remembered insert tokens per table: far more than the batches in flight

LANDING = "screened_landing"
PARSED = "screened_parsed"
SCREENINGS = "screenings"
REJECTS = "screened_rejects"
ORG_RETENTION = "org_retention"
REPLAY_RUNS = "replay_runs"

LATENCY_BUCKETS_MS: tuple[float, ...] = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)  # then +Inf
QUANTILE_LEVELS: tuple[float, ...] = (0.5, 0.9, 0.95, 0.99)
# quantileTiming: built for request latencies in whole ms (exact below 1,024 ms, values above
# 30 s count as 30 s); its state is a count per ms, so merging is order-independent (a replay
# equals the live table exactly) and small states (a minute of one project) stay tiny, which
# keeps the dashboard's merge cheap — measured 3x faster than quantilesDD at 1 %.
QUANTILES_FUNCTION = f"quantilesTiming({', '.join(map(str, QUANTILE_LEVELS))})"
# The dashboard's latency: what the guard client measured when it says so, else the pipeline's.
LATENCY_EXPRESSION = "coalesce(latency_ms, pipeline_ms)"
LATENCY_WHOLE_MS = f"toUInt32(round({LATENCY_EXPRESSION}))"


@dataclass(frozen=True)
class Grain:
    name: str  # "minutes" | "hours"
    to_start: str  # ClickHouse function flooring a time to the grain
    seconds: int
    partition: str


MINUTES = Grain("minutes", "toStartOfMinute", 60, "toDate(period_start)")
HOURS = Grain("hours", "toStartOfHour", 3600, "toYYYYMM(period_start)")
GRAINS = (MINUTES, HOURS)


def stats_table(grain: Grain) -> str:
    return f"screening_{grain.name}"


def detections_table(grain: Grain) -> str:
    return f"detection_{grain.name}"


AGGREGATE_TABLES = tuple(name for grain in GRAINS for name in (stats_table(grain), detections_table(grain)))

SCREENINGS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("event_id", "UUID"),
    ("request_id", "String"),
    ("org_id", "LowCardinality(String)"),
    ("project_id", "LowCardinality(String)"),
    ("received_at", "DateTime64(3, 'UTC')"),
    ("kind", "LowCardinality(String)"),
    ("flagged", "Bool"),
    ("detected", "Array(LowCardinality(String))"),
    ("results.detector_type", "Array(LowCardinality(String))"),
    ("results.detector_id", "Array(String)"),
    ("results.result", "Array(LowCardinality(String))"),
    ("results.detected", "Array(Bool)"),
    ("content_logged", "Bool"),
    ("message_roles", "Array(LowCardinality(String))"),
    ("message_contents", "Array(String)"),
    ("preview", "String"),
    ("pii_types", "Array(LowCardinality(String))"),
    ("latency_ms", "Nullable(Float64)"),
    ("pipeline_ms", "Float64"),
    ("region", "LowCardinality(String)"),
    ("metadata", "Map(String, String)"),
    ("policy_id", "String"),
    ("policy_version", "UInt32"),
    ("api_response", "String CODEC(ZSTD(3))"),
)
assert tuple(name for name, _ in SCREENINGS_COLUMNS) == parsed_columns(), "mapping and table disagree"


def _columns(columns: tuple[tuple[str, str], ...]) -> str:
    return ",\n    ".join(f"`{name}` {type_}" for name, type_ in columns)


def _settings(topology: Topology) -> str:
    return "" if topology.cluster else f"\nSETTINGS non_replicated_deduplication_window = {DEDUP_WINDOW}"


def screenings_ddl(topology: Topology, suffix: str = "") -> list[str]:
    name = SCREENINGS + suffix
    create = f"""CREATE TABLE IF NOT EXISTS {topology.storage(name)}{topology.on_cluster}
(
    {_columns(SCREENINGS_COLUMNS)},
    `retention_days` UInt16,
    `kafka_partition` UInt16,
    `kafka_offset` UInt64,
    `inserted_at` DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX project_idx project_id TYPE set(0) GRANULARITY 4,
    INDEX detected_idx detected TYPE bloom_filter GRANULARITY 4
)
ENGINE = {topology.engine("MergeTree")}
PARTITION BY toDate(received_at)
ORDER BY (org_id, received_at, event_id)
TTL toDateTime(received_at) + toIntervalDay(retention_days) WHERE retention_days > 0{_settings(topology)}"""
    return [create, *filter(None, [topology.distributed(name, "cityHash64(event_id)")])]


def landing_ddl(topology: Topology, suffix: str = "") -> list[str]:
    """The two Null tables every batch flows through, and the rejects table."""
    landing, parsed, rejects = LANDING + suffix, PARSED + suffix, REJECTS + suffix
    parsed_columns_sql = _columns(
        (("kafka_partition", "UInt16"), ("kafka_offset", "UInt64"), ("reject_reason", "String"), *SCREENINGS_COLUMNS)
    )
    return [
        f"CREATE TABLE IF NOT EXISTS {topology.storage(landing)}{topology.on_cluster}\n"
        "(kafka_partition UInt16, kafka_offset UInt64, raw String) ENGINE = Null",
        # One Kafka partition's batch goes to one shard: a retried batch meets its own token.
        *filter(None, [topology.distributed(landing, "kafka_partition")]),
        f"CREATE TABLE IF NOT EXISTS {topology.storage(parsed)}{topology.on_cluster}\n({parsed_columns_sql})\nENGINE = Null",
        f"""CREATE TABLE IF NOT EXISTS {topology.storage(rejects)}{topology.on_cluster}
(
    kafka_partition UInt16,
    kafka_offset UInt64,
    reason LowCardinality(String),
    rejected_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {topology.engine("MergeTree")}
ORDER BY (kafka_partition, kafka_offset){_settings(topology)}""",
        *filter(None, [topology.distributed(rejects, "kafka_partition")]),
    ]


def mapping_views_ddl(topology: Topology, suffix: str = "", since: datetime | None = None) -> list[str]:
    """landing → parsed → screenings / rejects. `since` (replay `--from`) keeps only events at
    or after it; older ones are carried over from the live table instead."""
    landing, parsed = topology.storage(LANDING + suffix), topology.storage(PARSED + suffix)
    names = ", ".join(f"p.`{name}`" for name, _ in SCREENINGS_COLUMNS)
    since_filter = f" AND p.received_at >= toDateTime64('{since:%Y-%m-%d %H:%M:%S.%f}', 6, 'UTC')" if since else ""
    # The org's retention rides on each row for the TTL; LEFT JOIN: 0 (keep) for orgs without one.
    retention = (
        f"LEFT JOIN (SELECT org_id, argMax(retention_days, updated_at) AS retention_days "
        f"FROM {topology.table(ORG_RETENTION)} GROUP BY org_id) AS r ON p.org_id = r.org_id"
    )
    return [
        f"CREATE MATERIALIZED VIEW IF NOT EXISTS {topology.table('screened_parse_mv' + suffix)}{topology.on_cluster} "
        f"TO {parsed} AS\n{parse_select(landing)}",
        f"CREATE MATERIALIZED VIEW IF NOT EXISTS {topology.table('screened_accept_mv' + suffix)}{topology.on_cluster} "
        f"TO {topology.storage(SCREENINGS + suffix)} AS\n"
        f"SELECT {names}, r.retention_days AS retention_days, p.kafka_partition AS kafka_partition, "
        f"p.kafka_offset AS kafka_offset\nFROM {parsed} AS p\n{retention}\n"
        f"WHERE p.reject_reason = ''{since_filter}\nLIMIT 1 BY p.event_id",
        f"CREATE MATERIALIZED VIEW IF NOT EXISTS {topology.table('screened_reject_mv' + suffix)}{topology.on_cluster} "
        f"TO {topology.storage(REJECTS + suffix)} AS\n"
        f"SELECT kafka_partition, kafka_offset, reject_reason AS reason FROM {parsed} WHERE reject_reason != ''",
    ]


def aggregates_ddl(topology: Topology, suffix: str = "") -> list[str]:
    statements = []
    for grain in GRAINS:
        stats, detections = stats_table(grain) + suffix, detections_table(grain) + suffix
        ttl = "TTL period_start + toIntervalDay(retention_days) WHERE retention_days > 0"
        statements += [
            f"""CREATE TABLE IF NOT EXISTS {topology.storage(stats)}{topology.on_cluster}
(
    org_id LowCardinality(String),
    project_id LowCardinality(String),
    period_start DateTime('UTC'),
    kind LowCardinality(String),
    requests SimpleAggregateFunction(sum, UInt64),
    flagged SimpleAggregateFunction(sum, UInt64),
    latency_quantiles AggregateFunction({QUANTILES_FUNCTION}, UInt32),
    latency_histogram AggregateFunction(sumForEach, Array(UInt64)),
    retention_days SimpleAggregateFunction(max, UInt16)
)
ENGINE = {topology.engine("AggregatingMergeTree")}
PARTITION BY {grain.partition}
ORDER BY (org_id, project_id, period_start, kind)
{ttl}{_settings(topology)}""",
            *filter(None, [topology.distributed(stats, "rand()")]),
            f"""CREATE TABLE IF NOT EXISTS {topology.storage(detections)}{topology.on_cluster}
(
    org_id LowCardinality(String),
    project_id LowCardinality(String),
    period_start DateTime('UTC'),
    kind LowCardinality(String),
    detector_type LowCardinality(String),
    detections SimpleAggregateFunction(sum, UInt64),
    retention_days SimpleAggregateFunction(max, UInt16)
)
ENGINE = {topology.engine("AggregatingMergeTree")}
PARTITION BY {grain.partition}
ORDER BY (org_id, project_id, period_start, kind, detector_type)
{ttl}{_settings(topology)}""",
            *filter(None, [topology.distributed(detections, "rand()")]),
        ]
    return statements


def latency_histogram_state() -> str:
    """One-hot bucket of this row's latency (the number of bounds below it: 0 … len = +Inf),
    summed per bucket by sumForEach."""
    bounds = "[" + ", ".join(f"{b:g}" for b in LATENCY_BUCKETS_MS) + "]"
    slot = f"arrayCount(b -> {LATENCY_EXPRESSION} > b, {bounds})"
    return f"sumForEachState(arrayMap(i -> toUInt64(i = {slot}), range({len(LATENCY_BUCKETS_MS) + 1})))"


def aggregate_views_ddl(topology: Topology, suffix: str = "") -> list[str]:
    """Minute rows from each block of `screenings`; hour rows from each block of minute rows
    (merging their states is far cheaper than aggregating the screenings a second time)."""
    source = topology.storage(SCREENINGS + suffix)
    merge_state = QUANTILES_FUNCTION.replace("(", "MergeState(", 1)
    stats, detections = stats_table(MINUTES), detections_table(MINUTES)
    hourly_stats, hourly_detections = stats_table(HOURS), detections_table(HOURS)
    return [
        f"CREATE MATERIALIZED VIEW IF NOT EXISTS {topology.table(stats + '_mv' + suffix)}{topology.on_cluster} "
        f"TO {topology.storage(stats + suffix)} AS\n"
        "SELECT org_id, project_id, toStartOfMinute(received_at) AS period_start, kind, "
        "count() AS requests, countIf(flagged) AS flagged, "
        f"{QUANTILES_FUNCTION.replace('(', 'State(', 1)}({LATENCY_WHOLE_MS}) AS latency_quantiles, "
        f"{latency_histogram_state()} AS latency_histogram, max(retention_days) AS retention_days\n"
        f"FROM {source}\nGROUP BY org_id, project_id, period_start, kind",
        f"CREATE MATERIALIZED VIEW IF NOT EXISTS {topology.table(detections + '_mv' + suffix)}{topology.on_cluster} "
        f"TO {topology.storage(detections + suffix)} AS\n"
        "SELECT org_id, project_id, toStartOfMinute(received_at) AS period_start, kind, detector_type, "
        "count() AS detections, max(retention_days) AS retention_days\n"
        f"FROM {source} ARRAY JOIN detected AS detector_type\n"
        "GROUP BY org_id, project_id, period_start, kind, detector_type",
        f"CREATE MATERIALIZED VIEW IF NOT EXISTS {topology.table(hourly_stats + '_mv' + suffix)}{topology.on_cluster} "
        f"TO {topology.storage(hourly_stats + suffix)} AS\n"
        "SELECT org_id, project_id, hour AS period_start, kind, requests, flagged, latency_quantiles, "
        "latency_histogram, retention_days FROM (\n"
        "SELECT org_id, project_id, toStartOfHour(period_start) AS hour, kind, sum(requests) AS requests, "
        f"sum(flagged) AS flagged, {merge_state}(latency_quantiles) AS latency_quantiles, "
        "sumForEachMergeState(latency_histogram) AS latency_histogram, max(retention_days) AS retention_days\n"
        f"FROM {topology.storage(stats + suffix)}\nGROUP BY org_id, project_id, hour, kind)",
        f"CREATE MATERIALIZED VIEW IF NOT EXISTS {topology.table(hourly_detections + '_mv' + suffix)}{topology.on_cluster} "
        f"TO {topology.storage(hourly_detections + suffix)} AS\n"
        "SELECT org_id, project_id, hour AS period_start, kind, detector_type, detections, retention_days FROM (\n"
        "SELECT org_id, project_id, toStartOfHour(period_start) AS hour, kind, detector_type, "
        "sum(detections) AS detections, max(retention_days) AS retention_days\n"
        f"FROM {topology.storage(detections + suffix)}\nGROUP BY org_id, project_id, hour, kind, detector_type)",
    ]


def control_ddl(topology: Topology) -> list[str]:
    """Tables the replay does not rebuild: org retention (from the control plane) and replay
    runs. Every node needs all of their rows, so on a cluster they are replicated to every
    node rather than sharded."""
    return [
        f"""CREATE TABLE IF NOT EXISTS {topology.table(ORG_RETENTION)}{topology.on_cluster}
(
    org_id String,
    retention_days UInt16,
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {topology.everywhere_engine("ReplacingMergeTree", ORG_RETENTION, "updated_at")}
ORDER BY org_id""",
        f"""CREATE TABLE IF NOT EXISTS {topology.table(REPLAY_RUNS)}{topology.on_cluster}
(
    run_id String,
    projection_name LowCardinality(String),
    since Nullable(DateTime64(3, 'UTC')),
    carried_at Nullable(DateTime64(3, 'UTC')),
    consumer_group String,
    status LowCardinality(String),
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {topology.everywhere_engine("ReplacingMergeTree", REPLAY_RUNS, "updated_at")}
ORDER BY run_id""",
    ]


def pipeline_ddl(topology: Topology, suffix: str = "", since: datetime | None = None) -> list[str]:
    """Every table and view of one pipeline, targets before the views that feed them."""
    return [
        *screenings_ddl(topology, suffix),
        *aggregates_ddl(topology, suffix),
        *aggregate_views_ddl(topology, suffix),
        *landing_ddl(topology, suffix),
        *mapping_views_ddl(topology, suffix, since),
    ]


def pipeline_views(suffix: str = "") -> list[str]:
    """The materialized views of one pipeline, feeding views first (drop order)."""
    aggregate_views = [name + "_mv" for name in AGGREGATE_TABLES]
    return [f"{v}{suffix}" for v in ("screened_parse_mv", "screened_accept_mv", "screened_reject_mv", *aggregate_views)]


def pipeline_tables(suffix: str = "") -> list[str]:
    return [f"{t}{suffix}" for t in (LANDING, PARSED, SCREENINGS, REJECTS, *AGGREGATE_TABLES)]
