from datetime import UTC, datetime, timedelta

import pytest

from projections.schema import HOURS, LATENCY_BUCKETS_MS, MINUTES
from query_api.dashboard_read import (
    NO_PROJECT_NAME,
    assemble,
    bucket_seconds,
    bucket_starts,
    dashboard_queries,
    minute_window,
    project_rows,
    segments,
)
from query_api.filters import RANGES, TimeWindow

NOW = datetime(2026, 11, 24, 12, 34, 56, 789000, tzinfo=UTC)


def window(span: timedelta, end: datetime = NOW) -> TimeWindow:
    return TimeWindow(start=end - span, end=end)


def test_windows_resolve_to_whole_minutes_and_respect_retention() -> None:
    resolved = minute_window(window(timedelta(minutes=5)))
    assert resolved.start == datetime(2026, 11, 24, 12, 29, tzinfo=UTC)
    assert resolved.end == datetime(2026, 11, 24, 12, 35, tzinfo=UTC)  # the current minute included
    cut = minute_window(window(timedelta(hours=1)), retention_start=NOW - timedelta(minutes=10))
    assert cut.start == datetime(2026, 11, 24, 12, 25, tzinfo=UTC)  # never a minute starting before the cut-off


@pytest.mark.parametrize(
    ("name", "seconds"),
    [("5m", 60), ("15m", 60), ("1h", 60), ("3h", 300), ("6h", 600), ("24h", 1800), ("7d", 10800), ("30d", 43200)],
)
def test_bucket_size_follows_the_range(name: str, seconds: int) -> None:
    resolved = minute_window(window(RANGES[name]))
    assert bucket_seconds(resolved) == seconds
    assert len(bucket_starts(resolved, seconds)) <= 73


def test_long_windows_read_hours_with_minute_edges() -> None:
    resolved = minute_window(window(timedelta(days=7)))
    parts = segments(resolved, bucket_seconds(resolved))
    assert [p.grain for p in parts] == [MINUTES, HOURS, MINUTES]
    assert parts[0].start == resolved.start and parts[-1].end == resolved.end
    assert parts[0].end == parts[1].start == datetime(2026, 11, 17, 13, tzinfo=UTC)
    assert parts[1].end == parts[2].start == datetime(2026, 11, 24, 12, tzinfo=UTC)
    short = minute_window(window(timedelta(hours=3)))
    assert [p.grain for p in segments(short, bucket_seconds(short))] == [MINUTES]
    aligned = TimeWindow(start=datetime(2026, 11, 1, tzinfo=UTC), end=datetime(2026, 11, 3, tzinfo=UTC))
    assert [p.grain for p in segments(aligned, bucket_seconds(aligned))] == [HOURS]
    assert segments(TimeWindow(start=NOW, end=NOW), 60) == []


def test_queries_bind_every_value_server_side() -> None:
    resolved = minute_window(window(timedelta(days=7)))
    parts = segments(resolved, 10800)
    queries = dashboard_queries("guard", "org-'; DROP TABLE x", parts, 10800, ["p-1"])
    for sql in (queries.counts, queries.latency, queries.detections):
        assert "DROP" not in sql and "p-1" not in sql
        assert "{org:String}" in sql and "{projects:Array(String)}" in sql
    assert "guard.screening_hours" in queries.counts and "guard.screening_minutes" in queries.counts
    assert "guard.detection_hours" in queries.detections
    assert "quantilesTimingMerge(0.5, 0.9, 0.95, 0.99)(latency_quantiles)" in queries.latency
    assert queries.parameters["org"] == "org-'; DROP TABLE x" and queries.parameters["bucket"] == 10800
    assert {"s0", "e0", "s1", "e1", "s2", "e2"} <= queries.parameters.keys()


def test_projects_sort_by_name_requests_or_rate_with_stable_ties() -> None:
    counts = {"p-a": (10, 5), "p-b": (30, 3), "p-c": (10, 1), "": (4, 4)}
    names = {"p-a": "Alpha", "p-b": "beta", "p-c": "Gamma", "p-d": "Delta"}
    by_requests = project_rows(counts, names, [], "requests", "desc")
    assert [r.name for r in by_requests] == ["beta", "Alpha", "Gamma", NO_PROJECT_NAME, "Delta"]
    assert by_requests[-1].requests == 0 and by_requests[-1].detection_rate == 0.0  # configured, no traffic
    assert [r.name for r in project_rows(counts, names, [], "name", "asc")] == [NO_PROJECT_NAME, "Alpha", "beta", "Delta", "Gamma"]
    assert [r.name for r in project_rows(counts, names, [], "detection_rate", "desc")][:2] == [NO_PROJECT_NAME, "Alpha"]
    only = project_rows(counts, names, ["p-c", "p-x"], "name", "desc")
    assert [r.project_id for r in only] == ["p-x", "p-c", "p-b", "p-a", None]  # requested ones, even without data
    assert project_rows({"p-z": (1, 0)}, {}, [], "name", "asc")[0].name == "p-z"  # no names: the id


def test_assemble_fills_every_bucket_and_sums_consistently() -> None:
    resolved = TimeWindow(start=datetime(2026, 1, 1, 10, tzinfo=UTC), end=datetime(2026, 1, 1, 10, 5, tzinfo=UTC))
    t = lambda m: datetime(2026, 1, 1, 10, m)  # noqa: E731 - naive, as clickhouse-connect returns them
    counts = [("prompt", "p-1", t(0), 10, 2), ("output", "p-1", t(3), 5, 0), ("prompt", "", t(3), 5, 5)]
    histogram = [0] * (len(LATENCY_BUCKETS_MS) + 1)
    histogram[3] = 20
    dashboard = assemble(
        resolved, 60, counts, ([40.0, 48.0, 49.0, 50.0], histogram),
        [("prompt_attack", t(0), 2), ("pii/email", t(3), 5), ("prompt_attack", t(3), 1)], {"p-1": "Chatbot"}, [], "requests", "desc",
    )
    assert (dashboard.totals.requests, dashboard.totals.flagged, dashboard.totals.detection_rate) == (20, 7, 0.35)
    assert [(k.kind, k.requests) for k in dashboard.by_type] == [("prompt", 15), ("output", 5), ("conversation", 0)]
    assert [(d.detector_type, d.detections) for d in dashboard.by_detector] == [("pii/email", 5), ("prompt_attack", 3)]
    assert len(dashboard.timeseries) == 5 and dashboard.timeseries[1].requests == 0
    assert dashboard.timeseries[3].detections == {"pii/email": 5, "prompt_attack": 1}
    assert dashboard.latency_ms.p50 == 40.0 and dashboard.latency_ms.histogram[3].le == 50
    assert dashboard.latency_ms.histogram[-1].le is None and sum(b.count for b in dashboard.latency_ms.histogram) == 20
    assert [(p.name, p.requests) for p in dashboard.projects] == [("Chatbot", 15), (NO_PROJECT_NAME, 5)]


def test_an_empty_window_has_zeros_and_no_percentiles() -> None:
    resolved = TimeWindow(start=NOW, end=NOW)
    dashboard = assemble(resolved, 60, [], [], [], {}, [], "requests", "desc")
    assert dashboard.totals.requests == 0 and dashboard.totals.detection_rate == 0.0
    assert dashboard.latency_ms.p99 is None and all(b.count == 0 for b in dashboard.latency_ms.histogram)
    assert dashboard.timeseries == []
