"""The endpoint's statement routing: first keyword, inline insert data, FORMAT, one statement."""

from __future__ import annotations

import pytest

from deploy.clickhouse_endpoint.errors import ClickHouseError
from deploy.clickhouse_endpoint.statement import parse_statement


@pytest.mark.parametrize(
    ("sql", "kind", "produces_result"),
    [
        (b"SELECT 1", "SELECT", True),
        (b"  with x AS (SELECT 1) SELECT * FROM x", "WITH", True),
        (b"(SELECT 1) UNION ALL (SELECT 2)", "(", True),
        (b"/* a /* nested */ comment */ -- line\n# hash comment\nSHOW TABLES", "SHOW", True),
        (b"DESCRIBE TABLE t", "DESCRIBE", True),
        (b"1 + 1", "SELECT", True),  # the engine's implicit SELECT
        (b"CREATE TABLE t (a UInt8) ENGINE = Memory", "CREATE", False),
        (b"INSERT INTO t SELECT * FROM s", "INSERT", False),
        (b"SET max_threads = 1", "SET", False),
    ],
)
def test_kind(sql: bytes, kind: str, produces_result: bool) -> None:
    statement = parse_statement(sql)
    assert (statement.kind, statement.produces_result, statement.is_data_insert) == (kind, produces_result, False)


def test_binary_insert_data_is_located_not_scanned() -> None:
    sql = b"INSERT INTO db.t (`a`, `b`) SETTINGS insert_deduplication_token = 'FORMAT x' FORMAT Native\n"
    text = sql + b"\x02\x01\x01a\x06UInt8\x00'\"/*;"
    statement = parse_statement(text)
    assert statement.inline_format == "Native"
    assert statement.insert_head == "INSERT INTO db.t (`a`, `b`) SETTINGS insert_deduplication_token = 'FORMAT x' "
    assert text[statement.data_start :] == b"\x02\x01\x01a\x06UInt8\x00'\"/*;"


@pytest.mark.parametrize(
    ("text", "data"),
    [
        (b"INSERT INTO t FORMAT TSV\n1\t2\n", b"1\t2\n"),
        (b"INSERT INTO t FORMAT TSV  \r\n\n1", b"\n1"),  # only the first line break is skipped
        (b"INSERT INTO t FORMAT JSONEachRow   {\"a\": 1}", b'{"a": 1}'),  # no newline: blanks skipped
        (b'insert into t format JSONEachRow{"a":1}', b'{"a":1}'),
    ],
)
def test_data_start_follows_clickhouse(text: bytes, data: bytes) -> None:
    statement = parse_statement(text)
    assert text[statement.data_start :] == data


def test_values_rows_are_data() -> None:
    text = b"INSERT INTO t (a, s) VALUES (1, 'x; DROP TABLE t'), (2, 'y')"
    statement = parse_statement(text)
    assert (statement.inline_format, statement.insert_head) == ("Values", "INSERT INTO t (a, s) ")
    assert text[statement.data_start :] == b" (1, 'x; DROP TABLE t'), (2, 'y')"


def test_table_named_like_a_keyword() -> None:
    statement = parse_statement(b"INSERT INTO format FORMAT CSV\n1")
    assert (statement.inline_format, statement.insert_head) == ("CSV", "INSERT INTO format ")
    assert parse_statement(b"INSERT INTO db.values VALUES (1)").insert_head == "INSERT INTO db.values "


@pytest.mark.parametrize(
    ("sql", "output_format"),
    [
        (b"SELECT 1\n FORMAT Native", "Native"),
        (b"SELECT 1 FORMAT JSONEachRow SETTINGS max_threads = 1", "JSONEachRow"),
        (b"SELECT format FROM t", None),
        (b"SELECT format('{}', 'FORMAT CSV')", None),
        (b"SELECT * FROM (SELECT 1 FORMAT CSV)", None),
        (b"SELECT 1;", None),
    ],
)
def test_output_format(sql: bytes, output_format: str | None) -> None:
    assert parse_statement(sql).output_format == output_format


def test_set_names_assigned_settings() -> None:
    statement = parse_statement(b"SET max_threads = 1, additional_table_filters = {'t': 'a, b'}, x = [1, 2]")
    assert statement.assigned_settings == ("max_threads", "additional_table_filters", "x")
    assert parse_statement(b"SET ROLE admin").assigned_settings == ()


@pytest.mark.parametrize(
    "sql",
    [b"SELECT 1; SELECT 2", b"SELECT 1;; DROP TABLE t", b"", b"   -- nothing\n", b"SELECT 'open", b"SELECT /* open"],
)
def test_refused_as_syntax_errors(sql: bytes) -> None:
    with pytest.raises(ClickHouseError) as refused:
        parse_statement(sql)
    assert (refused.value.code, refused.value.http_status) == (62, 400)


def test_separators_inside_literals_are_not_syntax() -> None:
    for sql in (b"SELECT ';'", b'SELECT 1 AS ";"', b"SELECT 1 AS `;`", b"SELECT $$a; b$$", b"SELECT $t$;$t$", b"SELECT 'it''s;'"):
        assert parse_statement(sql).kind == "SELECT"
