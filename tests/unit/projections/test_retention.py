from datetime import UTC, datetime

from projections.retention import needed_statements, probe_sql, retention_changes, retention_statements
from projections.retention_applier import wanted_retention
from projections.topology import Topology
from schemas.config import Organization
from streams.config import ConfigState

NOW = datetime(2026, 2, 1, tzinfo=UTC)
ONE = Topology("guard_test")


def org(org_id: str, days: int) -> Organization:
    return Organization(id=org_id, name=org_id, plan="enterprise", retention_days=days, created_at=NOW)


def test_only_orgs_whose_retention_differs_from_the_recorded_one_change() -> None:
    state = ConfigState(organizations={"org-a": org("org-a", 7), "org-b": org("org-b", 90), "org-c": org("org-c", 30)})
    wanted = wanted_retention(state)
    assert wanted == {"org-a": 7, "org-b": 90, "org-c": 30}
    assert retention_changes({"org-a": 90, "org-b": 90}, wanted) == {"org-a": 7, "org-c": 30}
    assert retention_changes(wanted, wanted) == {}


def test_one_probe_per_table_covers_every_org_and_reads_through_the_distributed_table() -> None:
    sql = probe_sql(Topology("guard", "main"), "screening_minutes", "period_start")
    days = "{days:Array(UInt16)}[indexOf({orgs:Array(String)}, org_id)]"
    assert "FROM guard.screening_minutes WHERE org_id IN {orgs:Array(String)} GROUP BY org_id" in sql
    assert f"countIf(retention_days != {days})" in sql
    assert f"period_start < {{now:DateTime64(3)}} - toIntervalDay({days})" in sql


def test_only_the_mutations_the_probe_found_work_for_run() -> None:
    probed = [("org-a", 12, 0), ("org-b", 0, 3), ("org-c", 0, 0)]
    statements = needed_statements(ONE, "screenings", "received_at", probed, {"org-a": 7, "org-b": 30, "org-c": 90}, NOW)
    assert [(s.sql.split()[0], s.parameters["org"]) for s in statements] == [("ALTER", "org-a"), ("DELETE", "org-b")]
    assert statements[0].parameters["days"] == 7
    assert statements[1].parameters["cutoff"] == datetime(2026, 1, 2, tzinfo=UTC)
    every = retention_statements(ONE, "org-b", 30, NOW)
    assert statements[1] in every  # the same statement the one-org path runs
