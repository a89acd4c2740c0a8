"""Alert emails to an organization's admins, through the configured SMTP server.

`alert_email` is pure (what is said, to whom); `send_email` is the edge (stdlib smtplib in a
thread). Without GUARD_SMTP_HOST nothing is sent: the archiver logs "no SMTP configured".
Emails never carry credentials: the message names the reason and what to do.
"""

from __future__ import annotations

import asyncio
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage

import structlog

from schemas.environment import GuardEnvironment
from streams.config.state import ConfigState

log = structlog.get_logger(__name__)

REASON_TEXT = {
    "bad_credentials": "the access key or secret was rejected (bad credentials)",
    "no_such_bucket": "the bucket does not exist",
    "access_denied": "the credentials are not allowed to write there (access denied)",
    "endpoint_unreachable": "the storage endpoint cannot be reached",
    "write_failed": "writing the log objects failed",
}


def admin_emails(state: ConfigState, org_id: str) -> list[str]:
    return [user.email for membership, user in state.members(org_id) if membership.role == "admin"]


def alert_email(
    state: ConfigState, org_id: str, reason: str, message: str, since: datetime, held_events: int, sender: str
) -> EmailMessage | None:
    """The email telling the org's admins that their log export is failing; None without admins."""
    recipients = admin_emails(state, org_id)
    if not recipients:
        return None
    org = state.organization(org_id)
    name = org.name if org is not None else org_id
    email = EmailMessage()
    email["From"] = sender
    email["To"] = ", ".join(recipients)
    email["Subject"] = f"[guardstream] Log export failing for {name}: {reason}"
    email.set_content(
        f"The export of Guard logs for {name} ({org_id}) to your S3 bucket is failing since "
        f"{since.astimezone(UTC).strftime('%Y-%m-%d %H:%M:%S UTC')}: {REASON_TEXT.get(reason, reason)}.\n\n"
        f"Details: {message}\n\n"
        f"No logs are lost: {held_events} events so far are held and will be written, exactly once, "
        "as soon as the export works again. Check the bucket and credentials under Settings → "
        "Export logs, use Test authentication, and save.\n"
    )
    return email


async def send_email(settings: GuardEnvironment, email: EmailMessage) -> bool:
    """Send through GUARD_SMTP_HOST:GUARD_SMTP_PORT; False (logged) when unset or failing."""
    if not settings.smtp_host:
        log.warning("alert_email_not_sent", reason="no SMTP configured", to=email["To"])
        return False

    def deliver() -> None:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
            smtp.send_message(email)

    try:
        await asyncio.to_thread(deliver)
    except (OSError, smtplib.SMTPException) as exc:
        log.error("alert_email_failed", error=type(exc).__name__, smtp_host=settings.smtp_host)
        return False
    log.info("alert_email_sent", to=email["To"], subject=email["Subject"])
    return True
