"""The worker's GlobalTable view of guard.config answers screening's questions exactly as
the folded ConfigState does, from nothing but last-writer-wins raw records."""

from __future__ import annotations

from schemas.config_events import config_records
from streams.config import ConfigState
from streams.config.table_view import ConfigTableView
from streams.screening import screening_config
from tests.unit.streams.test_config_state import random_history


def table_of(world) -> dict[bytes, bytes]:
    """What a Faust table over the topic holds: the last value per key, tombstones deleting."""
    table: dict[bytes, bytes] = {}
    for event in world.events:
        for key, value in config_records(event):
            if value is None:
                table.pop(key.encode(), None)
            else:
                table[key.encode()] = value
    return table


def test_the_view_agrees_with_the_folded_state_after_a_random_history(world) -> None:
    random_history(world, seed=11)
    state: ConfigState = world.state
    view = ConfigTableView(table_of(world))
    project_ids = {e.data.entity_id for e in world.events if e.type.startswith("config.project.")}
    assert project_ids - set(state.projects), "the history deletes some projects"
    for project_id in sorted(project_ids) + ["project-unknown"]:
        assert view.project(project_id) == state.project(project_id)
        assert view.policy_of_project(project_id) == state.policy_of_project(project_id)
    for org_id in ("org-a", "org-b", "org-unknown"):
        assert view.organization(org_id) == state.organization(org_id)
        for project_id in (None, "project-a", "project-b"):
            assert screening_config(view, org_id, project_id) == screening_config(state, org_id, project_id)


def test_an_undecodable_value_reads_as_absent() -> None:
    view = ConfigTableView({b"organization/org-x": b"{not json"})
    assert view.organization("org-x") is None
