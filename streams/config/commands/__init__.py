"""Commands of the control plane: pure functions `(state, actor, …) -> [events]`.

Each validates against the current `ConfigState` and raises `ApiError` (contract error shape)
when the change must not happen; `ConfigLog.execute` runs them and appends what they return.
An empty list means "nothing to change" (e.g. revoking a revoked key), and writes nothing.
"""
