from datetime import UTC, datetime

from projections.migrate import load_migrations
from projections.progress import progress_line
from projections.retention import retention_statements
from projections.schema import (
    AGGREGATE_TABLES,
    REBUILD_SUFFIX,
    control_ddl,
    latency_histogram_state,
    pipeline_ddl,
    pipeline_tables,
    pipeline_views,
)
from projections.topology import Topology

ONE = Topology("guard_test")
CLUSTER = Topology("guard", "main")


def test_migrations_are_ordered_and_cover_the_whole_pipeline() -> None:
    migrations = load_migrations()
    assert [m.version for m in migrations] == sorted({m.version for m in migrations})
    statements = [s for m in migrations for s in m.statements(ONE)]
    assert statements == control_ddl(ONE) + [s for s in statements if s not in control_ddl(ONE)]
    assert sorted(statements) == sorted(control_ddl(ONE) + pipeline_ddl(ONE))
    assert all(s.startswith("CREATE ") and "IF NOT EXISTS" in s for s in statements)
    assert all("guard_test." in s for s in statements)


def test_one_server_uses_plain_engines_and_deduplication_windows() -> None:
    ddl = "\n".join(pipeline_ddl(ONE))
    assert "ON CLUSTER" not in ddl and "Replicated" not in ddl and "Distributed" not in ddl
    screenings = pipeline_ddl(ONE)[0]
    assert "PARTITION BY toDate(received_at)" in screenings
    assert "ORDER BY (org_id, received_at, event_id)" in screenings
    assert "TTL toDateTime(received_at) + toIntervalDay(retention_days) WHERE retention_days > 0" in screenings
    assert ddl.count("non_replicated_deduplication_window = 1000") == 2 + len(AGGREGATE_TABLES)  # screenings, rejects, aggregates


def test_a_cluster_gets_on_cluster_ddl_replicated_local_tables_and_distributed_fronts() -> None:
    statements = pipeline_ddl(CLUSTER)
    assert all(' ON CLUSTER "main"' in s for s in statements)
    assert "non_replicated_deduplication_window" not in "\n".join(statements)
    screenings = [s for s in statements if s.startswith("CREATE TABLE IF NOT EXISTS guard.screenings")]
    assert screenings[0].startswith('CREATE TABLE IF NOT EXISTS guard.screenings_local ON CLUSTER "main"')
    assert "ENGINE = ReplicatedMergeTree\n" in screenings[0]
    assert screenings[1] == (
        'CREATE TABLE IF NOT EXISTS guard.screenings ON CLUSTER "main" AS guard.screenings_local '
        "ENGINE = Distributed('main', 'guard', 'screenings_local', cityHash64(event_id))"
    )
    landing_front = next(s for s in statements if s.startswith("CREATE TABLE IF NOT EXISTS guard.screened_landing ON"))
    assert landing_front.endswith("'screened_landing_local', kafka_partition)")  # a batch stays on one shard
    for table in AGGREGATE_TABLES:
        assert any(f"guard.{table}_local" in s and "ReplicatedAggregatingMergeTree" in s for s in statements)
        view = next(s for s in statements if s.startswith(f"CREATE MATERIALIZED VIEW IF NOT EXISTS guard.{table}_mv "))
        source = "guard.screenings_local" if "minutes" in table else f"guard.{table.replace('hours', 'minutes')}_local"
        assert f"TO guard.{table}_local AS" in view and f"FROM {source}" in view  # hours roll up minutes
    accept = next(s for s in statements if "screened_accept_mv" in s.split(" AS")[0])
    assert "FROM guard.screened_parsed_local AS p" in accept and "TO guard.screenings_local" in accept
    retention = control_ddl(CLUSTER)[0]
    assert "ReplicatedReplacingMergeTree('/clickhouse/tables/{database}/org_retention', '{replica}', updated_at)" in retention


def test_a_rebuild_is_the_same_pipeline_under_other_names() -> None:
    live, rebuild = pipeline_ddl(ONE), pipeline_ddl(ONE, REBUILD_SUFFIX)
    assert len(live) == len(rebuild)
    for name in pipeline_tables() + pipeline_views():
        assert sum(f"guard_test.{name}{REBUILD_SUFFIX} " in s or f"guard_test.{name}{REBUILD_SUFFIX}\n" in s for s in rebuild) >= 1
    assert all("org_retention" in s for s in rebuild if "screened_accept_mv" in s)  # shared, not rebuilt
    since = datetime(2026, 1, 5, tzinfo=UTC)
    filtered = pipeline_ddl(ONE, REBUILD_SUFFIX, since)
    assert any("p.received_at >= toDateTime64('2026-01-05 00:00:00.000000', 6, 'UTC')" in s for s in filtered)


def test_latency_histogram_is_one_hot_over_fixed_buckets() -> None:
    state = latency_histogram_state()
    assert state.startswith("sumForEachState(arrayMap(i -> toUInt64(i = arrayCount(b -> coalesce(latency_ms, pipeline_ms) > b, [5, 10")
    assert state.endswith("range(12)))")


def test_retention_rewrites_the_org_rows_and_deletes_what_is_too_old() -> None:
    now = datetime(2026, 2, 1, tzinfo=UTC)
    statements = retention_statements(ONE, "org-1", 30, now)
    updates = [s for s in statements if s.sql.startswith("ALTER TABLE")]
    deletes = [s for s in statements if s.sql.startswith("DELETE FROM")]
    assert len(updates) == len(deletes) == 1 + len(AGGREGATE_TABLES)
    assert updates[0].sql == "ALTER TABLE guard_test.screenings UPDATE retention_days = {days:UInt16} WHERE org_id = {org:String}"
    assert deletes[0].sql == "DELETE FROM guard_test.screenings WHERE org_id = {org:String} AND received_at < {cutoff:DateTime64(3)}"
    assert deletes[0].parameters == {"org": "org-1", "cutoff": datetime(2026, 1, 2, tzinfo=UTC)}
    assert all("period_start <" in s.sql for s in deletes[1:])
    assert not [s for s in retention_statements(ONE, "org-1", None, now) if s.sql.startswith("DELETE")]
    clustered = retention_statements(CLUSTER, "org-1", 7, now)
    assert all(' ON CLUSTER "main"' in s.sql and "_local" in s.sql for s in clustered)


def test_progress_line_shows_rate_and_eta() -> None:
    line = progress_line("replay", 500, 2000, 100.0)
    assert "25%" in line and "500 / 2,000 events" in line and "100 ev/s" in line and "ETA 0:00:15" in line
    assert "ETA --:--:--" in progress_line("replay", 0, 10, 0.0)
