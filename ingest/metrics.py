"""Prometheus text exposition for `GET /metrics`: a handful of counters and a latency
histogram, written by hand so ingest needs no metrics dependency."""

from __future__ import annotations

import bisect
from collections import Counter

_LATENCY_BUCKETS_MS = (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500)


class IngestMetrics:
    def __init__(self) -> None:
        self.accepted = 0
        self.rejected: Counter[str] = Counter()
        self._ack_buckets = [0] * (len(_LATENCY_BUCKETS_MS) + 1)
        self._ack_sum_ms = 0.0
        self._ack_count = 0

    def observe_ack(self, elapsed_ms: float, events: int) -> None:
        """One Kafka acknowledgement wait covering `events` screenings."""
        self.accepted += events
        self._ack_buckets[bisect.bisect_left(_LATENCY_BUCKETS_MS, elapsed_ms)] += 1
        self._ack_sum_ms += elapsed_ms
        self._ack_count += 1

    def observe_rejection(self, code: str) -> None:
        self.rejected[code] += 1

    def render(self) -> str:
        lines = [
            "# HELP guard_ingest_accepted_total Screenings acknowledged by Kafka.",
            "# TYPE guard_ingest_accepted_total counter",
            f"guard_ingest_accepted_total {self.accepted}",
            "# HELP guard_ingest_rejected_total Requests rejected, by error code.",
            "# TYPE guard_ingest_rejected_total counter",
        ]
        lines += [f'guard_ingest_rejected_total{{code="{c}"}} {n}' for c, n in sorted(self.rejected.items())]
        lines += [
            "# HELP guard_ingest_kafka_ack_ms Time from produce to acks=all acknowledgement.",
            "# TYPE guard_ingest_kafka_ack_ms histogram",
        ]
        cumulative = 0
        for bound, count in zip(_LATENCY_BUCKETS_MS, self._ack_buckets):
            cumulative += count
            lines.append(f'guard_ingest_kafka_ack_ms_bucket{{le="{bound}"}} {cumulative}')
        lines.append(f'guard_ingest_kafka_ack_ms_bucket{{le="+Inf"}} {self._ack_count}')
        lines.append(f"guard_ingest_kafka_ack_ms_sum {self._ack_sum_ms:.3f}")
        lines.append(f"guard_ingest_kafka_ack_ms_count {self._ack_count}")
        return "\n".join(lines) + "\n"
