"""The endpoint's reading of ClickHouse HTTP requests, and its ClickHouse-shaped errors."""

from __future__ import annotations

import gzip
import zlib

import lz4.frame
import pytest
from backports import zstd

from deploy.clickhouse_endpoint.errors import ClickHouseError, error_from_engine
from deploy.clickhouse_endpoint.protocol import build_query_request, content_type_for, decompress_body


def test_params_split_into_transport_parameters_and_settings() -> None:
    request = build_query_request(
        [
            ("query", "SELECT {x:String}"), ("database", "guard"), ("query_id", "q-1"), ("session_id", "s-1"),
            ("session_timeout", "30"), ("client_protocol_version", "54405"), ("wait_end_of_query", "1"),
            ("param_x", "a\\tb"), ("max_threads", "2"), ("insert_deduplication_token", "tok"),
            ("enable_http_compression", "1"), ("send_progress_in_http_headers", "1"), ("default_format", "JSON"),
        ],
        {},
        "POST",
        b"",
    )
    assert request.text == b"SELECT {x:String}\n"
    assert (request.database, request.query_id, request.session_id, request.session_timeout_s) == ("guard", "q-1", "s-1", 30)
    assert request.parameters == {"x": "a\\tb"}
    assert request.settings == {"max_threads": "2", "insert_deduplication_token": "tok"}
    assert request.default_format == "JSON"


def test_query_parameter_and_body_are_joined_by_a_line_break() -> None:
    assert build_query_request([("query", "INSERT INTO t FORMAT TSV")], {}, "POST", b"1\n").text == (
        b"INSERT INTO t FORMAT TSV\n1\n"
    )
    assert build_query_request([], {}, "POST", b"SELECT 1").text == b"SELECT 1"


def test_get_is_readonly_and_query_id_is_generated() -> None:
    request = build_query_request([("query", "SELECT 1"), ("query_id", "")], {}, "GET", b"")
    assert request.settings == {"readonly": "2"}
    assert len(request.query_id) == 36
    assert build_query_request([("readonly", "1")], {}, "GET", b"").settings == {"readonly": "1"}


def test_headers_override_params() -> None:
    headers = {"x-clickhouse-database": "h", "x-clickhouse-format": "CSV", "x-clickhouse-query-id": "hq"}
    request = build_query_request([("database", "p"), ("default_format", "TSV")], headers, "POST", b"")
    assert (request.database, request.default_format, request.query_id) == ("h", "CSV", "hq")


def test_multipart_form_carries_query_and_parameters() -> None:
    body = (
        b"--b0undary\r\nContent-Disposition: form-data; name=\"query\"\r\n\r\nSELECT {v:String}\r\n"
        b"--b0undary\r\nContent-Disposition: form-data; name=\"param_v\"\r\n\r\n" + "ünï".encode() + b"\r\n"
        b"--b0undary--\r\n"
    )
    request = build_query_request([], {"content-type": "multipart/form-data; boundary=b0undary"}, "POST", body)
    assert request.text == b"SELECT {v:String}\n"
    assert request.parameters == {"v": "ünï"}
    files = body.replace(b'name="param_v"', b'name="t"; filename="t.tsv"')
    with pytest.raises(ClickHouseError) as refused:
        build_query_request([], {"content-type": "multipart/form-data; boundary=b0undary"}, "POST", files)
    assert refused.value.code == 48


@pytest.mark.parametrize("raw", [("session_timeout", "abc"), ("session_timeout", "99999")])
def test_bad_session_timeout(raw: tuple[str, str]) -> None:
    with pytest.raises(ClickHouseError) as refused:
        build_query_request([raw], {}, "POST", b"")
    assert refused.value.code == 374


def test_native_block_compression_is_refused() -> None:
    with pytest.raises(ClickHouseError) as refused:
        build_query_request([("decompress", "1")], {}, "POST", b"")
    assert refused.value.http_status == 501


def test_request_decompression() -> None:
    data = b"INSERT INTO t FORMAT Native\n" + bytes(range(256)) * 50
    half = len(data) // 2
    assert decompress_body(lz4.frame.compress(data[:half]) + lz4.frame.compress(data[half:]), "lz4") == data
    assert decompress_body(zstd.compress(data[:half]) + zstd.compress(data[half:]), "zstd") == data
    assert decompress_body(gzip.compress(data), "gzip") == data
    assert decompress_body(zlib.compress(data), "deflate") == data
    assert decompress_body(data, None) == data
    with pytest.raises(ClickHouseError) as unknown:
        decompress_body(data, "snappy")
    assert unknown.value.code == 89
    with pytest.raises(ClickHouseError) as corrupt:
        decompress_body(lz4.frame.compress(data)[:-9], "lz4")
    assert corrupt.value.code == 271


def test_engine_errors_keep_clickhouse_text() -> None:
    error = error_from_engine(
        RuntimeError(
            "Streaming insert finish failed: Code: 27. DB::Exception: Cannot parse input: (at row 2)\n"
            ": While executing JSONEachRowRowInputFormat. (CANNOT_PARSE_INPUT_ASSERTION_FAILED) (version 26.9.2.1)"
        )
    )
    assert (error.code, error.name, error.http_status) == (27, "CANNOT_PARSE_INPUT_ASSERTION_FAILED", 400)
    assert error.body("26.9.2.1").decode() == (
        "Code: 27. DB::Exception: Cannot parse input: (at row 2)\n: While executing JSONEachRowRowInputFormat."
        " (CANNOT_PARSE_INPUT_ASSERTION_FAILED) (version 26.9.2.1)\n"
    )
    nested = error_from_engine(RuntimeError("Code: 73. DB::Exception: Code: 73. DB::Exception: x (UNKNOWN_FORMAT)"))
    assert (nested.code, nested.name, nested.http_status) == (73, "UNKNOWN_FORMAT", 404)
    user_text = error_from_engine(RuntimeError("Code: 395. DB::Exception: boom (FAKE): while x. (FUNCTION_THROW_IF_VALUE_IS_NON_ZERO)"))
    assert user_text.name == "FUNCTION_THROW_IF_VALUE_IS_NON_ZERO" and user_text.http_status == 500
    foreign = error_from_engine(ValueError("not from the engine"))
    assert (foreign.code, foreign.http_status) == (1001, 500)
    assert foreign.text == "Code: 1001. DB::Exception: ValueError: not from the engine. (STD_EXCEPTION)"


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        ("TabSeparatedWithNames", "text/tab-separated-values; charset=UTF-8"),
        ("JSONCompact", "application/json; charset=UTF-8"),
        ("JSONEachRow", "application/x-ndjson; charset=UTF-8"),
        ("Native", "application/octet-stream"),
        ("RowBinaryWithNamesAndTypes", "application/octet-stream"),
        ("CSV", "text/csv; charset=UTF-8; header=absent"),
    ],
)
def test_content_types(fmt: str, content_type: str) -> None:
    assert content_type_for(fmt) == content_type
