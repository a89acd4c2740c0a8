"""Time to data painted of the Dashboard and Requests pages, in Debian's Chromium, with 1 million
screenings stored.

The rows are generated straight into ClickHouse by bench_read_models' `generate_sql` (same
shapes, through the same materialized views as live traffic); a full `Stack` serves them. Each
page sets the performance mark `guardstream:data-painted` once its data is rendered (cards
and charts, or the table rows); its `startTime` is milliseconds since the navigation started,
so it covers the HTML shell, the ES modules, the API calls and the rendering.

    make bench            # or: .venv/bin/python -m tests.bench web
"""

from __future__ import annotations

import os
import statistics

from playwright.sync_api import Page, sync_playwright

from tests.bench.bench_read_models import filled_stack
from tests.bench.report import machine_line, write_section

ROWS = int(os.environ.get("GUARD_BENCH_WEB_ROWS", "1000000"))
SAMPLES = int(os.environ.get("GUARD_BENCH_WEB_SAMPLES", "15"))
TARGET_MS = 1000
PAGES = (
    ("Dashboard, last 24 hours", "/dashboard?range=24h"),
    ("Dashboard, last 30 days", "/dashboard?range=30d"),
    ("Dashboard, 30 days, one project", "/dashboard?range=30d&project_id=project-07"),
    ("Requests, last 24 hours", "/requests?range=24h"),
    ("Requests, last 30 days", "/requests?range=30d"),
    ("Requests, Detections tab, 30 days", "/requests?range=30d&tab=detections"),
)


def painted(page: Page, url: str) -> dict[str, float]:
    """One navigation: when the data was painted, and the navigation timing around it (ms)."""
    page.goto(url)
    page.wait_for_selector("[data-loaded=true]", timeout=30_000)
    return page.evaluate(
        """() => {
            const nav = performance.getEntriesByType("navigation")[0];
            const mark = performance.getEntriesByName("guardstream:data-painted")[0];
            return {painted: mark.startTime, dom: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
                    rows: document.querySelectorAll("#requests-table tbody tr").length,
                    requests: (document.querySelector("#card-requests .value") || {}).textContent || ""};
        }"""
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(q * len(ordered))) - 1)]


def main() -> None:
    with filled_stack("guard-bench-web-", ROWS) as filled:
        creds, fill_s, token = filled.creds, filled.fill_s, filled.token
        rows = []
        worst = 0.0
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"])
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            context.add_init_script(f"window.localStorage.setItem('guardstream.token', {token!r});")
            page = context.new_page()
            for label, path in PAGES:
                painted(page, creds.query_url + path)  # warm-up: the browser's cache holds the modules
                samples = [painted(page, creds.query_url + path) for _ in range(SAMPLES)]
                times = [s["painted"] for s in samples]
                shown = f"{samples[-1]['rows']} rows" if samples[-1]["rows"] else f"{samples[-1]['requests']} requests"
                p50, p95 = statistics.median(times), percentile(times, 0.95)
                worst = max(worst, p95)
                dom = statistics.median(s["dom"] for s in samples)
                rows.append(f"| {label} (`{path}`) | {shown} | {dom:.0f} | {p50:.0f} | {p95:.0f} |")
                print(rows[-1], flush=True)
            browser.close()
    nl = "\n"
    body = f"""## Web dashboard: time to data painted with {ROWS / 1e6:g} million screenings

`make bench` → `python -m tests.bench web` · {machine_line()}

{ROWS:,} screenings of one organization over the 30 days before the run, 20 projects, generated straight into
`guard.screenings` by bench_read_models' `generate_sql` ({fill_s:.0f} s) in the embedded ClickHouse engine of a
full `Stack`. Debian's Chromium (headless, 1440x900) opens each page {SAMPLES} times after one warm-up, logged in
as the admin. *Data painted* is the page's `guardstream:data-painted` performance mark: milliseconds from the
start of the navigation until the cards and charts (Dashboard) or the first 50 rows (Requests) are rendered — HTML
shell, ES modules (revalidated, 304), `GET /v1/me`, the API call and the rendering included. *DOM ready* is the
navigation timing's `domContentLoadedEventEnd`.

| page | shown | DOM ready ms (p50) | data painted p50 ms | data painted p95 ms |
| --- | ---: | ---: | ---: | ---: |
{nl.join(rows)}

Target: data painted within {TARGET_MS} ms — {'met' if worst < TARGET_MS else 'missed'} (worst p95 {worst:.0f} ms).
"""
    write_section("web", body)
    print(body)


if __name__ == "__main__":
    main()
