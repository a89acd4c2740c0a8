"""Team members: list (every role but no_access), invite, change another member's role,
remove another member (admins)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Response

from query_api.access import Caller, error_responses
from query_api.command_runner import run_command
from query_api.passwords import hash_password, one_time_password
from schemas.config import user_id_for
from schemas.config_api import Member, MemberInvite, MemberInvited, MemberList, RoleChange
from schemas.config_events import USER_UPSERTED, ConfigEvent
from schemas.errors import ApiError
from streams.config import ConfigLog, ConfigReplica, ConfigState
from streams.config.commands import members


def member_of(state: ConfigState, org_id: str, user_id: str) -> Member:
    membership, user = state.membership(org_id, user_id), state.user(user_id)
    if membership is None or user is None:
        raise ApiError(404, f"no member {user_id!r} in your organization", "not_found", "user_id")
    return Member(user_id=user.id, email=user.email, role=membership.role, status=user.status)


def build_member_router(replica: ConfigReplica, config: ConfigLog, authorized: Callable[..., Any]) -> APIRouter:
    router = APIRouter(tags=["members"], responses=error_responses(401, 403))

    @router.get("/v1/members", response_model=MemberList)
    async def list_members(caller: Caller = Depends(authorized)) -> MemberList:
        """Every member of the org with their user id (for auditing) and role, by email."""
        pairs = replica.state.members(caller.org_id)
        return MemberList(
            items=[Member(user_id=u.id, email=u.email, role=m.role, status=u.status) for m, u in pairs]
        )

    @router.post("/v1/members", status_code=201, response_model=MemberInvited, responses=error_responses(409, 422, 503))
    async def invite_member(body: MemberInvite, caller: Caller = Depends(authorized)) -> MemberInvited:
        """Add a member. Without `password`, a new user gets a one-time password, returned here once."""
        password = body.password or one_time_password()
        password_hash = await asyncio.to_thread(hash_password, password)
        created: list[ConfigEvent] = []

        def decide(state: ConfigState) -> list[ConfigEvent]:
            events = members.invite_member(
                state, caller.user_id, caller.org_id, body.email, body.role, password_hash, body.password is None
            )
            created[:] = [e for e in events if e.type == USER_UPSERTED]
            return events

        state = await run_command(config, decide)
        member = member_of(state, caller.org_id, user_id_for(body.email))
        return MemberInvited(member=member, initial_password=password if created and body.password is None else None)

    @router.patch("/v1/members/{user_id}", response_model=Member, responses=error_responses(404, 422, 503))
    async def change_role(user_id: str, body: RoleChange, caller: Caller = Depends(authorized)) -> Member:
        """Change another member's role; nobody changes their own (403 `own_role`)."""
        state = await run_command(
            config, lambda s: members.change_role(s, caller.user_id, caller.org_id, user_id, body.role)
        )
        return member_of(state, caller.org_id, user_id)

    @router.delete("/v1/members/{user_id}", status_code=204, responses=error_responses(404, 503))
    async def remove_member(user_id: str, caller: Caller = Depends(authorized)) -> Response:
        """Remove another member from the org; their sessions for it end at once."""
        await run_command(config, lambda s: members.remove_member(s, caller.user_id, caller.org_id, user_id))
        return Response(status_code=204)

    return router
