"""pydantic v2 contracts: the event envelope, event payloads, API bodies, config entities."""
