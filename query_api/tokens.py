"""Signed, expiring bearer tokens: `base64(claims).base64(HMAC-SHA256(claims))`.

HMAC with GUARD_SECRET_KEY is all a single-issuer token needs; verification is in
constant time and rejects expired or altered tokens. A token names the user and the org
only: the role is looked up in the config replica on every request, so a role change
applies at once, and logout revokes the token id (`jti`) through a config event.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

from pydantic import BaseModel, Field, ValidationError


def new_token_id() -> str:
    return secrets.token_urlsafe(12)


class TokenClaims(BaseModel):
    sub: str  # user id
    org_id: str
    exp: int  # unix seconds
    jti: str = Field(default_factory=new_token_id)  # token id: what logout revokes


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_token(claims: TokenClaims, secret_key: str) -> str:
    body = _b64(claims.model_dump_json().encode())
    mac = hmac.new(secret_key.encode(), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def verify_token(token: str, secret_key: str, now: float | None = None) -> TokenClaims | None:
    """The claims of a valid, unexpired token; None for anything else."""
    body, _, mac = token.partition(".")
    expected = _b64(hmac.new(secret_key.encode(), body.encode(), hashlib.sha256).digest())
    if not mac or not hmac.compare_digest(mac, expected):
        return None
    try:
        claims = TokenClaims.model_validate_json(_unb64(body))
    except (ValidationError, ValueError):
        return None
    return claims if claims.exp > (time.time() if now is None else now) else None
