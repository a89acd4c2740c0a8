"""Export alerts: an org's failing target becomes an `ExportAlert` on guard.config (shown by
`GET /v1/alerts`) and one email to its admins per opening; a successful write resolves it.

`decide_alert` is pure: from the config state and what this process saw, the alert to upsert
(or none). It runs inside `ConfigLog.execute`, against the freshest state, so an archiver that
restarts while an alert is open — or a second archiver failing for the same org — updates
the open alert instead of opening (and emailing) again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import structlog

from schemas.config_events import ACTOR_SYSTEM, ConfigEvent, config_event
from schemas.environment import GuardEnvironment
from schemas.export import EXPORT_ALERT_UPSERTED, ExportAlert, ExportAlertUpserted
from streams.archiver.mail import alert_email, send_email
from streams.archiver.writes import OrgHealth
from streams.config.log import ConfigLog
from streams.config.state import ConfigState

log = structlog.get_logger(__name__)


def open_alert(state: ConfigState, org_id: str) -> ExportAlert | None:
    return next((a for a in state.export_alerts(org_id) if a.resolved_at is None), None)


@dataclass(frozen=True)
class AlertDecision:
    alert: ExportAlert
    opened: bool  # a new opening: email the admins


def decide_alert(
    state: ConfigState, org_id: str, health: OrgHealth, held_events: int, now: datetime, update_every_s: float
) -> AlertDecision | None:
    """The alert to upsert for `org_id`, given that this process just wrote (health healthy)
    or failed to write (health failing) one of its objects."""
    current = open_alert(state, org_id)
    if not health.failing:
        if current is None:
            return None
        return AlertDecision(current.model_copy(update={"resolved_at": now, "last_seen": now, "held_events": 0}), False)
    reason = health.reason or "write_failed"
    if current is None:
        since = datetime.fromtimestamp(health.failing_since or now.timestamp(), UTC)
        alert = ExportAlert(
            org_id=org_id, reason=reason, message=health.message, since=since, last_seen=now,
            held_events=held_events, resolved_at=None,
        )
        return AlertDecision(alert, True)
    due = (now - current.last_seen).total_seconds() >= update_every_s
    if not due and current.reason == reason:
        return None
    return AlertDecision(
        current.model_copy(update={"reason": reason, "message": health.message, "last_seen": now, "held_events": held_events}),
        False,
    )


def alert_event(alert: ExportAlert) -> ConfigEvent:
    return config_event(EXPORT_ALERT_UPSERTED, alert.org_id, ExportAlertUpserted(actor=ACTOR_SYSTEM, alert=alert))


class Alerts:
    """The edge: appends decided alerts through the ConfigLog and emails on openings."""

    def __init__(self, config: ConfigLog, settings: GuardEnvironment, update_every_s: float) -> None:
        self._config = config
        self._settings = settings
        self._update_every_s = update_every_s

    async def report(self, org_id: str, health: OrgHealth, held_events: int) -> None:
        now = datetime.now(UTC)
        decided: list[AlertDecision] = []

        def decide(state: ConfigState) -> list[ConfigEvent]:
            decided.clear()
            decision = decide_alert(state, org_id, health, held_events, now, self._update_every_s)
            if decision is None:
                return []
            decided.append(decision)
            return [alert_event(decision.alert)]

        try:
            state = await self._config.execute(decide)
        except Exception as exc:  # noqa: BLE001 - Kafka away: the next write retries the report
            log.error("export_alert_not_recorded", org_id=org_id, error=type(exc).__name__)
            return
        if not decided:
            return
        decision = decided[0]
        alert = decision.alert
        if alert.resolved_at is not None:
            log.info("export_alert_resolved", org_id=org_id, since=alert.since.isoformat())
            return
        log.warning("export_alert_open" if decision.opened else "export_alert_updated", org_id=org_id,
                    reason=alert.reason, held_events=held_events)
        if decision.opened:
            email = alert_email(state, org_id, alert.reason, alert.message, alert.since, held_events,
                                self._settings.smtp_from)
            if email is None:
                log.warning("alert_email_not_sent", org_id=org_id, reason="the organization has no admins")
            else:
                await send_email(self._settings, email)
