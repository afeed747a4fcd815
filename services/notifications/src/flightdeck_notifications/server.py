"""Composition root of the notifications service: settings → Redis (the queue), the edge
channel (GetExecution), the channels (SMTP, Slack webhooks) → the phase feed consumer that
queues, and the dispatcher that sends, beside a host serving /healthcheck, /readyz, /metrics."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta

import httpx

from flightdeck_notifications.clients import admin
from flightdeck_notifications.clients.channels import SmtpAndWebhooks, SmtpConfig
from flightdeck_notifications.consumers import phase_changes
from flightdeck_notifications.domain.messages import Templates
from flightdeck_notifications.domain.rules import SlackRoutes
from flightdeck_notifications.service.dispatch import Dispatcher, Policy
from flightdeck_notifications.service.intake import Intake
from flightdeck_notifications.settings import NotificationsSettings
from flightdeck_notifications.store import jobs
from flightdeck_platform.auth.client import client_interceptors
from flightdeck_platform.entrypoint import run_service
from flightdeck_platform.host import ServiceHost
from flightdeck_platform.kafka_offsets import watch_consumer_lag
from flightdeck_platform.phase_feed import PhaseFeed
from flightdeck_records import topics

SERVICE_NAME = "flightdeck-notifications"


def policy(settings: NotificationsSettings) -> Policy:
    delivery, slack = settings.delivery, settings.slack
    return Policy(
        templates=Templates(settings.email.subject, settings.email.body, slack.text),
        console_url=settings.console_url,
        slack=SlackRoutes(
            slack.default_webhook_url.get_secret_value(),
            {name: url.get_secret_value() for name, url in slack.webhooks.items()},
        ),
        max_attempts=delivery.max_attempts,
        first_backoff=timedelta(seconds=delivery.first_backoff_seconds),
        max_backoff=timedelta(seconds=delivery.max_backoff_seconds),
        lease=timedelta(seconds=delivery.lease_seconds),
        batch=delivery.batch,
    )


def smtp_config(settings: NotificationsSettings) -> SmtpConfig:
    email = settings.email
    return SmtpConfig(
        host=email.smtp_host,
        port=email.smtp_port,
        security=email.security,
        sender=email.sender,
        username=email.username,
        password=email.password,
        ca_file=email.ca_file,
        timeout_seconds=email.timeout_seconds,
    )


@contextlib.asynccontextmanager
async def wired(settings: NotificationsSettings) -> AsyncIterator[ServiceHost]:
    """The host (not started), with the dispatcher running until the block ends. Readiness is
    Redis answering and the feed consumer started; admin and the channels are retried per job
    and show in the metrics."""
    client = jobs.connect(settings.redis)
    queue = jobs.RedisJobQueue(
        client,
        settings.queue.key_prefix,
        timedelta(seconds=settings.queue.dedup_seconds),
        settings.queue.dead_letter_cap,
    )
    edge = admin.channel(
        settings.control_plane.target,
        settings.server.max_message_bytes,
        client_interceptors(settings.auth, "flightdeck-notifications"),
    )
    http = httpx.AsyncClient(timeout=settings.slack.timeout_seconds)
    dispatcher = Dispatcher(
        queue,
        admin.GrpcExecutions(edge, settings.control_plane.call_timeout_seconds),
        SmtpAndWebhooks(smtp_config(settings), http),
        policy(settings),
    )
    feed = PhaseFeed(
        settings.kafka,
        settings.topics.prefix + topics.EXECUTION_PHASES,
        settings.phase_feed,
        phase_changes.notifications_reader(Intake(queue)),
    )
    sending = asyncio.create_task(dispatcher.run(settings.delivery.poll_interval_seconds))
    try:
        lag = watch_consumer_lag(settings.kafka, settings.phase_feed.consumer_group, [feed.topic])
        yield ServiceHost(
            name=SERVICE_NAME,
            settings=settings.server,
            probes={"redis": lambda: jobs.ping(client)},
            connectors={"phase feed consumer": feed.start},
            companions={"consumer lag": lag.run},
        )
    finally:
        sending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sending
        await feed.stop()
        await http.aclose()
        await edge.close()
        await client.aclose()


async def serve(settings: NotificationsSettings) -> None:
    async with wired(settings) as host:
        await host.run_until_signalled()


def main(argv: Sequence[str] | None = None) -> None:
    run_service(SERVICE_NAME, NotificationsSettings, serve, argv)
