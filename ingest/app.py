"""The ingest HTTP service: authenticate, validate, append to Kafka, answer 202.

A thin adapter: the envelope is built by `build_received`, the write is
`ScreeningProducer.append`; nothing is acknowledged before Kafka acknowledged it.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI, Header, Request, Response
from fastapi.responses import PlainTextResponse

from ingest.api_keys import ApiKeyDirectory, ApiKeyGrant
from ingest.metrics import IngestMetrics
from ingest.producer import ScreeningProducer
from ingest.settings import IngestSettings
from schemas.api import (
    ScreeningAccepted,
    ScreeningBatchAccepted,
    ScreeningBatchRequest,
    ScreeningRequest,
)
from schemas.bootstrap import BootstrapCredentials
from schemas.envelope import Envelope, new_event_id, utc_now
from schemas.errors import ApiError, error_response, install_error_handlers
from schemas.screening import SCREENING_RECEIVED, ScreeningReceived

log = structlog.get_logger(__name__)


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


def create_app(
    settings: IngestSettings, keys: ApiKeyDirectory | None = None
) -> FastAPI:
    metrics = IngestMetrics()
    if keys is None:
        keys = ApiKeyDirectory()
        if settings.credentials_path.exists():
            creds = BootstrapCredentials.load(settings.credentials_path)
            keys.add(creds.api_key, creds.org_id)
    producer = ScreeningProducer(settings.require_kafka(), settings.linger_ms)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await producer.start()
        log.info("ingest_started", port=settings.port)
        try:
            yield
        finally:
            await producer.stop()  # flushes: in-flight writes finish before exit

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

    async def accept(grant: ApiKeyGrant, requests: list[ScreeningRequest]) -> list[ScreeningAccepted]:
        envelopes = [build_received(r, grant.org_id) for r in requests]
        started = time.perf_counter()
        try:
            await producer.append(envelopes)
        except Exception as exc:  # the broker did not acknowledge: nothing is promised
            log.error("kafka_append_failed", error_type=type(exc).__name__, events=len(envelopes))
            raise ApiError(503, "event log unavailable; retry", "unavailable") from exc
        metrics.observe_ack((time.perf_counter() - started) * 1000, len(envelopes))
        return [ScreeningAccepted(event_id=e.event_id, request_id=e.data.request_id) for e in envelopes]

    @app.post("/v1/screenings", status_code=202, response_model=ScreeningAccepted)
    async def post_screening(
        body: ScreeningRequest, authorization: str | None = Header(default=None)
    ) -> ScreeningAccepted:
        """Append one screening; 202 only after Kafka acknowledged it (acks=all)."""
        grant = keys.authenticate(authorization)
        return (await accept(grant, [body]))[0]

    @app.post("/v1/screenings/batch", status_code=202, response_model=ScreeningBatchAccepted)
    async def post_screening_batch(
        body: ScreeningBatchRequest, authorization: str | None = Header(default=None)
    ) -> ScreeningBatchAccepted:
        """Append up to 1,000 screenings; all are acknowledged, or the call fails."""
        grant = keys.authenticate(authorization)
        return ScreeningBatchAccepted(accepted=await accept(grant, body.screenings))

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics", response_class=PlainTextResponse)
    async def get_metrics() -> Response:
        return PlainTextResponse(metrics.render(), media_type="text/plain; version=0.0.4")

    return app
