"""`make bench`: run every benchmark (or those named: `python -m tests.bench ingest`)."""

from __future__ import annotations

import sys

from tests.bench import bench_archive, bench_freshness, bench_ingest, bench_read_models, bench_replay, bench_screening, bench_web

BENCHMARKS = {
    "ingest": bench_ingest.main,
    "read_models": bench_read_models.main,
    "freshness": bench_freshness.main,
    "replay": bench_replay.main,
    "screening": bench_screening.main,
    "web": bench_web.main,
    "archive": bench_archive.main,
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; choose from {sorted(BENCHMARKS)}", file=sys.stderr)
        return 2
    for name in names:
        BENCHMARKS[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
