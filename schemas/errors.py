"""The error body every 4xx/5xx answers with (DESIGN.md contract), and the FastAPI
handlers that make every service answer in it — validation errors included."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

log = structlog.get_logger(__name__)

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "quota_exceeded",
    500: "internal_error",
    503: "unavailable",
}


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail

    @classmethod
    def of(cls, code: str, message: str, field: str | None = None) -> "ErrorBody":
        return cls(error=ErrorDetail(code=code, message=message, field=field))


class ApiError(Exception):
    """Raised by routes for an answer in the contract's error shape."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = ErrorBody.of(code or _STATUS_CODES.get(status, "error"), message, field)
        self.headers = headers


def error_response(
    status: int, message: str, code: str | None = None, field: str | None = None
) -> JSONResponse:
    body = ErrorBody.of(code or _STATUS_CODES.get(status, "error"), message, field)
    return JSONResponse(body.model_dump(), status_code=status)


def _field_path(loc: tuple[Any, ...]) -> str | None:
    """`("body", "messages", 0, "role")` → `messages[0].role` (the request part dropped)."""
    parts = [p for p in loc if p not in ("body", "query", "path", "header")]
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or None


async def _on_validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    field = _field_path(tuple(first.get("loc", ())))
    message = str(first.get("msg", "invalid request"))
    if field:
        message = f"{field}: {message}"
    return error_response(422, message, "invalid_request", field)


async def _on_http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    response = error_response(exc.status_code, str(exc.detail))
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def _on_api_error(_: Request, exc: ApiError) -> JSONResponse:
    return JSONResponse(exc.body.model_dump(), status_code=exc.status, headers=exc.headers)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled_error", path=request.url.path, error_type=type(exc).__name__)
    return error_response(500, "internal error; see the service log", "internal_error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _on_http_error)  # type: ignore[arg-type]
    app.add_exception_handler(ApiError, _on_api_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _on_unexpected)
