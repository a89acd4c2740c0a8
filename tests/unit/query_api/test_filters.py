from datetime import UTC, datetime, timedelta

import pytest

from query_api.filters import time_window
from schemas.errors import ApiError

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("name", "span"), [("5m", timedelta(minutes=5)), ("6h", timedelta(hours=6)), ("30d", timedelta(days=30))])
def test_relative_ranges_end_now(name: str, span: timedelta) -> None:
    window = time_window(name, None, None, now=NOW)
    assert (window.start, window.end) == (NOW - span, NOW)


def test_default_is_24h_and_absolute_wins_when_given() -> None:
    assert time_window(None, None, None, now=NOW).start == NOW - timedelta(hours=24)
    start = NOW - timedelta(days=3)
    window = time_window(None, start, NOW - timedelta(days=2), now=NOW)
    assert (window.start, window.end) == (start, NOW - timedelta(days=2))


@pytest.mark.parametrize(
    ("range_", "from_", "to", "field"),
    [
        ("1h", NOW - timedelta(hours=2), None, "range"),
        ("2y", None, None, "range"),
        (None, NOW, NOW - timedelta(hours=1), "from"),
        (None, datetime(2026, 1, 1), None, "from"),
    ],
)
def test_bad_filters_are_422_naming_the_field(range_, from_, to, field) -> None:
    with pytest.raises(ApiError) as raised:
        time_window(range_, from_, to, now=NOW)
    assert raised.value.status == 422 and raised.value.body.error.field == field


def test_retention_cuts_the_window_and_can_empty_it() -> None:
    from query_api.filters import within_retention

    window = time_window("30d", None, None, now=NOW)
    assert within_retention(window, None, now=NOW) == window
    cut = within_retention(window, 7, now=NOW)
    assert (cut.start, cut.end) == (NOW - timedelta(days=7), NOW)
    old = time_window(None, NOW - timedelta(days=20), NOW - timedelta(days=10), now=NOW)
    empty = within_retention(old, 7, now=NOW)
    assert empty.start == empty.end == NOW - timedelta(days=10)
