"""API-key authentication: which organization a bearer key acts for.

Keys are held only as SHA-256 digests and compared in constant time. Until the
control plane replicates keys from `guard.config`, the directory knows the bootstrap
key of the local stack.
"""

from __future__ import annotations

import hashlib
import hmac

from pydantic import BaseModel, ConfigDict

from schemas.errors import ApiError


class ApiKeyGrant(BaseModel):
    model_config = ConfigDict(frozen=True)

    org_id: str
    key_prefix: str


def hash_api_key(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class ApiKeyDirectory:
    def __init__(self) -> None:
        self._grants: dict[str, ApiKeyGrant] = {}

    def add(self, secret: str, org_id: str) -> None:
        self._grants[hash_api_key(secret)] = ApiKeyGrant(org_id=org_id, key_prefix=secret[:7])

    def authenticate(self, authorization: str | None) -> ApiKeyGrant:
        """The grant for an `Authorization: Bearer <key>` header, or a 401."""
        scheme, _, secret = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise ApiError(401, "missing `Authorization: Bearer <api key>` header", "unauthorized")
        digest = hash_api_key(secret.strip())
        found = None
        for known, grant in self._grants.items():  # constant time per candidate
            if hmac.compare_digest(known, digest):
                found = grant
        if found is None:
            raise ApiError(401, "unknown or revoked API key", "unauthorized")
        return found
