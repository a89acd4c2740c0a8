import uuid
from datetime import UTC, datetime, timedelta

import pytest

from query_api.filters import TimeWindow
from query_api.requests_read import RequestFilters, decode_cursor, encode_cursor, requests_query
from schemas.errors import ApiError

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
WINDOW = TimeWindow(start=NOW - timedelta(hours=1), end=NOW)


def test_filters_become_bound_parameters() -> None:
    filters = RequestFilters(["p-1"], True, ["prompt_attack", "pii/email"], ["prompt"])
    sql, params = requests_query("guard", "org-1", WINDOW, filters, 50, None)
    assert "hasAny(detected, {detector_types:Array(String)})" in sql and "kind IN {kinds:Array(String)}" in sql
    assert "flagged = {flagged:Bool}" in sql and "project_id IN {projects:Array(String)}" in sql
    assert "ORDER BY received_at DESC, event_id DESC LIMIT {limit:UInt32}" in sql
    assert params["detector_types"] == ["prompt_attack", "pii/email"] and params["limit"] == 51
    assert "prompt_attack" not in sql and "org-1" not in sql
    bare, bare_params = requests_query("guard", "org-1", WINDOW, RequestFilters(), 10, None)
    assert "hasAny" not in bare and "flagged" not in bare_params


def test_cursor_round_trip_and_keyset_condition() -> None:
    event_id = str(uuid.uuid4())
    cursor = encode_cursor(NOW, event_id)
    assert decode_cursor(cursor) == (NOW, event_id)
    sql, params = requests_query("guard", "org-1", WINDOW, RequestFilters(), 10, cursor)
    assert "received_at <= {cursor_at:DateTime64(3)} AND (received_at < {cursor_at:DateTime64(3)} OR event_id < {cursor_id:UUID})" in sql
    assert params["cursor_id"] == event_id


@pytest.mark.parametrize("cursor", ["garbage", encode_cursor(NOW, "not-a-uuid")])
def test_foreign_cursors_are_422(cursor: str) -> None:
    with pytest.raises(ApiError) as raised:
        decode_cursor(cursor)
    assert raised.value.status == 422 and raised.value.body.error.field == "cursor"


def test_pages_probe_recent_windows_first_and_end_with_the_whole_window() -> None:
    from query_api.requests_read import probe_windows

    month = TimeWindow(start=NOW - timedelta(days=30), end=NOW)
    probes = probe_windows(month, None)
    assert [NOW - p.start for p in probes] == [timedelta(hours=1), timedelta(days=1), timedelta(days=7), timedelta(days=30)]
    assert all(p.end == NOW for p in probes)
    deep = probe_windows(month, encode_cursor(NOW - timedelta(days=10), str(uuid.uuid4())))
    assert deep[0].start == NOW - timedelta(days=10, hours=1) + timedelta(milliseconds=1) and deep[-1] == month
    assert len(deep) == 4  # 1 h, 1 d and 7 d back from the cursor, then the whole window
    assert probe_windows(WINDOW, None) == [WINDOW]  # an hour: nothing narrower to try
