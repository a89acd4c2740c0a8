"""Projects: list, read, create, update, delete — within the caller's organization."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Response

from query_api.access import Caller, error_responses
from query_api.command_runner import run_command
from schemas.config import Project
from schemas.config_api import ProjectCreate, ProjectList, ProjectUpdate
from streams.config import ConfigLog, ConfigReplica, ConfigState
from streams.config.commands import projects
from streams.config.commands.entity_checks import in_org


def _project(state: ConfigState, caller: Caller, project_id: str) -> Project:
    return in_org(state.project(project_id), caller.org_id, "project", project_id, "project_id")


def build_project_router(replica: ConfigReplica, config: ConfigLog, authorized: Callable[..., Any]) -> APIRouter:
    # Every route depends on `authorized`, which has just synced the replica: `replica.state`
    # includes every config write acknowledged before the request.
    router = APIRouter(tags=["projects"], responses=error_responses(401, 403))

    @router.get("/v1/projects", response_model=ProjectList)
    async def list_projects(caller: Caller = Depends(authorized)) -> ProjectList:
        """Every project of the caller's organization, by name."""
        return ProjectList(items=replica.state.projects_of(caller.org_id))

    @router.post("/v1/projects", status_code=201, response_model=Project, responses=error_responses(404, 422, 503))
    async def create_project(body: ProjectCreate, caller: Caller = Depends(authorized)) -> Project:
        """A new project; without `policy_id` it gets the organization's default policy."""
        project_id = projects.new_project_id()
        state = await run_command(
            config, lambda s: projects.create_project(s, caller.user_id, caller.org_id, body, project_id)
        )
        return _project(state, caller, project_id)

    @router.get("/v1/projects/{project_id}", response_model=Project, responses=error_responses(404))
    async def get_project(project_id: str, caller: Caller = Depends(authorized)) -> Project:
        return _project(replica.state, caller, project_id)

    @router.patch("/v1/projects/{project_id}", response_model=Project, responses=error_responses(404, 422, 503))
    async def update_project(project_id: str, body: ProjectUpdate, caller: Caller = Depends(authorized)) -> Project:
        """Rename, reassign the policy or replace the metadata; fields left out are kept."""
        state = await run_command(
            config, lambda s: projects.update_project(s, caller.user_id, caller.org_id, project_id, body)
        )
        return _project(state, caller, project_id)

    @router.delete("/v1/projects/{project_id}", status_code=204, responses=error_responses(404, 503))
    async def delete_project(project_id: str, caller: Caller = Depends(authorized)) -> Response:
        """Delete the project; its screenings stay in the read models."""
        await run_command(config, lambda s: projects.delete_project(s, caller.user_id, caller.org_id, project_id))
        return Response(status_code=204)

    return router

