-- One row per screened event. ReplacingMergeTree on the full sort key (which contains
-- event_id and the event's own time, both fixed per event) folds any replayed duplicate;
-- the writer's insert deduplication tokens already drop retried batches.
CREATE TABLE IF NOT EXISTS {db}.screenings
(
    event_id UUID,
    request_id String,
    org_id LowCardinality(String),
    project_id LowCardinality(String),
    received_at DateTime64(3, 'UTC'),
    kind LowCardinality(String),
    flagged Bool,
    detected Array(LowCardinality(String)),
    results Nested(
        detector_type LowCardinality(String),
        detector_id String,
        result LowCardinality(String),
        detected Bool
    ),
    content_logged Bool,
    message_roles Array(LowCardinality(String)),
    message_contents Array(String),
    preview String,
    pii_types Array(LowCardinality(String)),
    latency_ms Nullable(Float64),
    pipeline_ms Float64,
    region LowCardinality(String),
    metadata Map(String, String),
    policy_id String,
    policy_version UInt32,
    api_response String,
    kafka_partition UInt16,
    kafka_offset UInt64,
    inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toDate(received_at)
ORDER BY (org_id, project_id, received_at, event_id)
SETTINGS non_replicated_deduplication_window = 1000
