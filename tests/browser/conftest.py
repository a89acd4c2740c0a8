"""Browser fixtures: Debian's Chromium driven by Playwright (sync API), on the session's
`running_stack`, with data seeded through the public APIs as a person would.

* `browser`: one headless Chromium for the whole browser suite (/usr/bin/chromium: `make test`
  installs the Debian package; Playwright never downloads a browser);
* `web_url`: where the stack's query_api serves the dashboard;
* `seeded_web`: in the stack's bootstrap org, two fresh projects (one with attacks and PII, one
  benign), a `user` and a `no_access` member, and screenings ingested and visible;
* `page_as(role)`: a fresh browser context logged in as that role, on a blank page.

Package-scoped, so the browser and its event loop are gone before other packages' tests run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.browser.web_seed import SeededWeb, seed_web

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        # --no-sandbox: Chromium refuses to sandbox as root (CI containers, this machine).
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="package")
def web_url(running_stack) -> str:
    return running_stack.creds.query_url


@pytest.fixture(scope="package")
def seeded_web(running_stack) -> SeededWeb:
    return seed_web(running_stack)


@pytest.fixture
def page_as(browser: Browser, seeded_web: SeededWeb) -> Iterator[Callable[[str], Page]]:
    """`page_as("user")` → a page in a fresh context whose storage holds that member's token
    (the token the login form would store; the login form itself is tested on its own)."""
    contexts: list[BrowserContext] = []

    def open_page(role: str) -> Page:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        contexts.append(context)
        context.add_init_script(f"window.localStorage.setItem('guardstream.token', {seeded_web.token(role)!r});")
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()
