from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from flightdeck_platform.settings import (
    KafkaSettings,
    PhaseFeedSettings,
    PhaseFeedTopicSettings,
    RedisSettings,
    ServerSettings,
    ServiceSettings,
)

DAY_SECONDS = 24 * 3600.0

DEFAULT_SUBJECT = 'Flyte execution "{{ name }}" {{ phase }} in {{ project }}/{{ domain }}'
DEFAULT_BODY = (
    "<p>Execution <b>{{ name }}</b> of launch plan {{ launch_plan.name }} in project "
    "{{ project }}, domain {{ domain }}, reached phase {{ phase }}.{{ error }}</p>"
    '<p><a href="{{ url }}">{{ url }}</a></p>'
)
DEFAULT_SLACK = (
    "Execution *{{ name }}* in {{ project }}/{{ domain }} reached phase *{{ phase }}*."
    "{{ error }} <{{ url }}|Open the run>"
)


class QueueSettings(BaseModel):
    key_prefix: str = Field(
        "flightdeck:notifications", description="Prefix (hash tag) of every Redis key written."
    )
    dedup_seconds: float = Field(
        7 * DAY_SECONDS,
        gt=0,
        description="How long an (execution, phase) stays known, so a feed replay within it "
        "notifies nothing twice.",
    )
    dead_letter_cap: int = Field(10_000, gt=0, description="Dead-lettered jobs kept.")


class ControlPlaneSettings(BaseModel):
    target: str = Field("127.0.0.1:8089", description="gRPC address of the edge (GetExecution).")
    call_timeout_seconds: float = Field(30.0, gt=0, description="Deadline of one gRPC call.")


class DeliverySettings(BaseModel):
    poll_interval_seconds: float = Field(
        1.0, gt=0, description="How often due jobs are looked for."
    )
    batch: int = Field(16, gt=0, description="Jobs handled at once.")
    lease_seconds: float = Field(
        120.0,
        gt=0,
        description="How long a claimed job is hidden from other replicas (longer than one "
        "job's sends take, timeouts included).",
    )
    max_attempts: int = Field(
        8, ge=1, description="Failed attempts after which a job is dead-lettered."
    )
    first_backoff_seconds: float = Field(5.0, gt=0, description="Delay after a first failure.")
    max_backoff_seconds: float = Field(600.0, gt=0, description="Longest delay between attempts.")


class EmailSettings(BaseModel):
    smtp_host: str = Field("", description="SMTP server; empty: email (and PagerDuty) is off.")
    smtp_port: int = Field(587, description="SMTP port (587 for starttls, 465 for tls).")
    security: Literal["starttls", "tls", "none"] = Field(
        "starttls", description="starttls (required), tls (implicit, SMTPS) or none."
    )
    username: str = Field("", description="SMTP login; empty: no authentication.")
    password: SecretStr = Field(SecretStr(""), description="SMTP password.")
    ca_file: str = Field("", description="CA bundle to check the server with; empty: system's.")
    sender: str = Field("flightdeck@localhost", description="From address.")
    timeout_seconds: float = Field(30.0, gt=0, description="SMTP connection and command timeout.")
    subject: str = Field(DEFAULT_SUBJECT, description="Subject template.")
    body: str = Field(DEFAULT_BODY, description="HTML body template (also for PagerDuty).")


class SlackSettings(BaseModel):
    default_webhook_url: SecretStr = Field(
        SecretStr(""), description="Incoming webhook for Slack recipients without their own."
    )
    webhooks: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="Slack recipient as rules name it (a channel address) → incoming webhook.",
    )
    text: str = Field(DEFAULT_SLACK, description="Message template (Slack mrkdwn).")
    timeout_seconds: float = Field(10.0, gt=0, description="Webhook call timeout.")


class NotificationsSettings(ServiceSettings):
    """Environment prefix ``FLIGHTDECK_NOTIFICATIONS_``; sections nest with ``__``."""

    model_config = SettingsConfigDict(
        env_prefix="FLIGHTDECK_NOTIFICATIONS_", env_nested_delimiter="__", extra="ignore"
    )

    server: ServerSettings = ServerSettings(grpc_port=0, http_port=8780)
    kafka: KafkaSettings = KafkaSettings(client_id="flightdeck-notifications")
    topics: PhaseFeedTopicSettings = PhaseFeedTopicSettings()
    phase_feed: PhaseFeedSettings = PhaseFeedSettings(consumer_group="flightdeck-notifications")
    redis: RedisSettings = RedisSettings()
    queue: QueueSettings = QueueSettings()
    control_plane: ControlPlaneSettings = ControlPlaneSettings()
    delivery: DeliverySettings = DeliverySettings()
    console_url: str = Field(
        "http://127.0.0.1:8088/console", description="Base of the run URLs ({{ url }})."
    )
    email: EmailSettings = EmailSettings()
    slack: SlackSettings = SlackSettings()
