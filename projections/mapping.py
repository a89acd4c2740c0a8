"""Screened event → `screenings` row, as the SELECT of the materialized view that parses
`screened_landing` (raw Kafka record values) into `screened_parsed`.

The mapping runs inside ClickHouse so that the writer and the replay only move bytes: one
JSON parse per event in C++ (JSONExtract into the envelope's typed tuple) instead of a
pydantic model per event in Python — the difference between ~8k and >100k events/s per
core. Both the live writer and the replay go through this one mapping, so a rebuilt table
can only equal the live one. The SQL is built here from constants (never from data) and
its output is checked against the pydantic contract on the real engine
(tests/integration/test_projection_mapping.py).

A record that is not a decodable `screening.screened` envelope gets a `reject_reason` and
goes to `screened_rejects` (partition, offset, reason) instead of `screenings`: poison on
the log of record is counted and findable, and never blocks the projection.
"""

from __future__ import annotations

from schemas.screening import SCREENING_SCREENED

PREVIEW_CHARS = 200
KINDS = ("prompt", "output", "conversation")

# The envelope and `screening.screened` payload as JSONExtract reads them (DESIGN.md contract).
# `api_response` is read as String: JSONExtract returns an object's JSON text unchanged, so
# the stored body is exactly the one the guard API returned.
ENVELOPE_TYPE = (
    "Tuple(event_id String, type String, occurred_at String, org_id String, project_id Nullable(String), "
    "data Tuple(request_id String, kind String, "
    "messages Array(Tuple(role String, content Nullable(String))), content_logged Bool, "
    "pii Array(Tuple(detector_type String)), "
    "results Array(Tuple(detector_type String, detector_id String, result String, detected Bool)), "
    "flagged Bool, policy_id Nullable(String), policy_version Nullable(UInt32), latency_ms Nullable(Float64), "
    "pipeline_ms Float64, region Nullable(String), metadata Map(String, String), api_response String))"
)

_ZERO_UUID = "toUUID('00000000-0000-0000-0000-000000000000')"
_KINDS_SQL = "[" + ", ".join(f"'{k}'" for k in KINDS) + "]"

# (column, expression over `e` (envelope), `d` (payload), `at` (parsed time)), in the
# column order of `screened_parsed`.
PARSED_EXPRESSIONS: tuple[tuple[str, str], ...] = (
    ("event_id", "toUUIDOrZero(e.event_id)"),
    ("request_id", "d.request_id"),
    ("org_id", "e.org_id"),
    ("project_id", "ifNull(e.project_id, '')"),
    ("received_at", "ifNull(at, toDateTime64(0, 3, 'UTC'))"),
    ("kind", "d.kind"),
    ("flagged", "d.flagged"),
    ("detected", "arraySort(arrayDistinct(arrayMap(r -> r.detector_type, arrayFilter(r -> r.detected, d.results))))"),
    ("results.detector_type", "arrayMap(r -> r.detector_type, d.results)"),
    ("results.detector_id", "arrayMap(r -> r.detector_id, d.results)"),
    ("results.result", "arrayMap(r -> r.result, d.results)"),
    ("results.detected", "arrayMap(r -> r.detected, d.results)"),
    ("content_logged", "d.content_logged"),
    ("message_roles", "arrayMap(m -> m.role, d.messages)"),
    ("message_contents", "if(d.content_logged, arrayMap(m -> ifNull(m.content, ''), d.messages), [])"),
    # The first input message (system prompts last), masked, cut to PREVIEW_CHARS code points.
    (
        "preview",
        "if(d.content_logged, leftUTF8(arrayConcat(arrayFilter(c -> c != '', arrayMap(m -> ifNull(m.content, ''), "
        "arrayConcat(arrayFilter(m -> m.role != 'system', d.messages), arrayFilter(m -> m.role = 'system', d.messages)))), "
        f"[''])[1], {PREVIEW_CHARS}), '')",
    ),
    ("pii_types", "arraySort(arrayDistinct(arrayMap(s -> s.detector_type, d.pii)))"),
    ("latency_ms", "d.latency_ms"),
    ("pipeline_ms", "d.pipeline_ms"),
    ("region", "ifNull(d.region, '')"),
    ("metadata", "d.metadata"),
    ("policy_id", "ifNull(d.policy_id, '')"),
    ("policy_version", "ifNull(d.policy_version, 0)"),
    ("api_response", "d.api_response"),
)

# Why a record is not projected; '' = it is a screened event. Structural checks only: events
# on guard.screened were validated by the pipeline that produced them.
REJECT_REASON = (
    "multiIf("
    f"e.type != '{SCREENING_SCREENED}', 'not a {SCREENING_SCREENED} envelope (or not JSON)', "
    f"toUUIDOrZero(e.event_id) = {_ZERO_UUID}, 'event_id is not a UUID', "
    "e.org_id = '', 'org_id is empty', "
    "at IS NULL, 'occurred_at is not an RFC 3339 time', "
    f"NOT has({_KINDS_SQL}, d.kind), 'kind is not prompt, output or conversation', "
    "d.api_response = '', 'api_response is missing', "
    "'')"
)


def parse_select(landing: str) -> str:
    """SELECT (for the landing → parsed view) of partition, offset, reject_reason and the row."""
    columns = ",\n    ".join(f"{expression} AS `{name}`" for name, expression in PARSED_EXPRESSIONS)
    return (
        f"WITH JSONExtract(raw, '{ENVELOPE_TYPE}') AS e, e.data AS d, "
        "parseDateTime64BestEffortOrNull(e.occurred_at, 3, 'UTC') AS at\n"
        f"SELECT kafka_partition, kafka_offset, {REJECT_REASON} AS reject_reason,\n    {columns}\n"
        f"FROM {landing}"
    )


def parsed_columns() -> tuple[str, ...]:
    return tuple(name for name, _ in PARSED_EXPRESSIONS)
