"""`make bench`: run every benchmark (or those named: `python -m tests.bench ingest`)."""

from __future__ import annotations

import sys

from tests.bench import bench_ingest

BENCHMARKS = {"ingest": bench_ingest.main}


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
