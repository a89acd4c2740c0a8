"""The control plane's event-sourced config: `guard.config` → in-memory replicas.

Public API (used by query_api, ingest and deploy/bootstrap):

    from streams.config import ConfigReplica, ConfigLog, ConfigState

* `ConfigState` (state.py): pure, immutable; `apply(event)`, lookups such as
  `organization(id)`, `user_by_email(email)`, `membership(org, user)`, `projects_of(org)`,
  `project(id)`, `policy(id)`, `policy_versions(id)`, `policy_of_project(id)`,
  `api_key_by_hash(sha256)`, `api_keys_of(org)`, `session_revoked(token_id)`, `audit_of(org)`.
* `ConfigReplica` (replica.py): `await start()` loads the topic, then tails it; `.state`;
  `await wait_for(offset)`; `await sync()` for a read that sees every earlier write.
* `ConfigLog` (log.py): `await execute(decide)` validates and appends with read-your-writes.
* commands/: the pure `decide` functions.
"""

from streams.config.log import ConfigLog
from streams.config.replica import ConfigReplica, ReplicaUnavailable
from streams.config.state import ConfigState

__all__ = ["ConfigLog", "ConfigReplica", "ConfigState", "ReplicaUnavailable"]
