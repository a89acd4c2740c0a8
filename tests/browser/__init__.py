"""Browser tests. This file makes the directory a package, so the `package`-scoped Playwright
fixtures of conftest.py end with it: without it pytest scopes them to the session, and
Playwright's event loop would outlive the browser tests and break later `asyncio.run` calls."""
