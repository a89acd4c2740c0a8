"""ClickHouse's HTTP interface over the embedded engine, as a Starlette (ASGI) app run by uvicorn.

Why uvicorn + Starlette rather than the stdlib's http.server: clickhouse-connect streams every
insert with chunked transfer encoding and keeps connections alive in a pool; uvicorn (h11 /
httptools) implements both correctly, the stdlib server does not decode chunked request bodies.
Both are already dependencies of the services. The event loop only does HTTP; every engine call
runs in a worker thread (chdb releases the GIL while it works), bounded by a CapacityLimiter
the size of the connection pool so waiting requests queue in the loop, not in threads.

Responses are buffered whole (as ClickHouse does with `wait_end_of_query=1`, which
clickhouse-connect sends for every non-streaming call), so an error is always an HTTP error
status with `X-ClickHouse-Exception-Code`, never a 200 with an exception appended mid-body.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import anyio.to_thread
import structlog
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from deploy.clickhouse_endpoint.engine import DEFAULT_OUTPUT_FORMAT, Engine, EngineResult
from deploy.clickhouse_endpoint.errors import QUERY_IS_TOO_LARGE, ClickHouseError, error_from_engine
from deploy.clickhouse_endpoint.protocol import build_query_request, content_type_for, decompress_body
from deploy.clickhouse_endpoint.statement import parse_statement

DEFAULT_MAX_BODY_BYTES = 1 << 30  # a request body is held in memory while it is inserted
OK_BODY = "Ok.\n"  # ClickHouse's http_server_default_response
_TEXT = "text/plain; charset=UTF-8"

log = structlog.get_logger("clickhouse_endpoint")


def create_app(engine: Engine, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> Starlette:
    """The app; it opens `engine` on startup (so /ping answers only once queries can run)."""
    limiter = anyio.CapacityLimiter(engine.connections)
    display_name = socket.gethostname()

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(engine.open)
        log.info("engine_ready", data_dir=str(engine.data_dir), version=engine.version, connections=engine.connections)
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(engine.close)
            log.info("engine_closed")

    async def ping(request: Request) -> Response:
        # Health checks poll this: logged at debug so they do not drown the access log.
        log.debug("request", method=request.method, path=request.url.path, status=200)
        return PlainTextResponse(OK_BODY)

    async def query(request: Request) -> Response:
        started = time.perf_counter()
        fields: dict[str, object] = {"method": request.method, "path": request.url.path}
        try:
            response = await _answer(request, engine, limiter, max_body_bytes, display_name, fields)
        except ClientDisconnect:
            fields["status"] = 499  # nginx's "client closed request": nothing can be sent back
            response = Response(status_code=499)
        fields["status"] = response.status_code
        fields["duration_ms"] = round((time.perf_counter() - started) * 1000, 2)
        log.info("request", **fields)
        return response

    return Starlette(
        routes=[
            Route("/ping", ping, methods=["GET", "HEAD"]),
            Route("/replicas_status", ping, methods=["GET", "HEAD"]),  # no replicas: always Ok.
            Route("/", query, methods=["GET", "POST"]),
        ],
        lifespan=lifespan,
    )


async def _answer(
    request: Request,
    engine: Engine,
    limiter: anyio.CapacityLimiter,
    max_body_bytes: int,
    display_name: str,
    fields: dict[str, object],
) -> Response:
    """Run the request's statement; `fields` collects what the access log may show."""
    headers = {"X-ClickHouse-Server-Display-Name": display_name, "X-ClickHouse-Timezone": engine.timezone}
    params = request.query_params.multi_items()
    if request.method == "GET" and not any(name == "query" for name, _ in params):
        return PlainTextResponse(OK_BODY, headers=headers)  # GET / is ClickHouse's health check too
    try:
        body = await _read_body(request, max_body_bytes)
        fields["body_bytes"] = len(body)
        encoding = request.headers.get("content-encoding")
        if encoding:
            body = await anyio.to_thread.run_sync(decompress_body, body, encoding)
            if len(body) > max_body_bytes:
                raise ClickHouseError.of(QUERY_IS_TOO_LARGE, f"Request body is larger than {max_body_bytes} bytes")
        query_request = build_query_request(params, request.headers, request.method, body)
        headers["X-ClickHouse-Query-Id"] = fields["query_id"] = query_request.query_id
        statement = parse_statement(query_request.text)
        fields["statement"] = statement.kind  # the first keyword only: the rest may hold user text
        result = await anyio.to_thread.run_sync(engine.execute, query_request, statement, limiter=limiter)
    except ClientDisconnect:
        raise
    except Exception as exc:  # engine errors and our own refusals alike answer as ClickHouse would
        error = exc if isinstance(exc, ClickHouseError) else error_from_engine(exc)
        if not isinstance(exc, ClickHouseError):
            log.warning("unexpected_error", error_type=type(exc).__name__)
        fields["exception_code"] = error.code
        fields["exception_name"] = error.name  # never the message: it may quote the data
        headers["X-ClickHouse-Exception-Code"] = str(error.code)
        return Response(error.body(engine.version), status_code=error.http_status, headers=headers, media_type=_TEXT)
    fields["read_rows"], fields["written_rows"] = result.read_rows, result.written_rows
    output_format = statement.output_format or query_request.default_format or DEFAULT_OUTPUT_FORMAT
    headers["X-ClickHouse-Summary"] = _summary(result)
    media_type = _TEXT
    if statement.produces_result:
        # clickhouse-connect's command() tells an empty result ("") from a statement without one
        # (a summary) by this header, as a real server sends it only for result-producing queries.
        headers["X-ClickHouse-Format"] = output_format
        media_type = content_type_for(output_format)
    return Response(result.body, headers=headers, media_type=media_type)


async def _read_body(request: Request, max_body_bytes: int) -> bytes:
    """The whole body (uvicorn has already undone chunked transfer encoding).

    Buffering before touching the engine means a client that disconnects mid-upload inserts
    nothing, and a body is decompressed and split (INSERT head / data) in one piece."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > max_body_bytes:
            raise ClickHouseError.of(QUERY_IS_TOO_LARGE, f"Request body is larger than {max_body_bytes} bytes")
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _summary(result: EngineResult) -> str:
    """X-ClickHouse-Summary; ClickHouse sends every number as a string, clickhouse-connect relies on it."""
    return json.dumps(
        {
            "read_rows": str(result.read_rows),
            "read_bytes": str(result.read_bytes),
            "written_rows": str(result.written_rows),
            "written_bytes": str(result.written_bytes),
            "total_rows_to_read": str(result.read_rows),
            "result_bytes": str(len(result.body)),
            "elapsed_ns": str(int(result.elapsed_s * 1e9)),
        },
        separators=(",", ":"),
    )
