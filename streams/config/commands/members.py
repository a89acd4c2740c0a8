"""Member commands: invite, change role, remove, set password, revoke a session (logout).

Two rules keep every org administrable: nobody changes their own role or removes
themselves — so the admin acting always stays an admin.
"""

from __future__ import annotations

from datetime import datetime

from schemas.config import Membership, Role, User, normalise_email, user_id_for
from schemas.config_events import (
    MEMBERSHIP_DELETED,
    MEMBERSHIP_UPSERTED,
    SESSION_REVOKED,
    USER_UPSERTED,
    ConfigEvent,
    MembershipDeleted,
    MembershipUpserted,
    SessionRevoked,
    UserUpserted,
    config_event,
)
from schemas.envelope import utc_now
from schemas.errors import ApiError
from streams.config.commands.entity_checks import revised
from streams.config.state import ConfigState


def _member(state: ConfigState, org_id: str, user_id: str) -> Membership:
    membership = state.membership(org_id, user_id)
    if membership is None or state.user(user_id) is None:
        raise ApiError(404, f"no member {user_id!r} in your organization", "not_found", "user_id")
    return membership


def _membership_upserted(actor: str, membership: Membership) -> ConfigEvent:
    return config_event(MEMBERSHIP_UPSERTED, membership.org_id, MembershipUpserted(actor=actor, membership=membership))


def invite_member(
    state: ConfigState,
    actor: str,
    org_id: str,
    email: str,
    role: Role,
    password_hash: str,
    password_is_one_time: bool,
    now: datetime | None = None,
) -> list[ConfigEvent]:
    """Make `email` a member. A new user gets `password_hash` (`invited` while it is a one-time
    password); an existing user keeps theirs, so an admin-chosen password for them is a 409."""
    if state.organization(org_id) is None:
        raise ApiError(404, f"no organization {org_id!r}", "not_found", "org_id")
    try:
        user_id = user_id_for(email)
        user = state.user(user_id) or User(
            id=user_id,
            email=normalise_email(email),
            password_hash=password_hash,
            status="invited" if password_is_one_time else "active",
            created_at=now or utc_now(),
        )
    except ValueError:
        raise ApiError(422, "email: not an email address", "invalid_request", "email") from None
    if state.membership(org_id, user_id) is not None:
        raise ApiError(409, f"{user.email} is already a member", "conflict", "email")
    events = []
    if state.user(user_id) is None:
        events.append(config_event(USER_UPSERTED, org_id, UserUpserted(actor=actor, user=user)))
    elif not password_is_one_time:
        raise ApiError(409, f"{user.email} already has an account and keeps its password; invite without one", "conflict", "password")
    events.append(_membership_upserted(actor, Membership(org_id=org_id, user_id=user_id, role=role)))
    return events


def change_role(state: ConfigState, actor: str, org_id: str, user_id: str, role: Role) -> list[ConfigEvent]:
    if user_id == actor:
        raise ApiError(403, "you cannot change your own role; another admin can", "own_role", "user_id")
    membership = _member(state, org_id, user_id)
    if membership.role == role:
        return []
    return [_membership_upserted(actor, revised(membership, role=role))]


def remove_member(state: ConfigState, actor: str, org_id: str, user_id: str) -> list[ConfigEvent]:
    if user_id == actor:
        raise ApiError(403, "you cannot remove yourself; another admin can", "own_membership", "user_id")
    _member(state, org_id, user_id)
    return [config_event(MEMBERSHIP_DELETED, org_id, MembershipDeleted(actor=actor, org_id=org_id, user_id=user_id))]


def set_password(state: ConfigState, actor: str, org_id: str, user_id: str, password_hash: str) -> list[ConfigEvent]:
    """A user's new password (hashed by the caller); an invited user becomes active."""
    user = state.user(user_id)
    if user is None:
        raise ApiError(404, f"no user {user_id!r}", "not_found", "user_id")
    changed = revised(user, password_hash=password_hash, status="active")
    return [config_event(USER_UPSERTED, org_id, UserUpserted(actor=actor, user=changed))]


def revoke_session(
    state: ConfigState, actor: str, org_id: str, token_id: str, user_id: str, expires_at: datetime
) -> list[ConfigEvent]:
    if state.session_revoked(token_id):
        return []
    payload = SessionRevoked(actor=actor, token_id=token_id, user_id=user_id, expires_at=expires_at)
    return [config_event(SESSION_REVOKED, org_id, payload)]
