"""The Playground: the example chatbot of the dashboard, every message screened live.

`POST /v1/playground/chat` authorizes the dashboard user (org and role, like every route),
screens the message through ingest's `POST /v2/guard` over loopback with the org's playground
API key (query_api/playground.py), and, unless it was flagged, screens the bot's reply too
(as an assistant message). Each answer is returned exactly as ingest gave it, and each
screening is stored like any other: it shows up in /v1/requests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import structlog
from fastapi import APIRouter, Depends

from query_api.access import Caller, error_responses
from query_api.command_runner import run_command
from query_api.playground import (
    bot_reply,
    ensure_playground_key,
    live_playground_key,
    new_playground_key_id,
    playground_key_secret,
)
from schemas.errors import ApiError, ErrorBody
from schemas.playground import PlaygroundChat, PlaygroundScreening, PlaygroundTurn
from schemas.screening import Message
from streams.config import ConfigLog, ConfigReplica
from streams.config.commands.entity_checks import in_org

log = structlog.get_logger(__name__)

# A key created a moment ago may not have reached ingest's config replica yet: ingest then
# answers 401 and we ask again, for at most this long.
_NEW_KEY_WAIT_S = 10.0


class IngestGuard:
    """The loopback client of ingest's `/v2/guard`."""

    def __init__(self, ingest_url: str, timeout_s: float = 15.0) -> None:
        self.ingest_url = ingest_url
        self.timeout_s = timeout_s
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        """Made on first use, inside the serving event loop; `close` ends it."""
        if self._client is None:
            self._client = httpx.AsyncClient(base_url=self.ingest_url, timeout=self.timeout_s)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def screen(self, secret: str, project_id: str, messages: list[Message]) -> dict[str, Any]:
        body = {
            "messages": [m.model_dump() for m in messages],
            "project_id": project_id,
            "breakdown": True,
            "payload": True,
            "dev_info": True,
            "metadata": {"source": "playground"},
        }
        waited = 0.0
        while True:
            try:
                response = await self.client.post("/v2/guard", json=body, headers={"Authorization": f"Bearer {secret}"})
            except httpx.HTTPError as exc:
                log.error("playground_ingest_unreachable", error_type=type(exc).__name__)
                raise ApiError(503, "the guard API (ingest) is unreachable; retry", "unavailable") from exc
            if response.status_code == 401 and waited < _NEW_KEY_WAIT_S:
                await asyncio.sleep(0.2)
                waited += 0.2
                continue
            return self._answer(response)

    @staticmethod
    def _answer(response: httpx.Response) -> dict[str, Any]:
        if response.status_code == 200:
            return response.json()
        try:
            error = response.json()["error"]
        except (ValueError, KeyError, TypeError):
            error = {"code": "unavailable", "message": f"the guard API answered {response.status_code}", "field": None}
        log.warning("playground_guard_refused", status=response.status_code, code=error.get("code"))
        if response.status_code == 429:  # the org's monthly quota: the visitor should see it as it is
            raise ApiError(429, error.get("message", "quota exceeded"), error.get("code"))
        raise ApiError(503, f"the guard API refused the screening: {error.get('message')}", "unavailable")


def build_playground_router(
    replica: ConfigReplica, config: ConfigLog, authorized: Callable[..., Any], secret_key: str, guard: IngestGuard
) -> APIRouter:
    router = APIRouter(tags=["playground"], responses=error_responses(401, 403))

    async def playground_secret(org_id: str) -> str:
        key = live_playground_key(replica.state, org_id)
        if key is None:
            key_id = new_playground_key_id()
            state = await run_command(config, lambda s: ensure_playground_key(s, org_id, secret_key, key_id))
            key = live_playground_key(state, org_id)  # created now, or by a concurrent request
            if key is None:  # revoked again in the same instant: let the visitor retry
                raise ApiError(503, "the playground key was revoked meanwhile; retry", "unavailable")
            log.info("playground_key_ready", org_id=org_id, key_id=key.id)
        return playground_key_secret(secret_key, key.id)

    @router.post(
        "/v1/playground/chat",
        response_model=PlaygroundTurn,
        responses=error_responses(404, 422, 503) | {429: {"model": ErrorBody, "description": "the org's monthly quota is used up"}},
    )
    async def playground_chat(body: PlaygroundChat, caller: Caller = Depends(authorized)) -> PlaygroundTurn:
        """Screen one message to the example bot with the chosen project's policy; if it is not
        flagged, the bot answers and its reply is screened too. Both screenings are stored and
        appear in the requests list (metadata `source: playground`)."""
        in_org(replica.state.project(body.project_id), caller.org_id, "project", body.project_id, "project_id")
        secret = await playground_secret(caller.org_id)
        sent = [Message(role="user", content=body.message)]
        prompt = PlaygroundScreening(messages=sent, response=await guard.screen(secret, body.project_id, sent))
        if prompt.flagged:
            return PlaygroundTurn(prompt=prompt, blocked=True)
        answer = [Message(role="assistant", content=bot_reply(body.message))]
        reply = PlaygroundScreening(messages=answer, response=await guard.screen(secret, body.project_id, answer))
        return PlaygroundTurn(prompt=prompt, blocked=False, reply=reply)

    return router
