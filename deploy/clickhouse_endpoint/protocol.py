"""The request side of ClickHouse's HTTP interface, as pure functions over what arrived.

What a request means (src/Server/HTTPHandler.cpp, and what clickhouse-connect 1.x sends):

- the statement is the `query` URL parameter, a line break, then the body
  (`?query=INSERT INTO t FORMAT JSONEachRow` + a JSON body is one statement with inline data);
- `param_<name>` parameters bind `{name:Type}` placeholders server-side, in escaped text form;
- a fixed set of names are transport parameters (session, query id, compression flags,
  credentials...); every other URL parameter is a *setting* for this query — an unknown name is
  the engine's UNKNOWN_SETTING error, never silently dropped or applied elsewhere;
- a few of those settings only steer the HTTP handler (response compression, progress headers):
  they are accepted and consumed here, not sent to the engine;
- `Content-Encoding` (gzip, deflate, br, zstd, lz4) compresses the request body. clickhouse-connect
  compresses every insert with its first available codec (lz4 here) whatever the server says, so
  decompression is required; lz4 and zstd bodies are a concatenation of frames, one per block;
- `multipart/form-data` carries `query` and `param_*` as form fields (clickhouse-connect switches
  to it when bound values exceed 4 KiB); file parts would be external tables, which chdb cannot
  attach, so they are refused with NOT_IMPLEMENTED;
- an HTTP GET runs with `readonly=2`, as on a real server.
"""

from __future__ import annotations

import email.parser
import email.policy
import gzip
import re
import uuid
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from deploy.clickhouse_endpoint.errors import (
    CANNOT_DECOMPRESS,
    INVALID_SESSION_TIMEOUT,
    NOT_IMPLEMENTED,
    UNKNOWN_COMPRESSION_METHOD,
    ClickHouseError,
)

# HTTPHandler's reserved_param_names, plus the parameters it reads itself and `role` (newer servers).
TRANSPORT_PARAMS = frozenset(
    {
        "query", "database", "default_format", "compress", "decompress", "user", "password", "quota_key",
        "query_id", "stacktrace", "buffer_size", "wait_end_of_query", "session_id", "session_timeout",
        "session_check", "client_protocol_version", "close_session", "role",
    }
)
# Real settings that only steer the HTTP handler. We always answer uncompressed (loopback: the
# CPU is scarcer than bandwidth, and HTTP lets a server ignore Accept-Encoding) and buffer the
# whole result (so no progress headers are needed to keep a connection alive).
HTTP_HANDLER_SETTINGS = frozenset(
    {
        "enable_http_compression", "http_zlib_compression_level", "send_progress_in_http_headers",
        "http_headers_progress_interval_ms", "cancel_http_readonly_queries_on_client_close",
        "http_wait_end_of_query", "http_response_buffer_size", "add_http_cors_header",
        "http_native_compression_disable_checksumming_on_decompress",
    }
)
PARAMETER_PREFIX = "param_"
DEFAULT_SESSION_TIMEOUT_S = 60  # ClickHouse's default_session_timeout
MAX_SESSION_TIMEOUT_S = 3600  # ClickHouse's max_session_timeout
_TRUE = ("1", "true", "True")
_SETTING_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass
class QueryRequest:
    text: bytes  # the statement: query parameter + "\n" + body, as ClickHouse joins them
    query_id: str
    parameters: dict[str, str] = field(default_factory=dict)  # {name:Type} values, escaped text
    settings: dict[str, str] = field(default_factory=dict)  # for the engine, per query
    database: str | None = None
    default_format: str | None = None
    session_id: str | None = None
    session_timeout_s: int = DEFAULT_SESSION_TIMEOUT_S
    session_check: bool = False
    close_session: bool = False


def build_query_request(
    url_params: Iterable[tuple[str, str]], headers: Mapping[str, str], method: str, body: bytes
) -> QueryRequest:
    """Interpret one request; `body` is already decompressed. Later duplicates win, as in Poco."""
    params = dict(url_params)
    content_type = headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        params.update(_form_fields(content_type, body))
        body = b""
    if params.get("decompress", "0") in _TRUE or params.get("compress", "0") in _TRUE:
        # ClickHouse's own block compression (not HTTP Content-Encoding); clickhouse-connect never asks.
        raise ClickHouseError.of(NOT_IMPLEMENTED, "compress/decompress (native block compression) is not supported")
    request = QueryRequest(
        text=_query_text(params.get("query", ""), body),
        query_id=params.get("query_id") or headers.get("x-clickhouse-query-id") or str(uuid.uuid4()),
        database=headers.get("x-clickhouse-database") or params.get("database") or None,
        default_format=headers.get("x-clickhouse-format") or params.get("default_format") or None,
        session_id=params.get("session_id") or None,
        session_timeout_s=_session_timeout(params.get("session_timeout")),
        session_check=params.get("session_check", "0") in _TRUE,
        close_session=params.get("close_session", "0") in _TRUE,
    )
    for name, value in params.items():
        if name.startswith(PARAMETER_PREFIX):
            request.parameters[name[len(PARAMETER_PREFIX) :]] = value
        elif name and name not in TRANSPORT_PARAMS and name not in HTTP_HANDLER_SETTINGS:
            request.settings[name] = value
    if method == "GET" and request.settings.get("readonly", "0") == "0":
        request.settings["readonly"] = "2"
    return request


