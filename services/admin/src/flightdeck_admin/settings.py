from __future__ import annotations

from flyteidl.admin import matchable_resource_pb2
from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict

from flightdeck_admin.domain.outbox import DEFAULT_DELIVERY_ATTEMPTS
from flightdeck_platform.settings import (
    KafkaSettings,
    MongoSettings,
    ServerSettings,
    ServiceSettings,
    TopicReplicationSettings,
)
from flightdeck_storage import StorageConfig


class TaskResourceSettings(BaseModel):
    defaults: dict[str, str] = Field(
        {"cpu": "2", "memory": "200Mi"}, description="Requests given to tasks that set none."
    )
    limits: dict[str, str] = Field(
        {"cpu": "2", "memory": "1Gi", "gpu": "1"},
        description="Platform ceilings; a task requesting more is refused at registration.",
    )


class OutboxSettings(BaseModel):
    relay_interval_seconds: float = Field(
        10.0, description="How often the relay looks for messages a crash left unpublished."
    )
    relay_grace_seconds: float = Field(
        5.0, description="Age before the relay takes over a message from its creating request."
    )
    max_delivery_attempts: int = Field(
        DEFAULT_DELIVERY_ATTEMPTS,
        ge=1,
        description="Failed deliveries of one message (a command Kafka refuses, a blob the object "
        "store refuses) before the relay parks it, kept in the execution's parked_messages with "
        "its error, and moves on. Failures to reach Kafka or the object store are not counted.",
    )
    publish_timeout_seconds: float = Field(
        10.0,
        gt=0,
        description="Longest wait for Kafka to acknowledge a command; past it the delivery is "
        "left to the relay, as when Kafka is unreachable.",
    )


class ExecutorCommandsSettings(TopicReplicationSettings):
    """The executor-commands topic, which admin creates at start-up when missing."""

    partitions: int = Field(
        12,
        ge=1,
        description="Partitions of the executor-commands topic when admin creates it: the most "
        "executor replicas that can share the runs.",
    )


class CacheSettings(BaseModel):
    """In-process read caches (per replica)."""

    ttl_seconds: float = Field(
        5.0,
        ge=0,
        description="How long a project or matchable attribute read is reused; a write through "
        "another replica is seen after at most this long (0 turns the caches off).",
    )
    max_entries: int = Field(
        4096,
        gt=0,
        description="Entries per cache: bounds the memory of projects, attribute candidates "
        "and resolved launch plans with their workflows.",
    )


class AdminSettings(ServiceSettings):
    """Environment prefix ``FLIGHTDECK_ADMIN_``; sections nest with ``__``."""

    model_config = SettingsConfigDict(
        env_prefix="FLIGHTDECK_ADMIN_", env_nested_delimiter="__", extra="ignore"
    )

    server: ServerSettings = ServerSettings(grpc_port=8181, http_port=8180)
    mongo: MongoSettings = MongoSettings()
    storage: StorageConfig = StorageConfig()
    kafka: KafkaSettings = KafkaSettings(client_id="flightdeck-admin")
    outbox: OutboxSettings = OutboxSettings()
    cache: CacheSettings = CacheSettings()
    executor_commands: ExecutorCommandsSettings = ExecutorCommandsSettings()
    task_resources: TaskResourceSettings = TaskResourceSettings()
    max_parallelism: int = Field(25, description="Default max parallelism of an execution.")
    max_nesting: int = Field(
        20,
        ge=1,
        description="Deepest nesting of child executions (launch-plan nodes); a CreateExecution "
        "one level deeper is refused with INVALID_ARGUMENT naming spec.metadata.nesting.",
    )
    parent_node_wait_seconds: float = Field(
        10.0,
        ge=0,
        description="How long a child's CreateExecution waits for its parent node execution to "
        "reach the projection (propeller launches it right after the node's acknowledged event) "
        "before answering NOT_FOUND.",
    )
    seed_projects: list[str] = Field(
        default_factory=list,
        description="Projects registered at start-up when missing (make run seeds flytesnacks, "
        "pyflyte's default project).",
    )
    domains: list[str] = Field(
        ["development", "staging", "production"], description="Domains every project has."
    )

    def workflow_execution_defaults(self) -> matchable_resource_pb2.WorkflowExecutionConfig:
        """The configured fallback below every matchable WORKFLOW_EXECUTION_CONFIG."""
        return matchable_resource_pb2.WorkflowExecutionConfig(max_parallelism=self.max_parallelism)
