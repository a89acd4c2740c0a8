"""ClickHouse exceptions as the HTTP interface reports them.

clickhouse-connect turns a non-2xx answer into `DatabaseError` using two things only: the
`X-ClickHouse-Exception-Code` header and the body text `Code: N. DB::Exception: ... (NAME)
(version V)`. chdb raises Python exceptions that already carry that text (sometimes wrapped,
e.g. "Streaming insert finish failed: Code: 33. ..."), so we cut the text out of them rather
than inventing our own wording; the endpoint's own refusals use the same shape.
"""

from __future__ import annotations

import re

# The codes the endpoint raises by itself (numbers from the engine's errorCodeToName()).
NOT_IMPLEMENTED = (48, "NOT_IMPLEMENTED")
SYNTAX_ERROR = (62, "SYNTAX_ERROR")
UNKNOWN_FORMAT = (73, "UNKNOWN_FORMAT")
UNKNOWN_COMPRESSION_METHOD = (89, "UNKNOWN_COMPRESSION_METHOD")
UNKNOWN_SETTING = (115, "UNKNOWN_SETTING")
QUERY_IS_TOO_LARGE = (229, "QUERY_IS_TOO_LARGE")
CANNOT_DECOMPRESS = (271, "CANNOT_DECOMPRESS")
SESSION_NOT_FOUND = (372, "SESSION_NOT_FOUND")
INVALID_SESSION_TIMEOUT = (374, "INVALID_SESSION_TIMEOUT")
STD_EXCEPTION = (1001, "STD_EXCEPTION")

# ClickHouse's own exception-code → HTTP status table (src/Server/HTTP/exceptionCodeToHTTPStatus.cpp),
# keyed by name because chdb's messages end with the name. Everything else is a 500.
_STATUS_BY_NAME: dict[str, int] = {
    "REQUIRED_PASSWORD": 401,
    **dict.fromkeys(
        ("UNKNOWN_USER", "WRONG_PASSWORD", "AUTHENTICATION_FAILED", "SET_NON_GRANTED_ROLE", "ACCESS_DENIED"), 403
    ),
    **dict.fromkeys(
        (
            "BAD_ARGUMENTS", "CANNOT_COMPILE_REGEXP", "CANNOT_PARSE_TEXT", "CANNOT_PARSE_ESCAPE_SEQUENCE",
            "CANNOT_PARSE_QUOTED_STRING", "CANNOT_PARSE_DATE", "CANNOT_PARSE_DATETIME", "CANNOT_PARSE_NUMBER",
            "CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING", "CANNOT_PARSE_IPV4", "CANNOT_PARSE_IPV6",
            "CANNOT_PARSE_INPUT_ASSERTION_FAILED", "CANNOT_PARSE_UUID", "DUPLICATE_COLUMN", "ILLEGAL_COLUMN",
            "UNKNOWN_ELEMENT_IN_AST", "UNKNOWN_TYPE_OF_AST_NODE", "THERE_IS_NO_COLUMN", "TOO_DEEP_AST",
            "TOO_BIG_AST", "UNEXPECTED_AST_STRUCTURE", "SYNTAX_ERROR", "INCORRECT_DATA", "TYPE_MISMATCH",
            "VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE",
        ),
        400,
    ),
    **dict.fromkeys(
        (
            "UNKNOWN_TABLE", "UNKNOWN_FUNCTION", "UNKNOWN_IDENTIFIER", "UNKNOWN_TYPE", "UNKNOWN_STORAGE",
            "UNKNOWN_DATABASE", "UNKNOWN_SETTING", "UNKNOWN_DIRECTION_OF_SORTING", "UNKNOWN_AGGREGATE_FUNCTION",
            "UNKNOWN_FORMAT", "UNKNOWN_DATABASE_ENGINE", "UNKNOWN_TYPE_OF_QUERY", "UNKNOWN_ROLE",
        ),
        404,
    ),
    "QUERY_IS_TOO_LARGE": 413,
    "NOT_IMPLEMENTED": 501,
    # 503 is retried by clickhouse-connect, as it would be against a real server.
    **dict.fromkeys(("SOCKET_TIMEOUT", "CANNOT_OPEN_FILE", "CANNOT_SCHEDULE_TASK"), 503),
    "HTTP_LENGTH_REQUIRED": 411,
    "TIMEOUT_EXCEEDED": 408,
    "UNSUPPORTED_MEDIA_TYPE": 415,
}

_CODE_RE = re.compile(r"Code: (\d+)\. ")
_NAME_RE = re.compile(r"\(([A-Z][A-Z0-9_]+)\)\s*$")
_VERSION_RE = re.compile(r"\(version [^)]*\)\s*$")


class ClickHouseError(Exception):
    """An exception with ClickHouse's code, name and message text."""

    def __init__(self, code: int, name: str, text: str) -> None:
        # `text` is the full "Code: N. DB::Exception: ... (NAME)" line, without the version suffix.
        super().__init__(text)
        self.code = code
        self.name = name
        self.text = text

    @classmethod
    def of(cls, error: tuple[int, str], message: str) -> ClickHouseError:
        code, name = error
        return cls(code, name, f"Code: {code}. DB::Exception: {message}. ({name})")

    @property
    def http_status(self) -> int:
        return _STATUS_BY_NAME.get(self.name, 500)

    def body(self, version: str) -> bytes:
        """The response body a ClickHouse server of `version` would send, newline-terminated."""
        return f"{self.text} (version {version})\n".encode()


def error_from_engine(exc: BaseException) -> ClickHouseError:
    """The ClickHouse exception inside a chdb (or other) Python exception."""
    message = str(exc)
    match = _CODE_RE.search(message)
    if match is None:
        # Not an engine error (a bug of ours or of chdb's wrapper): report it the way ClickHouse
        # reports a C++ std::exception, so clients still get a well-formed error.
        return ClickHouseError.of(STD_EXCEPTION, f"{type(exc).__name__}: {message}")
    text = _VERSION_RE.sub("", message[match.start():].strip()).rstrip()
    # chdb sometimes nests "Code: 73. DB::Exception: Code: 73. ..." — the first code is the real one;
    # the name is the parenthesised word that ends the text (the message itself may hold user text).
    name = _NAME_RE.search(text)
    return ClickHouseError(int(match.group(1)), name.group(1) if name else "UNKNOWN_EXCEPTION", text)
