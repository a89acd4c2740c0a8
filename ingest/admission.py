"""Who may write what: API key → org and project scope, checked against the config replica.

Pure decisions over a `ConfigState` snapshot; the HTTP layer only turns them into answers.
Nothing rejected here ever reaches Kafka.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

from schemas.config import ApiKey, Organization, api_key_sha256
from schemas.errors import ApiError
from streams.config.state import ConfigState


class ApiKeyGrant(BaseModel):
    """What one authenticated request may do."""

    model_config = ConfigDict(frozen=True)

    key: ApiKey
    organization: Organization

    @property
    def org_id(self) -> str:
        return self.organization.id


def authenticate(state: ConfigState, authorization: str | None) -> ApiKeyGrant:
    """The grant of an `Authorization: Bearer <api key>` header, or a 401."""
    scheme, _, secret = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, "missing `Authorization: Bearer <api key>` header", "unauthorized")
    key = state.api_key_by_hash(api_key_sha256(secret.strip()))
    if key is None or key.revoked:
        raise ApiError(401, "unknown or revoked API key", "unauthorized")
    organization = state.organization(key.org_id)
    if organization is None:
        raise ApiError(401, "the API key's organization no longer exists", "unauthorized")
    return ApiKeyGrant(key=key, organization=organization)


def check_projects(state: ConfigState, grant: ApiKeyGrant, project_ids: Iterable[str | None]) -> None:
    """403 for a project outside the key's org or scope; None means the org's default policy."""
    for index, project_id in enumerate(project_ids):
        if project_id is None:
            if grant.key.project_ids is not None:
                raise ApiError(403, "this API key is limited to some projects: name one", "forbidden", "project_id")
            continue
        project = state.project(project_id)
        field = "project_id" if index == 0 else f"screenings[{index}].project_id"
        if project is None or project.org_id != grant.org_id:
            raise ApiError(403, f"project {project_id!r} is not a project of this key's organization", "forbidden", field)
        if not grant.key.allows_project(project_id):
            raise ApiError(403, f"this API key may not write to project {project_id!r}", "forbidden", field)
