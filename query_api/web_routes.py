"""The web dashboard: one HTML shell for every page path, and the static files it loads.

The shell holds no data: its ES modules (query_api/web/static/) call the query API with the
member's bearer token, so every rule stays enforced by the API routes. The page paths are
WEB_PAGES in query_api/permissions.py (public rows of the permission table); the browser's
router (static/router.js) maps the same paths to page modules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from query_api.permissions import WEB_PAGES

WEB_DIR = Path(__file__).resolve().parent / "web"
STATIC_DIR = WEB_DIR / "static"


def build_web_router(shell: str) -> APIRouter:
    router = APIRouter(tags=["web dashboard"], include_in_schema=False)

    async def page() -> HTMLResponse:
        return HTMLResponse(shell, headers={"Cache-Control": "no-cache"})

    for path in WEB_PAGES:
        router.add_api_route(path, page, methods=["GET"], response_class=HTMLResponse)
    return router


class RevalidatedStaticFiles(StaticFiles):
    """Static files the browser revalidates on every load (a cheap 304 by ETag), so an
    upgraded module is never mixed with stale ones from the cache."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "no-cache"
        return response


def mount_web(app: FastAPI) -> None:
    """Serve the dashboard at `/` (its pages) and `/static/` (modules, CSS, vendor libraries)."""
    app.include_router(build_web_router((WEB_DIR / "index.html").read_text()))
    app.mount("/static", RevalidatedStaticFiles(directory=STATIC_DIR), name="static")
