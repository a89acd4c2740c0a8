"""The web dashboard's serving: one shell for every page path, the static files, and the
browser router in step with the server's page paths — without services."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from query_api.permissions import PUBLIC, ROUTE_PERMISSIONS, WEB_PAGES
from query_api.web_routes import STATIC_DIR, mount_web
from schemas.errors import install_error_handlers


def client() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)
    mount_web(app)
    return TestClient(app)


def test_every_page_path_answers_the_shell() -> None:
    web = client()
    for path in WEB_PAGES:
        concrete = re.sub(r"\{\w+\}", "x", path)
        answer = web.get(concrete)
        assert answer.status_code == 200, path
        assert answer.headers["content-type"].startswith("text/html")
        assert '<script type="module" src="/static/main.js">' in answer.text
        assert ROUTE_PERMISSIONS[("GET", path)] is PUBLIC


def test_static_files_are_served_and_revalidated() -> None:
    web = client()
    answer = web.get("/static/router.js")
    assert answer.status_code == 200
    assert "javascript" in answer.headers["content-type"]
    assert answer.headers["cache-control"] == "no-cache"
    missing = web.get("/static/no-such-module.js")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_the_browser_router_knows_exactly_the_served_page_paths() -> None:
    router = (STATIC_DIR / "router.js").read_text()
    client_paths = set(re.findall(r'\{ path: "([^"]+)"', router))
    served = {re.sub(r"\{(\w+)\}", r":\1", p) for p in WEB_PAGES} - {"/"}  # "/" redirects to the dashboard
    assert client_paths == served


def test_every_relative_import_of_a_module_exists() -> None:
    for module in STATIC_DIR.rglob("*.js"):
        if "vendor" in module.parts:
            continue
        for target in re.findall(r'(?:from|import)\s*\(?\s*"(\.{1,2}/[^"]+)"', module.read_text()):
            assert (module.parent / target).resolve().is_file(), f"{module.relative_to(STATIC_DIR)} imports missing {target}"