def _query_text(query_param: str, body: bytes) -> bytes:
    # DynamicQueryHandler::getQuery: "the contents of the 'query' parameter, a line break and the body".
    return query_param.encode() + b"\n" + body if query_param else body


def is_setting_name(name: str) -> bool:
    """Setting names are spliced into `SET name = '...'`, so only identifiers may pass."""
    return _SETTING_NAME.match(name) is not None


def _session_timeout(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_SESSION_TIMEOUT_S
    if not raw.isdigit():
        raise ClickHouseError.of(INVALID_SESSION_TIMEOUT, f"Invalid session timeout: '{raw}'")
    if int(raw) > MAX_SESSION_TIMEOUT_S:
        raise ClickHouseError.of(
            INVALID_SESSION_TIMEOUT, f"Session timeout '{raw}' is larger than max_session_timeout: {MAX_SESSION_TIMEOUT_S}"
        )
    return int(raw)


def _form_fields(content_type: str, body: bytes) -> dict[str, str]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    fields: dict[str, str] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if part.get_filename() is not None:
            raise ClickHouseError.of(NOT_IMPLEMENTED, "External data (multipart file parts) is not supported by the embedded endpoint")
        if isinstance(name, str):
            payload = part.get_payload(decode=True) or b""
            fields[name] = payload.decode(part.get_content_charset() or "utf-8")
    return fields


def decompress_body(body: bytes, content_encoding: str | None) -> bytes:
    """The request body without its Content-Encoding (which may list several, applied in order)."""
    if not content_encoding:
        return body
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    for coding in reversed(codings):
        try:
            body = _decompress_one(body, coding)
        except ClickHouseError:
            raise
        except Exception as exc:  # each codec raises its own error type on corrupt input
            raise ClickHouseError.of(CANNOT_DECOMPRESS, f"Cannot decompress {coding} request body: {exc}") from exc
    return body


def _decompress_one(body: bytes, coding: str) -> bytes:
    if coding in ("identity", "none"):
        return body
    if coding in ("gzip", "x-gzip"):
        return gzip.decompress(body)  # handles concatenated members
    if coding == "deflate":
        try:
            return zlib.decompress(body)
        except zlib.error:  # some clients send raw deflate without the zlib wrapper
            return zlib.decompress(body, -zlib.MAX_WBITS)
    if coding == "zstd":
        from backports import zstd  # clickhouse-connect's own dependency; decompress() reads all frames

        return zstd.decompress(body)
    if coding == "lz4":
        return _lz4_frames(body)
    if coding == "br":
        try:
            import brotli
        except ImportError:
            raise ClickHouseError.of(UNKNOWN_COMPRESSION_METHOD, "br request bodies need the brotli package") from None
        return brotli.decompress(body)
    raise ClickHouseError.of(UNKNOWN_COMPRESSION_METHOD, f"Unknown HTTP Content-Encoding: {coding}")


def _lz4_frames(body: bytes) -> bytes:
    """LZ4 frame format, as ClickHouse reads it; clickhouse-connect writes one frame per block."""
    import lz4.frame  # clickhouse-connect's own dependency

    out = bytearray()
    while body:
        decompressor = lz4.frame.LZ4FrameDecompressor()
        out += decompressor.decompress(body)
        if not decompressor.eof:
            raise ValueError("truncated LZ4 frame")
        body = decompressor.unused_data
    return bytes(out)


# Content-Type per output format, as ClickHouse's formats declare it.
_CONTENT_TYPES = (
    ("TabSeparated", "text/tab-separated-values; charset=UTF-8"),
    ("TSV", "text/tab-separated-values; charset=UTF-8"),
    ("CSV", "text/csv; charset=UTF-8; header=absent"),
    ("JSONEachRow", "application/x-ndjson; charset=UTF-8"),
    ("JSON", "application/json; charset=UTF-8"),
    ("XML", "application/xml; charset=UTF-8"),
    ("Pretty", "text/plain; charset=UTF-8"),
    ("Markdown", "text/markdown; charset=UTF-8"),
)


def content_type_for(output_format: str) -> str:
    for prefix, content_type in _CONTENT_TYPES:
        if output_format.startswith(prefix):
            return content_type
    if output_format in ("Vertical", "Values", "Raw", "LineAsString", "Template", "CustomSeparated", "Null"):
        return "text/plain; charset=UTF-8"
    return "application/octet-stream"  # Native, RowBinary*, Parquet, Arrow, ORC, Avro, MsgPack...
