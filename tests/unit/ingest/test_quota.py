from datetime import UTC, datetime

from ingest.quota import QuotaLedger, month_of, seconds_until_next_month
from schemas.quota import QuotaReservation

NOW = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


def reservation(org: str, events: int, limit: int = 10, month: str = "2026-11") -> QuotaReservation:
    return QuotaReservation(reservation_id=f"{org}-{events}", org_id=org, month=month, events=events, limit=limit, reserved_at=NOW)


def test_grants_until_the_limit_all_or_nothing() -> None:
    ledger = QuotaLedger()
    assert ledger.apply(reservation("a", 6))
    assert not ledger.apply(reservation("a", 5))  # 11 > 10: refused whole
    assert ledger.apply(reservation("a", 4))  # exactly 10
    assert not ledger.apply(reservation("a", 1))
    assert ledger.used("a", "2026-11") == 10


def test_orgs_and_months_are_counted_apart() -> None:
    ledger = QuotaLedger()
    assert ledger.apply(reservation("a", 10))
    assert ledger.apply(reservation("b", 10))
    assert ledger.apply(reservation("a", 10, month="2026-12"))
    assert (ledger.used("a", "2026-11"), ledger.used("b", "2026-11"), ledger.used("a", "2026-12")) == (10, 10, 10)


def test_release_gives_back_and_never_goes_negative() -> None:
    ledger = QuotaLedger()
    ledger.apply(reservation("a", 10))
    assert ledger.apply(reservation("a", -4, limit=0))
    assert ledger.apply(reservation("a", 4))
    ledger.apply(reservation("a", -100, limit=0))
    assert ledger.used("a", "2026-11") == 0


def test_the_limit_each_reservation_saw_decides() -> None:
    ledger = QuotaLedger()
    assert ledger.apply(reservation("a", 10, limit=10))
    assert ledger.apply(reservation("a", 5, limit=20))  # the org was upgraded meanwhile


def test_month_boundaries() -> None:
    assert month_of(NOW) == "2026-11"
    assert seconds_until_next_month(datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)) == 2
    assert seconds_until_next_month(NOW) == int((datetime(2026, 12, 1, tzinfo=UTC) - NOW).total_seconds()) + 1
