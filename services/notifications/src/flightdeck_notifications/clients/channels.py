"""The channels: email by SMTP (aiosmtplib), Slack by incoming webhook (httpx). Their
failures become DeliveryFailed here, the only place that knows the drivers' errors.

SMTP security: ``starttls`` upgrades the connection before authenticating and refuses to go on
without it; ``tls`` connects with TLS from the start (port 465); ``none`` sends in clear (a
local relay, tests). The certificate is checked against the system's trust store, or
``ca_file`` when set. Credentials are used only when a username is set.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage

import aiosmtplib
import httpx
from pydantic import SecretStr

from flightdeck_notifications.domain.errors import ChannelUnconfigured, DeliveryFailed


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str
    sender: str
    username: str = ""
    password: SecretStr = field(default_factory=lambda: SecretStr(""))
    ca_file: str = ""
    timeout_seconds: float = 30.0


class SmtpAndWebhooks:
    def __init__(self, smtp: SmtpConfig, http: httpx.AsyncClient) -> None:
        self._smtp = smtp
        self._http = http
        self._tls = ssl.create_default_context(cafile=smtp.ca_file or None)

    async def email(self, recipients: tuple[str, ...], subject: str, html_body: str) -> None:
        smtp = self._smtp
        if not smtp.host:
            raise ChannelUnconfigured("no SMTP server configured (email.smtp_host)")
        message = EmailMessage()
        message["From"] = smtp.sender
        message["To"] = ", ".join(recipients)
        message["Subject"] = subject
        message.set_content(html_body, subtype="html")
        try:
            await aiosmtplib.send(
                message,
                hostname=smtp.host,
                port=smtp.port,
                username=smtp.username or None,
                password=smtp.password.get_secret_value() if smtp.username else None,
                use_tls=smtp.security == "tls",
                start_tls=smtp.security == "starttls",
                tls_context=self._tls,
                timeout=smtp.timeout_seconds,
            )
        except (aiosmtplib.SMTPException, OSError) as error:
            raise DeliveryFailed(f"SMTP {smtp.host}:{smtp.port}: {error}") from error

    async def slack(self, webhook: str, text: str) -> None:
        try:
            response = await self._http.post(webhook, json={"text": text})
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"Slack webhook unreachable: {error!r}") from error
        if response.status_code >= 300:
            raise DeliveryFailed(f"Slack webhook answered {response.status_code}: {response.text}")
