"""Project commands: create, update, delete — always within the caller's organization."""

from __future__ import annotations

import secrets
from datetime import datetime

from schemas.config import Project
from schemas.config_api import ProjectCreate, ProjectUpdate
from schemas.config_events import PROJECT_DELETED, PROJECT_UPSERTED, ConfigEvent, ProjectDeleted, ProjectUpserted, config_event
from schemas.envelope import utc_now
from schemas.errors import ApiError
from streams.config.commands.entity_checks import in_org, revised
from streams.config.state import ConfigState


def new_project_id() -> str:
    return "project-" + secrets.token_hex(6)


def _upserted(actor: str, project: Project, at: datetime | None = None) -> ConfigEvent:
    payload = ProjectUpserted(actor=actor, project=project)
    return config_event(PROJECT_UPSERTED, project.org_id, payload, project_id=project.id, at=at)


def _check_policy(state: ConfigState, org_id: str, policy_id: str | None) -> None:
    if policy_id is not None:
        in_org(state.policy(policy_id), org_id, "policy", policy_id, "policy_id")


def create_project(
    state: ConfigState,
    actor: str,
    org_id: str,
    body: ProjectCreate,
    project_id: str | None = None,
    now: datetime | None = None,
) -> list[ConfigEvent]:
    org = state.organization(org_id)
    if org is None:
        raise ApiError(404, f"no organization {org_id!r}", "not_found", "org_id")
    project_id = project_id or new_project_id()
    if state.project(project_id) is not None:
        raise ApiError(409, f"project {project_id!r} exists", "conflict", "id")
    _check_policy(state, org_id, body.policy_id)
    project = Project(
        id=project_id,
        org_id=org_id,
        name=body.name,
        policy_id=body.policy_id or org.default_policy_id,
        metadata=body.metadata,
        created_at=now or utc_now(),
    )
    return [_upserted(actor, project, project.created_at)]


def update_project(state: ConfigState, actor: str, org_id: str, project_id: str, body: ProjectUpdate) -> list[ConfigEvent]:
    project = in_org(state.project(project_id), org_id, "project", project_id, "project_id")
    changes = body.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] is None:
        raise ApiError(422, "name: cannot be null", "invalid_request", "name")
    if "metadata" in changes and changes["metadata"] is None:
        changes["metadata"] = {}
    _check_policy(state, org_id, changes.get("policy_id"))
    changed = revised(project, **changes)
    return [] if changed == project else [_upserted(actor, changed)]


def delete_project(state: ConfigState, actor: str, org_id: str, project_id: str) -> list[ConfigEvent]:
    in_org(state.project(project_id), org_id, "project", project_id, "project_id")
    return [config_event(PROJECT_DELETED, org_id, ProjectDeleted(actor=actor, project_id=project_id), project_id=project_id)]
