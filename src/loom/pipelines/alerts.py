"""Alerts when a scheduled run ends: a JSON webhook POST and/or an e-mail over SMTP.

Delivery is best effort: a receiver that is down or slow is logged, never
raised, because an alert must not take the scheduler (and with it every other
schedule) down with it.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Any

from loom.core.config import Settings
from loom.pipelines.schemas import ScheduleAlerts

logger = logging.getLogger(__name__)
WEBHOOK_TIMEOUT_S = 5.0
SMTP_TIMEOUT_S = 10.0


def outcome(state: str) -> str:
    """``success`` for a succeeded job, ``failure`` for a failed or cancelled one."""
    return "success" if state == "succeeded" else "failure"


def send_webhook(url: str, payload: dict[str, Any]) -> bool:
    """POST ``payload`` as JSON; True when the receiver answered 2xx."""
    import httpx

    try:
        response = httpx.post(url, json=payload, timeout=WEBHOOK_TIMEOUT_S)
    except httpx.HTTPError as exc:
        logger.warning("pipeline alert webhook %s failed: %s", url, exc)
        return False
    if response.status_code >= 300:
        logger.warning(
            "pipeline alert webhook %s answered %s", url, response.status_code
        )
        return False
    return True


def email_message(
    settings: Settings, recipients: list[str], payload: dict[str, Any]
) -> EmailMessage:
    """The alert e-mail: the subject names the pipeline and the outcome."""
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(recipients)
    message["Subject"] = f"[Loom] pipeline {payload['pipeline']} run {payload['state']}"
    lines = [
        f"Pipeline: {payload['pipeline']}",
        f"Run: {payload['run_id']}",
        f"State: {payload['state']}",
        f"Finished at: {payload['finished_at']}",
    ]
    if payload.get("error"):
        lines.append(f"Error: {payload['error']}")
    message.set_content("\n".join(lines) + "\n")
    return message


def send_email(
    settings: Settings, recipients: list[str], payload: dict[str, Any]
) -> bool:
    """Send the alert through the configured SMTP server; True when accepted."""
    if not settings.smtp_host:
        logger.warning(
            "pipeline alert for %s not e-mailed: LOOM_SMTP_HOST is not set",
            payload["pipeline"],
        )
        return False
    message = email_message(settings, recipients, payload)
    try:
        with smtplib.SMTP(
            settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_S
        ) as smtp:
            if settings.smtp_user:
                smtp.ehlo()
                if smtp.has_extn("starttls"):
                    smtp.starttls()
                    smtp.ehlo()
                password = settings.smtp_password
                smtp.login(
                    settings.smtp_user,
                    password.get_secret_value() if password else "",
                )
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        logger.warning("pipeline alert e-mail to %s failed: %s", recipients, exc)
        return False
    return True


def deliver(
    settings: Settings, alerts: ScheduleAlerts, payload: dict[str, Any]
) -> dict[str, bool]:
    """Send the alert through every configured channel if the outcome asks for it.

    Returns:
        channel → whether it was delivered (empty when the outcome is not wanted).
    """
    if outcome(str(payload["state"])) not in alerts.on:
        return {}
    sent: dict[str, bool] = {}
    if alerts.webhook_url:
        sent["webhook"] = send_webhook(alerts.webhook_url, payload)
    if alerts.email:
        sent["email"] = send_email(settings, alerts.email, payload)
    return sent
