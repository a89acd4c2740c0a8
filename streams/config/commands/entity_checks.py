"""How commands find the entity they act on and make its next revision.

An entity of another organization is reported exactly like a missing one (404), so no
command ever tells one org anything about another's data.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from pydantic import BaseModel

from schemas.errors import ApiError


class OrgOwned(Protocol):
    @property
    def org_id(self) -> str: ...


OwnedT = TypeVar("OwnedT", bound=OrgOwned)
ModelT = TypeVar("ModelT", bound=BaseModel)


def in_org(entity: OwnedT | None, org_id: str, noun: str, entity_id: str, field: str) -> OwnedT:
    """`entity` if it exists and belongs to `org_id`; else a 404 naming `field`."""
    if entity is None or entity.org_id != org_id:
        raise ApiError(404, f"no {noun} {entity_id!r} in your organization", "not_found", field)
    return entity


def revised(entity: ModelT, **changes: Any) -> ModelT:
    """A copy of `entity` with `changes`, validated like a new one (model_copy does not validate)."""
    return type(entity).model_validate({**entity.model_dump(), **changes})
