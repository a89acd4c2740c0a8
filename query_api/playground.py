"""The Playground's pure core: the example bot's replies and the org's playground API key.

The browser holds a login token, never an API key, so query_api screens the visitor's messages
through ingest's `POST /v2/guard` with a playground key of the caller's org. That key is an
ordinary API key (listed on API Access, revocable) created on first use through the API-key
command. Its secret is never stored anywhere: it is an HMAC of the key id under
GUARD_SECRET_KEY, so every query_api process can recompute it, and the config log holds only
its SHA-256 as for any key. Revoking it makes the next playground message create a new one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence

from schemas.config import API_KEY_SECRET_PREFIX, ApiKey
from schemas.config_api import ApiKeyCreate
from schemas.config_events import ACTOR_SYSTEM, ConfigEvent
from streams.config.commands import api_keys
from streams.config.state import ConfigState

PLAYGROUND_KEY_PREFIX = "key-playground-"
PLAYGROUND_KEY_NAME = "Playground"
_DERIVATION_LABEL = b"guardstream playground api key\x00"


def playground_key_secret(secret_key: str, key_id: str) -> str:
    """The secret of playground key `key_id`: HMAC-SHA256 under GUARD_SECRET_KEY (256 bits)."""
    digest = hmac.new(secret_key.encode("utf-8"), _DERIVATION_LABEL + key_id.encode("utf-8"), hashlib.sha256).digest()
    return API_KEY_SECRET_PREFIX + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def live_playground_key(state: ConfigState, org_id: str) -> ApiKey | None:
    """The org's oldest playground key that is not revoked, if any."""
    for key in state.api_keys_of(org_id):
        if key.id.startswith(PLAYGROUND_KEY_PREFIX) and not key.revoked:
            return key
    return None


def new_playground_key_id() -> str:
    return PLAYGROUND_KEY_PREFIX + secrets.token_hex(6)


def ensure_playground_key(state: ConfigState, org_id: str, secret_key: str, key_id: str) -> list[ConfigEvent]:
    """Command: create playground key `key_id` unless the org has a live one (then nothing).

    Created by `system` (it is the deployment's key, not the visitor's), for every project of
    the org: the visitor picks the project per message.
    """
    if live_playground_key(state, org_id) is not None:
        return []
    secret = playground_key_secret(secret_key, key_id)
    return api_keys.create_api_key(state, ACTOR_SYSTEM, org_id, ApiKeyCreate(name=PLAYGROUND_KEY_NAME), secret, key_id)


# --- the example bot ---------------------------------------------------------------------------

BOT_NAME = "Orbit Travel assistant"

# (pattern, reply): the first rule whose pattern occurs in the message answers. Some replies
# deliberately carry contact details or a link, so visitors also see the bot's output screened.
_RULES: Sequence[tuple[str, str]] = (
    (r"\b(hi|hello|hey|good (morning|afternoon|evening))\b", "Hello! I'm the Orbit Travel assistant. Ask me about flights, baggage, refunds or our contact details."),
    (r"\b(baggage|luggage|suitcase|bag)s?\b", "Each passenger may bring one cabin bag of up to 8 kg and check in one bag of up to 23 kg."),
    (r"\b(refund|cancel|cancellation)s?\b", "Flights cancelled more than 24 hours before departure are refunded in full within 7 days."),
    (r"\b(flight|flights|fly|booking|book)\b", "I can help with bookings: tell me where and when you'd like to fly, and I'll check the timetable."),
    (r"\b(contact|email|phone|call|support|agent|human)\b", "You can reach our support team at help@orbit-travel.com or call +1 415 555 0133, 24/7."),
    (r"\b(website|link|url|site|web)\b", "Our full timetable is at https://orbit-travel.com/timetable — bookmark it!"),
    (r"\b(weather|climate)\b", "I can't check live weather, but most of our destinations are sunny this season."),
    (r"\b(thanks|thank you|bye|goodbye)\b", "You're welcome — have a good trip!"),
)


def bot_reply(message: str) -> str:
    """The example bot's answer to one user message: rule-based, deterministic."""
    text = message.lower()
    for pattern, reply in _RULES:
        if re.search(pattern, text):
            return reply
    return (
        "I'm a small example bot and only know about flights, baggage, refunds and how to contact us. "
        "Try asking me about one of those."
    )
