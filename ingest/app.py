"""The ingest HTTP service: authenticate, validate, append to Kafka, answer 202.

A thin adapter: the envelope is built by `build_received`, the write is
`ScreeningProducer.append`; nothing is acknowledged before Kafka acknowledged it.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI, Header, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from deploy.topics import SCREENED_TOPIC, SCREENINGS_TOPIC
from ingest.admission import ApiKeyGrant, authenticate, check_projects
from ingest.key_usage import KeyUsageReporter
from ingest.metrics import IngestMetrics
from ingest.producer import ScreeningProducer
from ingest.quota import QuotaReservations, seconds_until_next_month
from ingest.settings import IngestSettings
from schemas.api import (
    DevInfo,
    GuardRequest,
    ScreeningAccepted,
    ScreeningBatchAccepted,
    ScreeningBatchRequest,
    ScreeningRequest,
    inline_guard_response,
)
from schemas.guard import GuardResponse
from schemas.envelope import Envelope, new_event_id, utc_now
from schemas.errors import ApiError, error_response, install_error_handlers
from schemas.screening import SCREENING_RECEIVED, ScreeningReceived
from streams.config.log import ConfigLog
from streams.config.replica import ConfigReplica
from streams.pii import default_analyzer
from streams.screening import screen_received, screening_config

log = structlog.get_logger(__name__)

GUARDSTREAM_VERSION = importlib.metadata.version("guardstream")


def build_received(request: ScreeningRequest, org_id: str) -> Envelope[ScreeningReceived]:
    """The `screening.received` envelope for one accepted request (pure)."""
    event_id = new_event_id()
    return Envelope[ScreeningReceived](
        event_id=event_id,
        type=SCREENING_RECEIVED,
        occurred_at=utc_now(),
        org_id=org_id,
        project_id=request.project_id,
        data=ScreeningReceived(
            request_id=request.request_id or event_id,
            messages=request.messages,
            metadata=request.metadata,
            latency_ms=request.latency_ms,
            region=request.region,
            client=request.client,
        ),
    )


def create_app(settings: IngestSettings) -> FastAPI:
    metrics = IngestMetrics()
    bootstrap = settings.require_kafka()
    producer = ScreeningProducer(bootstrap, settings.linger_ms)
    replica = ConfigReplica(bootstrap, keep_history=False, client_id="guardstream-ingest")
    config_log = ConfigLog(bootstrap, replica)
    quotas = QuotaReservations(bootstrap)
    key_usage = KeyUsageReporter(config_log)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await replica.start()  # serve nothing before every key and org is known
        await config_log.start()
        await quotas.start()
        await producer.start()
        # Build the PII analyzer now (~1 s: recognizers, phone metadata), not on the first
        # POST /v2/guard, which would otherwise answer that much later than the rest.
        await asyncio.to_thread(default_analyzer)
        log.info("ingest_started", port=settings.port)
        try:
            yield
        finally:
            await producer.stop()  # flushes: in-flight writes finish before exit
            await key_usage.flush()
            await quotas.stop()
            await config_log.stop()
            await replica.stop()

    app = FastAPI(
        title="guardstream ingest",
        version="1",
        lifespan=lifespan,
        description="Guard clients post screening events; answers 202 once Kafka acknowledged.",
    )
    install_error_handlers(app)

    @app.middleware("http")
    async def limit_body(request: Request, call_next):  # type: ignore[no-untyped-def]
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > settings.max_body_bytes:
            metrics.observe_rejection("payload_too_large")
            return error_response(413, f"body over {settings.max_body_bytes} bytes", "payload_too_large")
        return await call_next(request)

    async def accept(authorization: str | None, requests: list[ScreeningRequest]) -> list[ScreeningAccepted]:
        state = replica.state
        grant = authenticate(state, authorization)
        check_projects(state, grant, [r.project_id for r in requests])
        await admit(grant, len(requests))
        envelopes = [build_received(r, grant.org_id) for r in requests]
        await write(grant, envelopes, SCREENINGS_TOPIC)
        return [ScreeningAccepted(event_id=e.event_id, request_id=e.data.request_id) for e in envelopes]

    async def write(grant: ApiKeyGrant, envelopes: list, topic: str) -> None:
        """Append and wait for acks=all; a failed write gives its quota back and answers 503."""
        started = time.perf_counter()
        try:
            await producer.append(envelopes, topic)
        except Exception as exc:  # the broker did not acknowledge: nothing is promised
            log.error("kafka_append_failed", error_type=type(exc).__name__, events=len(envelopes))
            if grant.organization.monthly_quota is not None:
                await quotas.release(grant.org_id, len(envelopes))
            raise ApiError(503, "event log unavailable; retry", "unavailable") from exc
        metrics.observe_ack((time.perf_counter() - started) * 1000, len(envelopes))
        key_usage.saw(grant.key)

    async def admit(grant: ApiKeyGrant, events: int) -> None:
        """429 once the org's month is used up; exact across ingest processes (guard.quota)."""
        limit = grant.organization.monthly_quota
        if limit is None:
            return
        now = utc_now()
        if not await quotas.reserve(grant.org_id, events, limit, now):
            metrics.observe_rejection("quota_exceeded")
            raise ApiError(
                429,
                f"monthly quota of {limit} screenings reached for this organization",
                "quota_exceeded",
                headers={"Retry-After": str(seconds_until_next_month(now))},
            )

    @app.post("/v1/screenings", status_code=202, response_model=ScreeningAccepted)
    async def post_screening(
        body: ScreeningRequest, authorization: str | None = Header(default=None)
    ) -> ScreeningAccepted:
        """Append one screening; 202 only after Kafka acknowledged it (acks=all)."""
        return (await accept(authorization, [body]))[0]

    @app.post("/v1/screenings/batch", status_code=202, response_model=ScreeningBatchAccepted)
    async def post_screening_batch(
        body: ScreeningBatchRequest, authorization: str | None = Header(default=None)
    ) -> ScreeningBatchAccepted:
        """Append up to 1,000 screenings; all are acknowledged, or the call fails."""
        return ScreeningBatchAccepted(accepted=await accept(authorization, body.screenings))

    @app.post(
        "/v2/guard",
        response_model=GuardResponse,
        response_model_exclude_none=True,
        responses={200: {"description": "Lakera v2 body; `breakdown`/`payload`/`dev_info` only when asked for"}},
    )
    async def guard(body: GuardRequest, authorization: str | None = Header(default=None)) -> JSONResponse:
        """Lakera-compatible screening, answered inline by the same detector library as the
        `screen` agent; the event is appended to `guard.screened` already screened (masked)."""
        started = time.perf_counter()
        state = replica.state
        grant = authenticate(state, authorization)
        check_projects(state, grant, [body.project_id])
        await admit(grant, 1)
        request = ScreeningRequest(messages=body.messages, project_id=body.project_id, metadata=body.metadata, client="v2/guard")
        received = build_received(request, grant.org_id)
        policy, prompt_logging = screening_config(state, grant.org_id, body.project_id)
        screened = screen_received(received, policy, prompt_logging, started)
        await write(grant, [screened], SCREENED_TOPIC)
        dev_info = DevInfo(
            version=GUARDSTREAM_VERSION, policy_version=screened.data.policy_version, pipeline_ms=screened.data.pipeline_ms
        )
        return JSONResponse(inline_guard_response(screened.data.api_response, body, dev_info))

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics", response_class=PlainTextResponse)
    async def get_metrics() -> Response:
        return PlainTextResponse(metrics.render(), media_type="text/plain; version=0.0.4")

    return app
