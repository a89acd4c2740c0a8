"""`GET /v1/dashboard` from the aggregate tables (projections/schema.py).

Pure core: the window at minute resolution, the timeseries bucket for its length, which
aggregate table serves which part of it (hour rows for whole hours, minute rows for the
partial hours at the edges), the SQL with server-side parameters only, and the assembly of
the response from three small result sets. `read_dashboard` is the thin edge that runs the
three queries concurrently.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from clickhouse_connect.driver.client import Client

from projections.schema import HOURS, LATENCY_BUCKETS_MS, MINUTES, QUANTILE_LEVELS, QUANTILES_FUNCTION, Grain, detections_table, stats_table
from query_api.filters import TimeWindow
from schemas.api import (
    Dashboard,
    DashboardTotals,
    DashboardWindow,
    DetectorStats,
    KindStats,
    LatencyBucket,
    LatencySummary,
    ProjectStats,
    TimeseriesPoint,
)
from schemas.screening import Kind

KINDS: tuple[Kind, ...] = ("prompt", "output", "conversation")
BUCKET_LADDER_S = (60, 300, 600, 1800, 3600, 10800, 21600, 43200, 86400)
MAX_POINTS = 72  # 1 h at minutes (61 whole minutes) … 30 d at 12 h
NO_PROJECT_NAME = "(no project)"

ProjectSort = Literal["name", "requests", "detection_rate"]
SortOrder = Literal["asc", "desc"]


def _floor(moment: datetime, seconds: int) -> datetime:
    stamp = int(moment.timestamp())
    return datetime.fromtimestamp(stamp - stamp % seconds, UTC)


def _ceil(moment: datetime, seconds: int) -> datetime:
    floored = _floor(moment, seconds)
    return floored if floored == moment else floored + timedelta(seconds=seconds)


def minute_window(window: TimeWindow, retention_start: datetime | None = None) -> TimeWindow:
    """Whole UTC minutes: the minute holding `start` through the one holding `end`'s last
    instant, but no minute that begins before the retention cut-off."""
    start = _floor(window.start, 60)
    if retention_start is not None:
        start = max(start, _ceil(retention_start, 60))
    end = _ceil(window.end, 60)
    return TimeWindow(start=min(start, end), end=end)


def bucket_seconds(window: TimeWindow) -> int:
    """The smallest step of the ladder giving at most MAX_POINTS buckets."""
    span = (window.end - window.start).total_seconds()
    return next((step for step in BUCKET_LADDER_S if span / step <= MAX_POINTS), BUCKET_LADDER_S[-1])


@dataclass(frozen=True)
class Segment:
    grain: Grain
    start: datetime
    end: datetime


def segments(window: TimeWindow, bucket_s: int) -> list[Segment]:
    """Which table serves which part of the window: hour rows where whole hours fit and the
    buckets are hours or longer, minute rows elsewhere."""
    if bucket_s < HOURS.seconds:
        return [Segment(MINUTES, window.start, window.end)] if window.start < window.end else []
    inner_start, inner_end = _ceil(window.start, 3600), _floor(window.end, 3600)
    if inner_start >= inner_end:
        return [Segment(MINUTES, window.start, window.end)] if window.start < window.end else []
    parts = [
        Segment(MINUTES, window.start, inner_start),
        Segment(HOURS, inner_start, inner_end),
        Segment(MINUTES, inner_end, window.end),
    ]
    return [p for p in parts if p.start < p.end]


def _source(database: str, table: Callable[[Grain], str], columns: str, parts: Sequence[Segment], projects: bool) -> str:
    selects = []
    for i, part in enumerate(parts):
        where = f"org_id = {{org:String}} AND period_start >= {{s{i}:DateTime}} AND period_start < {{e{i}:DateTime}}"
        if projects:
            where += " AND project_id IN {projects:Array(String)}"
        selects.append(f"SELECT {columns} FROM {database}.{table(part.grain)} WHERE {where}")
    return " UNION ALL ".join(selects)


@dataclass(frozen=True)
class DashboardQueries:
    counts: str  # (kind, project_id, bucket, requests, flagged)
    latency: str  # (quantiles array, histogram array)
    detections: str  # (detector_type, bucket, detections)
    parameters: dict[str, Any]


def dashboard_queries(database: str, org_id: str, parts: Sequence[Segment], bucket_s: int, project_ids: Sequence[str]) -> DashboardQueries:
    params: dict[str, Any] = {"org": org_id, "bucket": bucket_s}
    for i, part in enumerate(parts):
        params[f"s{i}"], params[f"e{i}"] = part.start, part.end
    if project_ids:
        params["projects"] = list(project_ids)
    bucket = "toStartOfInterval(period_start, toIntervalSecond({bucket:UInt32}))"
    stats = _source(database, stats_table, "kind, project_id, period_start, requests, flagged, latency_quantiles, latency_histogram", parts, bool(project_ids))
    detections = _source(database, detections_table, "detector_type, period_start, detections", parts, bool(project_ids))
    merge = QUANTILES_FUNCTION.replace("(", "Merge(", 1)
    return DashboardQueries(
        counts=f"SELECT kind, project_id, {bucket} AS bucket, sum(requests), sum(flagged) FROM ({stats}) GROUP BY kind, project_id, bucket",
        latency=f"SELECT {merge}(latency_quantiles), sumForEachMerge(latency_histogram) FROM ({stats})",
        detections=f"SELECT detector_type, {bucket} AS bucket, sum(detections) FROM ({detections}) GROUP BY detector_type, bucket",
        parameters=params,
    )


# --- assembly (pure) ------------------------------------------------------------------------


def rate(flagged: int, requests: int) -> float:
    return flagged / requests if requests else 0.0


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def project_rows(
    counts: Mapping[str, tuple[int, int]], names: Mapping[str, str], project_ids: Sequence[str], sort: ProjectSort, order: SortOrder
) -> list[ProjectStats]:
    """One row per project with screenings, plus every configured (or requested) project
    without any, sorted; ties by name then id so the order is stable."""
    ids = set(counts) | (set(project_ids) if project_ids else set(names))
    rows = []
    for project_id in ids:
        requests, flagged = counts.get(project_id, (0, 0))
        name = NO_PROJECT_NAME if project_id == "" else names.get(project_id, project_id)
        rows.append(ProjectStats(project_id=project_id or None, name=name, requests=requests, flagged=flagged, detection_rate=rate(flagged, requests)))
    rows.sort(key=lambda r: (r.name.casefold(), r.project_id or ""))  # ties, in either order
    primary = {"name": lambda r: r.name.casefold(), "requests": lambda r: r.requests, "detection_rate": lambda r: r.detection_rate}
    rows.sort(key=primary[sort], reverse=order == "desc")  # stable: ties keep the order above
    return rows


def latency_summary(quantiles: Sequence[float], histogram: Sequence[int], requests: int) -> LatencySummary:
    values = [None if not requests or math.isnan(q) else round(q, 3) for q in quantiles] or [None] * len(QUANTILE_LEVELS)
    counts = list(histogram) or [0] * (len(LATENCY_BUCKETS_MS) + 1)
    bounds: list[float | None] = [*LATENCY_BUCKETS_MS, None]
    return LatencySummary(
        p50=values[0], p90=values[1], p95=values[2], p99=values[3],
        histogram=[LatencyBucket(le=le, count=int(c)) for le, c in zip(bounds, counts, strict=True)],
    )


def bucket_starts(window: TimeWindow, bucket_s: int) -> list[datetime]:
    if window.start >= window.end:
        return []
    first = _floor(window.start, bucket_s)
    return [first + timedelta(seconds=bucket_s * i) for i in range(max(0, math.ceil((window.end - first).total_seconds() / bucket_s)))]


def assemble(
    window: TimeWindow,
    bucket_s: int,
    count_rows: Iterable[Sequence[Any]],
    latency_row: Sequence[Any],
    detection_rows: Iterable[Sequence[Any]],
    names: Mapping[str, str],
    project_ids: Sequence[str],
    sort: ProjectSort,
    order: SortOrder,
) -> Dashboard:
    by_kind = {k: [0, 0] for k in KINDS}
    by_project: dict[str, list[int]] = {}
    series = {start: [0, 0, {}] for start in bucket_starts(window, bucket_s)}
    for kind, project_id, bucket, requests, flagged in count_rows:
        for target in (by_kind.setdefault(kind, [0, 0]), by_project.setdefault(project_id, [0, 0]), series.setdefault(_utc(bucket), [0, 0, {}])):
            target[0] += requests
            target[1] += flagged
    by_detector: dict[str, int] = {}
    for detector_type, bucket, detections in detection_rows:
        by_detector[detector_type] = by_detector.get(detector_type, 0) + detections
        point = series.setdefault(_utc(bucket), [0, 0, {}])[2]
        point[detector_type] = point.get(detector_type, 0) + detections
    requests, flagged = sum(v[0] for v in by_kind.values()), sum(v[1] for v in by_kind.values())
    return Dashboard(
        window=DashboardWindow(start=window.start, end=window.end, bucket_seconds=bucket_s),
        totals=DashboardTotals(requests=requests, flagged=flagged, detection_rate=rate(flagged, requests)),
        by_type=[KindStats(kind=k, requests=r, flagged=f, detection_rate=rate(f, r)) for k, (r, f) in by_kind.items() if k in KINDS],
        by_detector=[DetectorStats(detector_type=t, detections=n) for t, n in sorted(by_detector.items(), key=lambda i: (-i[1], i[0]))],
        latency_ms=latency_summary(latency_row[0] if latency_row else [], latency_row[1] if latency_row else [], requests),
        timeseries=[TimeseriesPoint(start=s, requests=v[0], flagged=v[1], detections=v[2]) for s, v in sorted(series.items())],
        projects=project_rows({p: (v[0], v[1]) for p, v in by_project.items()}, names, project_ids, sort, order),
    )


# --- the edge -------------------------------------------------------------------------------


async def read_dashboard(
    client: Client,
    database: str,
    org_id: str,
    window: TimeWindow,
    project_ids: Sequence[str],
    names: Mapping[str, str],
    sort: ProjectSort = "requests",
    order: SortOrder = "desc",
    retention_start: datetime | None = None,
) -> Dashboard:
    resolved = minute_window(window, retention_start)
    step = bucket_seconds(resolved)
    parts = segments(resolved, step)
    if not parts:
        return assemble(resolved, step, [], [], [], names, project_ids, sort, order)
    queries = dashboard_queries(database, org_id, parts, step, project_ids)

    def rows(sql: str) -> list[Sequence[Any]]:
        return client.query(sql, parameters=queries.parameters).result_rows

    counts, latency, detections = await asyncio.gather(
        asyncio.to_thread(rows, queries.counts), asyncio.to_thread(rows, queries.latency), asyncio.to_thread(rows, queries.detections)
    )
    return assemble(resolved, step, counts, latency[0] if latency else [], detections, names, project_ids, sort, order)
