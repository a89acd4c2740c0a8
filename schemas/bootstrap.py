"""The local stack's first identity: what `guardstream up` writes to credentials.json."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from pydantic import BaseModel, ConfigDict

BOOTSTRAP_ORG_ID = "org-default"
BOOTSTRAP_PROJECT_ID = "project-demo"
BOOTSTRAP_ADMIN_EMAIL = "admin@guardstream.local"


class BootstrapCredentials(BaseModel):
    """credentials.json: how a newcomer reaches the running stack."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ingest_url: str
    query_url: str
    api_key: str
    org_id: str
    project_id: str
    admin_email: str
    admin_password: str

    @classmethod
    def generate(cls, ingest_url: str, query_url: str) -> "BootstrapCredentials":
        return cls(
            ingest_url=ingest_url,
            query_url=query_url,
            api_key="gs_" + secrets.token_urlsafe(32),
            org_id=BOOTSTRAP_ORG_ID,
            project_id=BOOTSTRAP_PROJECT_ID,
            admin_email=BOOTSTRAP_ADMIN_EMAIL,
            admin_password=secrets.token_urlsafe(12),
        )

    @classmethod
    def load(cls, path: Path) -> "BootstrapCredentials":
        return cls.model_validate_json(path.read_text())

    def save(self, path: Path) -> None:
        """Write with owner-only permissions: the file holds a secret API key."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.model_dump(), indent=2) + "\n")
        tmp.chmod(0o600)
        tmp.replace(path)
