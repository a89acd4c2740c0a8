"""Signed, expiring bearer tokens: `base64(claims).base64(HMAC-SHA256(claims))`.

HMAC with GUARD_SECRET_KEY is all a single-issuer token needs; verification is in
constant time and rejects expired or altered tokens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from pydantic import BaseModel, ValidationError


class TokenClaims(BaseModel):
    sub: str  # user email
    org_id: str
    exp: int  # unix seconds


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
